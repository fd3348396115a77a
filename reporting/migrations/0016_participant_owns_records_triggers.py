"""`Participant.owns_records` kept by PostgreSQL: true once a record of the participant is written,
never false again. The read path trusts it to leave the own-records arm out of the page of a
participant owning none (reporting.reciprocity.visible_incidents), so the database keeps it, for
every way a record is written (the entry form's INSERT, an import's INSERT … SELECT, the demo's
COPY), in the writing transaction:

- after each INSERT statement on the records, one UPDATE of the owners among the rows it added
  (a statement trigger with the added rows as a transition table: one per statement, not per row);
- after a record's owner changes (the application never does it; the database would still follow);
- and a participant saved from a stale copy (owns_records false in memory) keeps it true.

Existing participants are set from their records. PostgreSQL only: elsewhere (the embedded demo's
SQLite) the flag is not kept and nothing reads it.
"""

from django.db import migrations

ADD = r"""
CREATE FUNCTION rcp_owners_of_added() RETURNS trigger LANGUAGE plpgsql AS $rcp$
BEGIN
  UPDATE accounts_participant SET owns_records = true
   WHERE id IN (SELECT participant_id FROM rcp_added) AND NOT owns_records;
  RETURN NULL;
END
$rcp$;
CREATE TRIGGER incident_owners_added AFTER INSERT ON reporting_incident
  REFERENCING NEW TABLE AS rcp_added FOR EACH STATEMENT EXECUTE FUNCTION rcp_owners_of_added();

CREATE FUNCTION rcp_owner_of_moved() RETURNS trigger LANGUAGE plpgsql AS $rcp$
BEGIN
  UPDATE accounts_participant SET owns_records = true WHERE id = NEW.participant_id AND NOT owns_records;
  RETURN NULL;
END
$rcp$;
CREATE TRIGGER incident_owner_moved AFTER UPDATE OF participant_id ON reporting_incident
  FOR EACH ROW WHEN (OLD.participant_id IS DISTINCT FROM NEW.participant_id) EXECUTE FUNCTION rcp_owner_of_moved();

CREATE FUNCTION rcp_owns_records_kept() RETURNS trigger LANGUAGE plpgsql AS $rcp$
BEGIN
  NEW.owns_records := true;
  RETURN NEW;
END
$rcp$;
CREATE TRIGGER participant_owns_records_kept BEFORE UPDATE OF owns_records ON accounts_participant
  FOR EACH ROW WHEN (OLD.owns_records AND NOT NEW.owns_records) EXECUTE FUNCTION rcp_owns_records_kept();

UPDATE accounts_participant p SET owns_records = EXISTS (SELECT 1 FROM reporting_incident i WHERE i.participant_id = p.id);
"""

DROP = r"""
DROP TRIGGER IF EXISTS participant_owns_records_kept ON accounts_participant;
DROP FUNCTION IF EXISTS rcp_owns_records_kept();
DROP TRIGGER IF EXISTS incident_owner_moved ON reporting_incident;
DROP FUNCTION IF EXISTS rcp_owner_of_moved();
DROP TRIGGER IF EXISTS incident_owners_added ON reporting_incident;
DROP FUNCTION IF EXISTS rcp_owners_of_added();
"""


def add_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ADD, params=None)


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0009_participant_owns_records"),
        ("reporting", "0015_return_not_submitted_index"),
    ]

    operations = [migrations.RunPython(add_triggers, drop_triggers)]
