"""GraphQL types and fields of the analytics area: aggregates, series and disparities."""
