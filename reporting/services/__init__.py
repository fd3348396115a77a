"""Writes of the reporting app, one module per sub-domain (README, "How the code is laid out")."""
