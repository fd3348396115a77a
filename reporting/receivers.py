"""reporting listens to accounts: a participant's status change re-runs the reciprocity sync."""

from django.dispatch import receiver

from accounts.signals import participant_status_changed


@receiver(participant_status_changed)
def resync_on_status_change(sender, participant_id: int, **kwargs) -> None:
    from accounts.models import Participant
    from reporting.tasks import reciprocity_sync_enqueue

    # The trigger is shown in the audit trail's grant rows: say which participant and what it became
    # ("participant FJI suspended"), never an internal id.
    code, status = Participant.objects.filter(pk=participant_id).values_list("code", "status").first() or ("?", "")
    reciprocity_sync_enqueue(trigger=f"participant {code} {status}".strip())
