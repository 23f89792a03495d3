"""Data to start from: the demo collaborative (deterministic)."""
