"""The reciprocity rule: whose incident data a user may read, and how (docs/reciprocity.md).

This module is the rule's only home. Views, the API, exports and dashboards ask it and never restate
the condition. Each of its concepts is stated once, as a Django condition that the database answers,
and compiled for every other path (docs/architecture.md, "The rule's home"):

- standing (`_contributing_q`): `standings()` asks the database and only explains the answer;
- an owner readable by a viewer (`owner_readable_q`): `desired_grants` and `reciprocity_sync`
  make guardian's `view_shared_records` rows (owner participant → viewer participant group) equal
  to it; `reciprocity_drift_check` reports any difference;
- a record readable by others (`record_shared_q`) and a record that may be summed
  (`record_summed_q`): the ORM, analytics' fact rows and the read path's SQL;
- `readable_owners`, `visible_incidents`, `incident_get_for`: the record-level read path, which
  checks the grants, the owners and the viewer's own standing live, inside the page's query
  (through `rcp_reader_owners`, a database function generated from the same statements);
- `aggregate_scope`: which owners' data a user may see summed, and whether disclosure control applies;
- `record_access`: the access log written whenever someone reads another participant's records.
"""

# ruff: noqa: S608, S611 - the read path's SQL below names only our own tables and columns; values go as parameters

from __future__ import annotations

import datetime as dt
import enum
import functools
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.contrib.auth.models import Permission
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.expressions import Expression, RawSQL
from django.db.models.functions import Coalesce
from django.db.models.lookups import GreaterThanOrEqual
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.language import month_label
from accounts.models import Participant, ParticipantGroupObjectPermission, Role, User
from reporting import codes
from reporting.models import (
    READER_KEY_SHARED_HIGH,
    READER_KEY_SHARED_LOW,
    AccessEvent,
    GrantChange,
    Incident,
    ReciprocityPolicy,
    Return,
    SharingExclusion,
    StandingDecision,
    reader_key,
)

logger = logging.getLogger(__name__)

PERMISSION = "view_shared_records"
_BOOLEAN = BooleanField()  # the read path's conditions' type (one instance: built on every page)
PERMISSION_FULL = f"accounts.{PERMISSION}"

Pair = tuple[int, int]  # (owner participant id, viewer participant id)


# Months ----------------------------------------------------------------------------------------


def month_add(month: dt.date, n: int) -> dt.date:
    """The first day of the month n months after (or before, n < 0) `month`'s month."""
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def month_end(month: dt.date) -> dt.date:
    return month_add(month, 1) - dt.timedelta(days=1)


def closed_window(on: dt.date, window_months: int) -> tuple[dt.date, dt.date]:
    """The first and last month of the window: the `window_months` closed months before `on`'s month."""
    last = month_add(on.replace(day=1), -1)
    return month_add(last, -(window_months - 1)), last


def current_policy() -> ReciprocityPolicy:
    return ReciprocityPolicy.objects.current()


# What an owner lets others have ----------------------------------------------------------------


@dataclass(frozen=True)
class RecordColumns:
    """Where a table keeps what the rule asks of a record: its sharing level, its embargo, and the
    conditions "validated" and "in a submitted return" on its own columns (Q() when every row of the
    table is so, as the fact tables hold validated records only)."""

    sharing_level: str
    embargo_until: str
    validated: Q
    submitted: Q


def incident_columns(*, as_submitted: bool = False) -> RecordColumns:
    """The records' own columns; `as_submitted`: as if their return were submitted (what a return
    about to be submitted will release)."""
    # "In a submitted return" as "not in a return that is not submitted": those are a few dozen (the
    # open and reopened months; partial index return_not_submitted), where the submitted ones grow
    # every month. A record's return is never NULL, so the answer is the same.
    not_submitted = Return.objects.exclude(status=Return.Status.SUBMITTED).values("id")
    submitted = Q() if as_submitted else ~Q(ret__in=not_submitted)
    validated = Q(status=Incident.Status.VALIDATED)
    return RecordColumns("sharing_level", "embargo_until", validated=validated, submitted=submitted)


SHARED_LEVELS = (codes.SharingLevel.SHARED.value,)
SUMMED_LEVELS = (codes.SharingLevel.SHARED.value, codes.SharingLevel.AGGREGATE_ONLY.value)


def _released_q(levels: tuple[str, ...], *, on: dt.date, columns: RecordColumns | None) -> Q:
    """The one statement of what an owner releases to others on a day: a validated record in a
    submitted return, at one of `levels`, its embargo over. Django compiles it for the ORM and, once,
    into the read path's SQL (`_shared_sql`)."""
    c = columns or incident_columns()
    level = Q(**{c.sharing_level: levels[0]}) if len(levels) == 1 else Q(**{f"{c.sharing_level}__in": levels})
    embargo_over = Q(**{f"{c.embargo_until}__isnull": True}) | Q(**{f"{c.embargo_until}__lte": on})
    return c.validated & level & embargo_over & c.submitted


def record_shared_q(*, on: dt.date, columns: RecordColumns | None = None) -> Q:
    """Records others may read one by one (those the rule lets them read): level `shared`."""
    return _released_q(SHARED_LEVELS, on=on, columns=columns)


def record_summed_q(*, on: dt.date, columns: RecordColumns | None = None) -> Q:
    """Records that may enter others' sums: level `shared` or `aggregate_only`. (Own records enter in full.)"""
    return _released_q(SUMMED_LEVELS, on=on, columns=columns)


def record_is_shared(incident: Incident, *, on: dt.date | None = None) -> bool:
    """Whether others may read the record one by one today (given the rule lets them read its owner)."""
    on = on or timezone.localdate()
    return Incident.objects.filter(record_shared_q(on=on), pk=incident.pk).exists()


