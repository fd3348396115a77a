"""The reciprocity rule's specification (docs/reciprocity.md, issue #3).

Each table row is one participation case, written out by hand; the property test checks the read
path against an independent statement of the rule on random worlds; the last tests prove that
these checks fail when the rule is broken.
"""

import datetime as dt
from dataclasses import dataclass, field

import pytest
import time_machine
from django.db import connection, transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import Participant, ParticipantGroupObjectPermission, Role, User
from reporting import codes, reciprocity
from reporting.models import (
    GrantChange,
    Incident,
    ReciprocityPolicy,
    RecordOwner,
    Return,
    SharingExclusion,
    StandingDecision,
)
from reporting.reciprocity import (
    aggregate_scope,
    incident_get_for,
    participant_standing,
    reciprocity_drift_check,
    reciprocity_sync,
    visible_incidents,
)
from reporting.services.incidents import incident_create
from reporting.services.sharing import exclusion_set, policy_create
from reporting.tasks import reciprocity_drift_check_task, reciprocity_sync_task
from tests import factories
from tests.factories import incident_for, months_back, submitted_returns

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def policy_v1(db):
    """Policy version 1 with the design's defaults (migration 0002 makes it; a transactional test's
    flush removes it, so it is put back here)."""
    policy, _ = ReciprocityPolicy.objects.get_or_create(version=1)
    return policy


@pytest.fixture(autouse=True)
def read_path_forgets_owners(monkeypatch):
    """Each test starts with the read path knowing no participant to own records (its choice of
    query form, reciprocity._OWNERS_OF_RECORDS, is process-wide), so both forms are exercised
    whatever the order of the tests: the first read of a participant's user probes whether it
    owns records, later ones may not."""
    monkeypatch.setattr(reciprocity, "_OWNERS_OF_RECORDS", set())


def _reads(user, incident: Incident) -> bool:
    """Whether the read path lets the user read the record; both halves must agree."""
    listed = visible_incidents(user).filter(pk=incident.pk).exists()
    try:
        incident_get_for(user, incident.pk)
        fetched = True
    except Http404:
        fetched = False
    assert listed == fetched, "visible_incidents and incident_get_for disagree"
    return listed


def _contributing_in_sql(participant_id: int, *, on: dt.date | None = None, policy=None) -> bool:
    """The standing's statement as a condition of another query (`contributing_condition`), asked on its own."""
    on = on or timezone.localdate()
    condition = reciprocity.contributing_condition(participant_id, on=on, policy=policy)
    return Participant.objects.filter(condition).filter(pk=participant_id).exists()


# The viewer's standing ------------------------------------------------------------------------


@dataclass(frozen=True)
class ViewerCase:
    status: str = Participant.Status.ACTIVE
    joined_days_ago: int = 3650
    returns: tuple[int, ...] = ()  # months ago (1 = last month) of submitted returns
    nil: bool = False
    open_returns: tuple[int, ...] = ()  # months ago of returns started but not submitted
    contributing: bool = False
    reason: str = ""


VIEWER_CASES = {
    "new participant in grace": ViewerCase(joined_days_ago=30, contributing=True, reason="grace period"),
    "grace period over, no returns": ViewerCase(joined_days_ago=100, reason="0 returns submitted"),
    "three returns in the window": ViewerCase(returns=(1, 2, 3), contributing=True, reason="3 returns submitted"),
    "three returns spread over the window": ViewerCase(returns=(1, 4, 6), contributing=True),
    "nil returns count": ViewerCase(returns=(1, 2, 3), nil=True, contributing=True),
    "two returns are too few": ViewerCase(returns=(1, 2), reason="2 returns submitted"),
    "lapsed: returns before the window": ViewerCase(returns=(7, 8, 9), reason="0 returns submitted"),
    "the current month is not closed": ViewerCase(returns=(0, 1, 2), reason="2 returns submitted"),
    "returns started, not submitted": ViewerCase(open_returns=(1, 2, 3), reason="0 returns submitted"),
    "suspended, with returns": ViewerCase(Participant.Status.SUSPENDED, returns=(1, 2, 3), reason="suspended"),
    "withdrawn, with returns": ViewerCase(Participant.Status.WITHDRAWN, returns=(1, 2, 3), reason="withdrawn"),
    "invited": ViewerCase(Participant.Status.INVITED, reason="invited"),
    "in grace but suspended": ViewerCase(Participant.Status.SUSPENDED, joined_days_ago=10, reason="suspended"),
}


@pytest.mark.parametrize("case", VIEWER_CASES.values(), ids=VIEWER_CASES.keys())
def test_viewer_standing_decides_whether_partners_shared_records_are_readable(case: ViewerCase):
    today = timezone.localdate()
    joined = None if case.status == Participant.Status.INVITED else today - dt.timedelta(days=case.joined_days_ago)
    viewer = factories.participant(status=case.status, joined_on=joined)
    submitted_returns(viewer, case.returns, nil=case.nil)
    for n in case.open_returns:
        factories.return_for(viewer, months_back(n))
    owner = factories.participant()
    submitted_returns(owner, (1, 2, 3))
    record = incident_for(owner)
    own = incident_for(viewer, status=Incident.Status.DRAFT, submitted_return=False, months_ago=0)
    reciprocity_sync(trigger="test")
    analyst = factories.user(participant=viewer)

    standing = participant_standing(viewer)
    assert standing.contributing is case.contributing
    assert case.reason in standing.reason
    if connection.vendor == "postgresql":
        assert _contributing_in_sql(viewer.pk) is case.contributing, "the read path's SQL test disagrees"
    assert _reads(analyst, record) is case.contributing
    assert _reads(analyst, own), "own data is always visible"
    # The grant follows the same answer, and is logged with the policy version.
    granted = ParticipantGroupObjectPermission.objects.filter(content_object=owner, group=viewer.group).exists()
    assert granted is case.contributing
    decision = StandingDecision.objects.filter(participant=viewer).latest("decided_at")
    assert (decision.contributing, decision.policy_version) == (case.contributing, 1)


