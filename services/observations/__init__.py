"""Observations of measures and indicators: batches, revisions, drafts, targets."""
