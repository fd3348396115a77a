"""The dashboards within the rule: disclosure control, differencing, and the lapsed participant."""

import datetime as dt

import pytest
from django.urls import reverse

from accounts.models import Role
from analytics.disclosure import Cell, Limits, protect
from analytics.facts import DashboardFilters
from analytics.selectors import dashboard_get, drill_incidents
from analytics.services import facts_rebuild_all
from reporting import codes
from reporting.models import IncidentTransit
from reporting.reciprocity import reciprocity_sync
from tests import factories

pytestmark = pytest.mark.django_db

MONTH = factories.months_back(2)
PERIOD = DashboardFilters(month_from=factories.months_back(7), month_to=factories.months_back(1))
LIMITS = Limits(enabled=True, min_cell=5, min_contributors=3)


def contributing(**kwargs):
    """An active participant with submitted returns for the last six closed months."""
    owner = factories.participant(**kwargs)
    for n in range(1, 7):
        factories.return_for(owner, factories.months_back(n), submitted=True, nil=False)
    return owner


def lapsed():
    return factories.participant()  # active, joined ten years ago, no returns: not contributing


def record(owner, **fields):
    fields.setdefault("detection_date", MONTH + dt.timedelta(days=2))
    return factories.IncidentFactory(participant=owner, **fields)


def chart(dashboard, key):
    return next(c for c in dashboard.charts if c.key == key)


def mode_value(dashboard, mode_label):
    row = next((r for r in chart(dashboard, "modes").rows if r.label == str(mode_label)), None)
    return None if row is None else row.values[0]


def test_primary_and_secondary_suppression_leave_nothing_to_subtract():
    cells = {
        "a": Cell(value=3, hidden=3, hidden_owners={1, 2, 3}, owners={1, 2, 3}),
        "b": Cell(value=40, hidden=40, hidden_owners={1, 2, 3}, owners={1, 2, 3}),
        "c": Cell(value=60, hidden=60, hidden_owners={1, 2, 3}, owners={1, 2, 3}),
        "total": Cell(value=103, hidden=103, hidden_owners={1, 2, 3}, owners={1, 2, 3}),
    }
    suppressed = protect(cells, groups=[("total", ["a", "b", "c"])], limits=LIMITS)
    assert cells["a"].suppressed and cells["b"].suppressed  # b is the partner: total - c = a + b only
    assert not cells["c"].suppressed and not cells["total"].suppressed
    assert suppressed == 2


def test_a_cell_readable_record_by_record_is_never_suppressed():
    cells = {"a": Cell(value=1, hidden=0, owners={7})}
    assert protect(cells, limits=LIMITS) == 0


def test_few_other_participants_hide_a_total_even_when_large():
    cells = {"total": Cell(value=500, hidden=500, hidden_owners={1, 2}, owners={1, 2})}
    assert protect(cells, limits=LIMITS) == 1


@pytest.fixture
def region():
    """A lapsed viewer and four contributing owners: three share by default, one aggregate-only."""
    viewer = lapsed()
    owners = [contributing() for _ in range(4)]
    for owner in owners[:3]:
        for _ in range(6):
            record(owner, modes=[codes.Mode.SEA], migrants_total=20)
        record(owner, modes=[codes.Mode.LAND], migrants_total=5)
    # The fourth owner's air detections are the only ones in the region: a cell of its own.
    record(owners[3], modes=[codes.Mode.AIR], migrants_total=9, sharing_level=codes.SharingLevel.AGGREGATE_ONLY)
    record(owners[3], modes=[codes.Mode.SEA], migrants_total=9, sharing_level=codes.SharingLevel.AGGREGATE_ONLY)
    record(owners[3], modes=[codes.Mode.SEA], migrants_total=9, sharing_level=codes.SharingLevel.NATIONAL_ONLY)
    reciprocity_sync(trigger="test")
    facts_rebuild_all()
    return viewer, owners


