"""HTML views of the reporting app, one module per area (records, sharing, entry, returns)."""
