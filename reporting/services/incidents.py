"""Writes of incident records: entry, edits with optimistic locking, and the workflow.

    draft ──submit──▶ submitted ──validate──▶ validated ──correct──▶ validated (a new version)
      ▲                  │
      └──── returned ◀───┘ return (with a comment); the contributor edits and submits again
    any state except withdrawn ──withdraw (with a reason)──▶ withdrawn (never deleted)

Every write checks who may make it (the owner's contributors and focal point; the focal point alone
validates, returns, corrects, withdraws submitted records, overrides screening and sets sharing), the
record's current status, and, when the caller passes the version it read, that nobody changed the
record since (`StaleRecord`). Each one bumps `version`, is kept in the record's history, and marks the
return dirty (reporting/services/outbox.py) in the same transaction when it can change the return's
set of validated records.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.db import connection, models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.manager import HistoryManager

from accounts.language import month_label
from accounts.models import Participant, Role, User
from reporting import codes
from reporting.imports.messages import Message
from reporting.models import (
    ExchangeRate,
    Incident,
    IncidentComment,
    IncidentDocument,
    IncidentTransit,
    PersonBreakdown,
    Return,
)
from reporting.reciprocity import records_written
from reporting.screening import Hit, describe, screen_fields
from reporting.services.outbox import return_mark_dirty


class StaleRecord(Exception):  # noqa: N818 - the name says what happened, as the contract fixes it
    """Someone saved the record after the caller read it: nothing was changed."""

    def __init__(self, *, incident_id: int, expected_version: int, current_version: int | None):
        self.incident_id = incident_id
        self.expected_version = expected_version
        self.current_version = current_version
        super().__init__(
            _(
                "Someone else saved this record while you were editing it (your version %(mine)s, now "
                "%(now)s). Nothing of yours was saved over theirs: reload the record, then make your "
                "changes again."
            )
            % {"mine": expected_version, "now": current_version}
        )


def screening_messages(hits: dict[str, list[Hit]]) -> dict[str, list[ValidationError]]:
    """{field: [error]} saying what was found where, never the text itself (reporting/screening.py
    `describe`): the message can be shown, logged or kept with an import's outcome."""
    return {
        field: [
            ValidationError(
                _("This looks like personal data: %(found)s. Remove it, or ask your focal point to override.")
                % {"found": describe(found)},
                code="personal_data",
            )
        ]
        for field, found in hits.items()
    }


class ScreeningBlocked(ValidationError):
    """The free text looks like it holds personal data; `hits` says where ({field: [Hit]})."""

    def __init__(self, hits: dict[str, list[Hit]], other_errors: dict[str, list] | None = None):
        self.hits = hits
        messages: dict[str, list] = {field: list(found) for field, found in (other_errors or {}).items()}
        for field, errors in screening_messages(hits).items():
            messages.setdefault(field, []).extend(errors)
        super().__init__(messages)


def screening_refusals(*, values: dict[str, str], kept: Incident | None = None) -> dict[str, list[Hit]]:
    """{field: hits} that refuse saving `values` (free-text fields): every hit, unless the focal
    point's override is in force on `kept` (the stored record) and the text is the one it was given for."""
    if (
        kept is not None
        and kept.screening_override_reason
        and all((getattr(kept, name) or "") == (value or "") for name, value in values.items())
    ):
        return {}
    return screen_fields(values)


def _screened_text(value: str, field: str, *, quoted: dict[str, list[Hit]] | None = None) -> dict[str, list[Hit]]:
    """A comment, reason or override reason is screened like the record's own text; raises
    ScreeningBlocked. An override's reason may quote what it overrides (`quoted`: the record's
    hits), e.g. "“Dr Sutomo” is a street"; anything else in it is refused."""
    try:  # a text PostgreSQL cannot store (a NUL character) is refused, not a server error
        ProhibitNullCharactersValidator()(value)
    except ValidationError as error:
        raise ValidationError({field: error.messages}) from None
    allowed = {h.text for found in (quoted or {}).values() for h in found}
    hits = [h for h in screen_fields({field: value}).get(field, []) if h.text not in allowed]
    if hits:
        raise ScreeningBlocked({field: hits})
    return {}