def test_lapsed_analyst_sees_no_record_level_data_of_others_anywhere(client, region):
    viewer, owners = region
    analyst = factories.user(role=Role.ANALYST, participant=viewer)
    assert not drill_incidents(user=analyst, filters=PERIOD).exists()
    client.force_login(analyst)
    page = client.get(reverse("analytics:records"), {"from": PERIOD.month_from.strftime("%Y-%m")})
    assert page.status_code == 200 and page.context["page"].paginator.count == 0
    dashboard = client.get(reverse("analytics:dashboard")).content.decode()
    result = dashboard_get(user=analyst, filters=PERIOD)
    exports = [
        client.get(reverse("analytics:chart-export", args=[c.key, "csv"])).content.decode() for c in result.charts
    ]
    # Every figure's drill-down lists nothing of others; no page, export, list or detail shows a record.
    for c in result.charts:
        for row in c.rows:
            if row.drill:
                assert client.get(reverse("analytics:records"), row.drill).context["page"].paginator.count == 0
    listing = client.get(reverse("reporting:incident-list")).content.decode()
    api_listing = client.get("/api/v1/incidents/").content.decode()
    for owner in owners:
        for incident in owner.incidents.all():
            for text in (dashboard, listing, api_listing, *exports):
                assert incident.national_reference not in text
            assert client.get(reverse("reporting:incident-detail", args=[incident.pk])).status_code == 404
            assert client.get(f"/api/v1/incidents/{incident.pk}/").status_code == 404
    # Under the initial policy its charts draw on its own participant only (here: nothing), and it
    # gets no published tier.
    assert result.scope.tier == "non_contributor"
    assert all(c.participants == 0 for c in result.charts if c.key != "coverage")
    assert "published" not in {c.key for c in result.charts}
    assert mode_value(result, codes.Mode.SEA.label) in (None, 0)


def test_aggregate_only_and_national_only_records_are_never_listed_to_others(region):
    viewer, owners = region
    analyst = factories.user(role=Role.ANALYST, participant=owners[0])
    listed = drill_incidents(user=analyst, filters=PERIOD)
    assert listed.count() == 3 * 7
    assert not listed.filter(participant=owners[3]).exists()
    # In the sums the aggregate-only sea record is there (19 = 18 shared + 1); national-only is not.
    # Its remainder (one record of one owner) fails disclosure control, so the cell shows what the
    # viewer can count itself, as a lower bound: "at least 18".
    result = dashboard_get(user=analyst, filters=PERIOD)
    sea = next(r for r in chart(result, "modes").rows if r.label == str(codes.Mode.SEA.label))
    assert (sea.values, sea.bounds, sea.labels) == ([18], [True], ["at least 18"])


def test_two_participant_filtered_views_reveal_no_hidden_cell_by_subtraction(region):
    """The chosen case: all owners vs all but the aggregate-only one, seen by a contributor. The
    difference of any cell shown in both is that owner's hidden figure, so it must be withheld in
    one of the views (both then show the same readable part)."""
    viewer, owners = region
    analyst = factories.user(role=Role.ANALYST, participant=owners[0])
    everyone = dashboard_get(user=analyst, filters=PERIOD)
    without = DashboardFilters(
        month_from=PERIOD.month_from, month_to=PERIOD.month_to, participant_ids=frozenset(o.pk for o in owners[:3])
    )
    narrowed = dashboard_get(user=analyst, filters=without)
    compared = 0
    for wide, narrow in zip(everyone.charts, narrowed.charts, strict=True):
        if wide.kind in ("coverage", "sankey"):
            continue
        wide_rows = {r.label: r.values for r in wide.rows}
        for row in narrow.rows:
            for a, b in zip(wide_rows.get(row.label, []), row.values, strict=False):
                if a is not None and b is not None:
                    compared += 1
                    assert a == b, f"{wide.key} {row.label}: {a} - {b} reveals a hidden figure"
    assert compared > 0


