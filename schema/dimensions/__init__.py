"""GraphQL types and mutations: dimensions."""
