"""Writes to the code lists the secretariat keeps: border crossing points, agencies, exchange rates.

Crossing points and exchange rates keep their history (simple-history, with who and why); agencies
have none, so each change is written to the audit trail instead. A code in use is retired (made
inactive), never deleted, so old records keep their meaning.
"""

import datetime as dt
from decimal import Decimal

from django.db import transaction

from accounts.models import Agency, AuditEntry, Participant, User
from accounts.services import audit_record
from reporting.models import BorderCrossingPoint, ExchangeRate


def _save_with_history(obj, *, changed_by: User, reason: str) -> None:
    obj._history_user = changed_by
    obj._change_reason = reason
    obj.full_clean()
    obj.save()


@transaction.atomic
def crossing_point_save(
    *,
    changed_by: User,
    participant: Participant,
    code: str,
    name: str,
    mode: str,
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
    is_active: bool = True,
    crossing_point: BorderCrossingPoint | None = None,
    reason: str = "",
) -> BorderCrossingPoint:
    """Create a crossing point, or change one (its history keeps every earlier version)."""
    bcp = crossing_point or BorderCrossingPoint()
    bcp.participant, bcp.code, bcp.name, bcp.mode = participant, code.strip().upper(), name.strip(), mode
    bcp.latitude, bcp.longitude, bcp.is_active = latitude, longitude, is_active
    _save_with_history(bcp, changed_by=changed_by, reason=reason)
    audit_record(
        actor=changed_by,
        action=AuditEntry.Action.CODE_LIST_CHANGED,
        summary=f"Crossing point {bcp.code} {bcp.name} {'changed' if crossing_point else 'added'}",
        participant=participant,
        details={"crossing_point": bcp.pk, "reason": reason},
    )
    return bcp


@transaction.atomic
def agency_save(
    *,
    changed_by: User,
    participant: Participant,
    name: str,
    kind: str,
    is_active: bool = True,
    agency: Agency | None = None,
    reason: str = "",
) -> Agency:
    # The values before come from the database: a bound ModelForm has already written the new ones
    # onto the instance it was given.
    stored = Agency.objects.filter(pk=agency.pk).values("name", "kind", "is_active").first() if agency else None
    before = dict(stored) if stored else None
    agency = agency or Agency()
    agency.participant, agency.name, agency.kind, agency.is_active = participant, name.strip(), kind, is_active
    agency.full_clean()
    agency.save()
    audit_record(
        actor=changed_by,
        action=AuditEntry.Action.CODE_LIST_CHANGED,
        summary=f"Agency {agency.name} {'changed' if before else 'added'}",
        participant=participant,
        details={"agency": agency.pk, "before": before, "reason": reason},
    )
    return agency


@transaction.atomic
def exchange_rate_save(
    *,
    changed_by: User,
    currency: str,
    month: dt.date,
    usd_per_unit: Decimal,
    rate: ExchangeRate | None = None,
    reason: str = "",
) -> ExchangeRate:
    """Set the USD rate of a currency for a month (history keeps earlier values). Fees already
    converted keep the value they were converted at."""
    rate = rate or ExchangeRate()
    rate.currency, rate.month, rate.usd_per_unit = currency, month.replace(day=1), usd_per_unit
    _save_with_history(rate, changed_by=changed_by, reason=reason)
    audit_record(
        actor=changed_by,
        action=AuditEntry.Action.CODE_LIST_CHANGED,
        summary=f"Exchange rate {currency} {rate.month:%Y-%m} set to {usd_per_unit} USD",
        details={"rate": rate.pk, "reason": reason},
    )
    return rate