def test_contributor_reads_figures_of_shared_records_without_suppression():
    viewer = contributing()
    owners = [contributing() for _ in range(3)]
    for owner in owners:
        record(owner, modes=[codes.Mode.AIR], migrants_total=2)
    reciprocity_sync(trigger="test")
    facts_rebuild_all()
    analyst = factories.user(role=Role.ANALYST, participant=viewer)
    result = dashboard_get(user=analyst, filters=PERIOD)
    assert mode_value(result, codes.Mode.AIR.label) == 3  # readable one by one: no "<5"
    assert drill_incidents(user=analyst, filters=PERIOD).count() == 3


def test_dashboard_permissions_and_exports(client, region):
    viewer, owners = region
    url = reverse("analytics:dashboard")
    assert client.get(url).status_code == 302  # anonymous: to the login page
    client.force_login(factories.user(role=Role.CONTRIBUTOR, participant=viewer))
    assert client.get(url).status_code == 403
    client.force_login(factories.user(role=Role.ANALYST, participant=viewer))
    assert client.get(url).status_code == 200
    # The secretariat reads no record: every figure of others is under disclosure control.
    client.force_login(factories.user(role=Role.SECRETARIAT))
    csv = client.get(reverse("analytics:chart-export", args=["modes", "csv"]))
    assert csv.status_code == 200 and (b"hidden" in csv.content or b"<5" in csv.content)
    assert b"Data as of" in csv.content and b"cells suppressed" in csv.content
    xlsx = client.get(reverse("analytics:chart-export", args=["modes", "xlsx"]))
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert client.get(reverse("analytics:chart-export", args=["nope", "csv"])).status_code == 404
    assert client.get(reverse("analytics:chart-export", args=["modes", "pdf"])).status_code == 404


def test_bad_filters_are_all_reported_at_once(client, region):
    viewer, _owners = region
    client.force_login(factories.user(role=Role.ANALYST, participant=viewer))
    page = client.get(reverse("analytics:dashboard"), {"from": "2025-13", "mode": "rocket", "to": "x"})
    assert page.status_code == 200
    errors = page.context["form"].errors
    assert {"month_from", "month_to", "mode"} <= set(errors)


def test_cached_figures_follow_the_viewer_and_the_facts(region):
    """The cache is shared by viewers of one scope only, and a rebuild is seen at once."""
    from django.core.cache import caches

    from analytics.services import facts_rebuild

    viewer, owners = region
    caches["analytics"].clear()
    lapsed_analyst = factories.user(role=Role.ANALYST, participant=viewer)
    reader = factories.user(role=Role.ANALYST, participant=owners[0])
    assert mode_value(dashboard_get(user=lapsed_analyst, filters=PERIOD), codes.Mode.AIR.label) is None
    # Same facts, another scope: the contributing owner's figures are its own, not the lapsed view's.
    seen = dashboard_get(user=reader, filters=PERIOD)
    assert mode_value(seen, codes.Mode.AIR.label) is None  # one other owner's aggregate-only record
    assert mode_value(seen, codes.Mode.LAND.label) == 3  # own and two shared: readable, not suppressed
    new = record(owners[0], modes=[codes.Mode.LAND], migrants_total=1)
    facts_rebuild(return_id=new.ret_id)
    assert mode_value(dashboard_get(user=reader, filters=PERIOD), codes.Mode.LAND.label) == 4


def test_a_dashboard_served_from_the_cache_pins_its_queries(region, django_assert_max_num_queries):
    _viewer, owners = region
    reader = factories.user(role=Role.ANALYST, participant=owners[0])
    dashboard_get(user=reader, filters=PERIOD)
    with django_assert_max_num_queries(12):
        dashboard_get(user=reader, filters=PERIOD)