# The fields a caller may set through `data`. Sharing fields are the focal point's alone.
ENTRY_FIELDS = (
    "agency",
    "national_reference",
    "categories",
    "protocol_benefit",
    "source",
    "confidence",
    "detection_date",
    "detection_country",
    "detection_place",
    "latitude",
    "longitude",
    "border_crossing_point",
    "detection_context",
    "modes",
    "methods",
    "origin_country",
    "destination_country",
    "migrants_total",
    "smugglers_total",
    "smuggler_roles",
    "fee_per_person",
    "fee_currency",
    "fee_scope",
    "payment_modality",
    "dead",
    "missing",
    "injured",
    "rescued",
    "cause_of_death",
    "abuses",
    "narrative",
)
SHARING_FIELDS = ("sharing_level", "embargo_until")
SCREENED_FIELDS = ("narrative", "detection_place")
BREAKDOWN_KEYS = {"group", "citizenship", "sex", "age_group", "count", "unaccompanied"}
DOCUMENT_KEYS = {"document_type", "fraud_type", "issuing_country", "count"}


# A linked row's problem; its text and parameters are kept apart (imports render them per reader).
ROW_PROBLEM = gettext_lazy("Row %(n)s, %(label)s: %(message)s")
ROW_PROBLEM_WHOLE = gettext_lazy("Row %(n)s: %(message)s")


def _submit_required() -> dict[str, str]:
    """Fields a draft may leave empty but a submitted record must have, with the message to show."""
    return {
        "categories": _("Choose at least one conduct category."),
        "source": _("Say where the information comes from."),
        "confidence": _("Say how confident you are in the figures."),
        "detection_country": _("Choose the country where the detection happened."),
        "detection_context": _("Choose where the detection happened (at a crossing point, at sea, …)."),
        "modes": _("Choose at least one mode: land, sea or air."),
    }


# Who may do what ---------------------------------------------------------------------------


def _require(user: User, participant_id: int, roles: tuple[str, ...], action: str) -> None:
    if user.participant_id != participant_id or user.role not in roles:
        if Role.FOCAL_POINT in roles and Role.CONTRIBUTOR not in roles:
            raise PermissionDenied(
                _("Only the focal point of this record's participant can %(action)s.") % {"action": action}
            )
        raise PermissionDenied(
            _("Only contributors and the focal point of this record's participant can %(action)s.") % {"action": action}
        )


ENTRY_ROLES = (Role.CONTRIBUTOR, Role.FOCAL_POINT)
FOCAL = (Role.FOCAL_POINT,)


def _require_status(incident: Incident, allowed: tuple[str, ...], action: str) -> None:
    if incident.status not in allowed:
        raise ValidationError(
            _("This record is %(status)s: it cannot be %(action)s now.")
            % {"status": incident.get_status_display().lower(), "action": action}
        )


# Building and checking a record (no writes) ------------------------------------------------------


def fee_usd_for(*, fee: Decimal | None, currency: str, on: dt.date | None) -> Decimal | None:
    """The fee in US dollars at the rate of the detection month, or None when no rate is known."""
    if fee is None or not currency or on is None:
        return None
    if currency == "USD":
        return Decimal(fee).quantize(Decimal("0.01"))
    rate = (
        ExchangeRate.objects.filter(currency=currency, month=on.replace(day=1))
        .values_list("usd_per_unit", flat=True)
        .first()
    )
    if rate is None:
        return None
    return (Decimal(fee) * rate).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _apply_data(incident: Incident, data: dict[str, Any], user: User) -> None:
    unknown = set(data) - set(ENTRY_FIELDS) - set(SHARING_FIELDS) - {"agency_id", "border_crossing_point_id"}
    if unknown:
        raise TypeError(f"unknown incident fields: {sorted(unknown)}")
    for name in SHARING_FIELDS:
        if name in data and data[name] != getattr(incident, name) and user.role != Role.FOCAL_POINT:
            raise PermissionDenied(_("Only the focal point sets a record's sharing level and embargo."))
    for name, value in data.items():
        if isinstance(value, str) and name not in ("narrative",):
            value = value.strip()
        setattr(incident, name, value)


