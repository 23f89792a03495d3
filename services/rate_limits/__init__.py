"""The query-cost budget each client may spend per minute, shared by every API process."""
