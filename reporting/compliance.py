"""Coverage and compliance: which participant submitted which month's return, when, and who is about
to lose access (the secretariat's view; docs/console.md, issue #8).

A cell of the grid is one participant × one month:
- `data` / `nil`: a submitted return with records / "nothing to report", on time or `late`;
- `missing`: not submitted and the due date has passed;
- `open`: not submitted and not yet due (or the month is not over);
- `none`: the participant had not joined yet, or was only invited.
Timeliness compares `submitted_at` with the due date of reporting.models.return_due_date(): the only
place the due date is decided.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.language import list_join, month_label
from accounts.models import Participant
from reporting.models import ReciprocityPolicy, Return, return_due_date
from reporting.reciprocity import Standing, current_policy, desired_grants, month_add, standings
from reporting.spreadsheets import csv_text, xlsx_bytes

STATES = {
    "data": gettext_lazy("data"),
    "nil": gettext_lazy("nil"),
    "missing": gettext_lazy("missing"),
    "open": gettext_lazy("not yet due"),
    "none": gettext_lazy("not participating"),
}


@dataclass(frozen=True)
class Cell:
    month: dt.date
    state: str
    late: bool = False
    days_late: int = 0
    submitted_on: dt.date | None = None
    due_on: dt.date | None = None

    @property
    def label(self) -> str:
        text = str(STATES[self.state])
        if self.late and self.state in {"data", "nil"}:
            return _("%(state)s, %(days)d days late") % {"state": text, "days": self.days_late}
        return text


@dataclass
class CoverageRow:
    participant: Participant
    cells: list[Cell] = field(default_factory=list)

    def _count(self, *states: str, late: bool | None = None) -> int:
        return sum(1 for c in self.cells if c.state in states and (late is None or c.late == late))

    @property
    def due(self) -> int:
        """Months whose return was due by now (submitted or not)."""
        return self._count("data", "nil", "missing")

    @property
    def on_time(self) -> int:
        return self._count("data", "nil", late=False)

    @property
    def submitted_late(self) -> int:
        return self._count("data", "nil", late=True)

    @property
    def missing(self) -> int:
        return self._count("missing")

    @property
    def timeliness(self) -> float | None:
        """Share of due returns submitted by their due date (None when nothing was due)."""
        return self.on_time / self.due if self.due else None

    @property
    def median_days_late(self) -> float | None:
        late = [c.days_late for c in self.cells if c.late and c.state in {"data", "nil"}]
        return statistics.median(late) if late else None


def coverage_months(*, on: dt.date, count: int) -> list[dt.date]:
    """The `count` months up to and including the previous month, oldest first."""
    last = month_add(on.replace(day=1), -1)
    return [month_add(last, -(count - 1 - i)) for i in range(count)]


def _cell(participant: Participant, month: dt.date, ret: Return | None, on: dt.date) -> Cell:
    due = return_due_date(month)
    if participant.joined_on is None or month_add(participant.joined_on.replace(day=1), 0) > month:
        return Cell(month, "none", due_on=due)
    if ret is not None and ret.status == Return.Status.SUBMITTED:
        submitted_on = timezone.localdate(ret.submitted_at)
        days_late = max(0, (submitted_on - due).days)
        return Cell(
            month,
            "nil" if ret.is_nil else "data",
            late=days_late > 0,
            days_late=days_late,
            submitted_on=submitted_on,
            due_on=due,
        )
    if on > due:
        return Cell(month, "missing", late=True, days_late=(on - due).days, due_on=due)
    return Cell(month, "open", due_on=due)


def coverage_grid(
    *, months: list[dt.date], participants: Iterable[Participant] | None = None, on: dt.date | None = None
) -> list[CoverageRow]:
    """Participant × month grid of returns, in two queries. Invited participants are left out."""
    on = on or timezone.localdate()
    if participants is None:
        participants = Participant.objects.exclude(status=Participant.Status.INVITED).order_by("name")
    participants = list(participants)
    returns = {
        (r.participant_id, r.month): r
        for r in Return.objects.filter(
            participant_id__in=[p.pk for p in participants], month__gte=months[0], month__lte=months[-1]
        ).only("participant_id", "month", "status", "is_nil", "submitted_at")
    }
    return [CoverageRow(p, [_cell(p, m, returns.get((p.pk, m)), on) for m in months]) for p in participants]


@dataclass(frozen=True)
class AccessRisk:
    participant: Participant
    standing: Standing
    days_left: int | None

    @property
    def why(self) -> str:
        s = self.standing
        if not s.contributing:
            return s.reason
        missing = list_join([month_label(m) for m in s.missing_months])
        if s.grace_until and s.holds_until == s.grace_until and s.returns_counted < s.returns_needed:
            return _("Grace period ends on %(date)s with %(counted)d of %(needed)d returns submitted.") % {
                "date": s.grace_until.isoformat(),
                "counted": s.returns_counted,
                "needed": s.returns_needed,
            }
        return _(
            "%(counted)d returns submitted in the window (%(needed)d needed); without a new one, it stops "
            "contributing after %(date)s. Months missing: %(missing)s."
        ) % {
            "counted": s.returns_counted,
            "needed": s.returns_needed,
            "date": s.holds_until.isoformat(),
            "missing": missing or _("none"),
        }


def access_at_risk(*, on: dt.date | None = None, within_days: int = 45) -> list[AccessRisk]:
    """Active participants that are contributing but whose standing ends within `within_days` unless
    they submit another return, soonest first; then active participants already not contributing."""
    on = on or timezone.localdate()
    active = list(Participant.objects.active().order_by("name"))
    result = []
    by_id = {p.pk: p for p in active}
    for pid, standing in standings(active, on=on).items():
        if standing.contributing and standing.holds_until is not None:
            days_left = (standing.holds_until - on).days
            if days_left <= within_days:
                result.append(AccessRisk(by_id[pid], standing, days_left))
        elif not standing.contributing:
            result.append(AccessRisk(by_id[pid], standing, None))
    return sorted(result, key=lambda r: (r.days_left is None, r.days_left or 0, r.participant.local_name))


# Exports ----------------------------------------------------------------------------------------


def _table(rows: list[CoverageRow], months: list[dt.date]) -> list[list]:
    header = [_("Code"), _("Participant"), _("Status")] + [m.strftime("%Y-%m") for m in months]
    header += [_("Due"), _("On time"), _("Late"), _("Missing"), _("Timeliness (%)"), _("Median days late")]
    table = [header]
    for row in rows:
        timeliness = round(row.timeliness * 100) if row.timeliness is not None else ""
        table.append(
            [row.participant.code, row.participant.local_name, row.participant.get_status_display()]
            + [c.label for c in row.cells]
            + [row.due, row.on_time, row.submitted_late, row.missing, timeliness, row.median_days_late or ""]
        )
    return table


def coverage_csv(*, rows: list[CoverageRow], months: list[dt.date]) -> str:
    return csv_text(_table(rows, months))


def coverage_xlsx(*, rows: list[CoverageRow], months: list[dt.date]) -> bytes:
    return xlsx_bytes({_("Coverage"): _table(rows, months)})


# Policy preview -------------------------------------------------------------------------------


@dataclass(frozen=True)
class StandingChange:
    participant: Participant
    before: Standing
    after: Standing
    reads_before: int = 0  # partners whose shared records it reads now
    reads_after: int = 0  # ... and would read under the proposed policy


@dataclass(frozen=True)
class PolicyPreview:
    """What a proposed policy would change today: who would start or stop contributing, and the
    record-level grants (owner → viewer pairs) that would be added or removed."""

    gain: list[StandingChange]
    lose: list[StandingChange]
    grants_added: set[tuple[int, int]]
    grants_removed: set[tuple[int, int]]
    grants_before: int
    grants_after: int
    disclosure_changes: list[tuple[str, object, object]]

    @property
    def changes_anything(self) -> bool:
        return bool(self.gain or self.lose or self.grants_added or self.grants_removed or self.disclosure_changes)


def policy_preview(*, proposed: ReciprocityPolicy, on: dt.date | None = None) -> PolicyPreview:
    """Compare the policy in force with an unsaved `proposed` one, through the rule's own functions
    (standings and desired_grants accept a policy), so the preview cannot disagree with the rule."""
    on = on or timezone.localdate()
    current = current_policy()
    participants = list(Participant.objects.order_by("name"))
    before = standings(participants, on=on, policy=current)
    after = standings(participants, on=on, policy=proposed)
    grants_before = desired_grants(policy=current, standing=before)
    grants_after = desired_grants(policy=proposed, standing=after)
    reads_before = Counter(viewer for _owner, viewer in grants_before)
    reads_after = Counter(viewer for _owner, viewer in grants_after)
    gain, lose = [], []
    for p in participants:
        b, a = before[p.pk], after[p.pk]
        change = StandingChange(p, b, a, reads_before[p.pk], reads_after[p.pk])
        if a.contributing and not b.contributing:
            gain.append(change)
        elif b.contributing and not a.contributing:
            lose.append(change)
    disclosure = [
        (str(ReciprocityPolicy._meta.get_field(name).verbose_name), getattr(current, name), getattr(proposed, name))
        for name in ("non_contributors_see_aggregates", "min_cell", "min_contributors", "secretariat_reads_records")
        if getattr(current, name) != getattr(proposed, name)
    ]
    return PolicyPreview(
        gain=gain,
        lose=lose,
        grants_added=grants_after - grants_before,
        grants_removed=grants_before - grants_after,
        grants_before=len(grants_before),
        grants_after=len(grants_after),
        disclosure_changes=disclosure,
    )
