"""What an act that cannot be undone, or that goes out to others, will do: the summaries the
confirmation pages show before a return is submitted, a record withdrawn or a participant
withdrawn (issue 19). Reads only; incident data through the reciprocity rule.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils import timezone

from accounts.models import Invitation, Participant, User
from reporting import codes, reciprocity
from reporting.models import Incident, Return


def _pairs(on: dt.date) -> set[tuple[int, int]]:
    """(owner, viewer) pairs the policy allows today: the rule's own answer."""
    return reciprocity.desired_grants(on=on)


def _named(ids) -> list[Participant]:
    return list(Participant.objects.filter(pk__in=ids).order_by("name"))


@dataclass
class ReturnSubmission:
    """A month's return about to be submitted: its records, and who reads what from when."""

    ret: Return
    by_status: dict[str, int]
    shared_now: int
    embargoed: list[tuple[dt.date, int]]
    aggregate_only: int
    national_only: int
    readers: list[Participant] = field(default_factory=list)

    @property
    def validated(self) -> int:
        return self.by_status.get(Incident.Status.VALIDATED, 0)

    @property
    def statuses(self) -> list[tuple[str, int]]:
        labels = dict(Incident.Status.choices)
        return [(labels[s], n) for s, n in sorted(self.by_status.items()) if n]


def return_submission_summary(*, user: User, ret: Return, today: dt.date | None = None) -> ReturnSubmission:
    today = today or timezone.localdate()
    records = reciprocity.visible_incidents(user).filter(ret_id=ret.pk)
    by_status = {row["status"]: row["n"] for row in records.values("status").annotate(n=Count("pk"))}
    validated = records.filter(status=Incident.Status.VALIDATED)
    levels = validated.aggregate(
        shared_now=Count(
            "pk", filter=reciprocity.record_shared_q(on=today, columns=reciprocity.incident_columns(as_submitted=True))
        ),
        aggregate_only=Count("pk", filter=Q(sharing_level=codes.SharingLevel.AGGREGATE_ONLY)),
        national_only=Count("pk", filter=Q(sharing_level=codes.SharingLevel.NATIONAL_ONLY)),
    )
    embargoed = [
        (row["embargo_until"], row["n"])
        for row in validated.filter(sharing_level=codes.SharingLevel.SHARED, embargo_until__gt=today)
        .values("embargo_until")
        .annotate(n=Count("pk"))
        .order_by("embargo_until")
    ]
    readers = _named(viewer for owner, viewer in _pairs(today) if owner == ret.participant_id)
    return ReturnSubmission(ret=ret, by_status=by_status, embargoed=embargoed, readers=readers, **levels)


@dataclass
class RecordWithdrawal:
    """A record about to be withdrawn: whether others read it today, and who."""

    incident: Incident
    read_by_others: bool
    readers: list[Participant] = field(default_factory=list)


def record_withdrawal_summary(*, incident: Incident, today: dt.date | None = None) -> RecordWithdrawal:
    today = today or timezone.localdate()
    shareable = reciprocity.record_is_shared(incident, on=today)
    readers = _named(v for o, v in _pairs(today) if o == incident.participant_id) if shareable else []
    return RecordWithdrawal(incident=incident, read_by_others=bool(readers), readers=readers)


@dataclass
class ParticipantWithdrawal:
    """A participant about to withdraw: its people, its returns, who reads whom today."""

    participant: Participant
    active_users: int
    open_invitations: int
    returns_submitted: int
    read_by: list[Participant] = field(default_factory=list)
    reads: list[Participant] = field(default_factory=list)


def participant_withdrawal_summary(*, participant: Participant, today: dt.date | None = None) -> ParticipantWithdrawal:
    today = today or timezone.localdate()
    pairs = _pairs(today)
    return ParticipantWithdrawal(
        participant=participant,
        active_users=User.objects.filter(is_active=True, membership__participant=participant).count(),
        open_invitations=Invitation.objects.filter(
            participant=participant, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        ).count(),
        returns_submitted=Return.objects.filter(participant=participant, status=Return.Status.SUBMITTED).count(),
        read_by=_named(v for o, v in pairs if o == participant.pk),
        reads=_named(o for o, v in pairs if v == participant.pk),
    )