def test_standing_explains_the_window_the_missing_months_and_until_when_it_holds():
    viewer = factories.participant()
    submitted_returns(viewer, (1, 3, 5))
    standing = participant_standing(viewer)
    assert standing.window == (months_back(6), months_back(1))
    assert (standing.returns_counted, standing.returns_needed, standing.returns_short) == (3, 3, 0)
    assert standing.missing_months == (months_back(6), months_back(4), months_back(2))
    # The third most recent return (5 months ago) leaves the 6-month window after 6 more months.
    assert standing.holds_until == reciprocity.month_end(reciprocity.month_add(months_back(5), 6))


@time_machine.travel(dt.datetime(2026, 3, 20, 12, tzinfo=dt.UTC), tick=False)
def test_a_late_return_counts_from_the_day_it_is_submitted():
    viewer = factories.participant()
    factories.return_for(viewer, dt.date(2026, 1, 1), submitted=True)
    late = factories.return_for(viewer, dt.date(2025, 10, 1), submitted=True)  # five months late
    assert late.submitted_at.date() == dt.date(2026, 3, 20)
    assert participant_standing(viewer).returns_counted == 2
    feb = factories.return_for(viewer, dt.date(2026, 2, 1), submitted=True)
    assert participant_standing(viewer).contributing
    # Asked about the day before, the rule does not count what was submitted later.
    assert participant_standing(viewer, on=dt.date(2026, 3, 19)).returns_counted == 0
    assert feb.submitted_at.date() == dt.date(2026, 3, 20)


# The records -----------------------------------------------------------------------------------

EMBARGO_FUTURE = dt.timedelta(days=10)

RECORD_CASES = {
    "validated, shared, submitted return": ({}, True),
    "aggregate-only": ({"sharing_level": codes.SharingLevel.AGGREGATE_ONLY}, False),
    "national-only": ({"sharing_level": codes.SharingLevel.NATIONAL_ONLY}, False),
    "draft": ({"status": Incident.Status.DRAFT}, False),
    "submitted for validation": ({"status": Incident.Status.SUBMITTED}, False),
    "returned for correction": ({"status": Incident.Status.RETURNED}, False),
    "withdrawn": ({"status": Incident.Status.WITHDRAWN}, False),
    "in an open return": ({"submitted_return": False}, False),
    "embargoed until later": ({"embargo_until": "future"}, False),
    "embargo ends today": ({"embargo_until": "today"}, True),
    "embargo over": ({"embargo_until": "past"}, True),
}


@pytest.mark.parametrize("fields, readable", RECORD_CASES.values(), ids=RECORD_CASES.keys())
def test_which_records_of_a_partner_a_contributor_reads(fields, readable):
    today = timezone.localdate()
    embargo = {"future": today + EMBARGO_FUTURE, "today": today, "past": today - dt.timedelta(days=1)}
    fields = dict(fields)
    if "embargo_until" in fields:
        fields["embargo_until"] = embargo[fields["embargo_until"]]
    viewer, owner = factories.participant(), factories.participant()
    submitted_returns(viewer, (1, 2, 3))
    record = incident_for(owner, months_ago=4, **fields)
    reciprocity_sync(trigger="test")
    assert _reads(factories.user(participant=viewer), record) is readable
    # Whatever its state, the owner's own users read it.
    assert _reads(factories.user(participant=owner, role=Role.CONTRIBUTOR), record)


def test_an_excluded_pair_reads_nothing_and_others_are_unaffected():
    owner, excluded, other = factories.participant(), factories.participant(), factories.participant()
    for p in (owner, excluded, other):
        submitted_returns(p, (1, 2, 3))
    record = incident_for(owner)
    exclusion_set(owner=owner, partner=excluded, excluded=True, changed_by=None, reason="bilateral dispute")
    reciprocity_sync(trigger="test")
    assert not _reads(factories.user(participant=excluded), record)
    assert _reads(factories.user(participant=other), record)
    # An exclusion is one-way: the owner still reads the partner it withholds from.
    assert _reads(factories.user(participant=owner), incident_for(excluded))
    exclusion_set(owner=owner, partner=excluded, excluded=False, changed_by=None)
    reciprocity_sync(trigger="test")
    assert _reads(factories.user(participant=excluded), record)


def test_an_exclusion_takes_effect_before_the_sync_runs():
    owner, partner = factories.participant(), factories.participant()
    for p in (owner, partner):
        submitted_returns(p, (1, 2, 3))
    record = incident_for(owner)
    reciprocity_sync(trigger="test")
    analyst = factories.user(participant=partner)
    assert _reads(analyst, record)
    # Written directly, as if the queued sync never reached a worker: the guardian row stays.
    SharingExclusion.objects.create(owner=owner, partner=partner)
    assert ParticipantGroupObjectPermission.objects.filter(content_object=owner, group=partner.group).exists()
    assert not _reads(analyst, record)
    assert owner.pk not in aggregate_scope(analyst).owner_ids


def test_with_no_policy_row_the_design_defaults_apply():
    ReciprocityPolicy.objects.all().delete()
    policy = ReciprocityPolicy.objects.current()
    assert (policy.min_returns, policy.window_months, policy.grace_days, policy.min_cell) == (3, 6, 90, 5)
    assert not policy.secretariat_reads_records
    viewer, owner = factories.participant(), factories.participant()
    submitted_returns(viewer, (1, 2, 3))
    assert reciprocity_sync(trigger="test").granted == {(owner.pk, viewer.pk)}


