"""Performance measures defined by partners, and shared measures ratified by the table."""
