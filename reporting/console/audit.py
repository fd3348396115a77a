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
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import Q
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


def _window(qs, field: str, since: dt.date | None, until: dt.date | None):
    if since:
        qs = qs.filter(**{f"{field}__date__gte": since})
    if until:
        qs = qs.filter(**{f"{field}__date__lte": until})
    return qs


def _sources(
    *,
    kinds: list[str] | None = None,
    actor: str = "",
    participant_id: int | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    text: str = "",
) -> list[tuple]:
    """Each source matching the filters: (its queryset, newest first; its time field; how a row reads)."""
    kinds = kinds or list(KINDS)
    labels: dict = {}

    def label(choices, value: str) -> str:
        # Django's get_FOO_display() hashes every lazy label of the field on each call: with
        # thousands of rows that was most of the page's time (docs/benchmarks.md, "console").
        if choices not in labels:
            labels[choices] = {v: str(text) for v, text in choices.choices}
        return labels[choices].get(value, value)

    def actor_q(field: str) -> Q:
        return Q(**{f"{field}__username__icontains": actor}) if actor else Q()

    def part_q(field: str) -> Q:
        return Q(**{field: participant_id}) if participant_id else Q()

    def text_q(*fields: str) -> Q:
        """`text` in any of the fields (every source is searched, so a search never shows a kind unfiltered)."""
        q = Q()
        for name in fields:
            q |= Q(**{f"{name}__icontains": text})
        return q if text else Q()

    # Each source: (kind, queryset, its time field, how one row reads). Two passes keep the page
    # cheap with years of history: first the newest `limit` times of every source (index scans),
    # then only the rows at or after the `limit`-th newest of those, built into AuditRows.
    sources: list[tuple[str, object, str, object]] = []

    # AuditEntry holds three kinds: sign-in rows (accounts/signin.py: many, searched apart),
    # exports, and the console's acts (everything else).
    entry_kinds = {
        "signin": Q(action__in=SIGNIN_ACTIONS),
        "exports": Q(action=A.EXPORTED),
        "console": ~Q(action__in=[*SIGNIN_ACTIONS, A.EXPORTED]),
    }
    for kind, kind_q in entry_kinds.items():
        if kind not in kinds:
            continue
        qs = AuditEntry.objects.select_related("actor", "participant").filter(
            kind_q, actor_q("actor"), part_q("participant_id")
        )
        if text:
            qs = qs.filter(summary__icontains=text)

        def entry_row(e, kind=kind) -> AuditRow:
            return AuditRow(
                e.at,
                kind,
                e.actor.username if e.actor else "—",
                e.participant.code if e.participant else "",
                f"{label(AuditEntry.Action, e.action)}: {e.summary}",
            )

        sources.append((kind, qs, "at", entry_row))
    if "participation" in kinds:
        qs = ParticipantStatusChange.objects.select_related("changed_by", "participant").filter(
            actor_q("changed_by"), part_q("participant_id")
        )
        qs = qs.filter(text_q("reason", "participant__code", "participant__name"))

        def change_row(c) -> AuditRow:
            what = _("Status %(from)s → %(to)s, effective %(on)s") % {
                "from": label(Participant.Status, c.from_status) or "—",
                "to": label(Participant.Status, c.to_status),
                "on": c.effective_on.isoformat(),
            }
            return AuditRow(
                c.changed_at,
                "participation",
                c.changed_by.username if c.changed_by else "—",
                c.participant.code,
                f"{what}. {c.reason}".strip(),
            )

        sources.append(("participation", qs, "changed_at", change_row))
    if "policy" in kinds and not participant_id:
        qs = ReciprocityPolicy.objects.select_related("created_by").filter(actor_q("created_by"))
        if text:
            qs = qs.filter(reason__icontains=text)

        def policy_row(p) -> AuditRow:
            what = _("Policy v%(v)d: %(n)d of %(w)d months, grace %(g)d days, min cell %(c)d. %(reason)s") % {
                "v": p.version,
                "n": p.min_returns,
                "w": p.window_months,
                "g": p.grace_days,
                "c": p.min_cell,
                "reason": p.reason,
            }
            return AuditRow(p.created_at, "policy", p.created_by.username if p.created_by else "—", "", what)

        sources.append(("policy", qs, "created_at", policy_row))
    if "returns" in kinds:
        qs = (
            Return.history.filter(history_type="~")
            .select_related("history_user", "participant")
            .filter(actor_q("history_user"), part_q("participant_id"))
        )
        qs = qs.filter(text_q("history_change_reason", "participant__code", "participant__name"))

        def return_row(h) -> AuditRow:
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
            return AuditRow(
                h.history_date,
                "returns",
                h.history_user.username if h.history_user else "—",
                h.participant.code,
                str(what),
            )

        sources.append(("returns", qs, "history_date", return_row))
    if "records" in kinds:
        qs = (
            IncidentComment.objects.exclude(kind=IncidentComment.Kind.NOTE)
            .select_related("author", "incident__participant")
            .filter(actor_q("author"), part_q("incident__participant_id"))
            .filter(text_q("incident__national_reference", "incident__participant__code"))
        )

        def comment_row(c) -> AuditRow:
            what = _("%(kind)s: record %(ref)s (version %(v)d)") % {
                "kind": label(IncidentComment.Kind, c.kind),
                "ref": c.incident.national_reference,
                "v": c.version,
            }
            return AuditRow(c.created_at, "records", c.author.username, c.incident.participant.code, str(what))

        sources.append(("records", qs, "created_at", comment_row))
    if "grants" in kinds and not actor:
        qs = GrantChange.objects.select_related("owner", "viewer").filter(
            text_q("owner__code", "viewer__code", "trigger")
        )
        if participant_id:
            qs = qs.filter(Q(owner_id=participant_id) | Q(viewer_id=participant_id))

        def grant_row(g) -> AuditRow:
            what = _("%(kind)s: %(viewer)s reads %(owner)s (policy v%(v)d, %(trigger)s)") % {
                "kind": label(GrantChange.Kind, g.kind),
                "viewer": g.viewer.code,
                "owner": g.owner.code,
                "v": g.policy_version,
                "trigger": g.trigger or "—",
            }
            return AuditRow(g.at, "grants", _("system"), g.owner.code, str(what))

        sources.append(("grants", qs, "at", grant_row))
    if "access" in kinds:
        qs = AccessEvent.objects.select_related("user", "viewer", "owner").filter(
            actor_q("user"), text_q("owner__code", "viewer__code")
        )
        if participant_id:
            qs = qs.filter(Q(owner_id=participant_id) | Q(viewer_id=participant_id))

        def access_row(a) -> AuditRow:
            what = _("%(viewer)s read %(count)d record(s) of %(owner)s via %(via)s") % {
                "viewer": a.viewer.code if a.viewer else _("secretariat"),
                "count": a.record_count,
                "owner": a.owner.code,
                "via": label(AccessEvent.Via, a.via),
            }
            return AuditRow(a.at, "access", a.user.username, a.owner.code, str(what))

        sources.append(("access", qs, "at", access_row))

    return [
        (_window(qs, field, since, until).order_by(f"-{field}", "-pk"), field, build)
        for _kind, qs, field, build in sources
    ]


