"""GraphQL types and mutations: observations."""
