"""reporting listens to accounts: a participant's status change re-runs the reciprocity sync."""

from django.dispatch import receiver

from accounts.signals import participant_status_changed


@receiver(participant_status_changed)
def resync_on_status_change(sender, participant_id: int, **kwargs) -> None:
    from reporting.tasks import reciprocity_sync_enqueue

    reciprocity_sync_enqueue(trigger=f"participant {participant_id} status")