# Standing --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Standing:
    """The rule's answer for one participant on one day, with everything needed to explain it."""

    participant_id: int
    on: dt.date
    contributing: bool
    reason: str
    status: str
    returns_counted: int
    returns_needed: int
    window: tuple[dt.date, dt.date]
    grace_until: dt.date | None
    holds_until: dt.date | None
    missing_months: tuple[dt.date, ...]
    policy_version: int

    @property
    def returns_short(self) -> int:
        return max(0, self.returns_needed - self.returns_counted)


def _end_of_day(on: dt.date) -> dt.datetime:
    """The first instant after the day `on` (local time): returns submitted before it count on `on`."""
    return timezone.make_aware(dt.datetime.combine(on + dt.timedelta(days=1), dt.time.min))


@dataclass(frozen=True)
class _StandingTerms:
    """What the standing's statement compares with, for one day under one policy."""

    grace_from: dt.date  # a participant joined after it is in its grace period
    window_start: dt.date  # the window's first month
    month_start: dt.date  # the day's own month, not closed, never counted
    end_of_day: dt.datetime  # returns submitted before it count
    min_returns: int


def _standing_terms(on: dt.date, policy: ReciprocityPolicy) -> _StandingTerms:
    month = on.replace(day=1)
    return _StandingTerms(
        grace_from=on - dt.timedelta(days=policy.grace_days),
        window_start=month_add(month, -policy.window_months),
        month_start=month,
        end_of_day=_end_of_day(on),
        min_returns=policy.min_returns,
    )


def _counted_returns(terms: _StandingTerms) -> QuerySet[Return]:
    """The returns that count towards standing: submitted, by the end of the day, for a month of the window."""
    return Return.objects.filter(
        status=Return.Status.SUBMITTED,
        month__gte=terms.window_start,
        month__lt=terms.month_start,
        submitted_at__lt=terms.end_of_day,
    )


def _standing_parts(terms: _StandingTerms) -> dict[str, Q]:
    """The parts of the standing's statement, as conditions on a participant."""
    counted = _counted_returns(terms).filter(participant_id=OuterRef("pk")).order_by().values("participant_id")
    count = Coalesce(Subquery(counted.annotate(n=Count("pk")).values("n")), 0)
    return {
        "active": Q(status=Participant.Status.ACTIVE),
        "enough_returns": Q(GreaterThanOrEqual(count, terms.min_returns)),
        "in_grace": Q(joined_on__gt=terms.grace_from),
    }


def _contributing_q(terms: _StandingTerms) -> Q:
    """The one statement of standing: a participant is contributing when it is active and has
    enough counted returns, or is still in its grace period. Django compiles it for `standings()`
    (which asks the database and only explains the answer) and for the read path's SQL."""
    parts = _standing_parts(terms)
    return parts["active"] & (parts["enough_returns"] | parts["in_grace"])


def _standing(
    participant: Participant,
    answer: Mapping[str, bool],
    months: list[dt.date],
    *,
    on: dt.date,
    policy: ReciprocityPolicy,
) -> Standing:
    """The database's answer for the participant (`answer`: the statement and each of its parts),
    with everything needed to explain it."""
    window = closed_window(on, policy.window_months)
    counted = len(months)
    grace_until = (
        participant.joined_on + dt.timedelta(days=policy.grace_days) if participant.joined_on is not None else None
    )
    window_months = [month_add(window[0], i) for i in range(policy.window_months)]
    missing = tuple(m for m in window_months if m not in months)
    # With no new return, the standing holds while the min_returns-th most recent submitted month
    # stays in the sliding window: until the end of the month `window_months` after it.
    holds_until = None
    if answer["enough_returns"] and policy.min_returns > 0:
        holds_until = month_end(month_add(months[-policy.min_returns], policy.window_months))

    common = dict(
        participant_id=participant.pk,
        on=on,
        contributing=bool(answer["contributing"]),
        status=participant.status,
        returns_counted=counted,
        returns_needed=policy.min_returns,
        window=window,
        grace_until=grace_until,
        missing_months=missing,
        policy_version=policy.version,
    )
    period = {"first": month_label(window[0]), "last": month_label(window[1])}
    if not answer["active"]:
        reason = _("Not contributing: the participant is %(status)s.") % {
            "status": participant.get_status_display().lower()
        }
        return Standing(holds_until=None, reason=reason, **common)
    if answer["enough_returns"]:
        reason = ngettext(
            "Contributing: %(counted)d return submitted for %(first)s–%(last)s (%(needed)d needed).",
            "Contributing: %(counted)d returns submitted for %(first)s–%(last)s (%(needed)d needed).",
            counted,
        ) % {"counted": counted, "needed": policy.min_returns, **period}
        if answer["in_grace"] and holds_until is not None and grace_until > holds_until:
            holds_until = grace_until
        return Standing(holds_until=holds_until, reason=reason, **common)
    if answer["in_grace"]:
        reason = _("Contributing: joined on %(joined)s, in the grace period until %(until)s.") % {
            "joined": participant.joined_on.isoformat(),
            "until": grace_until.isoformat(),
        }
        return Standing(holds_until=grace_until, reason=reason, **common)
    reason = ngettext(
        "Not contributing: %(counted)d return submitted for %(first)s–%(last)s; %(needed)d needed.",
        "Not contributing: %(counted)d returns submitted for %(first)s–%(last)s; %(needed)d needed.",
        counted,
    ) % {"counted": counted, "needed": policy.min_returns, **period}
    return Standing(holds_until=None, reason=reason, **common)


