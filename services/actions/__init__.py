"""Action items and the accountability view (issue 5)."""
