"""GraphQL types and mutations: spreadsheets of observations."""