def _rows(
    *,
    transits: list[str],
    breakdowns: list[dict],
    documents: list[dict],
) -> tuple[list[IncidentTransit], list[PersonBreakdown], list[IncidentDocument], dict[str, list[ValidationError]]]:
    errors: dict[str, list[ValidationError]] = {}

    def add(key: str, row: models.Model, number: int, error: ValidationError) -> None:
        """Each of a row's problems under the field's label, both kept as text and parameters."""
        for field, items in error.error_dict.items():
            for item in items:
                params = {"n": number, "message": Message([(item.message, item.params or {})])}
                if field == NON_FIELD_ERRORS:
                    errors.setdefault(key, []).append(ValidationError(ROW_PROBLEM_WHOLE, params=params))
                    continue
                params["label"] = Message([(row._meta.get_field(field).verbose_name, {})])
                errors.setdefault(key, []).append(ValidationError(ROW_PROBLEM, params=params))

    transit_rows = []
    for number, code in enumerate(transits, start=1):
        row = IncidentTransit(sequence=number, country=(code or "").strip().upper())
        try:
            row.full_clean(exclude=["incident"], validate_unique=False)
        except ValidationError as error:
            add("transits", row, number, error)
        transit_rows.append(row)
    for number in range(2, len(transit_rows) + 1):
        if transit_rows[number - 1].country and transit_rows[number - 1].country == transit_rows[number - 2].country:
            errors.setdefault("transits", []).append(
                ValidationError(
                    gettext_lazy("Row %(n)s: the same transit country twice in a row."), params={"n": number}
                )
            )

    breakdown_rows = []
    for number, values in enumerate(breakdowns, start=1):
        unknown = set(values) - BREAKDOWN_KEYS
        if unknown:
            raise TypeError(f"unknown breakdown keys: {sorted(unknown)}")
        row = PersonBreakdown(**values)
        try:
            row.full_clean(exclude=["incident"], validate_unique=False)
        except ValidationError as error:
            add("breakdowns", row, number, error)
        breakdown_rows.append(row)
    cells = Counter((r.group, r.citizenship, r.sex, r.age_group) for r in breakdown_rows)
    for number, row in enumerate(breakdown_rows, start=1):
        if cells[(row.group, row.citizenship, row.sex, row.age_group)] > 1:
            errors.setdefault("breakdowns", []).append(
                ValidationError(
                    gettext_lazy(
                        "Row %(n)s: this group, citizenship, sex and age group is already another row; "
                        "add the counts together."
                    ),
                    params={"n": number},
                )
            )

    document_rows = []
    for number, values in enumerate(documents, start=1):
        unknown = set(values) - DOCUMENT_KEYS
        if unknown:
            raise TypeError(f"unknown document keys: {sorted(unknown)}")
        row = IncidentDocument(**values)
        try:
            row.full_clean(exclude=["incident"], validate_unique=False)
        except ValidationError as error:
            add("documents", row, number, error)
        document_rows.append(row)
    return transit_rows, breakdown_rows, document_rows, errors


def breakdown_excess(*, incident: Incident, breakdowns: list[PersonBreakdown]) -> dict[str, ValidationError]:
    """{field: message} for each group whose rows add up to more than its total."""
    # One text per group, so that the group's word is translated with its sentence.
    totals = {
        codes.PersonGroup.MIGRANT: (
            "migrants_total",
            incident.migrants_total or 0,
            gettext_lazy(
                "The breakdown rows count %(counted)s migrants, more than the total of %(total)s. Raise the "
                "total or correct the rows (people not broken down are an unknown remainder)."
            ),
        ),
        codes.PersonGroup.SMUGGLER: (
            "smugglers_total",
            incident.smugglers_total or 0,
            gettext_lazy(
                "The breakdown rows count %(counted)s smugglers, more than the total of %(total)s. Raise the "
                "total or correct the rows (people not broken down are an unknown remainder)."
            ),
        ),
    }
    counted: Counter = Counter()
    for row in breakdowns:
        if isinstance(row.count, int):
            counted[row.group] += row.count
    problems = {}
    for group, (field, total, text) in totals.items():
        if counted[group] > total:
            problems[field] = ValidationError(text, params={"counted": counted[group], "total": total})
    return problems


def _check(
    incident: Incident,
    transits: list[IncidentTransit],
    breakdowns: list[PersonBreakdown],
    documents: list[IncidentDocument],
    row_errors: dict[str, list],
    hits: dict[str, list[Hit]] | None = None,
    submitting: bool = False,
) -> None:
    """Every problem at once, as one ValidationError: field name → messages; ScreeningBlocked (a
    ValidationError, with every other problem) when the free text looks like personal data."""
    errors: dict[str, list[str]] = {k: list(v) for k, v in row_errors.items()}
    if hits and submitting:
        # Saved and submitted in one go, refused for the text: say now what submitting will need too.
        for field, message in _submit_required().items():
            if getattr(incident, field) in (None, "", []):
                errors.setdefault(field, []).append(message)
    exclude = [] if incident.ret_id else ["ret"]
    try:
        incident.full_clean(exclude=exclude)
    except ValidationError as error:
        for field, problems in error.error_dict.items():  # with their codes (the API answers them)
            errors.setdefault(field, []).extend(problems)
    for field, message in breakdown_excess(incident=incident, breakdowns=breakdowns).items():
        errors.setdefault(field, []).append(message)
    if hits:
        raise ScreeningBlocked(hits, errors)
    if errors:
        raise ValidationError(errors)


