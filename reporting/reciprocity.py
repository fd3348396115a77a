"""The reciprocity rule: whose incident data a user may read, and how (docs/reciprocity.md).

This module is the rule's only home. Views, the API, exports and dashboards ask it and never restate
the condition:

- `participant_standing` / `standings`: is a participant contributing on a day, and why;
- `desired_grants` and `reciprocity_sync`: guardian's `view_shared_records` rows (owner participant
  → viewer participant group) are materialised decisions of the policy, made equal to it by an
  idempotent sync; `reciprocity_drift_check` reports any difference;
- `readable_owners`, `visible_incidents`, `incident_get_for`: the record-level read path, which
  also checks the viewer's own standing live, so access lapses the moment a participant stops
  contributing. On PostgreSQL that check is `contributing_sql`, the standing test of `_standing`
  written as a condition of the page's own query (nothing cached; the page asks it, with the
  grants, through `rcp_reader_owners`, a database function generated from the same SQL);
  `tests/reporting/test_reciprocity.py` checks that the statements always agree;
- `aggregate_scope`: which owners' data a user may see summed, and whether disclosure control applies;
- `record_access`: the access log written whenever someone reads another participant's records.
"""

# ruff: noqa: S608, S611 - the read path's SQL below names only our own tables and columns; values go as parameters

from __future__ import annotations

import datetime as dt
import enum
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.contrib.auth.models import Permission
from django.db import connection, transaction
from django.db.models import BooleanField, Q, QuerySet
from django.db.models.expressions import Expression, RawSQL
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

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


def _submitted_months(participant_ids: Iterable[int], window: tuple[dt.date, dt.date], on: dt.date):
    """{participant id: sorted months with a return submitted by the end of `on`} inside the window."""
    end_of_day = _end_of_day(on)
    rows = Return.objects.filter(
        participant_id__in=list(participant_ids),
        status=Return.Status.SUBMITTED,
        month__gte=window[0],
        month__lte=window[1],
        submitted_at__lt=end_of_day,
    ).values_list("participant_id", "month")
    months: dict[int, list[dt.date]] = {}
    for participant_id, month in rows:
        months.setdefault(participant_id, []).append(month)
    return {pid: sorted(ms) for pid, ms in months.items()}


def _standing(participant: Participant, months: list[dt.date], on: dt.date, policy: ReciprocityPolicy) -> Standing:
    window = closed_window(on, policy.window_months)
    counted = len(months)
    grace_until = (
        participant.joined_on + dt.timedelta(days=policy.grace_days) if participant.joined_on is not None else None
    )
    in_grace = grace_until is not None and on < grace_until
    window_months = [month_add(window[0], i) for i in range(policy.window_months)]
    missing = tuple(m for m in window_months if m not in months)
    # With no new return, the standing holds while the min_returns-th most recent submitted month
    # stays in the sliding window: until the end of the month `window_months` after it.
    holds_until = None
    if counted >= policy.min_returns and policy.min_returns > 0:
        anchor = months[-policy.min_returns]
        holds_until = month_end(month_add(anchor, policy.window_months))
    elif policy.min_returns == 0:
        holds_until = None

    common = dict(
        participant_id=participant.pk,
        on=on,
        status=participant.status,
        returns_counted=counted,
        returns_needed=policy.min_returns,
        window=window,
        grace_until=grace_until,
        missing_months=missing,
        policy_version=policy.version,
    )
    period = {"first": window[0].strftime("%b %Y"), "last": window[1].strftime("%b %Y")}
    if participant.status != Participant.Status.ACTIVE:
        return Standing(
            contributing=False,
            holds_until=None,
            reason=_("Not contributing: the participant is %(status)s.")
            % {"status": participant.get_status_display().lower()},
            **common,
        )
    if counted >= policy.min_returns:
        reason = ngettext(
            "Contributing: %(counted)d return submitted for %(first)s–%(last)s (%(needed)d needed).",
            "Contributing: %(counted)d returns submitted for %(first)s–%(last)s (%(needed)d needed).",
            counted,
        ) % {"counted": counted, "needed": policy.min_returns, **period}
        if in_grace and holds_until is not None and grace_until > holds_until:
            holds_until = grace_until
        return Standing(contributing=True, holds_until=holds_until, reason=reason, **common)
    if in_grace:
        reason = _("Contributing: joined on %(joined)s, in the grace period until %(until)s.") % {
            "joined": participant.joined_on.isoformat(),
            "until": grace_until.isoformat(),
        }
        return Standing(contributing=True, holds_until=grace_until, reason=reason, **common)
    reason = ngettext(
        "Not contributing: %(counted)d return submitted for %(first)s–%(last)s; %(needed)d needed.",
        "Not contributing: %(counted)d returns submitted for %(first)s–%(last)s; %(needed)d needed.",
        counted,
    ) % {"counted": counted, "needed": policy.min_returns, **period}
    return Standing(contributing=False, holds_until=None, reason=reason, **common)


