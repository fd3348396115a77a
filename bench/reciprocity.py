"""The reciprocity rule at scale (issue 3, "Performance"): the record list's first page through
`visible_incidents` against the same query without the rule, and `reciprocity_sync()` after a return's
submission, over a million incidents and 45 participants."""

import datetime as dt

from bench.registry import Case, Context, register

FULL_INCIDENTS = 1_000_000
QUICK_INCIDENTS = 20_000
PARTICIPANTS = 45  # the demo's 21 plus bench organisations, all contributing
PAGE_ROWS = 25
VIEWER = "AUS"  # an analyst of a contributing participant holding about a ninth of the records
READER = "BX01"  # a contributing organisation with no records of its own: its page is all others' shared records
WARM_UP = 2  # untimed runs of each query first: the figures are for a warm cache, as on a live site


def _extra_participants_add(count: int) -> None:
    """Active organisations, each with a nil return submitted for the last three closed months, so
    they are contributing (and owners the others read). They own no incidents: the demo's million
    stays with its 21 participants."""
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import Participant
    from accounts.services import participant_create
    from reporting.models import Return
    from reporting.reciprocity import current_policy, month_add, reciprocity_sync

    now = timezone.now()
    last_closed = month_add(timezone.localdate().replace(day=1), -1)
    months = [month_add(last_closed, -i) for i in range(current_policy().min_returns)]
    # One transaction: the status-change syncs queued by participant_create run once all returns exist.
    with transaction.atomic():
        for i in range(1, count + 1):
            participant = participant_create(
                code=f"BX{i:02d}",
                name=f"Bench organisation {i:02d}",
                kind=Participant.Kind.ORGANISATION,
                region=Participant.Region.OTHER,
                status=Participant.Status.ACTIVE,
                joined_on=dt.date(2015, 1, 1),
            )
            Return.objects.bulk_create(
                Return(participant=participant, month=m, status=Return.Status.SUBMITTED, is_nil=True, submitted_at=now)
                for m in months
            )
    reciprocity_sync(trigger="bench: extra participants")


def _seed(incidents: int, log) -> float:
    """The demo data set plus the extra participants; returns the seconds it took (setup, not a case)."""
    import time

    from accounts.models import Participant
    from reporting.demo import demo_seed

    started = time.perf_counter()
    demo_seed(incidents=incidents)
    _extra_participants_add(PARTICIPANTS - Participant.objects.count())
    seconds = time.perf_counter() - started
    log(f"  setup: seed_demo --incidents {incidents:,} and {PARTICIPANTS} participants in {seconds:.0f} s")
    return seconds


def _page_query_without_rule():
    """The record list's query (select_related, ordering) over every incident, without the rule."""
    from reporting.models import Incident
    from reporting.selectors import INCIDENT_SORTS

    return Incident.objects.select_related("participant", "agency").order_by(*INCIDENT_SORTS["-detection_date"])


def _explain(qs, log) -> None:
    """EXPLAIN ANALYZE of a query, into the log (not the document): where the time goes."""
    for line in qs.explain(analyze=True, buffers=True).splitlines():
        log(f"      {line}")


def _interleaved(ctx: Context, actions: dict[str, object], repeat: int) -> dict[str, list[float]]:
    """Seconds of each action, run in turn (A, B, A, B, ...) so that the shared machine's load
    drifting during the run weighs on all of them alike."""
    seconds: dict[str, list[float]] = {name: [] for name in actions}
    quiet = Context(quick=ctx.quick, repeat=ctx.repeat, fresh_database=ctx.fresh_database, log=lambda _: None)
    for _ in range(WARM_UP):
        for action in actions.values():
            action()
    for i in range(repeat):
        for name, action in actions.items():
            seconds[name] += quiet.measure(action, repeat=1)
        ctx.log(
            "    run {}/{}: {}".format(
                i + 1, repeat, ", ".join(f"{n} {s[-1] * 1000:.1f} ms" for n, s in seconds.items())
            )
        )
    return seconds


def _as_a_request_reads(user):
    """The user with its membership read, as the request's authentication leaves it (untimed)."""
    assert user.membership_or_none.participant_owns_records is not None
    return user


