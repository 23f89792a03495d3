"""Domain rules, the visibility policy and every SQL statement of Tablero.

Nothing in services/ imports schema/ or api/: data flows one way, from a resolver to a
service to the database, under the viewer's policy.
"""
