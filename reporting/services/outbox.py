"""The outbox: a return whose derived data must be rebuilt is marked in PostgreSQL, in the same
transaction as the change, so a broker or worker outage loses nothing (README, "A real worker and beat")."""

from django.db import transaction
from django.utils import timezone

from reporting.models import Return, ReturnOutbox
from reporting.signals import return_changed


def return_mark_dirty(*, ret_id: int) -> None:
    """Mark the return dirty and announce it after commit. Call inside the changing transaction."""
    ReturnOutbox.objects.update_or_create(ret_id=ret_id, defaults={"marked_at": timezone.now()})
    transaction.on_commit(lambda: return_changed.send(sender=Return, return_id=ret_id))
