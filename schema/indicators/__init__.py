"""GraphQL types and mutations: indicators."""
