"""Reads of the reporting app, built on the reciprocity rule's querysets (reporting/reciprocity.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from accounts.codes import country_name
from accounts.language import list_join
from accounts.models import LOCAL_NAME_LANGUAGES, Participant, User
from reporting import codes, reciprocity
from reporting.fields import MultipleCodeField
from reporting.models import AccessEvent, Incident, SharingExclusion
from reporting.screening import show_redactions

# Sort keys a user may pick in the record list; the second column keeps pages stable.
INCIDENT_SORTS = {
    "-detection_date": ("-detection_date", "-id"),
    "detection_date": ("detection_date", "id"),
    "-migrants_total": ("-migrants_total", "-id"),
    "migrants_total": ("migrants_total", "id"),
    "participant": ("participant__name", "-detection_date", "-id"),
    "-participant": ("-participant__name", "-detection_date", "-id"),
    "national_reference": ("national_reference", "id"),
    "-national_reference": ("-national_reference", "-id"),
    "status": ("status", "-detection_date", "-id"),
    "-status": ("-status", "-detection_date", "-id"),
}


@dataclass(frozen=True)
class IncidentFilters:
    """What the record list is narrowed to; every field is optional."""

    owner_id: int | None = None
    month_from: dt.date | None = None
    month_to: dt.date | None = None
    status: str = ""
    category: str = ""
    mode: str = ""
    country: str = ""  # origin, transit or destination
    agency_id: int | None = None
    q: str = ""
    sort: str = "-detection_date"


def _narrative_search(qs: QuerySet[Incident], text: str) -> QuerySet[Incident]:
    """PostgreSQL full-text search (English stemming, web-search syntax) where available, a plain
    case-insensitive match on the embedded SQLite."""
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchVector

        return qs.annotate(search=SearchVector("narrative", config="english")).filter(
            search=SearchQuery(text, config="english", search_type="websearch")
        )
    return qs.filter(narrative__icontains=text)


def incident_list(*, user: User, filters: IncidentFilters) -> QuerySet[Incident]:
    """The records the user may read (the rule decides), narrowed by the filters and sorted."""
    qs = reciprocity.visible_incidents(user)
    if filters.owner_id:
        qs = qs.filter(participant_id=filters.owner_id)
    if filters.month_from:
        qs = qs.filter(detection_date__gte=filters.month_from)
    if filters.month_to:
        qs = qs.filter(detection_date__lte=reciprocity.month_end(filters.month_to))
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.category:
        qs = qs.with_code("categories", filters.category)
    if filters.mode:
        qs = qs.with_code("modes", filters.mode)
    if filters.country:
        c = filters.country
        qs = qs.filter(Q(origin_country=c) | Q(destination_country=c) | Q(transits__country=c)).distinct()
    if filters.agency_id:
        qs = qs.filter(agency_id=filters.agency_id)
    if filters.q.strip():
        qs = _narrative_search(qs, filters.q.strip())
    order = INCIDENT_SORTS.get(filters.sort, INCIDENT_SORTS["-detection_date"])
    return qs.select_related("participant").only(*INCIDENT_LIST_COLUMNS).order_by(*order)


# What the record list shows of each record (exports choose their own columns): the rest of a
# record (narrative, JSON code lists, money...) is neither read nor decoded for the list.
INCIDENT_LIST_COLUMNS = (
    # The owner's name as its reader sees it (Participant.local_name).
    "participant__name",
    "participant__country",
    *(f"participant__name_{language}" for language in LOCAL_NAME_LANGUAGES),
    "national_reference",
    "detection_date",
    "categories",
    "modes",
    "origin_country",
    "destination_country",
    "migrants_total",
    "status",
)


def incident_list_owners(*, user: User) -> list[Participant]:
    """The participants whose records may appear in the user's list: its own and the readable ones."""
    ids = set(reciprocity.readable_owner_ids(user))
    if user.participant_id is not None:
        ids.add(user.participant_id)
    return list(Participant.objects.filter(pk__in=ids).order_by("name"))


def incident_detail(*, user: User, pk: int) -> Incident:
    """One record through the rule (404 outside it), with its rows for display, in one read."""
    return reciprocity.incident_get_for(
        user,
        pk,
        related=("agency", "border_crossing_point", "created_by"),
        prefetch=("transits", "breakdowns", "documents"),
    )


