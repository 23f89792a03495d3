"""Releases: a closed reporting period's aggregates, published once and revised openly."""