def test_every_chart_row_drills_down_to_readable_records_only(client, region):
    """A clicked role, abuse, citizenship, document or route lists the records behind it that the
    viewer may read, never another owner's aggregate-only record."""
    _viewer, owners = region
    hidden = record(
        owners[3],
        modes=[codes.Mode.SEA],
        smuggler_roles=[codes.SmugglerRole.ORGANISER],
        sharing_level=codes.SharingLevel.AGGREGATE_ONLY,
    )
    shown = record(owners[1], smuggler_roles=[codes.SmugglerRole.ORGANISER], narrative="Crossing by night on foot.")
    facts_rebuild_all()
    analyst = factories.user(role=Role.ANALYST, participant=owners[0])
    client.force_login(analyst)
    url = reverse("analytics:records")
    page = client.get(url, {"role": codes.SmugglerRole.ORGANISER})
    listed = {r.pk for r in page.context["page"].object_list}
    assert shown.pk in listed and hidden.pk not in listed
    assert all(codes.SmugglerRole.ORGANISER in r.smuggler_roles for r in page.context["page"].object_list)
    assert client.get(url, {"q": "by night"}).context["page"].paginator.count == 1
    # Every row of every chart but the coverage grid and totals carries a drill-down.
    result = dashboard_get(user=analyst, filters=PERIOD)
    for c in result.charts:
        if c.kind == "coverage":
            continue
        for row in c.rows:
            if not row.is_total and "Unknown" not in row.label:
                assert row.drill, f"{c.key}: {row.label} has no drill-down"
                assert client.get(url, row.drill).status_code == 200
    assert client.get(url, {"role": "pirate"}).context["drill"].errors


def test_series_gives_quarter_on_quarter_and_year_on_year_change_of_the_last_full_quarter():
    viewer = contributing()
    for day, n in ((dt.date(2025, 5, 10), 8), (dt.date(2026, 2, 10), 2), (dt.date(2026, 5, 10), 4)):
        for _ in range(n):
            record(viewer, detection_date=day, categories=[codes.ConductCategory.MIGRANT_SMUGGLING])
    # July 2026 alone is no full quarter: the last full one is 2026 Q2.
    record(viewer, detection_date=dt.date(2026, 7, 10), categories=[codes.ConductCategory.MIGRANT_SMUGGLING])
    facts_rebuild_all()
    analyst = factories.user(role=Role.ANALYST, participant=viewer)
    period = DashboardFilters(month_from=dt.date(2025, 1, 1), month_to=dt.date(2026, 7, 1))
    change = chart(dashboard_get(user=analyst, filters=period), "series").extra["change"]
    smuggling = next(c for c in change if c["category"] == codes.ConductCategory.MIGRANT_SMUGGLING.label)
    assert smuggling["quarter"] == "2026 Q2"
    assert (smuggling["value"], smuggling["qoq"], smuggling["yoy"]) == (4, 100.0, -50.0)


def test_harm_counts_dead_and_missing_by_mode_and_by_route():
    viewer = contributing()
    record(viewer, modes=[codes.Mode.SEA], dead=2, missing=3, origin_country="LKA", destination_country="AUS")
    record(
        viewer,
        modes=[codes.Mode.SEA, codes.Mode.LAND],
        dead=1,
        missing=0,
        origin_country="LKA",
        destination_country="AUS",
    )
    facts_rebuild_all()
    analyst = factories.user(role=Role.ANALYST, participant=viewer)
    rows = {r.label: r.values for r in chart(dashboard_get(user=analyst, filters=PERIOD), "harm").rows}
    assert rows[f"Mode: {codes.Mode.SEA.label}"] == [3, 3]
    assert rows[f"Mode: {codes.Mode.LAND.label}"] == [1, 0]
    assert rows["Sri Lanka → Australia"] == [3, 3]