def _screen_for_save(incident: Incident, *, user: User, override: str, errors: dict[str, list[str]]) -> bool:
    """The screening on every save (drafts included): the hits refuse the save, unless the
    override in force covers this very text, or the focal point gives a reason to override now
    (`override`). Returns whether a new override is granted (to be recorded once saved); problems
    with it go to `errors`; the hits that still refuse the save are returned by _check."""
    override = (override or "").strip()
    incident._screening_hits = {} if incident.screening_override_reason else incident_screening(incident=incident)
    if not incident._screening_hits or not override:
        return False
    if user.role != Role.FOCAL_POINT:
        errors.setdefault("screening_override", []).append(
            _("Only the focal point of this record's participant can override the personal-data check.")
        )
        return False
    try:
        _screened_text(override, "screening_override", quoted=incident._screening_hits)
    except ScreeningBlocked as refused:
        for field, messages in screening_messages(refused.hits).items():
            errors.setdefault(field, []).extend(m.messages[0] for m in messages)
        return False
    incident.screening_override_reason = override
    incident.screening_override_by = user
    incident._screening_hits = {}
    return True


def incident_screening(*, incident: Incident) -> dict[str, list[Hit]]:
    """The record's free-text fields that look like they hold personal data."""
    return screen_fields({name: getattr(incident, name) for name in SCREENED_FIELDS})


# Writing -----------------------------------------------------------------------------------------


def _return_for(participant: Participant, day: dt.date) -> Return:
    ret, _created = Return.objects.get_or_create(participant=participant, month=day.replace(day=1))
    return ret


@functools.cache
def _history_of(model: type[models.Model]) -> HistoryManager:
    """The historical model's manager, made once (simple-history builds a manager class on every
    `Model.history` access)."""
    return HistoryManager(model.history.model)


@functools.cache
def _insert_statement(model: type[models.Model]) -> tuple[str, str, tuple]:
    """PostgreSQL: new rows of `model` and their first versions in history in one statement,
    `WITH new AS (INSERT … RETURNING *) INSERT INTO <history> SELECT …, '+' FROM new`: the history
    copies the rows as the database stored them. Written once from the models' fields."""
    quote = connection.ops.quote_name
    history = model.history.model
    fields = tuple(f for f in model._meta.concrete_fields if not f.primary_key)
    tracked = ", ".join(quote(f.column) for f in history.tracked_fields)
    meta = history._meta
    bookkeeping = ", ".join(
        quote(meta.get_field(name).column)
        for name in ("history_date", "history_change_reason", "history_type", "history_user")
    )
    # Only names from the models, quoted; the values go in as parameters.
    statement = (
        f"WITH new AS (INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "  # noqa: S608
        f"VALUES {{rows}} RETURNING *) INSERT INTO {quote(meta.db_table)} ({tracked}, {bookkeeping}) "
        f"SELECT {tracked}, %s, NULL, '+', %s FROM new RETURNING {quote(model._meta.pk.column)}"
    )
    return statement, "(" + ", ".join(["%s"] * len(fields)) + ")", fields


def _insert_with_history(objs_by_model: list[list[models.Model]], *, by: User, when: dt.datetime) -> None:
    """New rows, and their first versions in history ('+', by `by`, at `when`, as saving them one
    by one writes): on PostgreSQL one statement per table, elsewhere one INSERT per table and one
    per history table (simple-history's bulk helper)."""
    for objs in objs_by_model:
        if not objs:
            continue
        model = type(objs[0])
        if connection.vendor != "postgresql":
            model.objects.bulk_create(objs)
            _history_of(model).bulk_history_create(objs, default_user=by, default_date=when, default_change_reason=None)
            continue
        statement, row, fields = _insert_statement(model)
        params = [field.get_db_prep_save(field.pre_save(obj, True), connection) for obj in objs for field in fields]
        with connection.cursor() as cursor:
            cursor.execute(statement.format(rows=", ".join([row] * len(objs))), [*params, when, by.pk])
            # A sequence hands out ids in the order of the VALUES rows, as bulk_create relies on.
            ids = sorted(pk for (pk,) in cursor.fetchall())
        for obj, pk in zip(objs, ids, strict=True):
            obj.pk = pk
            obj._state.adding, obj._state.db = False, connection.alias


