"""The secretariat's console: its pages (views), their input shapes (forms) and the audit trail
they read (audit). Other parts of reporting do not import from here."""
