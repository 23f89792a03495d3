"""The GraphQL schema: Strawberry types and thin resolvers that call services/."""
