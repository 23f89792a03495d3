"""The SQL side of compiled reads (schema/compiled): statements that build answers as JSON."""