def test_harm_ranks_routes_by_dead_and_missing_together_and_leaves_out_routes_without_either():
    viewer = contributing()
    record(viewer, modes=[codes.Mode.SEA], dead=0, missing=9, origin_country="MMR", destination_country="MYS")
    record(viewer, modes=[codes.Mode.SEA], dead=2, missing=0, origin_country="LKA", destination_country="AUS")
    record(viewer, modes=[codes.Mode.LAND], dead=0, missing=0, origin_country="AFG", destination_country="IRN")
    facts_rebuild_all()
    analyst = factories.user(role=Role.ANALYST, participant=viewer)
    routes = [r.label for r in chart(dashboard_get(user=analyst, filters=PERIOD), "harm").rows if "→" in r.label]
    assert routes == ["Myanmar → Malaysia", "Sri Lanka → Australia"]  # missing count too; no empty route


def test_fees_give_median_quartiles_and_n_by_route_and_mode():
    viewer = contributing()
    for fee in (100, 200, 300, 404, 1000):
        record(viewer, modes=[codes.Mode.SEA], fee_usd=fee, origin_country="LKA", destination_country="AUS")
    facts_rebuild_all()
    analyst = factories.user(role=Role.ANALYST, participant=viewer)
    rows = {r.label: r.values for r in chart(dashboard_get(user=analyst, filters=PERIOD), "fees").rows}
    assert rows["Sri Lanka → Australia"] == [200, 300, 400, 5]  # Q1, median, Q3 (to 10 USD), n
    assert rows[f"Mode: {codes.Mode.SEA.label}"] == [200, 300, 400, 5]


def test_rows_hidden_by_disclosure_control_come_last_in_code_order():
    """Sorting by a hidden figure, or cutting a top ten by it, would tell something about it."""
    lapsed()  # a non-contributor in the region changes nothing for the secretariat
    owners = [contributing() for _ in range(3)]
    for owner in owners[:2]:  # 40 air detections from two owners only: hidden however large
        for _ in range(20):
            record(owner, modes=[codes.Mode.AIR])
    for owner in owners:  # 30 sea detections from three owners: shown; 9 land: the air cell's partner
        for _ in range(10):
            record(owner, modes=[codes.Mode.SEA])
        for _ in range(3):
            record(owner, modes=[codes.Mode.LAND])
    reciprocity_sync(trigger="test")
    facts_rebuild_all()
    analyst = factories.user(role=Role.SECRETARIAT)  # reads no record: everything under disclosure control
    rows = [r for r in chart(dashboard_get(user=analyst, filters=PERIOD), "modes").rows if not r.is_total]
    shown = [(r.label, r.values[0]) for r in rows]
    assert shown == [(codes.Mode.SEA.label, 30), (codes.Mode.AIR.label, None), (codes.Mode.LAND.label, None)]


def listed(client, drill: dict) -> int:
    """How many records the drill-down page lists for these parameters (the period's, by default)."""
    page = client.get(reverse("analytics:records"), {"from": PERIOD.month_from.strftime("%Y-%m"), **drill})
    assert page.status_code == 200 and not page.context["drill"].errors, page.context["drill"].errors
    return page.context["page"].paginator.count


def test_every_route_flow_drills_down_to_exactly_the_records_of_its_figure(client):
    """A direct origin → destination link counts the records with no transit country: its list must
    not hold the records that went through one (they are in the origin → transit link); an unknown
    origin is a link of its own, not every origin."""
    viewer = contributing()
    direct = [record(viewer, origin_country="LKA", destination_country="AUS") for _ in range(3)]
    via = [record(viewer, origin_country="LKA", destination_country="AUS") for _ in range(2)]
    for n, r in enumerate(via):
        IncidentTransit.objects.create(incident=r, sequence=1, country="IDN")
        if n:
            IncidentTransit.objects.create(incident=r, sequence=2, country="MYS")  # counted by its first transit
    record(viewer, origin_country="", destination_country="AUS")
    record(viewer, origin_country="AFG", destination_country="")
    facts_rebuild_all()
    analyst = factories.user(role=Role.ANALYST, participant=viewer)
    client.force_login(analyst)
    sankey = chart(dashboard_get(user=analyst, filters=PERIOD), "routes")
    figures = {r.label: r.values[0] for r in sankey.rows}
    assert figures["Sri Lanka (origin) → Australia (destination)"] == len(direct)
    assert figures["Sri Lanka (origin) → Indonesia (transit)"] == len(via)
    assert figures["Unknown (origin) → Australia (destination)"] == 1
    for row in sankey.rows:
        assert listed(client, row.drill) == row.values[0], (row.label, row.drill)
    link = next(r for r in sankey.rows if r.label == "Sri Lanka (origin) → Australia (destination)")
    page = client.get(reverse("analytics:records"), {"from": PERIOD.month_from.strftime("%Y-%m"), **link.drill})
    assert {r.pk for r in page.context["page"].object_list} == {r.pk for r in direct}