@pytest.mark.parametrize("status", [Participant.Status.SUSPENDED, Participant.Status.WITHDRAWN])
def test_an_owner_that_is_not_active_is_read_by_no_one(status):
    viewer, owner = factories.participant(), factories.participant(status=status)
    submitted_returns(viewer, (1, 2, 3))
    record = incident_for(owner)
    reciprocity_sync(trigger="test")
    assert not _reads(factories.user(participant=viewer), record)
    assert _reads(factories.user(participant=owner), record)


def test_secretariat_reads_records_only_when_the_policy_allows_it():
    owner, suspended = factories.participant(), factories.participant(status=Participant.Status.SUSPENDED)
    shared = incident_for(owner)
    aggregate = incident_for(owner, sharing_level=codes.SharingLevel.AGGREGATE_ONLY)
    draft = incident_for(owner, status=Incident.Status.DRAFT)
    of_suspended = incident_for(suspended)
    secretariat = factories.user(role=Role.SECRETARIAT)
    assert not any(_reads(secretariat, r) for r in (shared, aggregate, draft, of_suspended))
    policy_create(created_by=secretariat, reason="audit", secretariat_reads_records=True)
    assert _reads(secretariat, shared)
    assert not any(_reads(secretariat, r) for r in (aggregate, draft, of_suspended))


def test_a_user_with_no_role_or_inactive_reads_nothing():
    owner = factories.participant()
    record = incident_for(owner)
    norole = User.objects.create_user(username="lost", password="x")
    assert not _reads(norole, record)
    analyst = factories.user(participant=owner)
    analyst.is_active = False
    analyst.save()
    assert not _reads(analyst, record)


def test_a_policy_version_change_moves_standing_and_grants_and_logs_the_version():
    viewer, owner = factories.participant(), factories.participant()
    submitted_returns(viewer, (1, 2))
    record = incident_for(owner)
    reciprocity_sync(trigger="test")
    analyst = factories.user(participant=viewer)
    assert not _reads(analyst, record)

    policy = policy_create(created_by=None, reason="two returns are enough", min_returns=2)
    assert policy.version == 2 and policy.window_months == 6  # unchanged values carried over
    # The read path asks the policy in force: access follows at once, the sync makes the grant.
    result = reciprocity_sync(trigger="policy v2")
    assert result.policy_version == 2 and (owner.pk, viewer.pk) in result.granted
    assert _reads(analyst, record)
    change = GrantChange.objects.get(owner=owner, viewer=viewer, kind=GrantChange.Kind.GRANTED)
    assert (change.policy_version, change.trigger) == (2, "policy v2")
    assert StandingDecision.objects.filter(participant=viewer, policy_version=2, contributing=True).exists()
    assert StandingDecision.objects.filter(participant=viewer, policy_version=1, contributing=False).exists()

    policy_create(created_by=None, reason="a longer window, stricter count", min_returns=3, window_months=12)
    submitted_returns(viewer, (10,))
    assert participant_standing(viewer).contributing  # 1, 2 and 10 months ago within 12 months


def test_own_data_is_always_fully_visible_whatever_the_standing():
    for status in Participant.Status:
        p = factories.participant(status=status)
        records = [
            incident_for(p, status=Incident.Status.DRAFT, submitted_return=False, months_ago=0),
            incident_for(p, sharing_level=codes.SharingLevel.NATIONAL_ONLY),
            incident_for(p, status=Incident.Status.WITHDRAWN),
            incident_for(p, embargo_until=timezone.localdate() + EMBARGO_FUTURE),
        ]
        for role in (Role.CONTRIBUTOR, Role.FOCAL_POINT, Role.ANALYST):
            assert all(_reads(factories.user(participant=p, role=role), r) for r in records), status


# The whole story, checked by hand-written expectations -----------------------------------------


def spec_violations(story: factories.ReciprocityStory, *, secretariat_reads_records: bool = False) -> list[str]:
    """Every difference between what each actor of the story reads and what the rule says."""
    by_pk = {r.pk: key for key, r in story.records.items()}
    problems = []
    for actor, user in story.users.items():
        listed = {by_pk[pk] for pk in visible_incidents(user).values_list("pk", flat=True)}
        fetched = set()
        for key, record in story.records.items():
            try:
                incident_get_for(user, record.pk)
                fetched.add(key)
            except Http404:
                pass
        expected = story.expected_visible(actor, secretariat_reads_records=secretariat_reads_records)
        if listed != expected:
            problems.append(f"{actor} lists {sorted(listed ^ expected)} contrary to the rule")
        if fetched != expected:
            problems.append(f"{actor} opens {sorted(fetched ^ expected)} contrary to the rule")
    return problems


@pytest.fixture
def story():
    return factories.ReciprocityStory()


def test_every_actor_of_the_story_reads_exactly_what_the_rule_says(story):
    assert spec_violations(story) == []
    policy_create(created_by=None, reason="audit", secretariat_reads_records=True)
    assert spec_violations(story, secretariat_reads_records=True) == []


def _grant_everything(user, *, on=None, policy=None):
    return frozenset(Participant.objects.exclude(pk=user.participant_id).values_list("pk", flat=True))


def _ignore_live_standing(user, *, on=None, policy=None):
    if user.participant is None:
        return frozenset()
    return frozenset(
        ParticipantGroupObjectPermission.objects.filter(group=user.participant.group).values_list(
            "content_object_id", flat=True
        )
    )


@pytest.mark.parametrize("broken", [_grant_everything, _ignore_live_standing], ids=["grants all", "no live check"])
def test_the_specification_fails_when_the_rule_is_broken(story, monkeypatch, broken):
    """A check that cannot fail proves nothing: break the rule and the specification must object."""
    if broken is _ignore_live_standing:
        # The lapsed participant keeps a stale grant from before it lapsed; only the live check stops it.
        ParticipantGroupObjectPermission.objects.create(
            content_object=story.partner, group=story.lapsed.group, permission=reciprocity._permission()
        )
    monkeypatch.setattr(reciprocity, "readable_owners", broken)
    monkeypatch.setattr(reciprocity, "_page_owners", broken)
    problems = spec_violations(story)
    assert problems, "the specification did not notice a broken rule"
    assert any(p.startswith("lapsed_") for p in problems)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="rcp_reader_owners is the PostgreSQL read path")
