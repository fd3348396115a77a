"""Writes of the reporting app, one module per sub-domain (STYLE.md section 2)."""
