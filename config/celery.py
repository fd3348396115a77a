"""The Celery app: wiring and the whole beat schedule (STYLE.md section 5)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("vrs")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {}


@app.task(name="vrs.health_check")
def health_check() -> dict:
    """Proves a worker reaches the database: answers with the number of participants."""
    from accounts.models import Participant

    return {"participants": Participant.objects.count()}
