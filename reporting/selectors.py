"""Reads of the reporting app, built on the reciprocity rule's querysets (reporting/reciprocity.py)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import Participant, User
from reporting import reciprocity
from reporting.models import AccessEvent, Incident, SharingExclusion

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
    return qs.select_related("participant", "agency").order_by(*order)


def incident_list_owners(*, user: User) -> list[Participant]:
    """The participants whose records may appear in the user's list: its own and the readable ones."""
    ids = set(reciprocity.readable_owner_ids(user))
    if user.participant_id is not None:
        ids.add(user.participant_id)
    return list(Participant.objects.filter(pk__in=ids).order_by("name"))


def incident_detail(*, user: User, pk: int) -> Incident:
    """One record through the rule (404 outside it), with its rows for display."""
    incident = reciprocity.incident_get_for(user, pk)
    return (
        Incident.objects.select_related("participant", "ret", "agency", "border_crossing_point", "created_by")
        .prefetch_related("transits", "breakdowns", "documents")
        .get(pk=incident.pk)
    )


@dataclass(frozen=True)
class HistoryEntry:
    when: dt.datetime
    who: str
    kind: str
    changes: list[tuple[str, str, str]]  # (field label, old, new)


def incident_history(*, incident: Incident) -> list[HistoryEntry]:
    """The record's change history, newest first, as field-by-field differences.

    Only for the owner's users: the caller decides (other states' officials are not shown who in a
    foreign administration edited a record)."""
    records = list(incident.history.select_related("history_user").order_by("history_date", "history_id"))
    entries = []
    previous = None
    for record in records:
        changes = []
        if previous is not None:
            delta = record.diff_against(previous)
            for change in delta.changes:
                field = Incident._meta.get_field(change.field)
                changes.append((str(field.verbose_name).capitalize(), _display(change.old), _display(change.new)))
        who = record.history_user.get_username() if record.history_user else ""
        entries.append(
            HistoryEntry(when=record.history_date, who=who, kind=record.get_history_type_display(), changes=changes)
        )
        previous = record
    return list(reversed(entries))


def _display(value) -> str:
    if value in (None, "", []):
        return "—"
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return str(value)


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
    excluded = set(SharingExclusion.objects.values_list("owner_id", "partner_id"))
    rows = []
    for viewer in participants:
        live = standing[viewer.pk]
        cells = []
        for owner in participants:
            pair = (owner.pk, viewer.pk)
            if owner.pk == viewer.pk:
                state = "self"
            elif pair in excluded:
                state = "excluded"
            # Guardian's row alone does not open access: the read path also checks the viewer's live
            # standing and the owner's status, so the matrix shows what a read would do now.
            elif pair in granted and live.contributing and owner.status == Participant.Status.ACTIVE:
                state = "granted"
            else:
                state = "none"
            cells.append(MatrixCell(owner_id=owner.pk, state=state))
        rows.append(
            MatrixRow(viewer=viewer, standing=live, cells=cells, reads=sum(c.state == "granted" for c in cells))
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
