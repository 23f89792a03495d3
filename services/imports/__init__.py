"""Observations as spreadsheets: a template per measure or indicator, import, and export.

One file format both ways (`layout`), so that an export imports back unchanged; rows read
from a file (`rows`) become the same ObservationInput a GraphQL batch carries and go through
the same checks and the same write (`services.observations.service.record_batch`).
"""
