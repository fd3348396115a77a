"""Test data by role (STYLE.md section 7): participants in each standing, users of each role, records."""

import datetime as dt
import itertools

import factory
from django.utils import timezone

from accounts.models import Participant, Role
from accounts.services import participant_create, user_create
from reporting import codes
from reporting.models import Incident, Return

_codes = itertools.count(1)


def participant(
    *,
    status: str = Participant.Status.ACTIVE,
    joined_on: dt.date | None = None,
    kind: str = Participant.Kind.STATE,
    country: str = "AUS",
    code: str | None = None,
) -> Participant:
    n = next(_codes)
    code = code or f"P{n:03d}"
    return participant_create(
        code=code,
        name=f"Participant {code}",
        kind=kind,
        region=Participant.Region.PACIFIC,
        country=country if kind != Participant.Kind.ORGANISATION else "",
        status=status,
        joined_on=joined_on
        or (timezone.localdate() - dt.timedelta(days=3650) if status != Participant.Status.INVITED else None),
    )


def user(*, role: str = Role.ANALYST, participant: Participant | None = None, username: str | None = None):
    n = next(_codes)
    return user_create(
        username=username or f"{role}-{n}",
        password="correct-horse-battery",
        role=role,
        participant=participant if role != Role.SECRETARIAT else None,
    )


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def months_back(n: int, today: dt.date | None = None) -> dt.date:
    """The first day of the month n months before today's month."""
    today = today or timezone.localdate()
    index = today.year * 12 + today.month - 1 - n
    return dt.date(index // 12, index % 12 + 1, 1)


def return_for(participant: Participant, month: dt.date, *, submitted: bool = False, nil: bool = False) -> Return:
    ret, _ = Return.objects.get_or_create(participant=participant, month=month)
    if submitted or nil:
        ret.status, ret.is_nil, ret.submitted_at = Return.Status.SUBMITTED, nil, timezone.now()
        ret.save()
    return ret


class IncidentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Incident

    participant = factory.LazyFunction(participant)
    ret = factory.LazyAttribute(lambda o: return_for(o.participant, month_start(o.detection_date)))
    national_reference = factory.Sequence(lambda n: f"REF-{n:06d}")
    categories = factory.LazyFunction(lambda: [codes.ConductCategory.MIGRANT_SMUGGLING])
    source = codes.Source.INVESTIGATION
    confidence = codes.Confidence.HIGH
    detection_date = factory.LazyFunction(lambda: months_back(2) + dt.timedelta(days=4))
    detection_country = "AUS"
    detection_context = codes.DetectionContext.AT_SEA
    modes = factory.LazyFunction(lambda: [codes.Mode.SEA])
    origin_country = "LKA"
    destination_country = "AUS"
    migrants_total = 12
    status = Incident.Status.VALIDATED
    sharing_level = codes.SharingLevel.SHARED