def _replace_rows(incident: Incident, transits, breakdowns, documents, *, replace: bool) -> None:
    """Write the rows one by one (each kept in history); on an update, only the lists that changed."""

    def same(existing, new, fields) -> bool:
        key = lambda r: tuple(getattr(r, f) for f in fields)  # noqa: E731
        return [key(r) for r in existing] == [key(r) for r in new]

    plans = (
        (incident.transits, transits, ("sequence", "country")),
        (incident.breakdowns, breakdowns, ("group", "citizenship", "sex", "age_group", "count", "unaccompanied")),
        (incident.documents, documents, ("document_type", "fraud_type", "issuing_country", "count")),
    )
    kept = incident.__dict__.get("_prefetched_objects_cache", {})
    for name in ("transits", "breakdowns", "documents"):
        kept.pop(name, None)  # rows read or kept (_attach_rows) before this change
    for manager, new, fields in plans:
        if replace:
            existing = list(manager.order_by("id"))
            if same(existing, new, fields):
                continue
            for row in existing:
                row.delete()
        for row in new:
            row.incident = incident
            row.save()


def _claim(incident: Incident, expected_version: int) -> None:
    """`UPDATE … SET version = version + 1 WHERE id = … AND version = expected`: the row stays locked
    until commit, so a second writer holding the same version waits, then finds no row and fails."""
    claimed = Incident.objects.filter(pk=incident.pk, version=expected_version).update(version=F("version") + 1)
    if not claimed:
        current = Incident.objects.filter(pk=incident.pk).values_list("version", flat=True).first()
        raise StaleRecord(incident_id=incident.pk, expected_version=expected_version, current_version=current)
    incident.version = expected_version + 1


def _locked(incident: Incident, expected_version: int | None) -> Incident:
    # Lock the record and its return only: FOR UPDATE over the select_related join would also lock
    # the participant row, in another order than the facts rebuild takes it (deadlocks found by
    # tests/resilience/ with concurrent validations).
    fresh = (
        Incident.objects.select_for_update(of=("self", "ret")).select_related("ret", "participant").get(pk=incident.pk)
    )
    if expected_version is not None and fresh.version != expected_version:
        raise StaleRecord(incident_id=incident.pk, expected_version=expected_version, current_version=fresh.version)
    return fresh


def _save(incident: Incident, *, by: User, reason: str = "") -> None:
    incident.updated_at = timezone.now()
    incident._history_user = by  # who made this version, in the request or not
    if reason:
        incident._change_reason = reason  # simple_history keeps it beside the new version
    incident.save()


def _comment(incident: Incident, *, author: User, kind: str, text: str) -> IncidentComment:
    comment = IncidentComment(incident=incident, author=author, kind=kind, text=text, version=incident.version)
    comment.full_clean()
    comment.save()
    return comment


def _required_text(value: str, message: str, field: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: [message]})
    _screened_text(value, field)  # comments and reasons are kept: no personal data in them either
    return value


_ALL_BUT_RET = [f.name for f in Incident._meta.concrete_fields if f.name != "ret"]


@transaction.atomic
def incident_create(
    *,
    created_by: User,
    participant: Participant,
    data: dict[str, Any],
    transits: list[str],
    breakdowns: list[dict],
    documents: list[dict],
    screening_override: str = "",
    submitting: bool = False,
) -> Incident:
    """A new draft in the return of its detection month (created when missing). Every problem is
    reported at once (ValidationError: field → messages; rows as "transits", "breakdowns",
    "documents"; ScreeningBlocked when the free text looks like personal data, unless the focal
    point gives `screening_override`, a reason); nothing is written unless everything is valid."""
    _require(created_by, participant.pk, ENTRY_ROLES, _("enter records"))
    incident = Incident(participant=participant, created_by=created_by, status=Incident.Status.DRAFT)
    membership = created_by.membership_or_none
    if "agency" not in data and "agency_id" not in data and membership and membership.agency_id:
        incident.agency_id = membership.agency_id
    _apply_data(incident, data, created_by)
    incident.fee_usd = fee_usd_for(
        fee=incident.fee_per_person, currency=incident.fee_currency, on=incident.detection_date
    )
    transit_rows, breakdown_rows, document_rows, row_errors = _rows(
        transits=transits, breakdowns=breakdowns, documents=documents
    )
    overridden = _screen_for_save(incident, user=created_by, override=screening_override, errors=row_errors)
    _check(incident, transit_rows, breakdown_rows, document_rows, row_errors, incident._screening_hits, submitting)
    incident.ret = _return_for(participant, incident.detection_date)
    # The return's month and owner (clean()); every other field passed _check above, and checking
    # them again cost a query per foreign key on every record created.
    incident.full_clean(exclude=_ALL_BUT_RET, validate_unique=False, validate_constraints=False)
    # The record, then its rows, each table in one INSERT, and the first version of each in
    # history in one INSERT per history table (the same rows saving them one by one writes).
    now = timezone.now()
    incident.updated_at = now
    _insert_with_history([[incident]], by=created_by, when=now)
    records_written(participant.pk)
    for rows in (transit_rows, breakdown_rows, document_rows):
        for row in rows:
            row.incident = incident
    _insert_with_history([transit_rows, breakdown_rows, document_rows], by=created_by, when=now)
    _attach_rows(incident, transits=transit_rows, breakdowns=breakdown_rows, documents=document_rows)
    if overridden:
        _comment(
            incident,
            author=created_by,
            kind=IncidentComment.Kind.SCREENING_OVERRIDE,
            text=incident.screening_override_reason,
        )
    return incident