def standings(
    participants: Iterable[Participant] | None = None,
    *,
    on: dt.date | None = None,
    policy: ReciprocityPolicy | None = None,
) -> dict[int, Standing]:
    """The standing of each participant (all of them by default), in three queries: the database
    answers (`_contributing_q` and its parts), the counted months explain."""
    on = on or timezone.localdate()
    policy = policy or current_policy()
    participants = list(participants if participants is not None else Participant.objects.all())
    ids = [p.pk for p in participants]
    terms = _standing_terms(on, policy)
    conditions = {"contributing": _contributing_q(terms), **_standing_parts(terms)}
    rows = (
        Participant.objects.filter(pk__in=ids)
        .annotate(**{name: ExpressionWrapper(q, output_field=_BOOLEAN) for name, q in conditions.items()})
        .values_list("pk", *conditions)
    )
    answers = {pk: {name: bool(value) for name, value in zip(conditions, values, strict=True)} for pk, *values in rows}
    months: dict[int, list[dt.date]] = {}
    for pid, month in _counted_returns(terms).filter(participant_id__in=ids).values_list("participant_id", "month"):
        months.setdefault(pid, []).append(month)
    return {p.pk: _standing(p, answers[p.pk], sorted(months.get(p.pk, [])), on=on, policy=policy) for p in participants}


def participant_standing(
    participant: Participant, *, on: dt.date | None = None, policy: ReciprocityPolicy | None = None
) -> Standing:
    return standings([participant], on=on, policy=policy)[participant.pk]


def contributing_condition(participant_id: int, *, on: dt.date, policy: ReciprocityPolicy | None = None) -> Exists:
    """Whether the participant is contributing on `on` (under the policy in force by default), as a
    condition of another query: `_contributing_q`, the statement `standings()` asks too."""
    terms = _standing_terms(on, policy or current_policy())
    return Exists(Participant.objects.filter(_contributing_q(terms), pk=participant_id))


# Grants ----------------------------------------------------------------------------------------


def owner_readable_q(*, viewer: int | None) -> Q:
    """The one statement of the owners a viewer's participant may read (given that it contributes):
    active, another participant, not withholding its data from it. For the secretariat (None):
    every active participant."""
    condition = Q(status=Participant.Status.ACTIVE)
    if viewer is not None:
        withheld = SharingExclusion.objects.filter(partner_id=viewer).values("owner_id")
        condition &= ~Q(pk=viewer) & ~Q(pk__in=withheld)
    return condition


def desired_grants(
    *, on: dt.date | None = None, policy: ReciprocityPolicy | None = None, standing: dict[int, Standing] | None = None
) -> set[Pair]:
    """Every (owner, viewer) pair the policy allows: the viewer is contributing and the owner is
    readable by it (`owner_readable_q`). One query per contributing participant."""
    standing = standing or standings(on=on, policy=policy)
    return {
        (owner, viewer)
        for viewer, s in standing.items()
        if s.contributing
        for owner in Participant.objects.filter(owner_readable_q(viewer=viewer)).values_list("pk", flat=True)
    }


def current_grants() -> set[Pair]:
    """guardian's rows for the permission, as (owner, viewer) pairs."""
    rows = ParticipantGroupObjectPermission.objects.filter(permission__codename=PERMISSION).values_list(
        "content_object_id", "group__participant__id"
    )
    return {(owner, viewer) for owner, viewer in rows if viewer is not None}


@dataclass
class SyncResult:
    granted: set[Pair] = field(default_factory=set)
    revoked: set[Pair] = field(default_factory=set)
    policy_version: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.granted or self.revoked)


def _permission():
    return Permission.objects.get(content_type__app_label="accounts", codename=PERMISSION)


@transaction.atomic
def reciprocity_sync(*, trigger: str = "", on: dt.date | None = None) -> SyncResult:
    """Make guardian's rows equal to the policy's answer; log each change and each standing.

    Idempotent: a second run changes nothing. Runs are serialised by a lock on the policy row, so
    two syncs triggered at once cannot interleave their reads and writes.
    """
    on = on or timezone.localdate()
    policy = ReciprocityPolicy.objects.select_for_update().order_by("-version").first() or current_policy()
    participants = list(Participant.objects.all())
    standing = standings(participants, on=on, policy=policy)
    desired = desired_grants(policy=policy, standing=standing)
    existing = current_grants()
    result = SyncResult(granted=desired - existing, revoked=existing - desired, policy_version=policy.version)

    groups = {p.pk: p.group_id for p in participants}
    if result.revoked:
        condition = Q()
        for owner, viewer in result.revoked:
            condition |= Q(content_object_id=owner, group_id=groups[viewer])
        ParticipantGroupObjectPermission.objects.filter(condition, permission__codename=PERMISSION).delete()
    if result.granted:
        permission = _permission()
        ParticipantGroupObjectPermission.objects.bulk_create(
            [
                ParticipantGroupObjectPermission(
                    content_object_id=owner, group_id=groups[viewer], permission=permission
                )
                for owner, viewer in result.granted
            ],
            ignore_conflicts=True,
        )
    now = timezone.now()
    GrantChange.objects.bulk_create(
        [
            GrantChange(kind=kind, owner_id=o, viewer_id=v, policy_version=policy.version, trigger=trigger, at=now)
            for kind, pairs in ((GrantChange.Kind.GRANTED, result.granted), (GrantChange.Kind.REVOKED, result.revoked))
            for o, v in sorted(pairs)
        ]
    )
    StandingDecision.objects.bulk_create(
        [
            StandingDecision(
                participant_id=s.participant_id,
                on_date=on,
                contributing=s.contributing,
                reason=s.reason,
                returns_counted=s.returns_counted,
                policy_version=policy.version,
                decided_at=now,
            )
            for s in standing.values()
        ]
    )
    logger.info(
        "reciprocity_sync trigger=%s policy=v%s granted=%d revoked=%d",
        trigger,
        policy.version,
        len(result.granted),
        len(result.revoked),
    )
    return result


