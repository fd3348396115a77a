"""Which monthly returns the demo holds, in which state, and how many incidents each carries.

Everything here is drawn from one `random.Random`, so the same seed gives the same calendar (relative
to today's month) and the same allocation of incidents.
"""

import datetime as dt
import math
import random
from dataclasses import dataclass

from reporting.demo.catalogue import PARTICIPANTS, DemoParticipant, Standing
from reporting.models import RETURN_DUE_DAY

MONTHS = 24  # months of returns, the current (open) month included
LAPSED_SINCE = 8  # a lapsed participant's last return is this many months back
SUSPENDED_SINCE = 10  # the suspended participant was suspended this many months ago
GRACE_DAYS = 40  # the newcomer joined this many days ago (the policy's grace period is 90)
MISSING_SHARE = 0.06  # closed months an active participant simply skips
# Participants still working on last month's return: most of them before it is due (mid-month),
# a few late ones after. Before the due day the open work is mostly last month's, so that the
# demo shows drafts, submitted and returned records on any day, the 1st of a month included.
STILL_OPEN_BEFORE_DUE = 0.7
STILL_OPEN_AFTER_DUE = 0.2


def month_add(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def month_days(month: dt.date) -> int:
    return (month_add(month, 1) - month).days


@dataclass
class PlannedReturn:
    """One return to create: `incidents` is filled in by `incidents_allocate`."""

    participant: DemoParticipant
    month: dt.date
    submitted: bool
    is_nil: bool
    weight: float = 0.0
    incidents: int = 0


@dataclass(frozen=True)
class Plan:
    today: dt.date
    joined_on: dict[str, dt.date | None]
    status_changes: dict[str, dt.date]  # participant code → date it was suspended
    returns: list[PlannedReturn]

    @property
    def first_month(self) -> dt.date:
        return month_add(self.today.replace(day=1), -(MONTHS - 1))


def joined_on_draw(*, rng: random.Random, participant: DemoParticipant, today: dt.date) -> dt.date | None:
    """When a participant joined: years ago for the founders, GRACE_DAYS ago for the newcomer."""
    if participant.standing == Standing.INVITED:
        return None
    if participant.standing == Standing.GRACE:
        return today - dt.timedelta(days=GRACE_DAYS)
    # The system opened in July 2013; members joined over the following years.
    return dt.date(2013, 7, 1) + dt.timedelta(days=rng.randrange(0, 6 * 365))


def _reporting_months(*, participant: DemoParticipant, joined: dt.date | None, today: dt.date) -> list[dt.date]:
    """The months in which a participant could have a return at all."""
    current = today.replace(day=1)
    if joined is None:
        return []
    first = max(month_add(current, -(MONTHS - 1)), joined.replace(day=1))
    last = current
    if participant.standing == Standing.SUSPENDED:
        last = month_add(current, -SUSPENDED_SINCE - 1)
    elif participant.standing == Standing.LAPSED:
        last = month_add(current, -LAPSED_SINCE)
    months = []
    month = first
    while month <= last:
        months.append(month)
        month = month_add(month, 1)
    return months


def _seasonality(month: dt.date) -> float:
    # Sea crossings follow the monsoon; the region's detections peak around the dry season.
    return 1.0 + 0.25 * math.sin(2 * math.pi * (month.month - 3) / 12)


def returns_plan(*, rng: random.Random, participant: DemoParticipant, joined: dt.date | None, today: dt.date):
    """The returns of one participant: mostly submitted with data; some nil, some months missing;
    the current month open and, for some, last month still open."""
    current = today.replace(day=1)
    still_open_share = STILL_OPEN_BEFORE_DUE if today.day < RETURN_DUE_DAY else STILL_OPEN_AFTER_DUE
    still_open_last_month = rng.random() < still_open_share
    nil_share = 0.25 if participant.weight <= 1.0 else 0.04
    planned = []
    for month in _reporting_months(participant=participant, joined=joined, today=today):
        months_ago = (current.year - month.year) * 12 + current.month - month.month
        is_open = month == current or (months_ago == 1 and still_open_last_month)
        if not is_open and participant.standing != Standing.GRACE and rng.random() < MISSING_SHARE:
            continue
        is_nil = not is_open and rng.random() < nil_share
        weight = 0.0
        if not is_nil:
            growth = 1.0 + 0.01 * (MONTHS - months_ago)
            weight = participant.weight * _seasonality(month) * growth * rng.uniform(0.6, 1.4)
            if month == current:
                weight *= today.day / month_days(month)  # a month under way holds fewer records
            elif is_open:
                weight *= 0.5  # last month's records are still being entered
        planned.append(PlannedReturn(participant, month, submitted=not is_open, is_nil=is_nil, weight=weight))
    return planned


def incidents_allocate(*, returns: list[PlannedReturn], total: int) -> None:
    """Share `total` incidents among the returns in proportion to their weights (largest remainder,
    so the sum is exact). A submitted return left with none becomes a nil return."""
    weights = sum(r.weight for r in returns)
    if weights <= 0:
        return
    quotas = [total * r.weight / weights for r in returns]
    counts = [math.floor(q) for q in quotas]
    by_remainder = sorted(range(len(returns)), key=lambda i: (quotas[i] - counts[i], -i), reverse=True)
    for i in by_remainder[: total - sum(counts)]:
        counts[i] += 1
    for planned, count in zip(returns, counts, strict=True):
        planned.incidents = count
        if planned.submitted and count == 0:
            planned.is_nil = True


def plan_build(*, rng: random.Random, today: dt.date, incidents: int) -> Plan:
    joined_on: dict[str, dt.date | None] = {}
    status_changes: dict[str, dt.date] = {}
    returns: list[PlannedReturn] = []
    for participant in PARTICIPANTS:
        joined = joined_on_draw(rng=rng, participant=participant, today=today)
        joined_on[participant.code] = joined
        if participant.standing == Standing.SUSPENDED:
            status_changes[participant.code] = month_add(today.replace(day=1), -SUSPENDED_SINCE) + dt.timedelta(
                days=rng.randrange(0, 20)
            )
        returns.extend(returns_plan(rng=rng, participant=participant, joined=joined, today=today))
    incidents_allocate(returns=returns, total=incidents)
    return Plan(today=today, joined_on=joined_on, status_changes=status_changes, returns=returns)
