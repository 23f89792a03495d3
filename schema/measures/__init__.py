"""GraphQL types and mutations: measures."""