def reciprocity_drift_check(*, on: dt.date | None = None) -> SyncResult:
    """Compare guardian's rows with the policy's answer and record any drift (changes nothing else)."""
    policy = current_policy()
    desired = desired_grants(on=on, policy=policy)
    existing = current_grants()
    drift = SyncResult(granted=desired - existing, revoked=existing - desired, policy_version=policy.version)
    GrantChange.objects.bulk_create(
        [
            GrantChange(kind=kind, owner_id=o, viewer_id=v, policy_version=policy.version, trigger="drift check")
            for kind, pairs in (
                (GrantChange.Kind.DRIFT_MISSING, drift.granted),
                (GrantChange.Kind.DRIFT_EXTRA, drift.revoked),
            )
            for o, v in sorted(pairs)
        ]
    )
    if drift.changed:
        logger.warning("reciprocity drift: %d missing, %d unexpected grants", len(drift.granted), len(drift.revoked))
    return drift


# The read path ---------------------------------------------------------------------------------


def viewer_standing(user: User, *, on: dt.date | None = None) -> Standing | None:
    """The live standing of the user's participant (None for users without one)."""
    participant = user.participant if user.is_authenticated else None
    if participant is None:
        return None
    return participant_standing(participant, on=on)


def readable_owners(
    user: User, *, on: dt.date | None = None, policy: ReciprocityPolicy | None = None
) -> Expression | frozenset[int]:
    """Participants whose shared records the user may read one by one (their own excluded), as ids.

    For a participant's user: `_readable_owners_query`, the owners granted to its group while it is
    contributing right now (checked live, not from the last sync), less owners that are not active
    or withhold their data from it (also live: a sync queued behind a broker outage must not let
    them through meanwhile). For the secretariat: every active participant, only where the policy
    lets the secretariat read records.

    The answer is a sub-query of ids: the whole decision costs no round trip of its own where a
    query puts it inside itself (`visible_incidents` asks the same decision through the database
    function made from it). `readable_owner_ids` evaluates it.
    """
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    if user.role == Role.SECRETARIAT:
        owners = Participant.objects.filter(owner_readable_q(viewer=None))
        if policy is None:  # the policy in force, asked inside the same query
            latest = ReciprocityPolicy.objects.order_by("-version").values("secretariat_reads_records")[:1]
            default = ReciprocityPolicy().secretariat_reads_records
            owners = owners.alias(rcp_allowed=Coalesce(Subquery(latest), Value(default))).filter(rcp_allowed=True)
        elif not policy.secretariat_reads_records:
            return frozenset()
        return RawSQL(*owners.values("pk").query.sql_with_params())
    participant_id = user.participant_id
    if participant_id is None:
        return frozenset()
    policy = policy or current_policy()
    compiled = _owners_compiled(connection.vendor)
    terms = _standing_terms(on or timezone.localdate(), policy)
    return RawSQL(compiled.sql, compiled.fill({"viewer": participant_id, **vars(terms)}))


def _readable_owners_query(viewer: int, terms: _StandingTerms) -> QuerySet:
    """The owners whose shared records a participant's users read now: those granted to its group
    (guardian's rows, the sync's materialised decisions), while still readable by it
    (`owner_readable_q`: a grant may be stale) and while it is contributing (`_contributing_q`,
    asked live: access never outlives standing)."""
    group = Participant.objects.filter(pk=viewer).order_by().values("group_id")
    permission = Permission.objects.filter(codename=PERMISSION, content_type__app_label="accounts").order_by()
    return ParticipantGroupObjectPermission.objects.filter(
        Exists(Participant.objects.filter(_contributing_q(terms), pk=viewer)),
        group_id=Subquery(group),
        permission_id=Subquery(permission.values("pk")),
        content_object_id__in=Participant.objects.filter(owner_readable_q(viewer=viewer)).values("pk"),
    ).values("content_object_id")


# Statements compiled once -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Compiled:
    """A statement as Django compiled it, once per process: its SQL (%s for every value), its
    values, and which of them are slots, filled on each use by name."""

    sql: str
    params: tuple
    slots: tuple[tuple[int, str], ...]

    def fill(self, values: Mapping[str, object]) -> list:
        params = list(self.params)
        for i, name in self.slots:
            params[i] = values[name]
        return params

    def inline(self, expressions: Mapping[str, str]) -> str:
        """The SQL with every value written in, each slot as the SQL expression given for it."""
        slots = dict(self.slots)
        parts = self.sql.split("%s")
        if len(parts) != len(self.params) + 1:
            raise ValueError("a compiled statement and its parameters disagree")
        values = [expressions[slots[i]] if i in slots else _sql_literal(v) for i, v in enumerate(self.params)]
        return parts[0] + "".join(value + part for value, part in zip(values, parts[1:], strict=True))


# Stand-ins for the values filled on each use, told apart from every other value by their own.
_SLOTS = {
    "viewer": -70001,
    "min_returns": -70002,
    "on": dt.date(1, 1, 2),
    "grace_from": dt.date(1, 1, 3),
    "window_start": dt.date(1, 1, 4),
    "month_start": dt.date(1, 1, 5),
    "end_of_day": dt.datetime(1901, 1, 1, tzinfo=dt.UTC),
}


