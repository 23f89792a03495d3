"""Proposals, comments, votes and their tally, as GraphQL types and mutations."""
