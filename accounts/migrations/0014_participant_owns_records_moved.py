"""`Participant.owns_records` now lives in reporting's `RecordOwner` (reporting 0028 copied it)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0013_password_recovery_audit"),
        ("reporting", "0028_record_owner"),
    ]

    operations = [migrations.RemoveField(model_name="participant", name="owns_records")]