def _compile(sql: str, params, db) -> _Compiled:
    stand_ins = {}
    for name, value in _SLOTS.items():
        stand_ins[value] = name
        if isinstance(value, dt.datetime):
            stand_ins[db.ops.adapt_datetimefield_value(value)] = name
        elif isinstance(value, dt.date):
            stand_ins[db.ops.adapt_datefield_value(value)] = name
    slots = tuple((i, stand_ins[v]) for i, v in enumerate(params) if not isinstance(v, bool) and v in stand_ins)
    return _Compiled(sql, tuple(params), slots)


@functools.cache
def _owners_compiled(vendor: str) -> _Compiled:
    """`_readable_owners_query` compiled (building and compiling its nested querysets on every page
    would cost the record list more than the rest of its query)."""
    assert connection.vendor == vendor
    terms = _StandingTerms(**{name: _SLOTS[name] for name in _StandingTerms.__dataclass_fields__})
    sql, params = _readable_owners_query(_SLOTS["viewer"], terms).query.sql_with_params()
    return _compile(sql, params, connection)


def _sql_literal(value) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    raise TypeError(f"no SQL literal for {value!r}")


# The read path's owners as a PostgreSQL function ---------------------------------------------------

READER_OWNERS_FUNCTION = "rcp_reader_owners"


def reader_owners_function_body() -> str:
    """The body of `rcp_reader_owners(viewer, on_day, month_start, end_of_day)`: the owners a
    participant's user reads (`_readable_owners_query`, compiled) under the policy in force, read
    from its table when the function runs, as an array of owner ids.

    The page calls the function instead of carrying the sub-query: PL/pgSQL keeps the plan of its
    statement for the database session, where the page's sub-queries were planned again on every
    page (a third of the page's time in PostgreSQL at 1M records). It is STABLE, so it reads with
    the page's own snapshot: one statement, one instant. The text is generated here and written on
    every `migrate` (`reader_owners_function_install`); a test fails when the database's function
    differs from it.
    """
    quote = connection.ops.quote_name
    defaults = ReciprocityPolicy()  # as current() answers when the table is empty
    body = _owners_compiled("postgresql").inline(
        {
            "viewer": "viewer",
            "grace_from": "(on_day - rcp_grace_days)",
            "window_start": "(month_start - make_interval(months => rcp_window_months))::date",
            "month_start": "month_start",
            "end_of_day": "end_of_day",
            "min_returns": "rcp_min_returns",
        }
    )
    return (
        "\nDECLARE\n  rcp_min_returns integer;\n  rcp_window_months integer;\n  rcp_grace_days integer;\nBEGIN\n"
        "  SELECT min_returns, window_months, grace_days INTO rcp_min_returns, rcp_window_months, rcp_grace_days"
        f" FROM {quote(ReciprocityPolicy._meta.db_table)} ORDER BY version DESC LIMIT 1;\n"
        f"  IF NOT FOUND THEN rcp_min_returns := {defaults.min_returns}; rcp_window_months := "
        f"{defaults.window_months}; rcp_grace_days := {defaults.grace_days}; END IF;\n"
        f"  RETURN ARRAY({body});\nEND\n"
    )


def reader_owners_function_sql() -> str:
    """The statement that creates (or replaces) `rcp_reader_owners` with the current rule."""
    return (
        f"CREATE OR REPLACE FUNCTION {READER_OWNERS_FUNCTION}"
        "(viewer bigint, on_day date, month_start date, end_of_day timestamptz)"
        f" RETURNS bigint[] LANGUAGE plpgsql STABLE AS $rcp${reader_owners_function_body()}$rcp$"
    )


def reader_owners_function_install(*, using: str = DEFAULT_DB_ALIAS, **signal) -> None:
    """(Re)write `rcp_reader_owners` with the rule as stated here. Connected to post_migrate, so
    every `migrate` brings the database's function in step with this module; PostgreSQL only."""
    db = connections[using]
    if db.vendor == "postgresql":
        with db.cursor() as cursor:
            cursor.execute(reader_owners_function_sql())


def _page_owners(user: User, *, on: dt.date) -> RawSQL | frozenset[int]:
    """The owners whose shared records the user's page may list: `readable_owners`, or for a
    participant's user on PostgreSQL the same decision through `rcp_reader_owners`, as an array
    computed once per page (a scalar sub-query: an InitPlan, not a call per record)."""
    if connection.vendor != "postgresql" or user.participant_id is None or user.role == Role.SECRETARIAT:
        return readable_owners(user, on=on)
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    return _OwnersArray(
        f"(SELECT {READER_OWNERS_FUNCTION}(%s, %s, %s, %s))",
        [user.participant_id, on, on.replace(day=1), _end_of_day(on)],
    )


class _OwnersArray(RawSQL):
    """Owner ids as one array value (`rcp_reader_owners`), rather than a sub-query of ids."""


def readable_owner_ids(
    user: User, *, on: dt.date | None = None, policy: ReciprocityPolicy | None = None
) -> frozenset[int]:
    """`readable_owners`, evaluated (under the policy in force, through `rcp_reader_owners` where
    the page would ask it: the same decision, planned once per session)."""
    if policy is None:
        owners = _page_owners(user, on=on or timezone.localdate())
        if isinstance(owners, _OwnersArray):
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT {READER_OWNERS_FUNCTION}(%s, %s, %s, %s)", owners.params)
                (ids,) = cursor.fetchone()
            return frozenset(ids)
    else:
        owners = readable_owners(user, on=on, policy=policy)
    if not isinstance(owners, Expression):
        return frozenset(owners)
    return frozenset(Participant.objects.filter(pk__in=owners).values_list("pk", flat=True))


