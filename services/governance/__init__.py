"""Governance: members propose indicators and shared measures, vote, and ratify by dual majority."""
