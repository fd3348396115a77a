"""Reads for the data-entry pages: the monthly return calendar and the exchange rates the form
converts fees with. Both read the user's own participant only (own data is always visible)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils import timezone

from accounts.models import Participant
from reporting.models import ExchangeRate, Incident, Return, return_due_date
from reporting.reciprocity import month_add

CALENDAR_MONTHS = 24


@dataclass(frozen=True)
class ReturnMonth:
    """One month of a participant's returns, as the returns page shows it."""

    month: dt.date
    ret: Return | None
    state: str  # submitted | nil | open | current | overdue
    due_on: dt.date
    validated: int
    pending: int  # submitted, waiting for validation
    drafts: int  # drafts and returned records

    @property
    def month_over(self) -> bool:
        return self.state != "current"

    @property
    def can_submit(self) -> bool:
        return self.state in ("open", "overdue") and self.validated > 0 and not self.pending

    @property
    def can_submit_nil(self) -> bool:
        return self.state in ("open", "overdue") and self.validated == 0 and not self.pending

    @property
    def can_reopen(self) -> bool:
        return self.state in ("submitted", "nil")


def return_calendar(*, participant: Participant, today: dt.date | None = None) -> list[ReturnMonth]:
    """Each month from the participant's joining (at most CALENDAR_MONTHS back) to this month,
    newest first, with its return's state and record counts: two queries."""
    today = today or timezone.localdate()
    this_month = today.replace(day=1)
    first = month_add(this_month, -(CALENDAR_MONTHS - 1))
    if participant.joined_on:
        first = max(first, participant.joined_on.replace(day=1))
    returns = {r.month: r for r in Return.objects.filter(participant=participant, month__gte=first)}
    counts = {
        row["ret__month"]: row
        for row in Incident.objects.filter(participant=participant, ret__month__gte=first)
        .values("ret__month")
        .annotate(
            validated=Count("pk", filter=Q(status=Incident.Status.VALIDATED)),
            pending=Count("pk", filter=Q(status=Incident.Status.SUBMITTED)),
            drafts=Count("pk", filter=Q(status__in=[Incident.Status.DRAFT, Incident.Status.RETURNED])),
        )
    }
    months = []
    month = this_month
    while month >= first:
        ret = returns.get(month)
        row = counts.get(month, {})
        due = return_due_date(month)
        if ret is not None and ret.status == Return.Status.SUBMITTED:
            state = "nil" if ret.is_nil else "submitted"
        elif month == this_month:
            state = "current"
        elif today > due:
            state = "overdue"
        else:
            state = "open"
        months.append(
            ReturnMonth(
                month=month,
                ret=ret,
                state=state,
                due_on=due,
                validated=row.get("validated", 0),
                pending=row.get("pending", 0),
                drafts=row.get("drafts", 0),
            )
        )
        month = month_add(month, -1)
    return months


def exchange_rates_by_month(*, months: int = 36) -> dict[str, dict[str, str]]:
    """{"YYYY-MM": {currency: USD per unit}} for recent months, for converting fees as one types."""
    since = month_add(timezone.localdate().replace(day=1), -months)
    rates: dict[str, dict[str, str]] = {}
    for currency, month, rate in ExchangeRate.objects.filter(month__gte=since).values_list(
        "currency", "month", "usd_per_unit"
    ):
        rates.setdefault(month.strftime("%Y-%m"), {})[currency] = str(rate)
    return rates
