"""GraphQL types of collaboratives."""
