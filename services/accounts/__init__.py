"""People, their memberships in collaboratives, and partner systems' API keys."""
