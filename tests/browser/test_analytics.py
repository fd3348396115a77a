"""The regional dashboards in real Chromium at 1366×768 with the demo data: every chart drawn, nothing
wider than the window, a click drills down to readable records, filters stay in the URL, exports
download, print shows the tables. Screenshots of each dashboard go to docs/screenshots/analytics-*.png."""

import os
import re

import pytest
from playwright.sync_api import expect

from analytics.services import facts_rebuild_all
from reporting.demo import demo_seed
from reporting.models import ReciprocityPolicy
from tests.browser import SHOTS, signed_in

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHARTS = [
    "coverage",
    "series",
    "published",
    "modes",
    "contexts",
    "people-migrant",
    "people-smuggler",
    "routes",
    "map",
    "fees",
    "documents",
    "roles",
    "harm",
    "abuse-routes",
    "abuses",
]

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def demo():
    ReciprocityPolicy.objects.get_or_create(version=1)
    result = demo_seed(incidents=3000)
    facts_rebuild_all()
    return {(c.participant, c.role): c for c in result.credentials}


def signed_in_as(browser, live_server, credential):
    """A demo user's page; any script error, console error or failed request is kept in page.errors."""
    return signed_in(browser, live_server, credential.username, credential.password, strict=True, accept_downloads=True)


def drawn(page, key: str) -> bool:
    """The chart's canvas holds something other than blank pixels."""
    return page.evaluate(
        """key => {
            const canvas = document.querySelector(`[data-chart="${key}"] canvas`);
            if (!canvas) return false;
            const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
            for (let i = 3; i < data.length; i += 4 * 97) if (data[i] !== 0) return true;
            return false;
        }""",
        key,
    )


def test_every_dashboard_draws_readably_and_drills_down(browser, live_server, demo):
    analyst = demo[("AUS", "analyst")]
    page = signed_in_as(browser, live_server, analyst)
    page.goto(f"{live_server.url}/analytics/")
    page.wait_for_load_state("load")
    expect(page.locator(".dash-head")).to_contain_text("Data as of")
    # Nothing wider than the window at 1366 px (no sideways scrolling but inside the table boxes).
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "analytics-top.png"))
    for key in CHARTS:
        card = page.locator(f"#chart-{key}")
        card.scroll_into_view_if_needed()
        expect(card.locator(".chart-meta")).to_contain_text("participant")
        expect(card.locator(".chart-meta")).to_contain_text("suppressed")
        if key != "coverage":
            page.wait_for_function(
                """key => { const c = document.querySelector(`[data-chart="${key}"] canvas`);
                            return c && c.width > 0; }""",
                arg=key,
            )
            page.wait_for_timeout(300 if key == "map" else 50)  # the map draws after its world file loads
            assert drawn(page, key), f"chart {key} is blank"
            box = card.locator(f'[data-chart="{key}"]').bounding_box()
            assert box["width"] <= 1366 and box["height"] >= 200, (key, box)
        card.screenshot(path=str(SHOTS / f"analytics-{key}.png"))
    assert not page.errors, page.errors

    # The map shows transit counts on request.
    page.locator(".map-roles button[data-role=transit]").click()
    expect(page.locator(".map-roles button[data-role=transit]")).to_have_class(re.compile("on"))

    # Filters live in the URL: a shared link reproduces the view.
    page.select_option("#id_mode", "sea")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(re.compile(r"mode=sea"))
    expect(page.locator("#id_mode")).to_have_value("sea")
    shared = page.url
    other = signed_in_as(browser, live_server, analyst)
    other.goto(shared)
    expect(other.locator("#id_mode")).to_have_value("sea")

    # A click on the first bar of the modes chart opens the records behind it.
    page.goto(f"{live_server.url}/analytics/")
    page.wait_for_load_state("load")
    chart = page.locator('[data-chart="modes"]')
    chart.scroll_into_view_if_needed()
    box = chart.bounding_box()
    # Where ECharts drew the middle of the last (top) bar, in page pixels.
    x, y = page.evaluate(
        """() => { const el = document.querySelector('[data-chart="modes"]');
                   const chart = echarts.getInstanceByDom(el);
                   const data = chart.getOption().series[0].data;
                   const i = data.length - 1;
                   return chart.convertToPixel({seriesIndex: 0}, [data[i] / 2, i]); }"""
    )
    page.mouse.click(box["x"] + x, box["y"] + y)
    page.wait_for_url(re.compile(r"/analytics/records/"))
    assert "/analytics/records/" in page.url and "mode=" in page.url, page.url
    expect(page.locator("h1")).to_contain_text("Records behind the dashboards")
    assert page.locator("table.records tbody tr").count() > 1
    page.screenshot(path=str(SHOTS / "analytics-records.png"))

    # Each chart exports to CSV and XLSX.
    page.goto(f"{live_server.url}/analytics/")
    with page.expect_download() as download:
        page.locator("#chart-fees .chart-meta a", has_text="CSV").click()
    assert download.value.suggested_filename.endswith(".csv")
    with page.expect_download() as download:
        page.locator("#chart-fees .chart-meta a", has_text="XLSX").click()
    assert download.value.suggested_filename.endswith(".xlsx")

    # Print: the filters and links go, the tables behind the charts show.
    page.emulate_media(media="print")
    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")  # what printing fires
    assert not page.locator("form.dash-filters").is_visible()
    assert page.locator("#chart-fees details.chart-table table").first.is_visible()
    page.emulate_media(media="screen")


