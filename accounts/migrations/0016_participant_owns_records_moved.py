"""`Participant.owns_records` now lives in reporting's `RecordOwner` (reporting 0029 copied it)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0015_context_audit_action"),
        ("reporting", "0030_record_owner"),
    ]

    operations = [migrations.RemoveField(model_name="participant", name="owns_records")]