def _attach_rows(incident: Incident, **rows: list[models.Model]) -> None:
    """Keep the rows just written on the record, as `prefetch_related` would and in the order
    reading them gives (the models' Meta.ordering), so rendering the new record reads nothing back."""
    ordering = {"breakdowns": lambda row: (row.group, -row.count, row.pk)}
    cache = incident.__dict__.setdefault("_prefetched_objects_cache", {})
    for name, written in rows.items():
        queryset = getattr(incident, name).all()
        queryset._result_cache = sorted(written, key=ordering[name]) if name in ordering else list(written)
        queryset._prefetch_done = True
        cache[name] = queryset


def _edit(
    *,
    incident: Incident,
    user: User,
    expected_version: int,
    data: dict[str, Any],
    transits: list[str],
    breakdowns: list[dict],
    documents: list[dict],
    reason: str = "",
    screening_override: str = "",
    submitting: bool = False,
) -> Incident:
    was_validated = incident.status == Incident.Status.VALIDATED
    before = {name: getattr(incident, name) for name in SCREENED_FIELDS}
    old_ret_id = incident.ret_id
    _apply_data(incident, data, user)
    incident.fee_usd = fee_usd_for(
        fee=incident.fee_per_person, currency=incident.fee_currency, on=incident.detection_date
    )
    transit_rows, breakdown_rows, document_rows, row_errors = _rows(
        transits=transits, breakdowns=breakdowns, documents=documents
    )
    month_changed = bool(incident.detection_date) and incident.detection_date.replace(day=1) != incident.ret.month
    if month_changed and was_validated:
        row_errors.setdefault("detection_date", []).append(
            _("A validated record stays in its month (%(month)s). Withdraw it and enter a new record instead.")
            % {"month": month_label(incident.ret.month)}
        )
    if month_changed:
        # Checked against the return of the new month, created only once everything is valid.
        incident.ret = Return(participant=incident.participant, month=incident.detection_date.replace(day=1))
        incident.ret_id = None
    if any(getattr(incident, name) != value for name, value in before.items()):
        # An override was granted for the text it was given for, not for new text.
        incident.screening_override_reason = ""
        incident.screening_override_by = None
    overridden = _screen_for_save(incident, user=user, override=screening_override, errors=row_errors)
    _check(incident, transit_rows, breakdown_rows, document_rows, row_errors, incident._screening_hits, submitting)
    if month_changed:
        incident.ret = _return_for(incident.participant, incident.detection_date)
    _claim(incident, expected_version)
    _save(incident, by=user, reason=reason)
    if overridden:
        _comment(
            incident, author=user, kind=IncidentComment.Kind.SCREENING_OVERRIDE, text=incident.screening_override_reason
        )
    _replace_rows(incident, transit_rows, breakdown_rows, document_rows, replace=True)
    if was_validated:
        # A corrected record must still pass everything a validated one passed (rolled back if not).
        _check_for_submission(incident)
        return_mark_dirty(ret_id=incident.ret_id)
    if old_ret_id != incident.ret_id and was_validated:
        return_mark_dirty(ret_id=old_ret_id)
    return incident


