"""Compiled reads: a query's root field answered by one SQL statement that builds its JSON.

For the reads dashboards make again and again (a partner's measures with their latest
values, a page of measures with their partners), resolving field by field costs far more
in Python than PostgreSQL spends finding the rows. Where every field a root field asks for
is one the catalogue knows (schema/compiled/catalogue.py), the field is planned once per
document and answered per request by one statement, under the same visibility predicates
and row-level security, with the same answer: anything else, and any request the plan
cannot answer exactly as field-by-field execution would, runs the usual way.
"""
