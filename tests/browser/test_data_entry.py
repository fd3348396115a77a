"""The data-entry journey in real Chromium: enter, submit, return, fix, validate, submit the month,
and a nil return for the next month. Screenshots of the form and the returns page go to
docs/screenshots/ (1366×768 and 390 px wide)."""

import datetime as dt
import os
import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from accounts.models import Role
from reporting.models import ExchangeRate, Incident, Return
from tests import factories
from tests.browser import SHOTS, signed_in

# The test database is set up (pytest-django's autouse marker fixture) after Playwright's event loop
# has started, before tests/conftest.py's autouse fixture sets this: set it when this module loads.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def people():
    owner = factories.participant(code="AUS")
    contributor = factories.user(role=Role.CONTRIBUTOR, participant=owner, username="dana.contributor")
    focal_point = factories.user(role=Role.FOCAL_POINT, participant=owner, username="farid.focal")
    return owner, contributor, focal_point


def test_the_data_entry_journey(page, browser, live_server, people):
    # `page` (unused: each user gets a context of their own) lets the live server's ORM run beside
    # Playwright's event loop (tests/conftest.py).
    del page
    owner, contributor, focal_point = people
    month = factories.months_back(2)  # a closed month; the nil return is for the month after it
    day = month + dt.timedelta(days=4)
    ExchangeRate.objects.create(currency="LKR", month=month, usd_per_unit=Decimal("0.0033"))

    # A contributor enters a complete record: two transit countries, three breakdown rows.
    page = signed_in(browser, live_server, contributor.username)
    page.goto(f"{live_server.url}/records/new/")
    page.fill("#id_national_reference", "ABF-2024-0117")
    page.check("input[name=categories][value=migrant_smuggling]")
    page.select_option("#id_protocol_benefit", "yes")
    page.select_option("#id_source", "investigation")
    page.select_option("#id_confidence", "high")
    page.fill("#id_detection_date", day.isoformat())
    page.fill("#id_detection_country", "Australia")
    page.fill("#id_detection_place", "Ashmore Reef")
    page.select_option("#id_detection_context", "at_sea")
    page.check("input[name=modes][value=sea]")
    page.check("input[name=methods][value=fishing_boat]")
    page.fill("#id_origin_country", "LKA")
    page.fill("#id_transits-0-country", "Indonesia")
    page.fill("#id_transits-1-country", "TLS")
    page.click("ol.transits li:nth-child(2) .move-up")  # reorder: Timor-Leste first
    expect(page.locator("ol.transits li").first.locator("input.country")).to_have_value("TLS")
    page.fill("#id_destination_country", "AUS — Australia")
    page.fill("#id_migrants_total", "20")
    page.fill("#id_smugglers_total", "2")
    page.check("input[name=smuggler_roles][value=captain_crew]")
    rows = [("LKA", "male", "adult", "12"), ("LKA", "female", "adult", "5"), ("LKA", "male", "minor", "3")]
    for i, (citizenship, sex, age, count) in enumerate(rows):
        page.fill(f"#id_breakdowns-{i}-citizenship", citizenship)
        page.select_option(f"#id_breakdowns-{i}-sex", sex)
        page.select_option(f"#id_breakdowns-{i}-age_group", age)
        page.fill(f"#id_breakdowns-{i}-count", count)
    page.fill("#id_breakdowns-2-unaccompanied", "2")
    expect(page.locator("#breakdown-check")).to_contain_text("20 of 20 migrants")
    page.fill("#id_migrants_total", "18")
    expect(page.locator("#breakdown-check")).to_have_class(re.compile("bad"))
    page.fill("#id_migrants_total", "20")
    # A document row added inline; the form's own empty row stays untouched and is not saved.
    page.click("button.add-row[data-prefix=documents]")
    page.select_option("#id_documents-1-document_type", "passport")
    page.select_option("#id_documents-1-fraud_type", "forged")
    page.fill("#id_documents-1-issuing_country", "Sri Lanka")
    page.fill("#id_documents-1-count", "2")
    page.fill("#id_fee_per_person", "1000")
    page.select_option("#id_fee_currency", "LKR")
    expect(page.locator("#fee-usd")).to_contain_text("USD 3.30")
    page.fill("#id_narrative", "A fishing boat with 20 migrants and 2 crew was intercepted at night.")
    page.screenshot(path=str(SHOTS / "incident_form_1366.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.evaluate("document.getElementById('breakdown-check').scrollIntoView({block: 'start'})")
    page.screenshot(path=str(SHOTS / "incident_form_390.png"), full_page=False)
    page.set_viewport_size({"width": 1366, "height": 768})
    page.click("button[name=action][value=draft]")
    expect(page.locator(".messages")).to_contain_text("Draft ABF-2024-0117 saved")
    incident = Incident.objects.get(national_reference="ABF-2024-0117")
    assert [t.country for t in incident.transits.order_by("sequence")] == ["TLS", "IDN"]
    assert incident.breakdowns.count() == 3 and incident.fee_usd == Decimal("3.30")
    assert list(incident.documents.values_list("document_type", "fraud_type", "issuing_country", "count")) == [
        ("passport", "forged", "LKA", 2)
    ]
    page.click("text=Submit for validation")
    expect(page.locator(".messages")).to_contain_text("Submitted for validation")

    # The focal point returns it with a comment.
    focal = signed_in(browser, live_server, focal_point.username)
    focal.goto(f"{live_server.url}/records/{incident.pk}/")
    focal.click("summary:has-text('Return to the contributor')")
    focal.fill("#return-comment", "Say whether the fee covered the whole journey.")
    focal.click("text=Return with this comment")
    expect(focal.locator(".messages")).to_contain_text("Returned to the contributor")

    # The contributor sees why, fixes it and submits again.
    page.goto(f"{live_server.url}/records/{incident.pk}/")
    expect(page.locator("body")).to_contain_text("Say whether the fee covered the whole journey.")
    page.click("a:has-text('Edit')")
    expect(page.locator(".callout.warn")).to_contain_text("Say whether the fee covered")
    page.select_option("#id_fee_scope", "full_package")
    with page.expect_navigation():
        page.click("button[name=action][value=submit]")
    expect(page.locator(".messages")).to_contain_text("submitted for validation")

    # The focal point validates it and submits the month's return.
    focal.goto(f"{live_server.url}/records/{incident.pk}/")
    focal.click("button:has-text('Validate')")
    expect(focal.locator(".messages")).to_contain_text("Validated")
    focal.goto(f"{live_server.url}/records/returns/")
    row = focal.locator(f"#month-{month:%Y-%m}")
    expect(row).to_contain_text("1 validated")
    row.locator("button:has-text('Submit')").click()
    expect(focal.locator("section.confirm")).to_contain_text("1 record: Validated")  # the summary asks first
    focal.screenshot(path=str(SHOTS / "return_confirm_1366.png"), full_page=True)
    focal.locator("section.confirm button:has-text('Submit')").click()
    expect(focal.locator(".messages")).to_contain_text("is submitted")

    # A nil return for the next month, confirmed in one step.
    next_month = factories.months_back(1)
    nil_row = focal.locator(f"#month-{next_month:%Y-%m}")
    nil_row.locator("summary:has-text('Nothing to report')").click()
    nil_row.locator("button:has-text('Submit nil return')").click()  # unconfirmed: the browser refuses
    assert not Return.objects.filter(participant=owner, month=next_month, status="submitted").exists()
    nil_row.locator("input[name=confirm]").check()
    nil_row.locator("button:has-text('Submit nil return')").click()
    expect(focal.locator(".messages")).to_contain_text("Nil return")
    expect(focal.locator(f"#month-{next_month:%Y-%m}")).to_contain_text("Nil return")
    expect(focal.locator(f"#month-{month:%Y-%m}")).to_contain_text("Submitted")
    focal.screenshot(path=str(SHOTS / "return_list_1366.png"), full_page=True)
    focal.set_viewport_size({"width": 390, "height": 844})
    focal.screenshot(path=str(SHOTS / "return_list_390.png"), full_page=False)

    assert Incident.objects.get(pk=incident.pk).status == Incident.Status.VALIDATED
    assert Return.objects.get(participant=owner, month=month).status == Return.Status.SUBMITTED
    assert Return.objects.get(participant=owner, month=next_month).is_nil
