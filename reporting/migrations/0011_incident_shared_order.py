"""The record list's order over the records their owners share one by one (validated, sharing level
`shared`): a reader that owns no records has a page made only of those, and reads it from this
index's first entries. Through the reader-key index of 0009 the same page first stepped over every
other owner's unshared records newer than it (at a million records, the current months' drafts:
tens of thousands of index entries, about a millisecond). The read path (reporting.reciprocity.
visible_incidents) states the same condition, so PostgreSQL proves the index usable. PostgreSQL
only, outside the model state, as 0004 and 0008.
"""

from django.db import migrations

ADD = """
CREATE INDEX IF NOT EXISTS incident_shared_order ON reporting_incident (detection_date DESC, id DESC)
WHERE status = 'validated' AND sharing_level = 'shared'
"""
DROP = "DROP INDEX IF EXISTS incident_shared_order"


def add_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ADD, params=None)


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("reporting", "0010_incident_fewer_indexes")]

    operations = [migrations.RunPython(add_index, drop_index)]
