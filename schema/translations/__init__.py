"""GraphQL types and mutations: translations and language negotiation."""