def test_dead_missing_and_abuses_by_mode_and_route_with_their_records(client):
    viewer = contributing()
    record(viewer, modes=[codes.Mode.SEA], dead=2, missing=1, abuses=["violence", "kidnapping_extortion"])
    record(viewer, modes=[codes.Mode.SEA, codes.Mode.LAND], abuses=["violence"])
    record(viewer, modes=[codes.Mode.AIR], origin_country="AFG", destination_country="NZL")
    record(viewer, modes=[codes.Mode.LAND], origin_country="", abuses=["possible_trafficking"])
    facts_rebuild_all()
    analyst = factories.user(role=Role.ANALYST, participant=viewer)
    result = dashboard_get(user=analyst, filters=PERIOD)
    abuse = chart(result, "abuse-routes")
    columns = abuse.extra["codes"]
    assert columns[0] == "any" and set(columns[1:]) == set(codes.Abuse.values)
    rows = {r.label: dict(zip(columns, r.values, strict=True)) for r in abuse.rows}
    sea, land = rows[f"Mode: {codes.Mode.SEA.label}"], rows[f"Mode: {codes.Mode.LAND.label}"]
    assert (sea["any"], sea["violence"], sea["kidnapping_extortion"], sea["possible_trafficking"]) == (2, 2, 1, 0)
    assert (land["any"], land["violence"], land["possible_trafficking"]) == (2, 1, 1)
    lka = rows["Sri Lanka → Australia"]
    assert (lka["any"], lka["violence"], lka["kidnapping_extortion"]) == (2, 2, 1)
    assert "Afghanistan → New Zealand" not in rows  # nothing reported on that route: no empty row
    assert rows["Unknown → Australia"]["any"] == 1
    harm = {r.label: r.values for r in chart(result, "harm").rows}
    assert harm[f"Mode: {codes.Mode.SEA.label}"] == [2, 1]
    # Each cell's drill-down (the row's parameters and the column's abuse) lists its records.
    client.force_login(analyst)
    for row in abuse.rows:
        for code, value in zip(columns, row.values, strict=True):
            assert listed(client, {**row.drill, "abuse": code}) == value, (row.label, code)


def test_abuses_by_mode_and_route_under_disclosure_control(region):
    """The secretariat sees others' abuse counts only as aggregates: one owner's cell is hidden."""
    viewer, owners = region
    for owner in owners[:3]:
        for _ in range(3):
            record(owner, modes=[codes.Mode.SEA], abuses=["violence"])
    record(owners[3], modes=[codes.Mode.AIR], abuses=["violence"], sharing_level=codes.SharingLevel.AGGREGATE_ONLY)
    facts_rebuild_all()
    analyst = factories.user(role=Role.SECRETARIAT)
    abuse = chart(dashboard_get(user=analyst, filters=PERIOD), "abuse-routes")
    rows = {r.label: dict(zip(abuse.extra["codes"], r.values, strict=True)) for r in abuse.rows}
    assert rows[f"Mode: {codes.Mode.SEA.label}"]["violence"] == 9  # three owners, nine detections
    assert rows[f"Mode: {codes.Mode.AIR.label}"]["violence"] is None  # one owner's: hidden
    assert abuse.suppressed >= 1