def test_the_specification_fails_when_the_read_paths_sql_standing_is_broken(story, monkeypatch):
    """The live standing check inside the page's query, replaced by "always contributing": with a
    stale grant left from before it lapsed, the lapsed participant would read its partner's records."""
    ParticipantGroupObjectPermission.objects.create(
        content_object=story.partner, group=story.lapsed.group, permission=reciprocity._permission()
    )
    assert spec_violations(story) == []
    monkeypatch.setattr(reciprocity, "_contributing_q", lambda terms: Q())
    # The page asks the database function, compiled from the same statement: rewritten with the
    # broken one, inside this test's transaction (rolled back after it).
    reciprocity._owners_compiled.cache_clear()
    try:
        with connection.cursor() as cursor:
            cursor.execute(reciprocity.reader_owners_function_sql())
        problems = spec_violations(story)
    finally:
        reciprocity._owners_compiled.cache_clear()
    assert problems, "the specification did not notice a broken standing check"
    assert all(p.startswith("lapsed_") for p in problems)


class _KnownToOwnRecords(set):
    """The read path's memory of participants owning records, answering yes for every one: the
    one-query form (owners a sub-query of the page) for every reader."""

    def __contains__(self, item) -> bool:
        return True


class _NeverKnown(set):
    """... answering no for every one and learning nothing: the probed form (`_owns_records`, then
    the page, without an own-records arm for a participant owning none) for every reader."""

    def __contains__(self, item) -> bool:
        return False

    def add(self, item) -> None:
        pass


@pytest.mark.parametrize(
    ("memory", "read_as_a_request_does"),
    [(_KnownToOwnRecords, False), (_NeverKnown, False), (_NeverKnown, True)],
    ids=["one query", "probed", "flag read with the user"],
)
def test_every_form_of_the_read_path_gives_every_actor_what_the_rule_says(
    story, monkeypatch, memory, read_as_a_request_does
):
    """`visible_incidents` writes the same rule in three forms, chosen by what the process knows of
    the reader's participant (owning records, or not: by a probe, or by the flag read with the
    user); each must give every actor exactly the rule's answer, a reader with no records of its
    own (whose page then has no own-records arm) included."""
    monkeypatch.setattr(reciprocity, "_OWNERS_OF_RECORDS", memory())
    newcomer = factories.participant(code="NEW")
    submitted_returns(newcomer, (1, 2, 3))
    reciprocity_sync(trigger="test")
    reader = factories.user(participant=newcomer)
    if read_as_a_request_does:
        reader = User.objects.get(pk=reader.pk)
        assert reader.membership_or_none.participant_owns_records is False
    expected = {"home_shared", "partner_shared", "lapsed_shared", "withholding_shared"}
    by_pk = {r.pk: key for key, r in story.records.items()}
    assert {by_pk[pk] for pk in visible_incidents(reader).values_list("pk", flat=True)} == expected
    assert {key for key, r in story.records.items() if _reads(reader, r)} == expected
    assert spec_violations(story) == []
    policy_create(created_by=None, reason="audit", secretariat_reads_records=True)
    assert spec_violations(story, secretariat_reads_records=True) == []
    # Lapsed by a reopened return: neither form lets the newcomer read anything any more.
    Return.objects.filter(participant=newcomer, month=months_back(1)).update(
        status=Return.Status.OPEN, submitted_at=None
    )
    assert not visible_incidents(reader).exists()


# The sync, the log and the drift check ----------------------------------------------------------


def test_sync_makes_guardian_rows_equal_to_the_policy_and_is_idempotent(story):
    # Owners: the active participants; viewers: the contributing ones; less self and the exclusion.
    owners = (story.home, story.partner, story.lapsed, story.withholding)
    viewers = (story.home, story.partner, story.withholding)
    expected = {(o.pk, v.pk) for o in owners for v in viewers if o != v} - {(story.withholding.pk, story.home.pk)}
    assert reciprocity.current_grants() == expected
    changes = GrantChange.objects.count()
    decisions = StandingDecision.objects.count()
    again = reciprocity_sync(trigger="again")
    assert not again.changed
    assert reciprocity.current_grants() == expected
    assert GrantChange.objects.count() == changes  # nothing changed, nothing logged as a change
    assert StandingDecision.objects.count() == decisions + Participant.objects.count()
    # O(participants²): one row per (owner, viewer) pair, none per record.
    n = Participant.objects.count()
    assert ParticipantGroupObjectPermission.objects.count() <= n * (n - 1)


def test_sync_revokes_and_logs_when_a_participant_is_suspended(story):
    from accounts.services import participant_status_change

    participant_status_change(participant=story.partner, to_status=Participant.Status.SUSPENDED, changed_by=None)
    result = reciprocity_sync(trigger="status")
    assert (story.partner.pk, story.home.pk) in result.revoked
    assert (story.home.pk, story.partner.pk) in result.revoked
    assert not result.granted
    logged = set(
        GrantChange.objects.filter(kind=GrantChange.Kind.REVOKED, trigger="status").values_list("owner", "viewer")
    )
    assert logged == result.revoked
    assert not _reads(story.users["home_analyst"], story.records["partner_shared"])


