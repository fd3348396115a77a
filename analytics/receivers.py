"""analytics listens to reporting: a changed return's facts are rebuilt by a worker."""

import logging

from django.dispatch import receiver

from reporting.signals import return_changed

logger = logging.getLogger(__name__)


@receiver(return_changed)
def facts_rebuild_on_return_changed(sender, return_id: int, **kwargs) -> None:
    """Queue the rebuild. A broker that is down must not fail the user's request: the change is
    already committed with its outbox row, and the sweep (every minute) rebuilds it later."""
    from analytics.tasks import facts_rebuild_task

    try:
        facts_rebuild_task.delay(return_id=return_id)
    except Exception:  # noqa: BLE001 - any broker failure; the outbox keeps the work
        logger.exception("could not queue facts_rebuild for return %s; the sweep will catch up", return_id)