@dataclass(frozen=True)
class HistoryEntry:
    when: dt.datetime
    who: str
    kind: str
    changes: list[tuple[str, str, str]]  # (field label, old, new)


def incident_history(*, incident: Incident) -> list[HistoryEntry]:
    """The record's change history, newest first, as field-by-field differences read as people read
    them: labels instead of codes, names instead of ids, in the active language.

    Only for the owner's users: the caller decides (other states' officials are not shown who in a
    foreign administration edited a record)."""
    records = list(incident.history.select_related("history_user").order_by("history_date", "history_id"))
    # Records loaded in bulk (the demo's COPY, imports) may have no history rows at all.
    deltas = [records[i].diff_against(records[i - 1]).changes if i else [] for i in range(len(records))]
    names = _history_names([c for changes in deltas for c in changes])
    kinds = {"+": _("Created"), "~": _("Changed"), "-": _("Deleted")}
    entries = []
    for record, delta in zip(records, deltas, strict=True):
        changes = []
        for change in delta:
            field = Incident._meta.get_field(change.field)
            changes.append(
                (
                    capfirst(str(HISTORY_LABELS.get(change.field, field.verbose_name))),
                    _history_value(field, change.old, names),
                    _history_value(field, change.new, names),
                )
            )
        entries.append(
            HistoryEntry(
                when=record.history_date,
                who=_person(record.history_user) if record.history_user else "",
                kind=str(kinds.get(record.history_type, record.history_type)),
                changes=changes,
            )
        )
    return list(reversed(entries))


# Fields the model leaves without a translated name (their verbose_name would be Django's own).
HISTORY_LABELS = {
    "validated_by": _("validated by"),
    "created_by": _("created by"),
    "screening_override_by": _("personal-data check overridden by"),
}


def _person(user) -> str:
    return user.get_full_name() or user.get_username()


def _history_names(changes) -> dict:
    """{(model, pk): readable name} for every foreign key a change points to, one query per model."""
    wanted: dict = {}
    for change in changes:
        field = Incident._meta.get_field(change.field)
        if field.is_relation:
            for value in (change.old, change.new):
                if value not in (None, ""):
                    wanted.setdefault(field.related_model, set()).add(value)
    names = {}
    for model, pks in wanted.items():
        for obj in model._default_manager.filter(pk__in=pks):
            label = _person(obj) if hasattr(obj, "get_username") else str(obj)
            names[(model, obj.pk)] = label
    return names


def _history_value(field, value, names: dict) -> str:
    """One value of a field as the record's page shows it."""
    if value in (None, "", []):
        return "—"
    if field.is_relation:
        return names.get((field.related_model, value), "—")
    if isinstance(field, MultipleCodeField):
        labels = dict(field.codes)
        return list_join(labels.get(v, v) for v in value)
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, dt.datetime):
        return formats.date_format(timezone.localtime(value), "Y-m-d H:i")  # the site's dates are ISO
    if isinstance(value, dt.date):
        return formats.date_format(value, "Y-m-d")
    if isinstance(value, list):
        return list_join(value)
    return show_redactions(str(value))  # escaped; redacted personal data shown as such


# Sharing: standing, the who-sees-whom matrix, the access log, exclusions ------------------------


@dataclass(frozen=True)
class MatrixCell:
    owner_id: int
    state: str  # "self", "granted", "excluded", "none"


@dataclass(frozen=True)
class MatrixRow:
    viewer: Participant
    standing: reciprocity.Standing
    cells: list[MatrixCell]
    reads: int  # how many owners this viewer reads now


@dataclass(frozen=True)
class SharingMatrix:
    participants: list[Participant]
    rows: list[MatrixRow]
    drift: reciprocity.SyncResult
    policy_version: int
    on: dt.date