# Participants this process has seen owning records. The fact only ever widens the page's query
# (an own-records arm that may find nothing), never the answer, so it is safe to keep.
_OWNERS_OF_RECORDS: set[int] = set()


def records_written(participant_id: int) -> None:
    """This process just wrote a record of the participant: its users' pages hold their own records
    from now on, whatever their user was read with."""
    _OWNERS_OF_RECORDS.add(participant_id)


def _owns_records_as_read(user: User) -> bool | None:
    """Whether the user's participant owned records when the user was read: the flag
    `User.membership_or_none` reads with the membership (`RecordOwner`, kept by the database);
    None for a membership read otherwise (the API's token check, `select_related("membership")`,
    or made in code): no query here."""
    return getattr(user.membership_or_none, "participant_owns_records", None)


def _owns_records(participant_id: int, db) -> bool:
    """Whether the participant owns any record (one probe of an index led by the owner); a yes is
    remembered in `_OWNERS_OF_RECORDS`."""
    with db.cursor() as cursor:
        cursor.execute(
            f"SELECT EXISTS (SELECT 1 FROM {db.ops.quote_name(Incident._meta.db_table)} WHERE participant_id = %s)",
            [participant_id],
        )
        (owns,) = cursor.fetchone()
    if owns:
        _OWNERS_OF_RECORDS.add(participant_id)
    return owns


def _statements(name: str, on: dt.date):
    """The rule's conditions on a record that the read path compiles, by name."""
    if name == "shared":
        return Incident.objects.filter(record_shared_q(on=on)), None
    shared_as = READER_KEY_SHARED_LOW if name == "reader_key_low" else READER_KEY_SHARED_HIGH
    return Incident.objects.annotate(rcp_key=reader_key(shared_as)), "rcp_key"


@functools.cache
def _record_template(name: str, vendor: str) -> _Compiled:
    """Django's SQL for one of `_statements`, with the record's columns as `{name}` placeholders
    (the alias the page gives the records' table is only known when the page is compiled)."""
    db = connection
    assert db.vendor == vendor
    queryset, annotation = _statements(name, _SLOTS["on"])
    query = queryset.query
    compiler = query.get_compiler(connection=db)
    sql, params = compiler.compile(query.annotations[annotation] if annotation else query.where)
    table = db.ops.quote_name(Incident._meta.db_table)
    for column in _ReadableRecords.COLUMNS:
        sql = sql.replace(f"{table}.{db.ops.quote_name(Incident._meta.get_field(column).column)}", f"{{{column}}}")
    if table in sql:
        raise ValueError(f"the read path's {name} condition names a column it does not place: {sql}")
    return _compile(sql, params, db)


def _compiled(name: str, db, on: dt.date) -> tuple[str, list]:
    template = _record_template(name, db.vendor)
    return template.sql, template.fill({"on": db.ops.adapt_datefield_value(on)})


def _records_condition(
    *, own: int | None, owners: Iterable[int] | Expression | None, on: dt.date, db
) -> tuple[str, list, Expression | None] | None:
    """The read path's condition as a template over the record's columns (`{status}`, ...), its
    parameters and the owners' sub-query expression if any; None when nothing is readable.

    `own`: the reader's participant when its records may be in the answer; `owners`: the other
    owners whose shared records it reads, as ids or as a sub-query (`{owners}` in the template).
    """
    if isinstance(owners, _OwnersArray):
        owners_sql, owners_expression, owners_params = "= ANY({owners}::bigint[])", owners, []
    elif isinstance(owners, Expression):
        owners_sql, owners_expression, owners_params = "IN {owners}", owners, []
    elif owners:
        owners_expression = None
        if db.vendor == "postgresql":
            owners_sql, owners_params = "= ANY(%s)", [sorted(owners)]
        else:
            owners_sql, owners_params = "IN (" + ", ".join(["%s"] * len(owners)) + ")", sorted(owners)
    else:
        owners_sql = None
    if own is None and owners_sql is None:
        return None

    conditions, params = [], []
    if own is not None:
        # The reader keys (reporting.models.reader_key), which every record the rule lets this reader
        # through passes too: they change no answer, but let the record list's index skip other
        # owners' unshared records without reading them. Compiled from the index's own expressions,
        # so that PostgreSQL matches it.
        low, low_params = _compiled("reader_key_low", db, on)
        high, high_params = _compiled("reader_key_high", db, on)
        conditions.append(f"{low} <= %s AND {high} >= %s")
        params += [*low_params, own, *high_params, own]
    arms, arm_params = [], []
    if own is not None:
        arms.append("{participant_id} = %s")
        arm_params.append(own)
    if owners_sql is not None:
        # record_shared_q, compiled. "IS TRUE", which changes no answer in a WHERE, keeps PostgreSQL
        # from turning the owners' IN into a join where it is not under an OR: planning it cost the
        # page more than the rest of it. Without an own arm the condition implies the predicate of
        # the index of shared records' order (migration reporting 0011), which serves the first page.
        shared, shared_params = _compiled("shared", db, on)
        arms.append(f"({shared} AND ({{participant_id}} {owners_sql}) IS TRUE)")
        arm_params += [*shared_params, *owners_params]
    conditions.append(arms[0] if len(arms) == 1 else f"({' OR '.join(arms)})")
    return " AND ".join(conditions), params + arm_params, owners_expression if owners_sql else None


