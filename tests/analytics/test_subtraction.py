"""Nothing withheld is recovered by subtraction (issue 16, item 3): not from a total shown beside its
cells, not from the published tier set beside a contributor's view, not from two viewers' views."""

import datetime as dt

import pytest
import time_machine
from hypothesis import given, settings
from hypothesis import strategies as st

from accounts.models import Role
from analytics.disclosure import Cell, Limits, protect
from analytics.facts import DashboardFilters
from analytics.selectors import dashboard_get
from analytics.services import facts_rebuild_all
from reporting import codes
from reporting.models import ReciprocityPolicy
from reporting.reciprocity import reciprocity_sync
from tests import factories

pytestmark = pytest.mark.django_db

LIMITS = Limits(enabled=True, min_cell=5, min_contributors=3)
NOW = dt.datetime(2026, 8, 15, 10, tzinfo=dt.UTC)
QUARTER = [dt.date(2026, 4, 1), dt.date(2026, 5, 1), dt.date(2026, 6, 1)]  # 2026 Q2, all closed
PERIOD = DashboardFilters(month_from=dt.date(2026, 1, 1), month_to=dt.date(2026, 6, 1))
CATEGORIES = [codes.ConductCategory.MIGRANT_SMUGGLING, codes.ConductCategory.IRREGULAR_ENTRY]


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def contributing():
    owner = factories.participant()
    for month in [dt.date(2026, m, 1) for m in range(1, 8)]:
        factories.return_for(owner, month, submitted=True, nil=False)
    return owner


def record(owner, month, category, sharing):
    return factories.IncidentFactory(
        participant=owner, detection_date=month + dt.timedelta(days=3), categories=[category], sharing_level=sharing
    )


# A lone withheld cell beside a total it sums ------------------------------------------------------


@st.composite
def groups(draw):
    """Cells of one total: each with a shared part and an aggregate-only part per owner."""
    n = draw(st.integers(2, 6))
    cells, total = {}, Cell()
    for i in range(n):
        cell = Cell()
        for owner in range(draw(st.integers(1, 5))):
            shared = draw(st.integers(0, 12))
            aggregate = draw(st.integers(0, 6))
            cell.add(owner=owner, value=shared, readable=True, protected=False)
            cell.add(owner=owner, value=aggregate, readable=owner == 0, protected=True)
        cells[i] = cell
        total.merge(cell)
    cells["total"] = total
    return cells, list(range(n)), draw(st.booleans())


@given(groups())
@settings(max_examples=300, deadline=None)
def test_no_total_shown_beside_exactly_one_withheld_remainder(drawn):
    cells, members, fixed = drawn
    protect(cells, groups=[("total", members)], limits=LIMITS, fixed=["total"] if fixed else [])
    withheld = [k for k in members if cells[k].suppressed and cells[k].at_risk > 0]
    if not cells["total"].suppressed:
        # total − the figures shown = the withheld remainders: never one of them alone.
        assert (
            len(withheld) != 1 or fixed and not any(not cells[k].suppressed and cells[k].at_risk > 0 for k in members)
        )


# The published tier beside a contributor's view, and two viewers' views -------------------------


@pytest.fixture
def region():
    """Six contributing owners A-F with three shared records a month in each category, and two
    contributing viewers V1, V2 with one shared record a month. Aggregate-only records (the
    remainders) are placed so that a per-viewer rule would leak:

    - migrant smuggling: March B, C, D, E 2 each (passes: the period total's cheapest partner);
      April A 2 (a lone remainder: fails); May B, C, D, E 3 each (passes); June none. Without the
      published quarter as a total beside its months, April would be withheld alone in 2026 Q2;
    - irregular entry, April: V1 5, A 2, B 2. For V2 that remainder (9, from three owners) passes,
      for V1 (4, from two) it does not: a per-viewer rule shows it whole to V2 and withheld to V1.
    """
    owners = [contributing() for _ in range(6)]
    a, b, c, d, e, _f = owners
    viewers = [contributing() for _ in range(2)]
    x, y = CATEGORIES
    months = [dt.date(2026, 3, 1), *QUARTER]
    for owner in owners:
        for month in months:
            for category in CATEGORIES:
                for _ in range(3):
                    record(owner, month, category, codes.SharingLevel.SHARED)
    for viewer in viewers:
        for month in months:
            record(viewer, month, x, codes.SharingLevel.SHARED)
    remainders = [
        (months[0], x, {b: 2, c: 2, d: 2, e: 2}),
        (QUARTER[0], x, {a: 2}),
        (QUARTER[1], x, {b: 3, c: 3, d: 3, e: 3}),
        (QUARTER[0], y, {viewers[0]: 5, a: 2, b: 2}),
    ]
    for month, category, counts in remainders:
        for owner, n in counts.items():
            for _ in range(n):
                record(owner, month, category, codes.SharingLevel.AGGREGATE_ONLY)
    reciprocity_sync(trigger="test")
    facts_rebuild_all()
    return owners, viewers


