"""Contributing pays (issue 16, item 2): a participant that starts contributing never loses a figure.

For every chart and filter, each figure shown to the participant while it does not contribute is
shown once it does, with the same or a fuller figure (its readable part only grows). Checked over
generated worlds (hypothesis) and over the demo data. "Fuller" compares what the table shows: a
whole figure or a lower bound ("at least N") at least as large; a figure of 0 may become withheld
("<5": at least 0 readable). Fee quartiles are not counts: only their n is compared. A row cut from
a top-N list must have been outranked: the list is at least as long as before.
"""

import datetime as dt

import pytest
import time_machine
from django.core.cache import caches
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import Role
from analytics.facts import DashboardFilters
from analytics.selectors import dashboard_get
from analytics.services import facts_rebuild_all
from reporting import codes
from reporting.models import ReciprocityPolicy, Return
from reporting.reciprocity import aggregate_scope, reciprocity_sync
from tests import factories

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 8, 15, 10, tzinfo=dt.UTC)
MONTHS = [dt.date(2026, m, 1) for m in (4, 5, 6)]
PERIOD = DashboardFilters(month_from=dt.date(2026, 1, 1), month_to=dt.date(2026, 7, 1))


def figures(dashboard) -> dict:
    """{chart key: {row label: {(column index, column): (value, bound)}}} of every chart but the
    coverage grid (columns by name: the series has a column per category present)."""
    return {
        c.key: {
            r.label: {
                (i, str(column)): (value, bool(r.bounds and r.bounds[i]))
                for i, (column, value) in enumerate(zip(c.columns, r.values, strict=True))
            }
            for r in c.rows
        }
        for c in dashboard.charts
        if c.key != "coverage"
    }


def assert_no_figure_lost(before, after) -> int:
    """Every figure of `before` is in `after`, the same or fuller. Returns how many were compared."""
    compared = 0
    for key, rows in before.items():
        assert key in after, f"chart {key} lost"
        for label, cells in rows.items():
            if label not in after[key]:
                assert len(after[key]) >= len(rows), f"{key}: {label} cut without being outranked"
                continue
            for (i, column), (value, _bound) in cells.items():
                if value is None or (key == "fees" and i < 3):
                    continue
                # By name: the series and published tables have a column per category present.
                now = next((v for (_j, c), (v, _b) in after[key][label].items() if c == column), 0)
                compared += 1
                if now is None:
                    assert value == 0, f"{key} {label} {column}: {value} became withheld"
                else:
                    assert now >= value, f"{key} {label} {column}: {value} became {now}"
    return compared


def submit_returns(participant) -> None:
    for month in [dt.date(2026, m, 1) for m in range(2, 8)]:
        factories.return_for(participant, month, submitted=True, nil=False)


SHARING = [codes.SharingLevel.SHARED, codes.SharingLevel.AGGREGATE_ONLY, codes.SharingLevel.NATIONAL_ONLY]
CATEGORIES = [codes.ConductCategory.MIGRANT_SMUGGLING, codes.ConductCategory.IRREGULAR_ENTRY]
MODES = [codes.Mode.SEA, codes.Mode.LAND]
COUNTRIES = ["LKA", "IDN", "AUS"]

records = st.lists(
    st.tuples(
        st.integers(0, 2),  # month
        st.sampled_from(CATEGORIES),
        st.sampled_from(MODES),
        st.sampled_from(SHARING),
        st.sampled_from(COUNTRIES),  # origin
        st.integers(1, 6),  # how many such records
    ),
    max_size=6,
)
worlds = st.fixed_dictionaries(
    {
        "owners": st.lists(records, min_size=2, max_size=5),
        "viewer": records,
        "published": st.booleans(),
        "filter": st.sampled_from([{}, {"mode": codes.Mode.SEA}, {"category": CATEGORIES[1]}, {"origin": "LKA"}]),
    }
)


def build(participant, drawn) -> None:
    for month, category, mode, sharing, origin, n in drawn:
        for _ in range(n):
            factories.IncidentFactory(
                participant=participant,
                detection_date=MONTHS[month] + dt.timedelta(days=5),
                categories=[category],
                modes=[mode],
                sharing_level=sharing,
                origin_country=origin,
                destination_country="AUS",
                migrants_total=n,
                dead=n % 2,
            )


def starting_to_contribute_loses_nothing(world) -> int:
    if world["published"]:
        current = ReciprocityPolicy.objects.current()
        ReciprocityPolicy.objects.create(version=current.version + 1, non_contributors_see_aggregates=True)
    owners = []
    for drawn in world["owners"]:
        owner = factories.participant()
        submit_returns(owner)
        build(owner, drawn)
        owners.append(owner)
    viewer = factories.participant()
    build(viewer, world["viewer"])
    analyst = factories.user(role=Role.ANALYST, participant=viewer)
    filters = DashboardFilters(month_from=PERIOD.month_from, month_to=PERIOD.month_to, **world["filter"])
    reciprocity_sync(trigger="test")
    facts_rebuild_all()
    assert aggregate_scope(analyst).tier == "non_contributor"
    before = figures(dashboard_get(user=analyst, filters=filters))
    submit_returns(viewer)
    Return.objects.filter(participant=viewer).update(status=Return.Status.SUBMITTED, submitted_at=NOW)
    reciprocity_sync(trigger="test")
    facts_rebuild_all()
    assert aggregate_scope(analyst).tier == "contributor"
    after = figures(dashboard_get(user=analyst, filters=filters))
    return assert_no_figure_lost(before, after)


@time_machine.travel(NOW, tick=False)
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(world=worlds)
def test_a_participant_that_starts_contributing_never_loses_a_figure(world):
    caches["analytics"].clear()
    with transaction.atomic():
        starting_to_contribute_loses_nothing(world)
        transaction.set_rollback(True)


@time_machine.travel(NOW, tick=False)
def test_the_chosen_world_compares_figures_and_gains_some():
    """A fixed world, so that the property above is known to compare something: the viewer's own
    sea detections, then the region's."""
    world = {
        "owners": [[(0, CATEGORIES[0], MODES[0], SHARING[0], "LKA", 3)]] * 3
        + [[(1, CATEGORIES[0], MODES[0], SHARING[1], "IDN", 2)]],
        "viewer": [(0, CATEGORIES[0], MODES[0], SHARING[2], "LKA", 2)],
        "published": True,
        "filter": {},
    }
    assert starting_to_contribute_loses_nothing(world) > 20
