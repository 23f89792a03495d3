"""Disaggregation vocabularies chosen by the community: dimensions and their categories."""
