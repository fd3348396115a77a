"""What each role's home page shows: its work, as counts and short lists that link to the lists
filtered to them (issue 19). Reads only: incident data through the reciprocity rule
(reporting/reciprocity.py: visible_incidents), returns and standing from their own selectors.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.core.cache import cache
from django.db.models import Count, OuterRef, Q, Subquery, Sum
from django.urls import reverse
from django.utils import timezone

from accounts.models import Invitation, Participant, Role, User
from reporting import compliance, reciprocity
from reporting.entry_selectors import ReturnMonth, return_calendar
from reporting.models import ImportBatch, Incident, IncidentComment

SHORT_LIST = 5
ANALYST_FIGURES_SECONDS = 300
# Imports that wait for a person: a mapping to finish, a dry run to read, or rows to fix.
IMPORTS_WAITING = (
    ImportBatch.Status.UPLOADED,
    ImportBatch.Status.MAPPING,
    ImportBatch.Status.CHECKED,
    ImportBatch.Status.CANCELLED,
)


def records_url(**filters) -> str:
    """The record list filtered as given (the home's counts link there)."""
    return f"{reverse('reporting:incident-list')}?{urlencode(filters)}"


@dataclass
class Worklist:
    """One role's home: what is waiting, oldest first where the order matters."""

    role: str
    counts: dict[str, int] = field(default_factory=dict)
    returned: list[Incident] = field(default_factory=list)  # each with .return_comment
    waiting: list[Incident] = field(default_factory=list)
    returns_due: list[ReturnMonth] = field(default_factory=list)
    standing: reciprocity.Standing | None = None
    imports: list[ImportBatch] = field(default_factory=list)
    at_risk: list[compliance.AccessRisk] = field(default_factory=list)
    overdue: list[tuple[Participant, compliance.Cell]] = field(default_factory=list)
    invitations: list[Invitation] = field(default_factory=list)
    links: dict[str, str] = field(default_factory=dict)
    since: dt.date | None = None  # the analyst's figures count detections from this month on


def _own_records(user: User):
    """The user's own participant's records, read through the rule like every other read."""
    return reciprocity.visible_incidents(user).filter(participant_id=user.participant_id)


def _entry_work(user: User, worklist: Worklist) -> None:
    """Drafts and records returned for correction, each returned one with the focal point's comment."""
    own = _own_records(user)
    # Narrowed to the three statuses first, so the (participant, status, date) index does the work.
    pending = [Incident.Status.DRAFT, Incident.Status.RETURNED, Incident.Status.SUBMITTED]
    counts = own.filter(status__in=pending).aggregate(
        drafts=Count("pk", filter=Q(status=Incident.Status.DRAFT)),
        returned=Count("pk", filter=Q(status=Incident.Status.RETURNED)),
        waiting=Count("pk", filter=Q(status=Incident.Status.SUBMITTED)),
    )
    worklist.counts.update(counts)
    latest_comment = (
        IncidentComment.objects.filter(incident=OuterRef("pk"), kind=IncidentComment.Kind.RETURNED)
        .order_by("-created_at")
        .values("text")[:1]
    )
    worklist.returned = list(
        own.filter(status=Incident.Status.RETURNED)
        .annotate(return_comment=Subquery(latest_comment))
        .order_by("updated_at", "pk")[:SHORT_LIST]
    )
    worklist.links.update(
        drafts=records_url(status=Incident.Status.DRAFT),
        returned=records_url(status=Incident.Status.RETURNED),
        waiting=records_url(status=Incident.Status.SUBMITTED),
    )


def worklist_for(user: User, *, today: dt.date | None = None) -> Worklist | None:
    """The home's work for the user's role; None for a user without one."""
    today = today or timezone.localdate()
    role = user.role
    if role == Role.CONTRIBUTOR:
        worklist = Worklist(role=role)
        _entry_work(user, worklist)
        worklist.imports = _imports_waiting(user)
        return worklist
    if role == Role.FOCAL_POINT:
        worklist = Worklist(role=role)
        _entry_work(user, worklist)
        worklist.waiting = list(
            _own_records(user).filter(status=Incident.Status.SUBMITTED).order_by("submitted_at", "pk")[:SHORT_LIST]
        )
        calendar = return_calendar(participant=user.participant, today=today)
        worklist.returns_due = [m for m in calendar if m.state in ("current", "open", "overdue")]
        worklist.counts["overdue_returns"] = sum(1 for m in calendar if m.state == "overdue")
        worklist.standing = reciprocity.participant_standing(user.participant, on=today)
        worklist.imports = _imports_waiting(user)
        return worklist
    if role == Role.ANALYST:
        return _analyst(user, today)
    if role == Role.SECRETARIAT:
        return _secretariat(today)
    return None


def _imports_waiting(user: User) -> list[ImportBatch]:
    return list(
        ImportBatch.objects.filter(participant_id=user.participant_id, status__in=IMPORTS_WAITING).order_by(
            "-created_at"
        )[:SHORT_LIST]
    )


def _analyst(user: User, today: dt.date) -> Worklist:
    """Headline figures of what the analyst may read, over the last twelve months of detections."""
    since = reciprocity.month_add(today.replace(day=1), -11)

    def figures() -> dict:
        readable = reciprocity.visible_incidents(user).filter(
            status=Incident.Status.VALIDATED, detection_date__gte=since
        )
        sums = readable.aggregate(
            records=Count("pk"),
            own=Count("pk", filter=Q(participant_id=user.participant_id)),
            migrants=Sum("migrants_total"),
            dead=Sum("dead"),
            missing=Sum("missing"),
            owners=Count("participant_id", distinct=True),
        )
        return {**{k: v or 0 for k, v in sums.items()}, "as_of": timezone.now()}

    # The sums over a year of readable records are the home's dearest query: kept a few minutes per
    # participant and day (what a participant may read is the same for all its analysts), and the
    # page says "as of" when.
    key = f"vrs:home:analyst:{user.participant_id}:{today.isoformat()}"
    counts = cache.get_or_set(key, figures, ANALYST_FIGURES_SECONDS)
    worklist = Worklist(role=Role.ANALYST, counts=dict(counts))
    worklist.counts["shared"] = worklist.counts["records"] - worklist.counts["own"]
    worklist.standing = reciprocity.participant_standing(user.participant, on=today)
    month_from = since.strftime("%Y-%m")
    worklist.links.update(
        records=records_url(status=Incident.Status.VALIDATED, month_from=month_from),
        dashboard=reverse("analytics:dashboard"),
    )
    worklist.since = since
    return worklist


def _secretariat(today: dt.date) -> Worklist:
    """Participants losing access, returns overdue for the last closed month, invitations open."""
    worklist = Worklist(role=Role.SECRETARIAT)
    worklist.at_risk = compliance.access_at_risk(on=today)
    last_month = compliance.coverage_months(on=today, count=1)
    active = Participant.objects.active().order_by("name")
    rows = compliance.coverage_grid(months=last_month, participants=active, on=today)
    worklist.overdue = [(row.participant, row.cells[0]) for row in rows if row.cells[0].state == "missing"]
    open_invitations = Invitation.objects.filter(
        accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
    ).select_related("participant")
    worklist.invitations = list(open_invitations.order_by("expires_at")[:SHORT_LIST])
    worklist.counts.update(
        at_risk=len(worklist.at_risk), overdue=len(worklist.overdue), invitations=open_invitations.count()
    )
    worklist.at_risk = worklist.at_risk[:SHORT_LIST]
    worklist.links.update(
        coverage=reverse("reporting:console-coverage"),
        participants=reverse("reporting:console-participants"),
        invitations=reverse("accounts:user-list"),
    )
    return worklist