class _ReadableRecords(Expression):
    """The read path's condition on a record, as SQL over the record's own columns.

    The columns are named after the alias the incidents' table has in the query being compiled
    (the page, or a sub-query of another), so the condition composes like any filter: counts,
    further filters, ordering and slicing all work on `visible_incidents`. (Resolving them as F()
    expressions instead cost the page a third of what building the whole condition costs.)

    Built either with its template or, for a participant's user not known to own records, with the
    user (`reader`): whether its participant owns records is then asked when the query is compiled,
    that is when it runs (`_owns_records`, one probe just before), so a queryset built before the
    participant's first record still lists it.
    """

    COLUMNS = ("participant_id", "ret_id", "status", "sharing_level", "embargo_until")

    def __init__(self, template: str = "", params: Iterable = (), owners: Expression | None = None, *, reader=None,
                 on: dt.date | None = None):  # fmt: skip
        super().__init__(output_field=_BOOLEAN)
        self.template, self.params, self.owners = template, tuple(params), owners
        self.reader, self.on = reader, on

    def get_source_expressions(self):
        return [self.owners]

    def set_source_expressions(self, expressions):
        (self.owners,) = expressions

    def as_sql(self, compiler, connection):
        template, params, owners = self.template, list(self.params), self.owners
        if self.reader is not None:
            participant_id = self.reader.participant_id
            own = participant_id if _owns_records(participant_id, connection) else None
            condition = _records_condition(own=own, owners=_page_owners(self.reader, on=self.on), on=self.on,
                                           db=connection)  # fmt: skip
            if condition is None:
                return "1 = 0", []
            template, params, owners = condition
        quote = compiler.quote_name_unless_alias
        table = quote(compiler.query.base_table)
        names = {name: f"{table}.{quote(Incident._meta.get_field(name).column)}" for name in self.COLUMNS}
        if owners is not None:
            owners_sql, owners_params = compiler.compile(owners)
            names["owners"] = owners_sql
            # The owners' sub-query comes after every parameter before its place in the template.
            before = template.split("{owners}")[0].count("%s")
            params[before:before] = list(owners_params)
        return template.format(**names), params


def visible_incidents(user: User, *, on: dt.date | None = None) -> QuerySet[Incident]:
    """Every record the user may read: all of their own participant's, plus the shared records of
    the owners they may read (validated, sharing level shared, embargo over, in a submitted return).

    One query, with the owners the user reads (guardian's grants, the owners' status and
    exclusions, the user's live standing: `readable_owners`) decided inside it: for a participant's
    user on PostgreSQL by the database function `rcp_reader_owners`, compiled from the same
    statements (`reader_owners_function_body`), whose plan PostgreSQL keeps for the session, evaluated once per
    query with the query's own snapshot; otherwise as a sub-query. It also carries the
    reader keys' condition (reporting.models.reader_key), which every record the rule lets through
    passes too: it changes no answer, but lets the record list's index skip other owners' unshared
    records without reading them.

    Except for a participant that owns no records: the reader keys would make its first page step
    over every other owner's unshared record newer than it (the current months' drafts: tens of
    thousands at 1M). Its page has no own-records arm and no reader keys, and PostgreSQL reads it
    from the index of shared records' order (migration reporting 0011). Whether it owns any comes
    with the user: `RecordOwner`, which the database writes in the statement that writes the
    participant's first record (migration reporting 0029), read with the membership by the
    request's authentication (`User.membership_or_none`). A first record written after the user
    was read (by another process, within the request) appears from the next request on, as if the
    page had been read when the user was; one written by this process is known at once
    (`_OWNERS_OF_RECORDS`, which incident_create tells through `records_written`). A membership
    read otherwise (the API's token check, `select_related("membership")`, or made in code) carries
    no flag: a probe of its own then asks, just before
    the page, when the query runs (`_owns_records`). The rule itself (owners, standing) stays in
    the page's one statement either way: the flag only decides whether the answer may contain own
    records. tests/reporting/test_reciprocity.py checks every form against the rule. The
    secretariat owns no records either: its page has no own-records arm.
    """
    on = on or timezone.localdate()
    if not user.is_authenticated or not user.is_active:
        return Incident.objects.none()
    own = user.participant_id
    if own is not None and connection.vendor == "postgresql" and own not in _OWNERS_OF_RECORDS:
        owns = _owns_records_as_read(user)
        if owns is None:
            return Incident.objects.filter(_ReadableRecords(reader=user, on=on))
        if owns:
            _OWNERS_OF_RECORDS.add(own)
        else:
            own = None
    owners = _page_owners(user, on=on)
    condition = _records_condition(own=own, owners=owners, on=on, db=connection)
    if condition is None:
        return Incident.objects.none()
    template, params, owners_expression = condition
    return Incident.objects.filter(_ReadableRecords(template, params, owners=owners_expression))


def incident_get_for(user: User, pk: int, *, related: tuple[str, ...] = (), prefetch: tuple[str, ...] = ()) -> Incident:
    """The record, or 404 when it does not exist *or* lies outside the rule: forbidden looks like missing.
    `related` and `prefetch` come with it in the same read (a page's other rows)."""
    records = visible_incidents(user).select_related("participant", "ret", *related).prefetch_related(*prefetch)
    return get_object_or_404(records, pk=pk)


# Aggregates ------------------------------------------------------------------------------------


class Tier(enum.StrEnum):
    CONTRIBUTOR = "contributor"
    NON_CONTRIBUTOR = "non_contributor"
    SECRETARIAT = "secretariat"
    NONE = "none"


