"""The collaborative: the tenant. Nothing crosses its boundary except public data."""