@transaction.atomic
def incident_update(
    *,
    incident: Incident,
    updated_by: User,
    expected_version: int,
    data: dict[str, Any],
    transits: list[str],
    breakdowns: list[dict],
    documents: list[dict],
    screening_override: str = "",
    submitting: bool = False,
) -> Incident:
    """Save changes to a draft or returned record (the focal point also edits submitted ones).

    Optimistic locking: `expected_version` is the version the editor read; if the record changed
    since, StaleRecord is raised and nothing is written. A validated record is changed with
    `incident_correct` instead, which asks for a reason."""
    _require(updated_by, incident.participant_id, ENTRY_ROLES, _("edit records"))
    editable = (Incident.Status.DRAFT, Incident.Status.RETURNED)
    if updated_by.role == Role.FOCAL_POINT:
        editable += (Incident.Status.SUBMITTED,)
    if incident.status == Incident.Status.VALIDATED:
        raise ValidationError(_("This record is validated: correct it (with a reason) instead of editing it."))
    _require_status(incident, editable, _("edited"))
    return _edit(
        incident=incident,
        user=updated_by,
        expected_version=expected_version,
        data=data,
        transits=transits,
        breakdowns=breakdowns,
        documents=documents,
        screening_override=screening_override,
        submitting=submitting,
    )


@transaction.atomic
def incident_correct(
    *,
    incident: Incident,
    corrected_by: User,
    expected_version: int,
    data: dict[str, Any],
    transits: list[str],
    breakdowns: list[dict],
    documents: list[dict],
    reason: str,
    screening_override: str = "",
) -> Incident:
    """The focal point corrects a validated record: a new version, the old one kept in history with
    the reason; the record stays validated and its return's derived data is rebuilt."""
    _require(corrected_by, incident.participant_id, FOCAL, _("correct a validated record"))
    _require_status(incident, (Incident.Status.VALIDATED,), _("corrected"))
    reason = _required_text(reason, _("Say why the record is corrected."), "reason")
    incident = _edit(
        incident=incident,
        user=corrected_by,
        expected_version=expected_version,
        data=data,
        transits=transits,
        breakdowns=breakdowns,
        documents=documents,
        reason=reason,
        screening_override=screening_override,
    )
    _comment(incident, author=corrected_by, kind=IncidentComment.Kind.CORRECTED, text=reason)
    return incident


@transaction.atomic
def incident_submit(*, incident: Incident, submitted_by: User, expected_version: int | None = None) -> Incident:
    """Send a complete draft (or a returned record) to the focal point for validation. Blocked when
    the free text looks like personal data, unless the focal point recorded an override."""
    _require(submitted_by, incident.participant_id, ENTRY_ROLES, _("submit records"))
    incident = _locked(incident, expected_version)
    _require_status(incident, (Incident.Status.DRAFT, Incident.Status.RETURNED), _("submitted"))
    _check_for_submission(incident)
    incident.status = Incident.Status.SUBMITTED
    incident.submitted_at = timezone.now()
    incident.version += 1
    _save(incident, by=submitted_by)
    return incident


def _check_for_submission(incident: Incident) -> None:
    """Complete, valid, breakdowns within totals, and no personal data (or an override): every
    problem at once. ScreeningBlocked (a ValidationError) when the text has hits."""
    errors: dict[str, list[str]] = {}
    for field, message in _submit_required().items():
        if getattr(incident, field) in (None, "", []):
            errors.setdefault(field, []).append(message)
    try:
        incident.full_clean()
    except ValidationError as error:
        for field, problems in error.error_dict.items():
            errors.setdefault(field, []).extend(problems)
    rows = list(incident.breakdowns.all())
    for field, message in breakdown_excess(incident=incident, breakdowns=rows).items():
        errors.setdefault(field, []).append(message)
    hits = {} if incident.screening_override_reason else incident_screening(incident=incident)
    if hits:
        raise ScreeningBlocked(hits, errors)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def incident_validate(*, incident: Incident, validated_by: User, expected_version: int | None = None) -> Incident:
    """The focal point accepts a submitted record into its month's return (which must be open)."""
    _require(validated_by, incident.participant_id, FOCAL, _("validate records"))
    incident = _locked(incident, expected_version)
    _require_status(incident, (Incident.Status.SUBMITTED,), _("validated"))
    ret = Return.objects.select_for_update().get(pk=incident.ret_id)
    if ret.status != Return.Status.OPEN:
        raise ValidationError(
            _("The return for %(month)s is already submitted. Reopen it (with a reason) to add this record.")
            % {"month": month_label(ret.month)},
            code="already_submitted",
        )
    _check_for_submission(incident)
    incident.status = Incident.Status.VALIDATED
    incident.validated_at = timezone.now()
    incident.validated_by = validated_by
    incident.review_comment = ""
    incident.version += 1
    _save(incident, by=validated_by)
    return_mark_dirty(ret_id=ret.pk)
    return incident