def charts_checked(page, keys, prefix: str) -> list[str]:
    """Scroll to each chart card, check it is drawn (or says there is nothing) and fits the window,
    screenshot it; return the keys drawn."""
    drawn_keys = []
    for key in keys:
        card = page.locator(f"#chart-{key}")
        card.scroll_into_view_if_needed()
        if key != "coverage" and card.locator(f'[data-chart="{key}"]').count():
            page.wait_for_function(
                """key => { const c = document.querySelector(`[data-chart="${key}"] canvas`);
                            return c && c.width > 0; }""",
                arg=key,
            )
            page.wait_for_timeout(300 if key == "map" else 50)
            assert drawn(page, key), f"chart {key} is blank"
            drawn_keys.append(key)
        box = card.bounding_box()
        assert box["x"] + box["width"] <= 1366, (key, box)
        card.screenshot(path=str(SHOTS / f"{prefix}-{key}.png"))
    return drawn_keys


def test_contributing_and_non_contributing_analysts_see_their_tiers(browser, live_server, demo):
    """The contributor: headline figures, contents, the published tier, lower bounds drawn hatched
    with their legend, the coverage grid inside its card. The lapsed analyst: its own data only,
    what contributing would open, no published tier."""
    page = signed_in_as(browser, live_server, demo[("AUS", "analyst")])
    page.goto(f"{live_server.url}/analytics/")
    page.wait_for_load_state("load")
    # Five figures, and two for the demo's linked ventures: counted once, and how many are linked.
    expect(page.locator("#chart-headline .headline-figures li")).to_have_count(7)
    expect(page.locator("#chart-headline")).to_contain_text("a linked venture counted once")
    expect(page.locator(".dash-toc")).to_contain_text("Routes and fees")
    expect(page.locator(".legend-bound")).to_contain_text("at least")
    assert page.locator("#tier-note").count() == 0
    # The coverage grid fits its card: no column cut off at 1366 px.
    widths = page.evaluate(
        """() => { const t = document.querySelector('#chart-coverage table');
                   return [t.scrollWidth, t.closest('.table-scroll').clientWidth]; }"""
    )
    assert widths[0] <= widths[1], widths
    page.screenshot(path=str(SHOTS / "analytics-contributor-top.png"))
    assert "published" in charts_checked(page, CHARTS, "analytics-contributor")
    # Lower bounds are drawn: the series chart marks some points as "at least".
    bounds = page.evaluate(
        """() => JSON.parse(document.getElementById('dashboard-data').textContent)
                 .reduce((n, c) => n + c.rows.reduce((m, r) => m + (r.bounds || []).filter(Boolean).length, 0), 0)"""
    )
    assert bounds > 0
    assert not page.errors, page.errors
    # The same page in French and Arabic (right to left): nothing wider than the window.
    for language in ("fr", "ar"):
        with page.expect_navigation():
            page.select_option("#langswitch", language)
        page.goto(f"{live_server.url}/analytics/")
        page.wait_for_load_state("load")
        assert page.evaluate("document.documentElement.lang") == language
        assert page.evaluate("document.documentElement.scrollWidth") <= 1366
        page.screenshot(path=str(SHOTS / f"analytics-contributor-top-{language}.png"))
        page.locator("#chart-headline").scroll_into_view_if_needed()
        page.locator("#chart-headline").screenshot(path=str(SHOTS / f"analytics-contributor-headline-{language}.png"))
        page.locator("#chart-people-migrant").scroll_into_view_if_needed()
        page.wait_for_timeout(100)
        page.locator("#chart-people-migrant").screenshot(
            path=str(SHOTS / f"analytics-contributor-people-migrant-{language}.png")
        )
    assert not page.errors, page.errors

    lapsed = signed_in_as(browser, live_server, demo[("IND", "analyst")])
    lapsed.goto(f"{live_server.url}/analytics/")
    lapsed.wait_for_load_state("load")
    expect(lapsed.locator("#tier-note")).to_contain_text("draw on your own data only")
    expect(lapsed.locator("#tier-note")).to_contain_text("By contributing, your users would read the shared records")
    assert lapsed.locator("#chart-published").count() == 0
    lapsed.screenshot(path=str(SHOTS / "analytics-non-contributor-top.png"))
    metas = lapsed.locator(".chart-card:not(#chart-coverage) .chart-meta").all_inner_texts()
    assert metas and all(re.search(r"\b[01] participants?\b", m) for m in metas), metas
    charts_checked(lapsed, [k for k in CHARTS if k != "published"], "analytics-non-contributor")
    assert not lapsed.errors, lapsed.errors