def test_drift_check_finds_a_hand_made_extra_and_missing_row_and_changes_nothing(story):
    permission = reciprocity._permission()
    ParticipantGroupObjectPermission.objects.filter(content_object=story.partner, group=story.home.group).delete()
    ParticipantGroupObjectPermission.objects.create(
        content_object=story.partner, group=story.lapsed.group, permission=permission
    )
    before = reciprocity.current_grants()
    drift = reciprocity_drift_check()
    assert drift.granted == {(story.partner.pk, story.home.pk)}  # missing
    assert drift.revoked == {(story.partner.pk, story.lapsed.pk)}  # unexpected
    assert reciprocity.current_grants() == before
    kinds = set(GrantChange.objects.filter(trigger="drift check").values_list("kind", "owner", "viewer"))
    assert kinds == {
        (GrantChange.Kind.DRIFT_MISSING, story.partner.pk, story.home.pk),
        (GrantChange.Kind.DRIFT_EXTRA, story.partner.pk, story.lapsed.pk),
    }
    # Even with the stale extra row, the lapsed participant reads nothing: the read path checks live.
    assert not _reads(story.users["lapsed_analyst"], story.records["partner_shared"])
    reciprocity_sync(trigger="repair")
    assert not reciprocity_drift_check().changed


# The read path lapses live ----------------------------------------------------------------------


def test_access_lapses_the_day_the_window_slides_without_a_sync():
    with time_machine.travel(dt.datetime(2026, 3, 10, 9, tzinfo=dt.UTC), tick=False):
        viewer, owner = factories.participant(), factories.participant()
        for month in (dt.date(2025, 12, 1), dt.date(2026, 1, 1), dt.date(2026, 2, 1)):
            factories.return_for(viewer, month, submitted=True)
        record = factories.IncidentFactory(
            participant=owner,
            ret=factories.return_for(owner, dt.date(2026, 1, 1), submitted=True),
            detection_date=dt.date(2026, 1, 12),
        )
        reciprocity_sync(trigger="test")
        analyst = factories.user(participant=viewer)
        assert _reads(analyst, record)
        assert participant_standing(viewer).holds_until == dt.date(2026, 6, 30)
    with time_machine.travel(dt.datetime(2026, 6, 30, 23, 0, tzinfo=dt.UTC), tick=False):
        assert _reads(analyst, record)
    with time_machine.travel(dt.datetime(2026, 7, 1, 0, 5, tzinfo=dt.UTC), tick=False):
        # The guardian row is still there (no sync ran), yet access is gone.
        assert ParticipantGroupObjectPermission.objects.filter(content_object=owner, group=viewer.group).exists()
        assert not _reads(analyst, record)
        assert "2 returns submitted" in participant_standing(viewer).reason
        # Submitting the missing month restores access at once.
        factories.return_for(viewer, dt.date(2026, 3, 1), submitted=True)
        assert _reads(analyst, record)


# Property: the list and the detail always agree, and both follow the rule ------------------------

STATUSES = list(Participant.Status)
LEVELS = list(codes.SharingLevel)
RECORD_STATUSES = list(Incident.Status)


@dataclass
class World:
    participants: list[dict] = field(default_factory=list)
    records: list[dict] = field(default_factory=list)
    exclusions: set[tuple[int, int]] = field(default_factory=set)
    min_returns: int = 3
    window_months: int = 6
    grace_days: int = 90
    secretariat_reads: bool = False


@st.composite
def worlds(draw) -> World:
    n = draw(st.integers(min_value=2, max_value=4))
    window = draw(st.integers(min_value=1, max_value=8))
    world = World(
        min_returns=draw(st.integers(min_value=0, max_value=window)),
        window_months=window,
        grace_days=draw(st.sampled_from([0, 30, 90])),
        secretariat_reads=draw(st.booleans()),
    )
    for _ in range(n):
        world.participants.append(
            {
                "status": draw(st.sampled_from(STATUSES)),
                "joined_days_ago": draw(st.integers(min_value=0, max_value=400)),
                "returns": draw(st.sets(st.integers(min_value=0, max_value=10), max_size=6)),
            }
        )
    for _ in range(draw(st.integers(min_value=0, max_value=8))):
        world.records.append(
            {
                "owner": draw(st.integers(min_value=0, max_value=n - 1)),
                "months_ago": draw(st.integers(min_value=0, max_value=10)),
                "status": draw(st.sampled_from(RECORD_STATUSES)),
                "level": draw(st.sampled_from(LEVELS)),
                "embargo_days": draw(st.one_of(st.none(), st.integers(min_value=-20, max_value=20))),
            }
        )
    pairs = [(o, v) for o in range(n) for v in range(n) if o != v]
    world.exclusions = draw(st.sets(st.sampled_from(pairs), max_size=3)) if pairs else set()
    return world


def _oracle_contributing(p: dict, world: World, today: dt.date) -> bool:
    """The rule in words, independently of reciprocity.py: active, and enough closed months with a
    submitted return in the window, or joined less than grace_days ago."""
    if p["status"] != Participant.Status.ACTIVE:
        return False
    in_window = sum(1 for n in p["returns"] if 1 <= n <= world.window_months)
    return in_window >= world.min_returns or p["joined_days_ago"] < world.grace_days


