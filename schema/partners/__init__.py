"""GraphQL types and mutations of partners."""
