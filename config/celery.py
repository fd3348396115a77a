"""The Celery app: wiring and the whole beat schedule (README, "How the code is laid out")."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("vrs")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    # The window of the reciprocity rule slides with the calendar: re-sync daily so grants follow
    # participants entering and leaving it (the read path also checks standing live).
    "reciprocity-sync-daily": {
        "task": "reporting.tasks.reciprocity_sync_task",
        "schedule": crontab(hour=0, minute=15),
        "kwargs": {"trigger": "daily"},
    },
    # Guardian's rows must equal the policy's answer; a nightly check records any drift.
    "reciprocity-drift-nightly": {
        "task": "reporting.tasks.reciprocity_drift_check_task",
        "schedule": crontab(hour=2, minute=30),
    },
    # Returns changed while the broker or a worker was down stay in the ReturnOutbox; sweeping it
    # every minute keeps the dashboards' freshness promise (minutes, not DHIS2's nightly rebuild).
    "analytics-facts-sweep": {
        "task": "analytics.tasks.facts_sweep_task",
        "schedule": 60.0,
    },
    # Reminders to focal points (due soon, late, access lapsing): once a day, in the morning of the
    # region (06:00 UTC is afternoon in the Pacific and morning in South Asia); each goes once.
    "reminders-daily": {
        "task": "reporting.tasks.reminders_send_task",
        "schedule": crontab(hour=6, minute=0),
    },
    # A returned record should reach its contributor while the focal point's comment is fresh.
    "reminders-records-returned": {
        "task": "reporting.tasks.reminders_records_returned_task",
        "schedule": crontab(minute="*/10"),
    },
    # An import started while the broker was down, or whose worker died, is queued again.
    "imports-sweep": {
        "task": "reporting.tasks.imports_sweep_task",
        "schedule": 60.0,
    },
    # Uploaded import files hold national data the records already carry: a finished import's file
    # (and the report rebuilt from it) is kept IMPORT_FILE_RETENTION_DAYS, the batch and outcomes for ever.
    "import-files-expire-daily": {
        "task": "reporting.tasks.import_files_expire_task",
        "schedule": crontab(hour=3, minute=40),
    },
    # Links between records of two participants that may describe one venture (docs/links.md):
    # proposed nightly from the records detected in the last months; also runnable on demand.
    "links-propose-nightly": {
        "task": "reporting.tasks.links_propose_task",
        "schedule": crontab(hour=1, minute=10),
    },
}


@app.task(name="vrs.health_check")
def health_check() -> dict:
    """Proves a worker reaches the database: answers with the number of participants."""
    from accounts.models import Participant

    return {"participants": Participant.objects.count()}
