"""Analytics over observations: aggregates, suppression, trends and disparities."""
