"""The demo's reference data: participants with their history, agencies, crossing points, monthly
exchange rates and the returns of the plan."""

import datetime as dt
import random
from decimal import Decimal

from django.utils import timezone

from accounts.models import Membership, Participant, Role
from accounts.services import agency_create, participant_create, participant_status_change, terms_accept, terms_publish
from reporting.demo.catalogue import BASE_RATES, PARTICIPANTS, DemoParticipant, Standing
from reporting.demo.incidents import IncidentGenerator, ParticipantRefs, ReturnRefs
from reporting.demo.plan import Plan, month_add
from reporting.models import BorderCrossingPoint, ExchangeRate, Return

RATE_PLACES = Decimal("0.00000001")


TERMS_TEXT = """1. Participants share non-nominal data only: no names, no document numbers.
2. A participant that submits its monthly returns (with data or nothing to report) may read the
   shared records of the other participants, under the reciprocity policy in force.
3. Each participant decides the sharing level of its records and may withhold them from a partner.
4. Data of a participant that withdraws stays in the system, marked, and is no longer shared."""


def participants_create(*, plan: Plan) -> dict[str, Participant]:
    """Every demo participant through the accounts services, so groups and status history are real;
    each one that joined accepted the terms of participation on the day it joined."""
    joined_dates = [d for d in plan.joined_on.values() if d is not None]
    terms = terms_publish(
        title="Terms of participation in the Voluntary Reporting System",
        text=TERMS_TEXT,
        published_on=min(joined_dates) if joined_dates else timezone.localdate(),
        created_by=None,
    )
    created = {}
    for spec in PARTICIPANTS:
        joined = plan.joined_on[spec.code]
        participant = participant_create(
            code=spec.code,
            name=spec.name,
            name_fr=spec.name_fr,
            name_ar=spec.name_ar,
            kind=spec.kind,
            region=spec.region,
            country=spec.country,
            status=Participant.Status.INVITED if joined is None else Participant.Status.ACTIVE,
            joined_on=joined,
        )
        if joined is not None:
            terms_accept(
                participant=participant,
                terms=terms,
                accepted_on=joined,
                signed_by=f"Head of delegation, {spec.name}",
                recorded_by=None,
            )
        if spec.standing == Standing.SUSPENDED:
            participant = participant_status_change(
                participant=participant,
                to_status=Participant.Status.SUSPENDED,
                changed_by=None,
                effective_on=plan.status_changes[spec.code],
                reason="Suspended by the secretariat pending renewal of the national data-sharing arrangement.",
            )
        created[spec.code] = participant
    return created


def agencies_and_crossing_points_create(*, participants: dict[str, Participant]) -> None:
    # Crossing points are created with bulk_create: no history rows for seeded records (see loading.py).
    crossing_points = []
    for spec in PARTICIPANTS:
        participant = participants[spec.code]
        for name, kind in spec.agencies:
            agency_create(participant=participant, name=name, kind=kind)
        crossing_points.extend(
            BorderCrossingPoint(
                participant=participant,
                code=point.code,
                name=point.name,
                mode=point.mode,
                latitude=Decimal(f"{point.latitude:.5f}"),
                longitude=Decimal(f"{point.longitude:.5f}"),
            )
            for point in spec.crossing_points
        )
    BorderCrossingPoint.objects.bulk_create(crossing_points)


def exchange_rates_create(*, rng: random.Random, first_month: dt.date, last_month: dt.date):
    """Monthly rates for every demo currency: a random walk from BASE_RATES (about 1.5% a month).

    Existing rates win (ignore_conflicts); the caller reads the table back, so fees are always
    converted at the rate stored for their month.
    """
    rows = []
    for currency, base in BASE_RATES.items():
        rate, month = base, first_month
        while month <= last_month:
            value = Decimal(1) if currency == "USD" else Decimal(f"{rate:.10f}").quantize(RATE_PLACES)
            rows.append(ExchangeRate(currency=currency, month=month, usd_per_unit=value))
            rate *= 1 + rng.gauss(0, 0.015)
            month = month_add(month, 1)
    ExchangeRate.objects.bulk_create(rows, ignore_conflicts=True)
    return {
        (r.currency, r.month): r.usd_per_unit
        for r in ExchangeRate.objects.filter(month__gte=first_month, month__lte=last_month)
    }


def returns_create(
    *,
    plan: Plan,
    participants: dict[str, Participant],
    users: dict[tuple[str, str], int],
    generator: IncidentGenerator,
) -> dict[tuple[str, dt.date], ReturnRefs]:
    """The plan's returns (bulk_create: no history rows), keyed by (participant code, month)."""
    rows = []
    for planned in plan.returns:
        submitted_at = generator.return_submitted_at(month=planned.month) if planned.submitted else None
        focal_point = users[(planned.participant.code, Role.FOCAL_POINT)] if planned.submitted else None
        rows.append(
            Return(
                participant=participants[planned.participant.code],
                month=planned.month,
                status=Return.Status.SUBMITTED if planned.submitted else Return.Status.OPEN,
                is_nil=planned.is_nil,
                submitted_at=submitted_at,
                submitted_by_id=focal_point,
            )
        )
    Return.objects.bulk_create(rows)
    stored = Return.objects.filter(participant__in=participants.values()).select_related("participant")
    return {(r.participant.code, r.month): ReturnRefs(r.pk, r.submitted_at) for r in stored}


def participant_refs(*, spec: DemoParticipant, participant: Participant, users: dict[tuple[str, str], int]):
    agencies: dict[str, int] = {}
    for agency in participant.agencies.order_by("id"):
        agencies.setdefault(agency.kind, agency.pk)
    points = tuple(
        (p.pk, p.mode, p.name, p.latitude, p.longitude) for p in participant.crossing_points.order_by("code")
    )
    return ParticipantRefs(
        participant_id=participant.pk,
        agencies=agencies,
        crossing_points=points,
        contributor_id=users[(spec.code, Role.CONTRIBUTOR)],
        focal_point_id=users[(spec.code, Role.FOCAL_POINT)],
    )


def user_ids_by_role(*, participants: dict[str, Participant]) -> dict[tuple[str, str], int]:
    memberships = Membership.objects.filter(participant__in=participants.values()).select_related("participant")
    return {(m.participant.code, m.role): m.user_id for m in memberships}


def now_utc() -> dt.datetime:
    return timezone.now().astimezone(dt.UTC)