@transaction.atomic
def incident_return(
    *, incident: Incident, returned_by: User, comment: str, expected_version: int | None = None
) -> Incident:
    """The focal point sends a submitted record back to the contributor, saying what to fix."""
    _require(returned_by, incident.participant_id, FOCAL, _("return records"))
    comment = _required_text(comment, _("Say what needs to be fixed, so the contributor knows."), "comment")
    incident = _locked(incident, expected_version)
    _require_status(incident, (Incident.Status.SUBMITTED,), _("returned"))
    incident.status = Incident.Status.RETURNED
    incident.review_comment = comment
    incident.version += 1
    _save(incident, by=returned_by, reason=comment)
    _comment(incident, author=returned_by, kind=IncidentComment.Kind.RETURNED, text=comment)
    return incident


@transaction.atomic
def incident_withdraw(
    *, incident: Incident, withdrawn_by: User, reason: str, expected_version: int | None = None
) -> Incident:
    """Take a record out of use, never deleting it. Contributors withdraw their own unsubmitted
    drafts; the focal point withdraws any record. The last validated record of a submitted return
    needs the return reopened first (a submitted return with no data must be a nil return)."""
    _require(withdrawn_by, incident.participant_id, ENTRY_ROLES, _("withdraw records"))
    reason = _required_text(reason, _("Say why the record is withdrawn."), "reason")
    incident = _locked(incident, expected_version)
    allowed = tuple(s for s in Incident.Status.values if s != Incident.Status.WITHDRAWN)
    if withdrawn_by.role != Role.FOCAL_POINT:
        allowed = (Incident.Status.DRAFT, Incident.Status.RETURNED)
    _require_status(incident, allowed, _("withdrawn by you"))
    was_validated = incident.status == Incident.Status.VALIDATED
    if was_validated:
        ret = Return.objects.select_for_update().get(pk=incident.ret_id)
        others = ret.incidents.validated().exclude(pk=incident.pk).exists()
        if ret.status == Return.Status.SUBMITTED and not others:
            raise ValidationError(
                _(
                    "This is the only validated record of the submitted return for %(month)s. Reopen the "
                    "return first; then withdraw the record and submit the month as a nil return if nothing "
                    "is left."
                )
                % {"month": month_label(ret.month)}
            )
    incident.status = Incident.Status.WITHDRAWN
    incident.version += 1
    _save(incident, by=withdrawn_by, reason=reason)
    _comment(incident, author=withdrawn_by, kind=IncidentComment.Kind.WITHDRAWN, text=reason)
    if was_validated:
        return_mark_dirty(ret_id=incident.ret_id)
    return incident


@transaction.atomic
def incident_screening_override(
    *, incident: Incident, overridden_by: User, reason: str, expected_version: int | None = None
) -> Incident:
    """The focal point lets the record through the personal-data check, with a recorded reason
    (e.g. "“Dr” is part of a street name"). Any later change to the screened text clears it."""
    _require(overridden_by, incident.participant_id, FOCAL, _("override the personal-data check"))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the text holds no personal data.")]})
    _screened_text(reason, "reason", quoted=incident_screening(incident=incident))
    incident = _locked(incident, expected_version)
    _require_status(
        incident,
        (Incident.Status.DRAFT, Incident.Status.RETURNED, Incident.Status.SUBMITTED),
        _("cleared of the personal-data check"),
    )
    incident.screening_override_reason = reason
    incident.screening_override_by = overridden_by
    incident.version += 1
    _save(incident, by=overridden_by, reason=reason)
    _comment(incident, author=overridden_by, kind=IncidentComment.Kind.SCREENING_OVERRIDE, text=reason)
    return incident


@transaction.atomic
def incident_sharing_set(
    *,
    incident: Incident,
    changed_by: User,
    sharing_level: str,
    embargo_until: dt.date | None,
    expected_version: int | None = None,
) -> Incident:
    """The focal point decides who beyond its own participant sees the record, and from when."""
    _require(changed_by, incident.participant_id, FOCAL, _("set a record's sharing"))
    incident = _locked(incident, expected_version)
    _require_status(incident, tuple(s for s in Incident.Status.values if s != Incident.Status.WITHDRAWN), _("shared"))
    errors: dict[str, list[str]] = {}
    if sharing_level not in codes.SharingLevel.values:
        errors["sharing_level"] = [_("Choose a sharing level from the list.")]
    if embargo_until is not None and embargo_until < timezone.localdate():
        errors["embargo_until"] = [_("An embargo date in the past has no effect: leave it empty or pick a later day.")]
    if errors:
        raise ValidationError(errors)
    incident.sharing_level = sharing_level
    incident.embargo_until = embargo_until
    incident.version += 1
    _save(incident, by=changed_by)
    if incident.status == Incident.Status.VALIDATED:
        return_mark_dirty(ret_id=incident.ret_id)
    return incident
