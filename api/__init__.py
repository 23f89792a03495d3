"""The HTTP edge of Tablero: app factory, settings, authentication, context, command line.

Nothing here decides who sees what; that is services/policy.py and the database.
"""