def standings(
    participants: Iterable[Participant] | None = None,
    *,
    on: dt.date | None = None,
    policy: ReciprocityPolicy | None = None,
) -> dict[int, Standing]:
    """The standing of each participant (all of them by default), in two queries."""
    on = on or timezone.localdate()
    policy = policy or current_policy()
    participants = list(participants if participants is not None else Participant.objects.all())
    months = _submitted_months((p.pk for p in participants), closed_window(on, policy.window_months), on)
    return {p.pk: _standing(p, months.get(p.pk, []), on, policy) for p in participants}


def participant_standing(
    participant: Participant, *, on: dt.date | None = None, policy: ReciprocityPolicy | None = None
) -> Standing:
    return standings([participant], on=on, policy=policy)[participant.pk]


def _policy_default(name: str) -> int:
    """A policy parameter's value when no policy row exists (the design's defaults, as `current()`)."""
    return ReciprocityPolicy._meta.get_field(name).default


def _contributing_fragment(
    participant_id: int, *, on: dt.date, policy: ReciprocityPolicy | None = None, month=None, end_of_day=None
) -> tuple[str, list]:
    """`contributing_sql`'s SQL text and parameters. (`month` and `end_of_day` default to `on`'s;
    the database function below passes its arguments for all four.)"""
    quote = connection.ops.quote_name
    month = on.replace(day=1) if month is None else month
    end_of_day = _end_of_day(on) if end_of_day is None else end_of_day
    if policy is None:
        source = (
            f"SELECT min_returns, window_months, grace_days FROM {quote(ReciprocityPolicy._meta.db_table)} "
            "ORDER BY version DESC LIMIT 1"
        )
        source_params: list = []
    else:
        source = "SELECT %s::integer AS min_returns, %s::integer AS window_months, %s::integer AS grace_days"
        source_params = [policy.min_returns, policy.window_months, policy.grace_days]
    sql = (
        f"EXISTS (SELECT 1 FROM {quote(Participant._meta.db_table)} rcp_v"
        f" LEFT JOIN ({source}) rcp_p ON TRUE"
        " WHERE rcp_v.id = %s AND rcp_v.status = %s"
        " AND (rcp_v.joined_on + COALESCE(rcp_p.grace_days, %s) > %s"
        " OR COALESCE(rcp_p.min_returns, %s) <= ("
        f"SELECT count(*) FROM {quote(Return._meta.db_table)} rcp_r"
        " WHERE rcp_r.participant_id = rcp_v.id AND rcp_r.status = %s"
        " AND rcp_r.month >= (%s::date - make_interval(months => COALESCE(rcp_p.window_months, %s)))::date"
        " AND rcp_r.month < %s AND rcp_r.submitted_at < %s)))"
    )
    params = [
        *source_params,
        participant_id,
        Participant.Status.ACTIVE.value,
        _policy_default("grace_days"),
        on,
        _policy_default("min_returns"),
        Return.Status.SUBMITTED.value,
        month,
        _policy_default("window_months"),
        month,
        end_of_day,
    ]
    return sql, params


def contributing_sql(participant_id: int, *, on: dt.date, policy: ReciprocityPolicy | None = None) -> RawSQL:
    """`_standing`'s test as a boolean condition for a PostgreSQL query: is the participant active,
    and has it submitted (by the end of `on`) returns for at least `min_returns` of the window's
    closed months, or is it still in its grace period?

    The read path asks it inside the page's own query, so checking the viewer's standing live costs
    no round trip. With no `policy` the condition reads the policy in force itself (the highest
    version, or the design's defaults when there is none), as `current_policy()` does. Only the
    yes/no is here; `standings()` explains it. Both must always agree:
    tests/reporting/test_reciprocity.py compares them on random worlds.
    """
    sql, params = _contributing_fragment(participant_id, on=on, policy=policy)
    return RawSQL(sql, params, output_field=_BOOLEAN)


