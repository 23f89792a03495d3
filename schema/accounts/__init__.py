"""GraphQL types and mutations of people: invitations, members, API keys, new collaboratives."""
