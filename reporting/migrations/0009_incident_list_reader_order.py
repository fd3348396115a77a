"""The record list's order for a reader under the reciprocity rule (reporting.models.reader_key):
the index's own entries tell another owner's unshared record from a readable one, so the first
page of a reader's list skips those without reading their rows. No data changes: the keys are
expressions of existing columns."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0008_incident_search_index"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="incident",
            index=models.Index(
                models.OrderBy(models.F("detection_date"), descending=True),
                models.OrderBy(models.F("id"), descending=True),
                models.Case(
                    models.When(status="validated", sharing_level="shared", then=models.Value(0)),
                    default=models.F("participant_id"),
                    output_field=models.BigIntegerField(),
                ),
                models.Case(
                    models.When(status="validated", sharing_level="shared", then=models.Value(9223372036854775807)),
                    default=models.F("participant_id"),
                    output_field=models.BigIntegerField(),
                ),
                name="incident_list_reader_order",
            ),
        ),
    ]