def _oracle_reads(viewer: int | None, record: dict, world: World, today: dt.date, *, secretariat=False) -> bool:
    owner = record["owner"]
    if viewer == owner:
        return True
    shareable = (
        record["status"] == Incident.Status.VALIDATED
        and record["months_ago"] in world.participants[owner]["returns"]
        and record["level"] == codes.SharingLevel.SHARED
        and (record["embargo_days"] is None or record["embargo_days"] <= 0)
    )
    owner_active = world.participants[owner]["status"] == Participant.Status.ACTIVE
    if secretariat:
        return world.secretariat_reads and owner_active and shareable
    viewer_p = world.participants[viewer]
    return (
        shareable
        and owner_active
        and _oracle_contributing(viewer_p, world, today)
        and (owner, viewer) not in world.exclusions
    )


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(world=worlds())
def test_list_and_detail_always_agree_and_follow_the_rule(world: World):
    today = timezone.localdate()
    with transaction.atomic():
        policy_create(
            created_by=None,
            reason="property",
            min_returns=world.min_returns,
            window_months=world.window_months,
            grace_days=world.grace_days,
            secretariat_reads_records=world.secretariat_reads,
        )
        participants = []
        for spec in world.participants:
            p = factories.participant(
                status=spec["status"],
                joined_on=None
                if spec["status"] == Participant.Status.INVITED
                else today - dt.timedelta(days=spec["joined_days_ago"]),
            )
            submitted_returns(p, sorted(spec["returns"]))
            participants.append(p)
        for o, v in world.exclusions:
            SharingExclusion.objects.create(owner=participants[o], partner=participants[v])
        records = []
        for spec in world.records:
            embargo = spec["embargo_days"]
            records.append(
                incident_for(
                    participants[spec["owner"]],
                    months_ago=spec["months_ago"],
                    submitted_return=spec["months_ago"] in world.participants[spec["owner"]]["returns"],
                    status=spec["status"],
                    sharing_level=spec["level"],
                    embargo_until=None if embargo is None else today + dt.timedelta(days=embargo),
                )
            )
        reciprocity_sync(trigger="property")
        actors = [(i, factories.user(participant=p)) for i, p in enumerate(participants)]
        actors.append((None, factories.user(role=Role.SECRETARIAT)))
        for index, user in actors:
            listed = set(visible_incidents(user).values_list("pk", flat=True))
            for record, spec in zip(records, world.records, strict=True):
                try:
                    incident_get_for(user, record.pk)
                    fetched = True
                except Http404:
                    fetched = False
                assert fetched == (record.pk in listed), "list and detail disagree"
                expected = _oracle_reads(index, spec, world, today, secretariat=index is None)
                assert fetched == expected, (index, spec)
        transaction.set_rollback(True)


# Property: the read path's SQL statement of the standing agrees with standings() -----------------


@st.composite
def standing_worlds(draw) -> dict:
    window = draw(st.integers(min_value=1, max_value=8))
    return {
        "policy": draw(st.sampled_from(["table", "given", "none"])),  # "none": no policy row at all
        "min_returns": draw(st.integers(min_value=0, max_value=window)),
        "window_months": window,
        "grace_days": draw(st.sampled_from([0, 1, 30, 90])),
        "status": draw(st.sampled_from(STATUSES)),
        "joined_days_ago": draw(st.integers(min_value=-5, max_value=400)),  # none if invited
        # months before `on`'s month (-1: the next month) -> hours after the end of `on` it was
        # submitted (negative: before; None: started, not submitted)
        "returns": draw(
            st.dictionaries(
                st.integers(min_value=-1, max_value=12),
                st.one_of(st.none(), st.integers(min_value=-24 * 70, max_value=48)),
                max_size=8,
            )
        ),
        "on_days_from_today": draw(st.integers(min_value=-90, max_value=90)),
    }


@pytest.mark.skipif(connection.vendor != "postgresql", reason="rcp_reader_owners is the PostgreSQL read path")
@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(world=standing_worlds())
def test_the_read_paths_sql_standing_always_agrees_with_standings(world: dict):
    """`standings()` (the pages, the sync), the statement as a condition of another query and the
    database function the page asks (its policy read in PL/pgSQL) come from one statement, by
    three routes; on any world, any day, any policy they must give one answer,
    including at the edges: the cut-off at the end of the day, the window's first and last month,
    the grace period's last day, an empty policy table."""
    today = timezone.localdate()
    on = today + dt.timedelta(days=world["on_days_from_today"])
    end_of_day = reciprocity._end_of_day(on)
    with transaction.atomic():
        policy = None
        if world["policy"] == "none":
            ReciprocityPolicy.objects.all().delete()
        else:
            policy = policy_create(
                created_by=None,
                reason="property",
                min_returns=world["min_returns"],
                window_months=world["window_months"],
                grace_days=world["grace_days"],
            )
        p = factories.participant(status=world["status"])
        if p.joined_on is not None:
            p.joined_on = on - dt.timedelta(days=world["joined_days_ago"])
            p.save(update_fields=["joined_on"])
        for months_ago, hours in world["returns"].items():
            month = reciprocity.month_add(on.replace(day=1), -months_ago)
            if hours is None:
                Return.objects.create(participant=p, month=month)
            else:
                Return.objects.create(
                    participant=p,
                    month=month,
                    status=Return.Status.SUBMITTED,
                    submitted_at=end_of_day + dt.timedelta(hours=hours),
                )
        expected = participant_standing(p, on=on).contributing
        assert _contributing_in_sql(p.pk, on=on) is expected, world
        # The database function the page asks (made from the same fragment): a granted, active owner
        # is among its answer exactly while the viewer is contributing.
        owner = factories.participant()
        ParticipantGroupObjectPermission.objects.create(
            content_object=owner, group=p.group, permission=reciprocity._permission()
        )
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {reciprocity.READER_OWNERS_FUNCTION}(%s, %s, %s, %s)",
                [p.pk, on, on.replace(day=1), end_of_day],
            )
            (owners,) = cursor.fetchone()
        assert (owner.pk in owners) is expected, world
        if policy is not None:
            assert _contributing_in_sql(p.pk, on=on, policy=policy) is expected, world
            # Another policy handed in explicitly is the one asked, not the one in the table.
            strict = ReciprocityPolicy(version=0, min_returns=world["window_months"] + 1, window_months=1, grace_days=0)
            assert _contributing_in_sql(p.pk, on=on, policy=strict) is (
                participant_standing(p, on=on, policy=strict).contributing
            )
        transaction.set_rollback(True)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the flag is kept by PostgreSQL's triggers")