# Grants ----------------------------------------------------------------------------------------


def desired_grants(
    *, on: dt.date | None = None, policy: ReciprocityPolicy | None = None, standing: dict[int, Standing] | None = None
) -> set[Pair]:
    """Every (owner, viewer) pair the policy allows: the viewer is contributing, the owner is active,
    they differ, and the owner has not withheld its data from that viewer."""
    participants = list(Participant.objects.all())
    standing = standing or standings(participants, on=on, policy=policy)
    owners = [p.pk for p in participants if p.status == Participant.Status.ACTIVE]
    viewers = [pid for pid, s in standing.items() if s.contributing]
    excluded = set(SharingExclusion.objects.values_list("owner_id", "partner_id"))
    return {(o, v) for o in owners for v in viewers if o != v and (o, v) not in excluded}


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
) -> RawSQL | frozenset[int]:
    """Participants whose shared records the user may read one by one (their own excluded), as ids.

    For a participant's user: the owners granted to its group (guardian), while that participant
    is contributing right now (checked live, not from the last sync), less owners that are not
    active or withhold their data from it (also live: a sync queued behind a broker outage must
    not let them through meanwhile). For the secretariat: every active participant, only where
    the policy lets the secretariat read records.

    The answer is a sub-query of ids (`RawSQL`): the whole decision, the viewer's standing included
    (`contributing_sql`), costs no round trip of its own where a query puts it inside itself.
    (`visible_incidents` asks the same decision through the database function made from it.) It
    is written in SQL rather than built with the ORM because building
    and compiling the nested querysets cost the record list more than the rest of its query.
    `readable_owner_ids` evaluates it. (On the embedded SQLite the standing is asked first, in
    Python, and the sub-query leaves it out.)
    """
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    quote = connection.ops.quote_name
    participants = quote(Participant._meta.db_table)
    active = Participant.Status.ACTIVE.value
    if user.role == Role.SECRETARIAT:
        if policy is not None:
            if not policy.secretariat_reads_records:
                return frozenset()
            return RawSQL(f"SELECT rcp_o.id FROM {participants} rcp_o WHERE rcp_o.status = %s", [active])
        allowed = (
            f"COALESCE((SELECT secretariat_reads_records FROM {quote(ReciprocityPolicy._meta.db_table)}"
            " ORDER BY version DESC LIMIT 1), %s)"
        )
        return RawSQL(
            f"SELECT rcp_o.id FROM {participants} rcp_o WHERE rcp_o.status = %s AND {allowed}",
            [active, bool(ReciprocityPolicy._meta.get_field("secretariat_reads_records").default)],
        )
    participant_id = user.participant_id
    if participant_id is None:
        return frozenset()
    if connection.vendor != "postgresql":  # the embedded SQLite: the same test, asked first in Python
        standing = participant_standing(user.participant, on=on, policy=policy)
        if not standing.contributing:
            logger.info("read path: %s not contributing (%s)", user.participant.code, standing.reason)
            return frozenset()
    sql, params = _participant_owners_fragment(
        participant_id, on=on or timezone.localdate(), policy=policy, standing_in_sql=connection.vendor == "postgresql"
    )
    return RawSQL(sql, params)


