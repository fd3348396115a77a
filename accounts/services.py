"""Writes about participants, agencies and users."""

import datetime as dt

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from accounts.models import Agency, Membership, Participant, ParticipantStatusChange, Role, User
from accounts.signals import participant_status_changed


@transaction.atomic
def participant_create(
    *,
    code: str,
    name: str,
    kind: str,
    region: str,
    country: str = "",
    created_by: User | None = None,
    status: str = Participant.Status.INVITED,
    joined_on: dt.date | None = None,
) -> Participant:
    """A new participant with its own permission group, and the first entry of its history."""
    group = Group.objects.create(name=f"participant:{code}")
    if status != Participant.Status.INVITED and joined_on is None:
        joined_on = timezone.localdate()
    participant = Participant(
        code=code,
        name=name,
        kind=kind,
        region=region,
        country=country,
        group=group,
        status=status,
        joined_on=joined_on,
    )
    participant.full_clean()
    participant.save()
    ParticipantStatusChange.objects.create(
        participant=participant,
        from_status="",
        to_status=status,
        effective_on=joined_on or timezone.localdate(),
        changed_by=created_by,
    )
    transaction.on_commit(lambda: participant_status_changed.send(sender=Participant, participant_id=participant.pk))
    return participant


@transaction.atomic
def participant_status_change(
    *,
    participant: Participant,
    to_status: str,
    changed_by: User | None,
    reason: str = "",
    effective_on: dt.date | None = None,
) -> Participant:
    """Move a participant to a new status, dated and attributed; the rule is re-synced on commit."""
    participant = Participant.objects.select_for_update().get(pk=participant.pk)
    if participant.status == to_status:
        return participant
    effective_on = effective_on or timezone.localdate()
    from_status = participant.status
    participant.status = to_status
    if to_status == Participant.Status.ACTIVE and participant.joined_on is None:
        participant.joined_on = effective_on
    participant.full_clean()
    participant.save(update_fields=["status", "joined_on"])
    ParticipantStatusChange.objects.create(
        participant=participant,
        from_status=from_status,
        to_status=to_status,
        effective_on=effective_on,
        changed_by=changed_by,
        reason=reason,
    )
    transaction.on_commit(lambda: participant_status_changed.send(sender=Participant, participant_id=participant.pk))
    return participant


def agency_create(*, participant: Participant, name: str, kind: str) -> Agency:
    agency = Agency(participant=participant, name=name, kind=kind)
    agency.full_clean()
    agency.save()
    return agency


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str,
    role: str,
    participant: Participant | None = None,
    agency: Agency | None = None,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
) -> User:
    """A user with their membership. Secretariat users are staff so they can use the admin."""
    user = User(
        username=username,
        first_name=first_name,
        last_name=last_name,
        email=email,
        is_staff=role == Role.SECRETARIAT,
    )
    user.set_password(password)
    user.full_clean()
    user.save()
    membership = Membership(user=user, participant=participant, agency=agency, role=role)
    membership.full_clean()
    membership.save()
    return user
