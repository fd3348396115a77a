"""Whether a participant owns records moves from accounts' `Participant.owns_records` to reporting's
`RecordOwner` (a row per participant that owns or has owned a record): only reporting's triggers
write it and only its read path reads it. PostgreSQL keeps it, for every way a record is written
(the entry form's INSERT, an import's INSERT … SELECT, the demo's COPY), in the writing transaction:

- after each INSERT statement on the records, one INSERT of the owners among the rows it added
  (a statement trigger with the added rows as a transition table: one per statement, not per row);
- after a record's owner changes (the application never does it; the database would still follow).

The rows are copied from the old flag (accounts 0015 then drops it). The application never deletes
them, so an owner stays one. PostgreSQL only: elsewhere (the embedded demo's SQLite) the table is
not kept and nothing reads it.
"""

import importlib

import django.db.models.deletion
from django.db import migrations, models

ADD = r"""
DROP TRIGGER IF EXISTS participant_owns_records_kept ON accounts_participant;
DROP FUNCTION IF EXISTS rcp_owns_records_kept();
DROP TRIGGER IF EXISTS incident_owner_moved ON reporting_incident;
DROP FUNCTION IF EXISTS rcp_owner_of_moved();
DROP TRIGGER IF EXISTS incident_owners_added ON reporting_incident;
DROP FUNCTION IF EXISTS rcp_owners_of_added();

CREATE FUNCTION rcp_owners_of_added() RETURNS trigger LANGUAGE plpgsql AS $rcp$
BEGIN
  INSERT INTO reporting_recordowner (participant_id)
    SELECT DISTINCT participant_id FROM rcp_added ON CONFLICT DO NOTHING;
  RETURN NULL;
END
$rcp$;
CREATE TRIGGER incident_owners_added AFTER INSERT ON reporting_incident
  REFERENCING NEW TABLE AS rcp_added FOR EACH STATEMENT EXECUTE FUNCTION rcp_owners_of_added();

CREATE FUNCTION rcp_owner_of_moved() RETURNS trigger LANGUAGE plpgsql AS $rcp$
BEGIN
  INSERT INTO reporting_recordowner (participant_id) VALUES (NEW.participant_id) ON CONFLICT DO NOTHING;
  RETURN NULL;
END
$rcp$;
CREATE TRIGGER incident_owner_moved AFTER UPDATE OF participant_id ON reporting_incident
  FOR EACH ROW WHEN (OLD.participant_id IS DISTINCT FROM NEW.participant_id) EXECUTE FUNCTION rcp_owner_of_moved();

INSERT INTO reporting_recordowner (participant_id) SELECT id FROM accounts_participant WHERE owns_records
  ON CONFLICT DO NOTHING;
"""

DROP = r"""
DROP TRIGGER IF EXISTS incident_owner_moved ON reporting_incident;
DROP FUNCTION IF EXISTS rcp_owner_of_moved();
DROP TRIGGER IF EXISTS incident_owners_added ON reporting_incident;
DROP FUNCTION IF EXISTS rcp_owners_of_added();
"""


def add_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ADD, params=None)


def drop_triggers(apps, schema_editor):
    # Back to the flag on accounts' participants (accounts 0015 reversed first), kept by 0016's triggers.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)
        flag = importlib.import_module("reporting.migrations.0016_participant_owns_records_triggers")
        schema_editor.execute(flag.ADD, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0013_password_recovery_audit"),
        ("reporting", "0029_national_context"),
    ]

    operations = [
        migrations.CreateModel(
            name="RecordOwner",
            fields=[
                (
                    "participant",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="accounts.participant",
                    ),
                ),
            ],
            options={"verbose_name": "record owner", "verbose_name_plural": "record owners"},
        ),
        migrations.RunPython(add_triggers, drop_triggers),
    ]