def _guardian_rows() -> tuple[int, int]:
    """(rows of the rule's permission, rows of every guardian object-permission table)."""
    from guardian.models import GroupObjectPermission, UserObjectPermission

    from accounts.models import ParticipantGroupObjectPermission
    from reporting.reciprocity import PERMISSION

    rule = ParticipantGroupObjectPermission.objects.filter(permission__codename=PERMISSION).count()
    total = (
        ParticipantGroupObjectPermission.objects.count()
        + GroupObjectPermission.objects.count()
        + UserObjectPermission.objects.count()
    )
    return rule, total


def _return_set(ret_id: int, *, submitted: bool) -> None:
    """Mark a return submitted or open directly, as return_submit would, without queueing the sync
    (the benchmark times the sync itself)."""
    from django.utils import timezone

    from reporting.models import Return

    if submitted:
        Return.objects.filter(pk=ret_id).update(
            status=Return.Status.SUBMITTED, is_nil=True, submitted_at=timezone.now()
        )
    else:
        Return.objects.filter(pk=ret_id).update(status=Return.Status.OPEN, is_nil=False, submitted_at=None)


@register(name="reciprocity", title="The reciprocity rule over 1M incidents and 45 participants")
def run(ctx: Context) -> list[Case]:
    """The demo data set (`demo_seed`, a million incidents over 21 participants) plus 24 contributing
    organisations with nil returns, 45 participants in all; seeded once and shared by every case (the
    list cases only read). **Record list**: the first page (25 rows) of the record list as its selector
    builds it for an analyst of a contributing participant (`incident_list`: `visible_incidents`, whose
    live standing check, guardian grants, owners' status and exclusions are decided inside the page's
    one query, by the database function `rcp_reader_owners` written from the rule's SQL, evaluated once
    per query, `select_related("participant", "agency")`, ordered by `-detection_date, -id`), against
    the baseline of the same query over all incidents without the rule; the same for an analyst of an
    organisation with no records of its own (its page is all others' shared records, read from the
    index of shared records' order, without an own-records arm: the user comes with whether its
    participant owns records, as a request reads it; the rule decided inside the page as above); runs
    interleaved, after warm-up,
    each building its queryset anew as a request does. Target: at most 1.3× the baseline. **Sync**:
    `reciprocity_sync()` right after a return's submission, once where the submission makes a
    participant contributing again (44 grants written; the return is reopened and the revocations
    synced, untimed, before each run) and once with nothing to change. Target: under 1 s, with the
    guardian rows O(participants²), never one per incident."""
    from django.utils import timezone

    from accounts.models import Participant, User
    from reporting.models import Return
    from reporting.reciprocity import PERMISSION, month_add, reciprocity_sync, visible_incidents
    from reporting.selectors import IncidentFilters, incident_list

    incidents = QUICK_INCIDENTS if ctx.quick else FULL_INCIDENTS
    _seed(incidents, ctx.log)
    participants = Participant.objects.count()
    import secrets

    from accounts.models import Role
    from accounts.services import user_create

    # The membership comes with the user, as a request reads them (User.membership_or_none, the API's
    # token check): with whether the participant owns records.
    analyst = _as_a_request_reads(User.objects.get(username=f"{VIEWER.lower()}-analyst"))
    reader = user_create(
        username=f"{READER.lower()}-analyst",
        password=secrets.token_urlsafe(16),  # never signs in: the benchmark passes the user object
        role=Role.ANALYST,
        participant=Participant.objects.get(code=READER),
    )
    reader = _as_a_request_reads(User.objects.get(pk=reader.pk))
    readable = visible_incidents(analyst).count()
    reader_readable = visible_incidents(reader).count()
    ctx.log(f"  {participants} participants; {VIEWER} analyst reads {readable:,} of {incidents:,} incidents")
    ctx.log(f"  {READER} analyst (no records of its own) reads {reader_readable:,}")

    # The record list's first page: the whole of it (the rule's own queries, then the SQL), and the
    # SQL alone (the queryset built beforehand), so the two parts of the rule's cost can be told apart.
    built = incident_list(user=analyst, filters=IncidentFilters())
    ctx.log("  EXPLAIN ANALYZE, with the rule:")
    _explain(built[:PAGE_ROWS], ctx.log)
    ctx.log(f"  EXPLAIN ANALYZE, with the rule, {READER} analyst:")
    _explain(incident_list(user=reader, filters=IncidentFilters())[:PAGE_ROWS], ctx.log)
    ctx.log("  EXPLAIN ANALYZE, without the rule:")
    _explain(_page_query_without_rule()[:PAGE_ROWS], ctx.log)
    repeat = ctx.repeats(5 if ctx.quick else 15)
    ctx.log(f"  first page of the record list, {repeat} interleaved runs")
    page = _interleaved(
        ctx,
        {
            "no rule": lambda: list(_page_query_without_rule()[:PAGE_ROWS]),
            "rule": lambda: list(incident_list(user=analyst, filters=IncidentFilters())[:PAGE_ROWS]),
            "rule, SQL only": lambda: list(built[:PAGE_ROWS]),
            "rule, reader": lambda: list(incident_list(user=reader, filters=IncidentFilters())[:PAGE_ROWS]),
        },
        repeat,
    )

    # The sync after a return's submission: a bench organisation's last closed month, reopened
    # (and synced) before each run so that submitting it makes the organisation contributing again.
    last_closed = month_add(timezone.localdate().replace(day=1), -1)
    ret = Return.objects.get(participant__code="BX01", month=last_closed)

    def reopen_and_sync() -> None:
        _return_set(ret.pk, submitted=False)
        reciprocity_sync(trigger="bench: return reopened")
        _return_set(ret.pk, submitted=True)

    granted: list[int] = []
    sync_repeat = ctx.repeats(5)
    ctx.log(f"  reciprocity_sync() after a submission that makes a participant contributing, {sync_repeat} runs")
    changing = ctx.measure(
        lambda: granted.append(len(reciprocity_sync(trigger="bench: return submitted").granted)),
        repeat=sync_repeat,
        before=reopen_and_sync,
    )
    ctx.log(f"  reciprocity_sync() with nothing to change, {sync_repeat} runs")
    unchanged = ctx.measure(lambda: reciprocity_sync(trigger="bench: no change"), repeat=sync_repeat)
    rule_rows, guardian_rows = _guardian_rows()
    ctx.log(f"  guardian rows: {rule_rows:,} of {PERMISSION}, {guardian_rows:,} in all guardian tables")

    pairs = participants * (participants - 1)
    return [
        Case(f"first page ({PAGE_ROWS} rows), no rule", page["no rule"], rows=PAGE_ROWS, baseline=True),
        Case(
            f"first page ({PAGE_ROWS} rows), visible_incidents({VIEWER} analyst)",
            page["rule"],
            rows=PAGE_ROWS,
            note=f"the analyst reads {readable:,} of the {incidents:,} incidents; the whole path as a page view "
            "pays it: building the queryset (the rule's standing, guardian grants, owners' status and exclusions "
            "are decided inside the page's one query, by the function rcp_reader_owners), PostgreSQL's planning "
            "and execution, the rows",
        ),
        Case(
            f"first page ({PAGE_ROWS} rows), visible_incidents({VIEWER} analyst), SQL only",
            page["rule, SQL only"],
            rows=PAGE_ROWS,
            note="the same queryset built once beforehand: the page's SQL alone",
        ),
        Case(
            f"first page ({PAGE_ROWS} rows), visible_incidents({READER} analyst)",
            page["rule, reader"],
            rows=PAGE_ROWS,
            note=f"an organisation with no records of its own reads {reader_readable:,} of the {incidents:,}: "
            "every row of its page is another owner's shared record (whole path, as above; that it owns none "
            "came with the user, as a request reads it: RecordOwner, kept by the database)",
        ),
        Case(
            "reciprocity_sync() after a submission, participant contributing again",
            changing,
            rows=rule_rows,
            note=f"{max(granted, default=0)} grants written per run; rows: guardian rows of the rule's permission "
            f"({participants} participants, at most {pairs:,} pairs; {guardian_rows:,} rows in all guardian "
            "object-permission tables). The ratio compares with the page query for scale only: the target is < 1 s",
        ),
        Case("reciprocity_sync(), nothing to change", unchanged, rows=rule_rows),
    ]
