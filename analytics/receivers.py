"""analytics listens to reporting: a changed return's facts are rebuilt by a worker, a seeded demo's at once."""

import logging

from django.dispatch import receiver

from reporting.signals import demo_seeded, return_changed

logger = logging.getLogger(__name__)


@receiver(return_changed)
def facts_rebuild_on_return_changed(sender, return_id: int, **kwargs) -> None:
    """Queue the rebuild. A broker that is down must not fail the user's request: the change is
    already committed with its outbox row, and the sweep (every minute) rebuilds it later."""
    from analytics.tasks import facts_rebuild_task

    try:
        # ignore_result: nobody waits for the answer, and subscribing to the result store would hold
        # the request ~20 s in its reconnect loop while Redis is down (tests/resilience/).
        facts_rebuild_task.apply_async(kwargs={"return_id": return_id}, ignore_result=True)
    except Exception:  # noqa: BLE001 - any broker failure; the outbox keeps the work
        logger.exception("could not queue facts_rebuild for return %s; the sweep will catch up", return_id)


@receiver(demo_seeded)
def facts_rebuild_on_demo_seeded(sender, **kwargs) -> str:
    """Build every return's facts in one go, in the command's process (the load bypassed the outbox)."""
    from analytics.services import facts_rebuild_all

    built = facts_rebuild_all()
    return f"Dashboard facts built for {built.returns} returns in {built.seconds:.1f} s."
