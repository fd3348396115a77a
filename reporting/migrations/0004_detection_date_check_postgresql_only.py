"""The detection date may not lie in the future (one day of tolerance for time zones ahead of UTC).

A CHECK constraint that reads the clock works in PostgreSQL; SQLite refuses one ("non-deterministic
use of strftime() in a CHECK constraint"), which broke every insert in the embedded default. So
the constraint leaves the model state and is created in PostgreSQL only; Incident.clean() checks
the same rule on every backend.
"""

from django.db import migrations

ADD = """
ALTER TABLE reporting_incident ADD CONSTRAINT incident_detection_not_future
    CHECK (detection_date <= (now() + interval '1 day'))
"""
DROP = "ALTER TABLE reporting_incident DROP CONSTRAINT IF EXISTS incident_detection_not_future"


def add_check(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ADD, params=None)


def drop_check(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("reporting", "0003_incident_drafts_comments_screening_override")]

    operations = [
        migrations.RemoveConstraint(model_name="incident", name="incident_detection_not_future"),
        migrations.RunPython(add_check, drop_check),
    ]
