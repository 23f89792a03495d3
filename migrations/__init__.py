"""Alembic migrations: tables, roles, grants and row-level-security policies."""
