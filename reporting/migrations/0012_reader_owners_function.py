"""The read path's owners as a PostgreSQL function, `rcp_reader_owners(viewer, on_day, month_start,
end_of_day)`: the owners whose shared records a participant's user may read on a day (guardian's
grants, the owners' status and exclusions, the viewer's standing under the policy in force), as an
array. The record list's page calls it once (reporting.reciprocity.visible_incidents) instead of
carrying the same decision as sub-queries that PostgreSQL planned again on every page; PL/pgSQL
keeps the plan for the session. STABLE: it reads with the calling page's snapshot.

The text is reporting.reciprocity.reader_owners_function_sql() as it stood; a test compares the
database's function with that function's current text, so a change of the rule there needs a new
migration. PostgreSQL only.
"""

# ruff: noqa: E501 - the function's text exactly as reporting.reciprocity generates it, one line per statement

from django.db import migrations

ADD = r"""
CREATE OR REPLACE FUNCTION rcp_reader_owners(viewer bigint, on_day date, month_start date, end_of_day timestamptz) RETURNS bigint[] LANGUAGE plpgsql STABLE AS $rcp$
BEGIN
  RETURN ARRAY(SELECT rcp_g.content_object_id FROM "accounts_participantgroupobjectpermission" rcp_g WHERE rcp_g.group_id = (SELECT rcp_vg.group_id FROM "accounts_participant" rcp_vg WHERE rcp_vg.id = viewer) AND rcp_g.permission_id = (SELECT rcp_pm.id FROM "auth_permission" rcp_pm WHERE rcp_pm.codename = 'view_shared_records') AND rcp_g.content_object_id <> viewer AND (rcp_g.content_object_id IN (SELECT rcp_o.id FROM "accounts_participant" rcp_o WHERE rcp_o.status = 'active')) IS TRUE AND rcp_g.content_object_id NOT IN (SELECT rcp_x.owner_id FROM "reporting_sharingexclusion" rcp_x WHERE rcp_x.partner_id = viewer) AND EXISTS (SELECT 1 FROM "accounts_participant" rcp_v LEFT JOIN (SELECT min_returns, window_months, grace_days FROM "reporting_reciprocitypolicy" ORDER BY version DESC LIMIT 1) rcp_p ON TRUE WHERE rcp_v.id = viewer AND rcp_v.status = 'active' AND (rcp_v.joined_on + COALESCE(rcp_p.grace_days, 90) > on_day OR COALESCE(rcp_p.min_returns, 3) <= (SELECT count(*) FROM "reporting_return" rcp_r WHERE rcp_r.participant_id = rcp_v.id AND rcp_r.status = 'submitted' AND rcp_r.month >= (month_start::date - make_interval(months => COALESCE(rcp_p.window_months, 6)))::date AND rcp_r.month < month_start AND rcp_r.submitted_at < end_of_day))));
END
$rcp$
"""
DROP = "DROP FUNCTION IF EXISTS rcp_reader_owners(bigint, date, date, timestamptz)"


def add_function(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ADD, params=None)


def drop_function(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("reporting", "0011_incident_shared_order")]

    operations = [migrations.RunPython(add_function, drop_function)]