def series(dashboard):
    chart = next(c for c in dashboard.charts if c.key == "series")
    return chart, {r.label: r for r in chart.rows}


def test_published_quarters_minus_a_contributor_s_months_recover_no_lone_remainder(region):
    _owners, viewers = region
    view = dashboard_get(user=factories.user(role=Role.ANALYST, participant=viewers[1]), filters=PERIOD)
    published = next(c for c in view.charts if c.key == "published")
    chart, months = series(view)
    quarter = next(r for r in published.rows if r.label == "2026 Q2")
    subtracted = any_withheld = 0
    for i, column in enumerate(published.columns):
        if quarter.values[i] is None or quarter.bounds[i]:
            continue
        j = chart.columns.index(column)
        rows = [months[m.strftime("%Y-%m")] for m in QUARTER]
        withheld = [r for r in rows if r.values[j] is None or r.bounds[j]]
        # The attacker's subtraction: published quarter − every month it sees (whole or readable
        # part; the viewer has no aggregate-only or private records of its own to take out).
        recovered = quarter.values[i] - sum(r.values[j] or 0 for r in rows)
        assert recovered >= 0
        assert len(withheld) != 1, f"{column}: {recovered} recovered for {withheld[0].label}"
        if not withheld:
            assert recovered == 0
        subtracted += 1
        any_withheld += bool(withheld)
    assert subtracted, "no published quarter was shown whole: the test compared nothing"
    assert any_withheld, "no month of a published quarter was withheld: the test compared nothing"


def test_two_viewers_views_withhold_the_same_cells_and_agree_where_whole(region):
    """Any cell whole in one contributor's view and withheld in another's would give the second's
    remainder by subtraction (here: irregular entry in April, 9 − 5 = the 4 of A and B)."""
    _owners, viewers = region
    views = [dashboard_get(user=factories.user(role=Role.ANALYST, participant=v), filters=PERIOD) for v in viewers]
    compared = withheld = 0
    for first, second in zip(views[0].charts, views[1].charts, strict=True):
        if first.kind == "coverage":
            continue
        rows = {r.label: r for r in second.rows}
        for row in first.rows:
            other = rows.get(row.label)
            if other is None:
                continue
            for i, value in enumerate(row.values):
                a_withheld = value is None or row.bounds[i]
                b_withheld = other.values[i] is None or other.bounds[i]
                assert a_withheld == b_withheld, f"{first.key} {row.label} {first.columns[i]}"
                if not a_withheld:
                    assert value == other.values[i], f"{first.key} {row.label}: {value} vs {other.values[i]}"
                compared += 1
                withheld += a_withheld
    assert compared and withheld, (compared, withheld)


def test_the_published_tier_and_a_non_contributor_s_own_figures_give_nothing_more(region):
    """Where the published tier is on, a non-contributor's view is its own figures plus the
    published table, which every contributor sees identically."""
    _owners, viewers = region
    current = ReciprocityPolicy.objects.current()
    ReciprocityPolicy.objects.create(version=current.version + 1, non_contributors_see_aggregates=True)
    outsider = factories.participant()
    record(outsider, QUARTER[1], CATEGORIES[0], codes.SharingLevel.SHARED)
    facts_rebuild_all()
    theirs = dashboard_get(user=factories.user(role=Role.ANALYST, participant=outsider), filters=PERIOD)
    ours = dashboard_get(user=factories.user(role=Role.ANALYST, participant=viewers[0]), filters=PERIOD)
    published = [next(c for c in d.charts if c.key == "published") for d in (theirs, ours)]
    assert [(r.values, r.bounds) for r in published[0].rows] == [(r.values, r.bounds) for r in published[1].rows]
    assert all(c.participants <= 1 for c in theirs.charts if c.key not in ("coverage", "published"))
