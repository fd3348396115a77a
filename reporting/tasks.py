"""Celery entry points of the reporting app: they call reciprocity.py and nothing else."""

import logging

from celery import shared_task
from django.db import OperationalError

logger = logging.getLogger(__name__)


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def reciprocity_sync_task(*, trigger: str = "") -> dict:
    from reporting.reciprocity import reciprocity_sync

    result = reciprocity_sync(trigger=trigger)
    return {"granted": len(result.granted), "revoked": len(result.revoked), "policy": result.policy_version}


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def reciprocity_drift_check_task() -> dict:
    from reporting.reciprocity import reciprocity_drift_check

    drift = reciprocity_drift_check()
    return {"missing": len(drift.granted), "unexpected": len(drift.revoked)}


def reciprocity_sync_enqueue(*, trigger: str) -> None:
    """Send the sync to a worker; if the broker is down, say so and rely on the daily sync and the
    read path's live standing check (access never outlives a lapse, only a new grant waits)."""
    try:
        # ignore_result: nobody waits for the answer, and subscribing to the result store would hold
        # the request ~20 s in its reconnect loop while Redis is down (tests/resilience/).
        reciprocity_sync_task.apply_async(kwargs={"trigger": trigger}, ignore_result=True)
    except Exception:  # noqa: BLE001 - any broker failure must not fail the user's request
        logger.exception("could not queue reciprocity_sync (trigger=%s); the daily sync will catch up", trigger)


# Reminders (issue #8): the work is in reporting/reminders.py; each reminder goes once (SentReminder).


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def reminders_send_task(*, on: str | None = None) -> dict:
    import datetime as dt

    from reporting.reminders import reminders_send

    return reminders_send(on=dt.date.fromisoformat(on) if on else None)


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def reminders_records_returned_task() -> int:
    from reporting.reminders import reminders_records_returned

    return reminders_records_returned()


# Imports (issue 5): the work is in reporting/imports/services.py. No automatic retry of a run that
# failed: an import either committed or rolled back whole, and the user starts it again from the
# batch's page. A run that never reached a worker, or whose worker died, is queued again by the sweep.


@shared_task(time_limit=3600, soft_time_limit=3500)
def import_run_task(*, batch_id: int, phase: str, language: str = "") -> dict:
    from django.conf import settings
    from django.utils import translation

    from reporting.imports.services import import_run

    with translation.override(language or settings.LANGUAGE_CODE):  # the problems in the uploader's language
        batch = import_run(batch_id=batch_id, phase=phase)
    return {"batch": batch.pk, "status": batch.status, "checked": batch.rows_checked, "imported": batch.rows_imported}


@shared_task
def imports_sweep_task() -> list[int]:
    from reporting.imports.services import import_sweep

    return import_sweep()


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def import_files_expire_task() -> int:
    from reporting.imports.services import import_files_expire

    return import_files_expire()


# Linked incidents across participants (docs/links.md): the work is in reporting/linking/services.py.


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def links_propose_task(*, since: str | None = None) -> dict:
    import datetime as dt

    from reporting.linking.services import links_propose

    result = links_propose(since=dt.date.fromisoformat(since) if since else None)
    return {"proposed": result.proposed, "participant_pairs": result.participant_pairs}
