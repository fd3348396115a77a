"""Policy version 1 with the design's defaults, and the PostgreSQL check that breakdown rows never
add up to more than their incident's totals (a deferred constraint trigger, so a form can write an
incident and its rows in any order within one transaction)."""

from django.db import migrations

BREAKDOWN_TRIGGER = """
CREATE OR REPLACE FUNCTION reporting_breakdown_within_totals() RETURNS trigger AS $$
DECLARE
    target_id bigint;
    over record;
BEGIN
    IF TG_TABLE_NAME = 'reporting_incident' THEN
        target_id := NEW.id;
    ELSIF TG_OP = 'DELETE' THEN
        RETURN NULL;
    ELSE
        target_id := NEW.incident_id;
    END IF;
    SELECT b.group, SUM(b.count) AS counted,
           CASE WHEN b.group = 'migrant' THEN i.migrants_total ELSE i.smugglers_total END AS total
      INTO over
      FROM reporting_personbreakdown b JOIN reporting_incident i ON i.id = b.incident_id
     WHERE b.incident_id = target_id
     GROUP BY b.group, i.migrants_total, i.smugglers_total
    HAVING SUM(b.count) > CASE WHEN b.group = 'migrant' THEN i.migrants_total ELSE i.smugglers_total END
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'breakdown rows of % add up to %, above the total of %', over.group, over.counted, over.total
            USING ERRCODE = 'check_violation', CONSTRAINT = 'breakdown_within_totals';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE CONSTRAINT TRIGGER breakdown_within_totals
    AFTER INSERT OR UPDATE ON reporting_personbreakdown
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    EXECUTE FUNCTION reporting_breakdown_within_totals();

CREATE CONSTRAINT TRIGGER incident_totals_cover_breakdown
    AFTER UPDATE OF migrants_total, smugglers_total ON reporting_incident
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    EXECUTE FUNCTION reporting_breakdown_within_totals();
"""

DROP_TRIGGER = """
DROP TRIGGER IF EXISTS incident_totals_cover_breakdown ON reporting_incident;
DROP TRIGGER IF EXISTS breakdown_within_totals ON reporting_personbreakdown;
DROP FUNCTION IF EXISTS reporting_breakdown_within_totals();
"""


def create_default_policy(apps, schema_editor):
    apps.get_model("reporting", "ReciprocityPolicy").objects.get_or_create(
        version=1, defaults={"reason": "Initial policy with the defaults of the design."}
    )


def add_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BREAKDOWN_TRIGGER, params=None)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_TRIGGER, params=None)


class Migration(migrations.Migration):
    dependencies = [("reporting", "0001_initial")]

    operations = [
        migrations.RunPython(create_default_policy, migrations.RunPython.noop),
        migrations.RunPython(add_trigger, drop_trigger),
    ]
