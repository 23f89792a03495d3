"""GraphQL types and mutations: agenda."""