def test_the_database_keeps_whether_a_participant_owns_records():
    """`RecordOwner`: written by the statement that writes a participant's first record, whichever
    way it is written; the flag a user's membership is read with follows it."""

    def owners() -> set[int]:
        return set(RecordOwner.objects.values_list("participant_id", flat=True))

    first, second, third, bystander = (factories.participant() for _ in range(4))
    assert owners() == set()
    reader = factories.user(participant=bystander)
    assert User.objects.get(pk=reader.pk).membership_or_none.participant_owns_records is False
    record = incident_for(first)
    assert owners() == {first.pk}
    # One statement adding the records of two owners marks both, and only them.
    Incident.objects.bulk_create([factories.IncidentFactory.build(participant=p) for p in (second, third)])
    assert owners() == {first.pk, second.pk, third.pk}
    incident_for(bystander)
    assert User.objects.get(pk=reader.pk).membership_or_none.participant_owns_records is True
    # A record moved to another owner (the application never does it) marks the new one.
    newcomer = factories.participant()
    Incident.objects.filter(pk=record.pk).update(
        participant=newcomer, ret=factories.return_for(newcomer, months_back(2))
    )
    assert newcomer.pk in owners()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the flag is kept by PostgreSQL's triggers")
def test_a_reader_owning_no_records_reads_its_page_in_one_query_and_then_its_first_record(
    django_assert_num_queries,
):
    """A user read as a request reads it carries whether its participant owns records: for one
    owning none, the page is one query (no probe), without an own-records arm; the first record
    the user then writes through the service is in its next page at once."""
    viewer, owner = factories.participant(), factories.participant()
    submitted_returns(viewer, (1, 2, 3))
    shared = incident_for(owner)
    reciprocity_sync(trigger="test")
    created = factories.user(participant=viewer, role=Role.CONTRIBUTOR)
    user = User.objects.get(pk=created.pk)
    assert user.participant_id == viewer.pk  # the membership, read with the flag: one query
    with django_assert_num_queries(1):
        assert [r.pk for r in visible_incidents(user)] == [shared.pk]
    draft = incident_create(
        created_by=user,
        participant=user.participant,
        data={"detection_date": months_back(1), "national_reference": "FIRST-1"},
        transits=[],
        breakdowns=[],
        documents=[],
    )
    assert user.membership_or_none.participant_owns_records is False  # as read, before the record
    assert draft.pk in [r.pk for r in visible_incidents(user)]
    # The next request reads the flag set by the database.
    again = User.objects.get(pk=created.pk)
    assert again.membership_or_none.participant_owns_records is True
    assert {r.pk for r in visible_incidents(again)} == {shared.pk, draft.pk}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="rcp_reader_owners is the PostgreSQL read path")
def test_the_read_path_asks_the_standing_inside_the_pages_one_query(django_assert_num_queries):
    """For a reader owning records, no round trip before the page: the standing, the grants, the
    owners' status and exclusions are conditions of the record list's own query."""
    viewer, owner = factories.participant(), factories.participant()
    submitted_returns(viewer, (1, 2, 3))
    record = incident_for(owner)
    incident_for(viewer)
    reciprocity_sync(trigger="test")
    # Nothing cached but the membership, which comes with the user (as the API's token check loads it).
    analyst = User.objects.select_related("membership").get(pk=factories.user(participant=viewer).pk)
    assert record.pk in [r.pk for r in visible_incidents(analyst)]  # the read path learns it owns records
    with django_assert_num_queries(1):
        assert record.pk in [r.pk for r in visible_incidents(analyst)]
    # Lapsed by a reopened return: the same single query now leaves the partner's record out.
    Return.objects.filter(participant=viewer, month=months_back(1)).update(status=Return.Status.OPEN, submitted_at=None)
    with django_assert_num_queries(1):
        assert record.pk not in [r.pk for r in visible_incidents(analyst)]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the PostgreSQL read path")
def test_the_databases_owners_function_is_the_rule_as_written_in_reciprocity():
    """The page asks `rcp_reader_owners`, which every `migrate` writes from reciprocity.py's
    statements (the ones the property test above checks against standings()). When the rule's text
    changes in reciprocity.py, this fails until `migrate` writes the new function
    (reciprocity.reader_owners_function_sql())."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT prosrc, pg_get_function_identity_arguments(oid), provolatile FROM pg_proc WHERE proname = %s",
            [reciprocity.READER_OWNERS_FUNCTION],
        )
        rows = cursor.fetchall()
    assert len(rows) == 1
    body, arguments, volatility = rows[0]
    assert body == reciprocity.reader_owners_function_body()
    assert arguments == "viewer bigint, on_day date, month_start date, end_of_day timestamp with time zone"
    assert volatility == "s"  # STABLE: it reads with the calling page's snapshot


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the PostgreSQL read path")
def test_the_owners_function_answers_as_the_sub_query_on_the_story(story):
    """`rcp_reader_owners` and `readable_owners`' sub-query, for every participant of the story,
    today and on other days (a lapse at a window's edge, a grace period's end)."""
    today = timezone.localdate()
    for on in (today, today - dt.timedelta(days=40), today + dt.timedelta(days=40), today.replace(day=1)):
        for participant in Participant.objects.all():
            user = factories.user(participant=participant)
            expected = frozenset(
                Participant.objects.filter(pk__in=reciprocity.readable_owners(user, on=on)).values_list("pk", flat=True)
            )
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT {reciprocity.READER_OWNERS_FUNCTION}(%s, %s, %s, %s)",
                    [participant.pk, on, on.replace(day=1), reciprocity._end_of_day(on)],
                )
                (answer,) = cursor.fetchone()
            assert frozenset(answer) == expected, (participant.code, on)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the PostgreSQL read path")
def test_a_reader_without_records_is_probed_when_its_query_runs(django_assert_num_queries):
    """A reader owning no records: one probe just before the page asks whether it owns any, when
    the page is read, not when the queryset was built; the rule itself is still the page's."""
    viewer, owner = factories.participant(), factories.participant()
    submitted_returns(viewer, (1, 2, 3))
    record = incident_for(owner)
    reciprocity_sync(trigger="test")
    analyst = User.objects.select_related("membership").get(pk=factories.user(participant=viewer).pk)
    with django_assert_num_queries(2):  # the probe, then the page
        assert [r.pk for r in visible_incidents(analyst)] == [record.pk]
    built = visible_incidents(analyst)
    Return.objects.filter(participant=viewer, month=months_back(1)).update(status=Return.Status.OPEN, submitted_at=None)
    with django_assert_num_queries(2):
        assert list(built) == []  # lapsed: the page's own standing check
    # Its first own record, created after the queryset was built, is listed; from then on its page
    # is one query again.
    built = visible_incidents(analyst)
    own = incident_for(viewer, status=Incident.Status.DRAFT, submitted_return=False, months_ago=0)
    assert [r.pk for r in built] == [own.pk]
    with django_assert_num_queries(1):
        assert [r.pk for r in visible_incidents(analyst)] == [own.pk]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plan")
