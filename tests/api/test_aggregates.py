"""GET /api/v1/aggregates/: the dashboards' figures over the API, from the same selectors, under the
same rule and disclosure control; filters checked like any input."""

import datetime as dt

import pytest
from django.urls import reverse

from accounts.models import Role
from analytics.api import AGGREGATE_KEYS
from analytics.facts import DashboardFilters
from analytics.selectors import dashboard_get
from analytics.services import facts_rebuild_all
from reporting import codes
from reporting.reciprocity import reciprocity_sync
from tests import factories
from tests.api.conftest import session_client, token_client

pytestmark = pytest.mark.django_db

MONTH = factories.months_back(2)
FROM, TO = factories.months_back(7), factories.months_back(1)
PERIOD = {"month_from": f"{FROM:%Y-%m}", "month_to": f"{TO:%Y-%m}"}


def contributing():
    owner = factories.participant()
    for n in range(1, 7):
        factories.return_for(owner, factories.months_back(n), submitted=True, nil=False)
    return owner


def record(owner, **fields):
    fields.setdefault("detection_date", MONTH + dt.timedelta(days=2))
    return factories.IncidentFactory(participant=owner, **fields)


@pytest.fixture
def region():
    """A lapsed viewer (aggregates only, under disclosure control) and four contributing owners;
    the fourth's air detections are aggregate-only and alone in their cell."""
    viewer = factories.participant()
    owners = [contributing() for _ in range(4)]
    for owner in owners[:3]:
        for _ in range(6):
            record(owner, modes=[codes.Mode.SEA], migrants_total=20)
        record(owner, modes=[codes.Mode.LAND], migrants_total=5)
    record(owners[3], modes=[codes.Mode.AIR], migrants_total=9, sharing_level=codes.SharingLevel.AGGREGATE_ONLY)
    reciprocity_sync(trigger="test")
    facts_rebuild_all()
    return viewer, owners


def _chart(body: dict, key: str) -> dict:
    return next(a for a in body["aggregates"] if a["key"] == key)


def test_the_keys_are_the_dashboards_charts(region):
    _viewer, owners = region
    analyst = factories.user(role=Role.ANALYST, participant=owners[0])
    dashboard = dashboard_get(user=analyst, filters=DashboardFilters(month_from=FROM, month_to=TO))
    assert tuple(c.key for c in dashboard.charts) == AGGREGATE_KEYS


@pytest.mark.parametrize("auth", ["session", "token"])
def test_the_figures_are_the_dashboards_under_disclosure_control(region, auth):
    viewer, _owners = region
    analyst = factories.user(role=Role.SECRETARIAT)  # reads no record: every figure under disclosure control
    client = session_client(analyst) if auth == "session" else token_client(analyst)
    response = client.get(reverse("api:aggregate-list"), PERIOD)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["tier"] == "secretariat" and body["disclosure_control"] is True
    assert body["filters"]["month_from"] == PERIOD["month_from"]
    expected = dashboard_get(user=analyst, filters=DashboardFilters(month_from=FROM, month_to=TO))
    for chart in expected.charts:
        got = _chart(body, chart.key)
        assert [r["labels"] for r in got["rows"]] == [[str(x) for x in r.labels] for r in chart.rows]
        assert [r["values"] for r in got["rows"]] == [r.values for r in chart.rows]
        assert (got["participants"], got["suppressed"]) == (chart.participants, chart.suppressed)
    # The single owner's air cell is hidden: no figure, a "<5"-style label, counted as suppressed.
    modes = _chart(body, "modes")
    air = next(r for r in modes["rows"] if r["label"] == str(codes.Mode.AIR.label))
    assert air["values"] == [None] and air["labels"] != ["1"]
    assert modes["suppressed"] >= 1
    assert "9" not in [label for r in modes["rows"] for label in r["labels"] if r["label"] == str(codes.Mode.AIR.label)]


def test_a_non_contributor_s_figures_draw_on_its_own_participant_only(region):
    viewer, owners = region
    record(viewer, modes=[codes.Mode.SEA], migrants_total=3)
    facts_rebuild_all()
    body = (
        token_client(factories.user(role=Role.ANALYST, participant=viewer))
        .get(reverse("api:aggregate-list"), PERIOD)
        .json()
    )
    assert body["tier"] == "non_contributor"
    assert "published" not in [a["key"] for a in body["aggregates"]]
    assert {a["participants"] for a in body["aggregates"] if a["key"] != "coverage"} <= {0, 1}
    sea = next(r for r in _chart(body, "modes")["rows"] if r["label"] == str(codes.Mode.SEA.label))
    assert sea["values"] == [1] and sea["bounds"] == [False]  # its own record, not the region's 19


def test_one_aggregate_with_filters_matches_the_list(region):
    viewer, owners = region
    analyst = factories.user(role=Role.ANALYST, participant=owners[0])
    client = token_client(analyst)
    params = {**PERIOD, "mode": "sea", "participant": [owners[0].code, owners[1].code]}
    whole = client.get(reverse("api:aggregate-list"), params).json()
    one = client.get(reverse("api:aggregate-detail", kwargs={"key": "series"}), params)
    assert one.status_code == 200
    assert one.json() == _chart(whole, "series")
    assert sorted(whole["filters"]["participant"]) == sorted([owners[0].code, owners[1].code])
    assert whole["filters"]["mode"] == "sea"


def test_every_bad_filter_is_named_at_once(region):
    viewer, _owners = region
    client = token_client(factories.user(role=Role.ANALYST, participant=viewer))
    response = client.get(
        reverse("api:aggregate-list"),
        {"month_from": "2025-13", "category": "piracy", "participant": ["ZZZ"], "origin": "XXX"},
    )
    assert response.status_code == 400
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"month_from", "category", "participant", "origin"}


def test_a_period_backwards_or_over_ten_years_is_refused(region):
    viewer, _owners = region
    client = token_client(factories.user(role=Role.ANALYST, participant=viewer))
    backwards = client.get(reverse("api:aggregate-list"), {"month_from": "2025-05", "month_to": "2025-01"})
    assert backwards.status_code == 400 and backwards.json()["errors"][0]["field"] == "month_to"
    long = client.get(reverse("api:aggregate-list"), {"month_from": "2000-01", "month_to": "2025-01"})
    assert long.status_code == 400 and long.json()["errors"][0]["field"] == "month_from"


def test_an_unknown_aggregate_is_a_json_404_and_contributors_have_no_dashboards(region):
    viewer, _owners = region
    analyst = token_client(factories.user(role=Role.ANALYST, participant=viewer))
    missing = analyst.get(reverse("api:aggregate-detail", kwargs={"key": "nothing"}))
    assert missing.status_code == 404 and missing.json()["errors"][0]["code"] == "not_found"
    contributor = token_client(factories.user(role=Role.CONTRIBUTOR, participant=viewer))
    assert contributor.get(reverse("api:aggregate-list")).status_code == 403