@dataclass(frozen=True)
class AggregateScope:
    """What a user's dashboards may sum (docs/analytics.md, "Tiers").

    - `own_participant_id`: always summed in full (own data is always fully visible);
    - `record_owner_ids`: others whose `shared` records the user also reads one by one;
    - `aggregate_owner_ids`: others whose shared and aggregate-only records enter the user's charts
      (validated, in a submitted return, embargo over; never national-only). Empty for a
      non-contributor: its charts draw on its own participant only;
    - `published_owner_ids`: others summed in the *published tier*, the coarse regional figures
      (detections by quarter and conduct category) that every contributor sees, and that a
      non-contributor sees only where the policy turns `non_contributors_see_aggregates` on and its
      participant is active (suspended and withdrawn participants never do);
    - `disclosure_control`: True when an aggregate may hold data the user cannot read record by
      record; the dashboard then applies min_cell, min_contributors and secondary suppression.
    """

    tier: Tier
    own_participant_id: int | None
    record_owner_ids: frozenset[int]
    aggregate_owner_ids: frozenset[int]
    disclosure_control: bool
    min_cell: int
    min_contributors: int
    policy_version: int
    published_owner_ids: frozenset[int] = frozenset()
    published: bool = False

    @property
    def owner_ids(self) -> frozenset[int]:
        """Every owner whose facts some figure of the user's may sum."""
        own = {self.own_participant_id} if self.own_participant_id is not None else set()
        return frozenset(own) | self.aggregate_owner_ids | self.published_owner_ids

    @property
    def own_only(self) -> bool:
        """The user's charts draw on its own participant only (a non-contributor)."""
        return self.tier == Tier.NON_CONTRIBUTOR


def _aggregate_owners_for(participant_id: int | None) -> frozenset[int]:
    """The owners readable by the participant (`owner_readable_q`), whatever its standing."""
    owners = Participant.objects.filter(owner_readable_q(viewer=participant_id))
    return frozenset(owners.values_list("pk", flat=True))


def aggregate_scope(user: User, *, on: dt.date | None = None) -> AggregateScope:
    policy = current_policy()
    limits = dict(min_cell=policy.min_cell, min_contributors=policy.min_contributors, policy_version=policy.version)
    if not user.is_authenticated or not user.is_active:
        return AggregateScope(Tier.NONE, None, frozenset(), frozenset(), True, **limits)
    if user.role == Role.SECRETARIAT:
        everyone = _aggregate_owners_for(None)
        return AggregateScope(
            Tier.SECRETARIAT,
            None,
            readable_owner_ids(user, on=on, policy=policy),
            everyone,
            disclosure_control=True,
            published_owner_ids=everyone,
            published=True,
            **limits,
        )
    participant_id = user.participant_id
    if participant_id is None:
        return AggregateScope(Tier.NONE, None, frozenset(), frozenset(), True, **limits)
    # The policy read above serves the whole decision: one policy query per request, not three.
    readable = readable_owner_ids(user, on=on, policy=policy)
    if readable:
        # A contributor sums the owners it reads; their aggregate-only records are in those sums
        # but not readable one by one, hence disclosure control. It sees the published tier too.
        return AggregateScope(
            Tier.CONTRIBUTOR,
            participant_id,
            readable,
            readable,
            True,
            published_owner_ids=readable,
            published=True,
            **limits,
        )
    standing = participant_standing(user.participant, on=on, policy=policy)
    if standing.contributing:  # contributing, with no other participant to read (yet)
        return AggregateScope(
            Tier.CONTRIBUTOR, participant_id, frozenset(), frozenset(), True, published=True, **limits
        )
    # A non-contributor's charts draw on its own participant only (CTOC/COP/2014/4, para. 22: only
    # the states that provide data may access the information provided by others). At most, where
    # the secretariat allows it, an active one sees the published tier, which every contributor
    # sees too; a suspended or withdrawn participant never does.
    published = policy.non_contributors_see_aggregates and standing.status == Participant.Status.ACTIVE
    return AggregateScope(
        Tier.NON_CONTRIBUTOR,
        participant_id,
        frozenset(),
        frozenset(),
        True,
        published_owner_ids=_aggregate_owners_for(participant_id) if published else frozenset(),
        published=published,
        **limits,
    )


def contribution_gain(participant_id: int) -> int:
    """How many other participants' shared records (and regional figures) a participant's users
    would read if it were contributing: the active ones that do not withhold their data from it."""
    return len(_aggregate_owners_for(participant_id))


# The access log --------------------------------------------------------------------------------


def record_access(
    *, user: User, incidents: Iterable[Incident | Mapping], via: str, at: dt.datetime | None = None
) -> int:
    """Log that `user` read these records (instances, or `.values()` rows with `id` and
    `participant_id`): one event per other owner (its own records are not logged). Call it inside
    the request's transaction. Returns the number of events written. `at` is now unless given
    (the demo's reads, dated in the past)."""
    own = user.participant_id
    by_owner: dict[int, list[int]] = {}
    for incident in incidents:
        pk, owner = (
            (incident["id"], incident["participant_id"])
            if isinstance(incident, Mapping)
            else (incident.pk, incident.participant_id)
        )
        if owner != own:
            by_owner.setdefault(owner, []).append(pk)
    now = at or timezone.now()
    events = [
        AccessEvent(
            user=user,
            viewer_id=own,
            owner_id=owner,
            incident_id=ids[0] if len(ids) == 1 else None,
            record_count=len(ids),
            via=via,
            at=now,
        )
        for owner, ids in by_owner.items()
    ]
    AccessEvent.objects.bulk_create(events)
    return len(events)