def test_a_first_page_without_own_records_reads_the_index_of_shared_records():
    """Without an own-records arm (a reader owning no records, the secretariat), the read path's
    condition implies the predicate of the index of shared records' order (migration reporting
    0011); PostgreSQL uses it only if the two stay in step."""
    viewer, owner = factories.participant(), factories.participant()
    submitted_returns(viewer, (1, 2, 3))
    incident_for(owner)
    incident_for(owner, status=Incident.Status.DRAFT, submitted_return=False, months_ago=0)
    reciprocity_sync(trigger="test")
    policy_create(created_by=None, reason="audit", secretariat_reads_records=True)
    for user in (factories.user(participant=viewer), factories.user(role=Role.SECRETARIAT)):
        page = visible_incidents(user).order_by("-detection_date", "-id")[:25]
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_sort = off")
            plan = _plan_with_only(page, "incident_shared_order", cursor)
        assert "incident_shared_order" in plan, plan


def _plan_with_only(page, index: str, cursor) -> str:
    """The page's plan with `index` the only index of the records in the list's order: the others
    are dropped inside the caller's transaction, which is rolled back. The question is whether the
    index can serve the condition, not which index the planner finds cheaper with the statistics
    earlier tests left on a few rows."""
    cursor.execute(
        "SELECT indexname FROM pg_indexes WHERE tablename = 'reporting_incident' "
        "AND indexdef LIKE '%%detection_date DESC, id DESC%%' AND indexname <> %s",
        [index],
    )
    for (name,) in cursor.fetchall():
        cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    plan = page.explain()
    transaction.set_rollback(True)
    return plan


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plan")
def test_a_readers_first_page_lets_the_index_skip_others_unshared_records():
    """The read path's reader-key condition and the index's expressions (reporting.models.reader_key)
    are written apart; PostgreSQL uses the index for the condition only if they match exactly. (For a
    reader owning records: one owning none reads the index of shared records, tested below.)"""
    viewer, owner = factories.participant(), factories.participant()
    submitted_returns(viewer, (1, 2, 3))
    incident_for(owner)
    incident_for(owner, status=Incident.Status.DRAFT, submitted_return=False, months_ago=0)
    incident_for(viewer)
    reciprocity_sync(trigger="test")
    page = visible_incidents(factories.user(participant=viewer)).order_by("-detection_date", "-id")[:25]
    with transaction.atomic(), connection.cursor() as cursor:
        # A handful of rows: make PostgreSQL show the plan it takes at scale.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        plan = _plan_with_only(page, "incident_list_reader_order", cursor)
    assert "incident_list_reader_order" in plan
    assert "Index Cond: ((CASE WHEN" in plan, plan


# Tasks ------------------------------------------------------------------------------------------


def _guardian_rows() -> list[tuple[int, int, int]]:
    rows = ParticipantGroupObjectPermission.objects.values_list("content_object_id", "group_id", "permission_id")
    return sorted(rows)


def test_reciprocity_sync_task_twice_gives_the_same_rows(story):
    ParticipantGroupObjectPermission.objects.all().delete()
    first = reciprocity_sync_task(trigger="task")
    rows = _guardian_rows()
    second = reciprocity_sync_task(trigger="task")
    assert first["granted"] == len(rows) > 0 and first["policy"] == 1
    assert second == {"granted": 0, "revoked": 0, "policy": 1}
    assert _guardian_rows() == rows


def test_reciprocity_drift_check_task_twice_gives_the_same_answer_and_changes_no_grant(story):
    ParticipantGroupObjectPermission.objects.filter(content_object=story.partner, group=story.home.group).delete()
    rows = _guardian_rows()
    assert reciprocity_drift_check_task() == {"missing": 1, "unexpected": 0}
    assert reciprocity_drift_check_task() == {"missing": 1, "unexpected": 0}
    assert _guardian_rows() == rows


@pytest.mark.worker
def test_reciprocity_sync_task_runs_on_a_real_worker(celery_worker):
    # Rows made directly: the services would queue syncs of their own on commit and race this one.
    from django.contrib.auth.models import Group

    joined = timezone.localdate() - dt.timedelta(days=3650)
    viewer, owner = (
        Participant.objects.create(
            code=code,
            name=f"Worker {code}",
            kind=Participant.Kind.STATE,
            region=Participant.Region.PACIFIC,
            country="FJI",
            status=Participant.Status.ACTIVE,
            joined_on=joined,
            group=Group.objects.create(name=f"participant:{code}"),
        )
        for code in ("WKV", "WKO")
    )
    submitted_returns(viewer, (1, 2, 3))
    result = reciprocity_sync_task.delay(trigger="worker").get(timeout=30)
    # The worker process read the committed rows and wrote the grant this process now sees.
    assert result == {"granted": 1, "revoked": 0, "policy": 1}
    assert reciprocity.current_grants() == {(owner.pk, viewer.pk)}
    assert GrantChange.objects.filter(trigger="worker", owner=owner, viewer=viewer).exists()