def _participant_owners_fragment(
    participant_id: int,
    *,
    on: dt.date,
    policy: ReciprocityPolicy | None,
    standing_in_sql: bool = True,
    month=None,
    end_of_day=None,
) -> tuple[str, list]:
    """`readable_owners`' sub-query for a participant's user: guardian's grants to its group, less
    owners not active or withholding their data from it, while it is contributing
    (`contributing_sql`; left out when the caller asked the standing itself)."""
    quote = connection.ops.quote_name
    participants = quote(Participant._meta.db_table)
    if standing_in_sql:
        contributing, contributing_params = _contributing_fragment(
            participant_id, on=on, policy=policy, month=month, end_of_day=end_of_day
        )
    else:
        contributing, contributing_params = "1 = 1", []
    # guardian's direct-foreign-key table, read as guardian's get_objects_for_group would; the
    # group and the permission are scalar sub-queries rather than joins, and "IS TRUE" (which changes
    # no answer in a WHERE) keeps PostgreSQL from turning the owners' IN into a join: less to plan
    # per page.
    sql = (
        f"SELECT rcp_g.content_object_id FROM {quote(ParticipantGroupObjectPermission._meta.db_table)} rcp_g"
        f" WHERE rcp_g.group_id = (SELECT rcp_vg.group_id FROM {participants} rcp_vg WHERE rcp_vg.id = %s)"
        f" AND rcp_g.permission_id = (SELECT rcp_pm.id FROM {quote(Permission._meta.db_table)} rcp_pm"
        f" WHERE rcp_pm.codename = %s)"
        " AND rcp_g.content_object_id <> %s"
        f" AND (rcp_g.content_object_id IN (SELECT rcp_o.id FROM {participants} rcp_o WHERE rcp_o.status = %s))"
        " IS TRUE"
        f" AND rcp_g.content_object_id NOT IN (SELECT rcp_x.owner_id FROM {quote(SharingExclusion._meta.db_table)}"
        " rcp_x WHERE rcp_x.partner_id = %s)"
        f" AND {contributing}"
    )
    active = Participant.Status.ACTIVE.value
    params = [participant_id, PERMISSION, participant_id, active, participant_id, *contributing_params]
    return sql, params


# The read path's owners as a PostgreSQL function ---------------------------------------------------

READER_OWNERS_FUNCTION = "rcp_reader_owners"


class _Argument(str):
    """A value of the read path's SQL that is an argument of the database function, by its name."""


def _sql_literal(value) -> str:
    if isinstance(value, _Argument):
        return str(value)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    raise TypeError(f"no SQL literal for {value!r}")


def reader_owners_function_body() -> str:
    """The body of `rcp_reader_owners(viewer, on_day, month_start, end_of_day)`: `readable_owners`'
    own sub-query for a participant's user under the policy in force (the standing included,
    `contributing_sql`), with the viewer and the day as arguments, as an array of owner ids.

    The page calls the function instead of carrying the sub-query: PL/pgSQL keeps the plan of its
    statement for the database session, where the page's sub-queries were planned again on every
    page (a third of the page's time in PostgreSQL at 1M records). It is STABLE, so it reads with
    the page's own snapshot: one statement, one instant, as before. The text is generated here, from
    the same fragments, and written by a migration (reporting 0012); a test fails when the database's
    function differs from this text, so a change of the rule here needs a migration with the new
    text (`reader_owners_function_sql()`).
    """
    viewer, on, month, end = (_Argument(n) for n in ("viewer", "on_day", "month_start", "end_of_day"))
    sql, params = _participant_owners_fragment(viewer, on=on, policy=None, month=month, end_of_day=end)
    parts = sql.split("%s")
    if len(parts) != len(params) + 1:
        raise ValueError("the read path's fragment and its parameters disagree")
    body = parts[0] + "".join(_sql_literal(value) + part for value, part in zip(params, parts[1:], strict=True))
    return f"\nBEGIN\n  RETURN ARRAY({body});\nEND\n"