def sharing_matrix(*, on: dt.date | None = None) -> SharingMatrix:
    """Who can read whom, from guardian's rows (the materialised decisions), with each participant's
    live standing and the drift between guardian and the policy's answer."""
    on = on or timezone.localdate()
    participants = list(Participant.objects.order_by("name"))
    policy = reciprocity.current_policy()
    standing = reciprocity.standings(participants, on=on, policy=policy)
    granted = reciprocity.current_grants()
    desired = reciprocity.desired_grants(policy=policy, standing=standing)
    readable = granted & desired  # what a read lets through now: the read path checks both, live
    excluded = set(SharingExclusion.objects.values_list("owner_id", "partner_id"))
    rows = []
    for viewer in participants:
        cells = []
        for owner in participants:
            pair = (owner.pk, viewer.pk)
            if owner.pk == viewer.pk:
                state = "self"
            elif pair in excluded:
                state = "excluded"
            elif pair in readable:
                state = "granted"
            else:
                state = "none"
            cells.append(MatrixCell(owner_id=owner.pk, state=state))
        rows.append(
            MatrixRow(
                viewer=viewer, standing=standing[viewer.pk], cells=cells, reads=sum(c.state == "granted" for c in cells)
            )
        )
    drift = reciprocity.SyncResult(granted=desired - granted, revoked=granted - desired, policy_version=policy.version)
    return SharingMatrix(
        participants=participants,
        rows=rows,
        drift=drift,
        policy_version=policy.version,
        on=on,
    )


def access_event_list(*, owner_id: int) -> QuerySet[AccessEvent]:
    """Reads of the owner's records by others, newest first."""
    return (
        AccessEvent.objects.filter(owner_id=owner_id)
        .exclude(viewer_id=owner_id)
        .select_related("viewer", "user__membership", "incident")
        .order_by("-at", "-id")
    )


def exclusion_partners(*, owner: Participant) -> list[tuple[Participant, SharingExclusion | None]]:
    """Every other participant, with the owner's exclusion of it if there is one."""
    exclusions = {e.partner_id: e for e in SharingExclusion.objects.filter(owner=owner)}
    partners = Participant.objects.exclude(pk=owner.pk).order_by("name")
    return [(p, exclusions.get(p.pk)) for p in partners]


# Exports of record lists (the record list, the dashboards' drill-down list) ----------------------

_EXPORT_FIELDS = [
    "id",
    "participant__code",
    "national_reference",
    "detection_date",
    "categories",
    "modes",
    "detection_context",
    "origin_country",
    "destination_country",
    "migrants_total",
    "smugglers_total",
    "dead",
    "missing",
    "sharing_level",
    "narrative",
]


def _codes_with_labels(values: list[str], names: dict[str, str]) -> str:
    return "; ".join(f"{code} ({names.get(code, code)})" for code in values or [])


def incident_export_rows(*, records: QuerySet[Incident]) -> tuple[list[str], Callable[[], object]]:
    """The header and a generator of rows of a list of records for export (`records`: already under
    the rule, from the list's own selector): the record page's main fields, codes with their labels
    in the reader's language beside them. Rows are read in
    chunks (`iterator`), so a million records are never held in memory at once."""
    categories, modes = dict(codes.ConductCategory.choices), dict(codes.Mode.choices)
    contexts, sharing = dict(codes.DetectionContext.choices), dict(codes.SharingLevel.choices)
    header = [
        _("Record"),
        _("Participant"),
        _("Reference"),
        _("Detected"),
        _("Conduct categories"),
        _("Modes"),
        _("Detection context"),
        _("Origin"),
        _("Destination"),
        _("Migrants"),
        _("Smugglers"),
        _("Dead"),
        _("Missing"),
        _("Sharing level"),
        _("Modus operandi"),
    ]

    def rows():
        for r in records.values(*_EXPORT_FIELDS).iterator(chunk_size=2000):
            yield [
                r["id"],
                r["participant__code"],
                r["national_reference"],
                r["detection_date"],
                _codes_with_labels(r["categories"], categories),
                _codes_with_labels(r["modes"], modes),
                f"{r['detection_context']} ({contexts.get(r['detection_context'], '')})"
                if r["detection_context"]
                else "",
                f"{r['origin_country']} ({country_name(r['origin_country'])})" if r["origin_country"] else "",
                f"{r['destination_country']} ({country_name(r['destination_country'])})"
                if r["destination_country"]
                else "",
                r["migrants_total"],
                r["smugglers_total"],
                r["dead"],
                r["missing"],
                f"{r['sharing_level']} ({sharing.get(r['sharing_level'], '')})",
                r["narrative"],
            ]

    return [str(h) for h in header], rows