def audit_search(*, limit: int = 200, offset: int = 0, **filters) -> list[AuditRow]:
    """Audited acts matching every filter (see _sources), newest first: the `limit` after the newest
    `offset` (two queries per source)."""
    windowed = _sources(**filters)
    rows: list[AuditRow] = []
    limit, first = offset + limit, offset
    if limit <= 0:
        return []
    times = sorted(
        (t for qs, field, _build in windowed for t in qs.values_list(field, flat=True)[:limit]), reverse=True
    )
    cutoff = times[limit - 1] if len(times) >= limit else None
    for qs, field, build in windowed:
        if cutoff is not None:
            qs = qs.filter(**{f"{field}__gte": cutoff})
        rows.extend(build(obj) for obj in qs[:limit])
    rows.sort(key=lambda r: r.at, reverse=True)
    return rows[first:limit]


def audit_count(**filters) -> int:
    """How many audited acts match the filters (one COUNT per source)."""
    return sum(qs.count() for qs, _field, _build in _sources(**filters))


def audit_rows_all(**filters) -> Iterator[AuditRow]:
    """Every matching act, newest first, read in chunks and merged as it goes: for an export of any
    length, which never holds the whole trail in memory."""
    streams = [map(build, qs.iterator(chunk_size=2000)) for qs, _field, build in _sources(**filters)]
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
