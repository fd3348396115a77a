"""A GIN index for the API's full-text search (`q` on GET /api/v1/incidents/).

Without it a search computes the text vector of every record the caller may read (a word found in
no record scans them all: seconds at a million records). The indexed expression is exactly the
one reporting/api/filters.py searches (SearchVector of narrative, place and national reference,
`simple` configuration), so PostgreSQL uses the index for it. PostgreSQL only: the embedded SQLite
default searches with LIKE instead, and the index stays out of the model state, as in 0004.
"""

from django.db import migrations

ADD = """
CREATE INDEX IF NOT EXISTS incident_search ON reporting_incident USING gin (
    to_tsvector(
        'simple'::regconfig,
        COALESCE(narrative, '') || ' ' || COALESCE(detection_place, '') || ' ' || COALESCE(national_reference, '')
    )
)
"""
DROP = "DROP INDEX IF EXISTS incident_search"


def add_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ADD, params=None)


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("reporting", "0007_audit_time_indexes")]

    operations = [migrations.RunPython(add_index, drop_index)]