def reader_owners_function_sql() -> str:
    """The statement that creates (or replaces) `rcp_reader_owners` with the current rule."""
    return (
        f"CREATE OR REPLACE FUNCTION {READER_OWNERS_FUNCTION}"
        "(viewer bigint, on_day date, month_start date, end_of_day timestamptz)"
        f" RETURNS bigint[] LANGUAGE plpgsql STABLE AS $rcp${reader_owners_function_body()}$rcp$"
    )


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
    `User.membership_or_none` and the API's token check read with the membership
    (`Participant.owns_records`, kept by the database); None for a membership read otherwise
    (e.g. `select_related("membership")`, or made in code): no query here."""
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

    quote = db.ops.quote_name
    shared_value = codes.SharingLevel.SHARED.value
    validated = Incident.Status.VALIDATED.value
    conditions, params = [], []
    if own is not None:
        # The reader keys (reporting.models.reader_key), which every record the rule lets this reader
        # through passes too: they change no answer, but let the record list's index skip other
        # owners' unshared records without reading them. The same expressions as the index's, so
        # that PostgreSQL matches it.
        shareable_now = "({sharing_level} = %s AND {status} = %s)"
        conditions.append(
            f"CASE WHEN {shareable_now} THEN %s ELSE {{participant_id}} END <= %s"
            f" AND CASE WHEN {shareable_now} THEN %s ELSE {{participant_id}} END >= %s"
        )
        params += [shared_value, validated, READER_KEY_SHARED_LOW, own, shared_value, validated]
        params += [READER_KEY_SHARED_HIGH, own]
    arms, arm_params = [], []
    if own is not None:
        arms.append("{participant_id} = %s")
        arm_params.append(own)
    if owners_sql is not None:
        # Incident.shareable_q, in SQL: validated, shared, embargo over, in a submitted return. The
        # return's status is an uncorrelated IN (one hash of the submitted returns, probed only by
        # rows that pass the record's own columns): a correlated EXISTS made PostgreSQL cost a full
        # scan so high that counts and other sort orders walked the whole index (7 s, not 3 s, for
        # a count at 1M), and a join would plan another relation on every page ("IS TRUE", which
        # changes no answer in a WHERE, keeps PostgreSQL from turning an IN into such a join where
        # it is not under an OR, as for the owners: planning it cost the page more than the hash
        # and, for the owners, 0.3 ms more than the rest of the page). The hash holds the returns
        # *not* submitted (this month's and the reopened ones, read from the partial index
        # return_not_submitted): a record's return is never NULL, nor a return's id, so NOT IN is
        # exactly "in a submitted return", and the hash stays a few dozen rows however many months
        # of submitted returns the years add (0.03 ms less per page at 483 returns). Without an own arm
        # the condition implies the predicate of the index of shared records' order (migration
        # reporting 0011), which serves the first page directly.
        arms.append(
            "({status} = %s AND {sharing_level} = %s AND ({embargo_until} IS NULL OR {embargo_until} <= %s)"
            f" AND ({{participant_id}} {owners_sql}) IS TRUE"
            f" AND ({{ret_id}} NOT IN (SELECT rcp_ret.id FROM {quote(Return._meta.db_table)} rcp_ret"
            " WHERE rcp_ret.status <> %s)) IS TRUE)"
        )
        arm_params += [validated, shared_value, on, *owners_params, Return.Status.SUBMITTED.value]
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
    user on PostgreSQL by the database function `rcp_reader_owners`, made from the same SQL
    (`reader_owners_function_body`), whose plan PostgreSQL keeps for the session, evaluated once per
    query with the query's own snapshot; otherwise as a sub-query. It also carries the
    reader keys' condition (reporting.models.reader_key), which every record the rule lets through
    passes too: it changes no answer, but lets the record list's index skip other owners' unshared
    records without reading them.

    Except for a participant that owns no records: the reader keys would make its first page step
    over every other owner's unshared record newer than it (the current months' drafts: tens of
    thousands at 1M). Its page has no own-records arm and no reader keys, and PostgreSQL reads it
    from the index of shared records' order (migration reporting 0011). Whether it owns any comes
    with the user: `Participant.owns_records`, which the database keeps true from the statement
    that writes the participant's first record on (migration reporting 0016), read with the
    membership by the request's authentication (`User.membership_or_none`, the API's token
    check). A first record written after the user was read (by another process, within the
    request) appears from the next request on, as if the page had been read when the user was;
    one written by this process is known at once (`_OWNERS_OF_RECORDS`, which incident_create
    tells through `records_written`). A membership read otherwise (e.g. `select_related
    ("membership")`, or made in code) carries no flag: a probe of its own then asks, just before
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


def incident_get_for(user: User, pk: int) -> Incident:
    """The record, or 404 when it does not exist *or* lies outside the rule: forbidden looks like missing."""
    return get_object_or_404(visible_incidents(user).select_related("participant", "ret"), pk=pk)


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
    """Active participants other than the viewer's, less those withholding their data from it."""
    owners = Participant.objects.active()
    if participant_id is not None:
        withheld = SharingExclusion.objects.filter(partner_id=participant_id).values("owner_id")
        owners = owners.exclude(pk=participant_id).exclude(pk__in=withheld)
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


def aggregate_records_q(*, on: dt.date) -> Q:
    """Records of *other* owners that may enter aggregates: validated, in a submitted return,
    shared or aggregate-only, embargo over. (Own records enter in full.)"""
    from reporting.codes import SharingLevel

    return (
        Q(status=Incident.Status.VALIDATED)
        & Q(ret__status=Return.Status.SUBMITTED)
        & Q(sharing_level__in=[SharingLevel.SHARED, SharingLevel.AGGREGATE_ONLY])
        & (Q(embargo_until__isnull=True) | Q(embargo_until__lte=on))
    )


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
