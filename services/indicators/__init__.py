"""Population indicators: community-defined measures of the collaborative's results."""
