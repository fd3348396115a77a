"""The audit trail: every audited act, gathered from where each is written, for the secretariat's
search page. Read-only: nothing here (or anywhere in the site) edits or deletes an entry.

Sources: console acts (accounts.AuditEntry), participation changes, policy versions, returns
submitted and reopened (simple-history), record workflow (comments: returned, corrected, withdrawn,
personal-data check overridden), grant changes of the reciprocity sync and access events (reads
and exports of another participant's records). Record contents never appear: only which record,
who, what and when (the secretariat reads no record-level data unless the policy says so).
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.models import AuditEntry, Participant, ParticipantStatusChange
from reporting.models import AccessEvent, GrantChange, IncidentComment, ReciprocityPolicy, Return

KINDS = {
    "console": _("Console acts (users, roles, invitations, terms, code lists)"),
    "exports": _("Exports of tables (dashboards, coverage, audit trail)"),
    "signin": _("Sign-in: successes, failures, lockouts, two-factor"),
    "participation": _("Participation changes"),
    "policy": _("Policy versions"),
    "returns": _("Returns submitted and reopened"),
    "records": _("Record workflow (returned, corrected, withdrawn, checks overridden)"),
    "grants": _("Grant changes"),
    "access": _("Reads and exports of others' records"),
}

# What the results table calls each kind (the filter's labels above say what each holds).
KIND_NAMES = {
    "console": _("Console"),
    "exports": _("Export"),
    "signin": _("Sign-in"),
    "participation": _("Participation"),
    "policy": _("Policy"),
    "returns": _("Return"),
    "records": _("Record workflow"),
    "grants": _("Grant"),
    "access": _("Read or export of records"),
}

A = AuditEntry.Action
SIGNIN_ACTIONS = [
    A.SIGNED_IN,
    A.SIGN_IN_FAILED,
    A.SIGNED_OUT,
    A.SESSION_EXPIRED,
    A.LOCKED_OUT,
    A.API_TOKEN_REJECTED,
    A.SECOND_FACTOR_ENROLLED,
    A.SECOND_FACTOR_REMOVED,
    A.SECOND_FACTOR_VERIFIED,
    A.SECOND_FACTOR_FAILED,
    A.RECOVERY_CODES_CREATED,
    A.PASSWORD_RESET_SENT,
    A.PASSWORD_CHANGED,
]


@dataclass(frozen=True)
class AuditRow:
    at: dt.datetime
    kind: str
    actor: str
    participant: str
    what: str

    @property
    def kind_label(self) -> str:
        return str(KIND_NAMES[self.kind])


@dataclass(frozen=True)
class AuditFilters:
    """What the secretariat asked for; every source applies each filter it can hold."""

    kinds: tuple[str, ...] = tuple(KINDS)
    actor: str = ""
    participant_id: int | None = None
    since: dt.date | None = None
    until: dt.date | None = None
    text: str = ""

    def actor_q(self, field: str) -> Q:
        return Q(**{f"{field}__username__icontains": self.actor}) if self.actor else Q()

    def participant_q(self, field: str) -> Q:
        return Q(**{field: self.participant_id}) if self.participant_id else Q()

    def owner_or_viewer_q(self) -> Q:
        return Q(owner_id=self.participant_id) | Q(viewer_id=self.participant_id) if self.participant_id else Q()

    def text_q(self, *fields: str) -> Q:
        """`text` in any of the fields (every source is searched, so a search never shows a kind unfiltered)."""
        q = Q()
        for name in fields:
            q |= Q(**{f"{name}__icontains": self.text})
        return q if self.text else Q()

    def window(self, qs: QuerySet, field: str) -> QuerySet:
        if self.since:
            qs = qs.filter(**{f"{field}__date__gte": self.since})
        if self.until:
            qs = qs.filter(**{f"{field}__date__lte": self.until})
        return qs


class Labels:
    """Choice labels in the active language, read once per search. Django's get_FOO_display() hashes
    every lazy label of the field on each call: with thousands of rows that was most of the page's
    time (docs/benchmarks.md, "console")."""

    def __init__(self) -> None:
        self.known: dict = {}

    def __call__(self, choices, value: str) -> str:
        if choices not in self.known:
            self.known[choices] = {v: str(text) for v, text in choices.choices}
        return self.known[choices].get(value, value)


@dataclass(frozen=True)
class Source:
    """One source of audited acts: its matching rows newest first, their time field, how one reads."""

    rows: QuerySet
    field: str
    build: Callable[[Any], AuditRow]


def _source(f: AuditFilters, qs: QuerySet, field: str, build: Callable[[Any], AuditRow]) -> Source:
    return Source(f.window(qs, field).order_by(f"-{field}", "-pk"), field, build)


def _username(user) -> str:
    return user.username if user else "—"


# AuditEntry holds three kinds: sign-in rows (accounts/signin.py: many, searched apart), exports,
# and the console's acts (everything else).
ENTRY_KINDS = {
    "signin": Q(action__in=SIGNIN_ACTIONS),
    "exports": Q(action=A.EXPORTED),
    "console": ~Q(action__in=[*SIGNIN_ACTIONS, A.EXPORTED]),
}


def _entries(kind: str, f: AuditFilters, label: Labels) -> Source:
    qs = AuditEntry.objects.select_related("actor", "participant").filter(
        ENTRY_KINDS[kind], f.actor_q("actor"), f.participant_q("participant_id"), f.text_q("summary")
    )

    def row(e) -> AuditRow:
        participant = e.participant.code if e.participant else ""
        return AuditRow(e.at, kind, _username(e.actor), participant, f"{label(A, e.action)}: {e.summary}")

    return _source(f, qs, "at", row)


def _participation(f: AuditFilters, label: Labels) -> Source:
    qs = ParticipantStatusChange.objects.select_related("changed_by", "participant").filter(
        f.actor_q("changed_by"),
        f.participant_q("participant_id"),
        f.text_q("reason", "participant__code", "participant__name"),
    )

    def row(c) -> AuditRow:
        what = _("Status %(from)s → %(to)s, effective %(on)s") % {
            "from": label(Participant.Status, c.from_status) or "—",
            "to": label(Participant.Status, c.to_status),
            "on": c.effective_on.isoformat(),
        }
        reason = f"{what}. {c.reason}".strip()
        return AuditRow(c.changed_at, "participation", _username(c.changed_by), c.participant.code, reason)

    return _source(f, qs, "changed_at", row)


def _policy(f: AuditFilters, label: Labels) -> Source | None:
    if f.participant_id:  # a policy version belongs to no participant
        return None
    qs = ReciprocityPolicy.objects.select_related("created_by").filter(f.actor_q("created_by"), f.text_q("reason"))

    def row(p) -> AuditRow:
        what = _("Policy v%(v)d: %(n)d of %(w)d months, grace %(g)d days, min cell %(c)d. %(reason)s") % {
            "v": p.version,
            "n": p.min_returns,
            "w": p.window_months,
            "g": p.grace_days,
            "c": p.min_cell,
            "reason": p.reason,
        }
        return AuditRow(p.created_at, "policy", _username(p.created_by), "", what)

    return _source(f, qs, "created_at", row)


def _returns(f: AuditFilters, label: Labels) -> Source:
    qs = (
        Return.history.filter(history_type="~")
        .select_related("history_user", "participant")
        .filter(
            f.actor_q("history_user"),
            f.participant_q("participant_id"),
            f.text_q("history_change_reason", "participant__code", "participant__name"),
        )
    )

    def row(h) -> AuditRow:
        if h.status == Return.Status.OPEN:
            what = _("Return %(month)s reopened: %(reason)s") % {
                "month": h.month.strftime("%Y-%m"),
                "reason": h.history_change_reason or "—",
            }
        else:
            what = _("Return %(month)s submitted%(nil)s") % {
                "month": h.month.strftime("%Y-%m"),
                "nil": _(" (nothing to report)") if h.is_nil else "",
            }
        return AuditRow(h.history_date, "returns", _username(h.history_user), h.participant.code, str(what))

    return _source(f, qs, "history_date", row)


def _records(f: AuditFilters, label: Labels) -> Source:
    qs = (
        IncidentComment.objects.exclude(kind=IncidentComment.Kind.NOTE)
        .select_related("author", "incident__participant")
        .filter(
            f.actor_q("author"),
            f.participant_q("incident__participant_id"),
            f.text_q("incident__national_reference", "incident__participant__code"),
        )
    )

    def row(c) -> AuditRow:
        what = _("%(kind)s: record %(ref)s (version %(v)d)") % {
            "kind": label(IncidentComment.Kind, c.kind),
            "ref": c.incident.national_reference,
            "v": c.version,
        }
        return AuditRow(c.created_at, "records", c.author.username, c.incident.participant.code, str(what))

    return _source(f, qs, "created_at", row)


def _grants(f: AuditFilters, label: Labels) -> Source | None:
    if f.actor:  # the reciprocity sync grants, no user
        return None
    qs = GrantChange.objects.select_related("owner", "viewer").filter(
        f.owner_or_viewer_q(), f.text_q("owner__code", "viewer__code", "trigger")
    )

    def row(g) -> AuditRow:
        what = _("%(kind)s: %(viewer)s reads %(owner)s (policy v%(v)d, %(trigger)s)") % {
            "kind": label(GrantChange.Kind, g.kind),
            "viewer": g.viewer.code,
            "owner": g.owner.code,
            "v": g.policy_version,
            "trigger": g.trigger or "—",
        }
        return AuditRow(g.at, "grants", _("system"), g.owner.code, str(what))

    return _source(f, qs, "at", row)


def _access(f: AuditFilters, label: Labels) -> Source:
    qs = AccessEvent.objects.select_related("user", "viewer", "owner").filter(
        f.actor_q("user"), f.owner_or_viewer_q(), f.text_q("owner__code", "viewer__code")
    )

    def row(a) -> AuditRow:
        what = _("%(viewer)s read %(count)d record(s) of %(owner)s via %(via)s") % {
            "viewer": a.viewer.code if a.viewer else _("secretariat"),
            "count": a.record_count,
            "owner": a.owner.code,
            "via": label(AccessEvent.Via, a.via),
        }
        return AuditRow(a.at, "access", a.user.username, a.owner.code, str(what))

    return _source(f, qs, "at", row)


# Every kind's source, in the order equal times are listed.
SOURCES: dict[str, Callable[[AuditFilters, Labels], Source | None]] = {
    "signin": partial(_entries, "signin"),
    "exports": partial(_entries, "exports"),
    "console": partial(_entries, "console"),
    "participation": _participation,
    "policy": _policy,
    "returns": _returns,
    "records": _records,
    "grants": _grants,
    "access": _access,
}


def _sources(*, kinds: list[str] | None = None, **filters) -> list[Source]:
    """Each source of the asked kinds (all if none) that can match the filters."""
    f = AuditFilters(kinds=tuple(kinds or KINDS), **filters)
    label = Labels()
    found = (make(f, label) for kind, make in SOURCES.items() if kind in f.kinds)
    return [source for source in found if source is not None]


def audit_search(*, limit: int = 200, offset: int = 0, **filters) -> list[AuditRow]:
    """Audited acts matching every filter (see AuditFilters), newest first: the `limit` after the
    newest `offset`.

    Two queries per source keep the page cheap with years of history: first the newest `limit`
    times of every source (index scans), then only the rows at or after the `limit`-th newest of
    those, built into AuditRows."""
    sources = _sources(**filters)
    limit, first = offset + limit, offset
    if limit <= 0:
        return []
    times = sorted((t for s in sources for t in s.rows.values_list(s.field, flat=True)[:limit]), reverse=True)
    cutoff = times[limit - 1] if len(times) >= limit else None
    rows: list[AuditRow] = []
    for source in sources:
        qs = source.rows if cutoff is None else source.rows.filter(**{f"{source.field}__gte": cutoff})
        rows.extend(source.build(obj) for obj in qs[:limit])
    rows.sort(key=lambda r: r.at, reverse=True)
    return rows[first:limit]


def audit_count(**filters) -> int:
    """How many audited acts match the filters (one COUNT per source)."""
    return sum(source.rows.count() for source in _sources(**filters))


def audit_rows_all(**filters) -> Iterator[AuditRow]:
    """Every matching act, newest first, read in chunks and merged as it goes: for an export of any
    length, which never holds the whole trail in memory."""
    streams = [map(source.build, source.rows.iterator(chunk_size=2000)) for source in _sources(**filters)]
    return heapq.merge(*streams, key=lambda row: row.at, reverse=True)


class AuditTrail:
    """The matching acts as a sequence Django's Paginator can page through: a COUNT for its length,
    audit_search for a slice."""

    def __init__(self, **filters):
        self.filters = filters

    def count(self) -> int:
        return audit_count(**self.filters)

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: slice) -> list[AuditRow]:
        start, stop = index.start or 0, index.stop
        return audit_search(offset=start, limit=stop - start, **self.filters)
