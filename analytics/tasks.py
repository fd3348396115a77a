"""Celery entry points of the analytics app: each calls one service (README, "How the code is laid out")."""

from celery import shared_task
from django.db import OperationalError


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def facts_rebuild_task(*, return_id: int) -> dict:
    from analytics.services import facts_rebuild

    fact_set = facts_rebuild(return_id=int(return_id))
    return {"return": return_id, "incidents": fact_set.incidents if fact_set else None}


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def facts_sweep_task() -> dict:
    from analytics.services import facts_sweep

    result = facts_sweep()
    return {"rebuilt": result.rebuilt, "failed": result.failed}
