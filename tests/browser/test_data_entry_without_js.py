"""The incident form's basics without JavaScript (real Chromium, scripts off): the empty rows the page
offers, transit order by the order numbers, a draft saved, then submitted from the record page."""

import datetime as dt
import os

import pytest
from playwright.sync_api import expect

from accounts.models import Role
from reporting.models import Incident
from tests import factories
from tests.browser import signed_in

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # see test_data_entry.py


pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_record_is_entered_and_submitted_without_javascript(page, browser, live_server):
    del page  # the fixture only lets the live server's ORM run beside Playwright (tests/conftest.py)
    owner = factories.participant(code="AUS")
    contributor = factories.user(role=Role.CONTRIBUTOR, participant=owner, username="nora.nojs")
    day = factories.months_back(1) + dt.timedelta(days=3)

    page = signed_in(browser, live_server, contributor.username, java_script_enabled=False)

    page.goto(f"{live_server.url}/records/new/")
    # Without the script the add buttons would do nothing: they stay hidden, the page offers empty rows.
    expect(page.locator("button.add-row").first).to_be_hidden()
    expect(page.locator("ol.transits > li")).to_have_count(2)
    expect(page.locator("input[name=transits-0-ORDER]")).to_be_visible()
    page.fill("#id_national_reference", "NOJS-2024-01")
    page.check("input[name=categories][value=irregular_entry]")
    page.select_option("#id_source", "official_record")
    page.select_option("#id_confidence", "medium")
    page.fill("#id_detection_date", day.isoformat())
    page.fill("#id_detection_country", "AUS")
    page.select_option("#id_detection_context", "at_bcp")
    page.check("input[name=modes][value=air]")
    page.fill("#id_origin_country", "Viet Nam")
    page.fill("#id_destination_country", "AUS")
    # Typed in the wrong order, put right by the order numbers.
    page.fill("#id_transits-0-country", "SGP")
    page.fill("#id_transits-0-ORDER", "2")
    page.fill("#id_transits-1-country", "Malaysia")
    page.fill("#id_transits-1-ORDER", "1")
    page.fill("#id_migrants_total", "4")
    page.fill("#id_smugglers_total", "0")
    page.fill("#id_breakdowns-0-citizenship", "VNM")
    page.select_option("#id_breakdowns-0-sex", "female")
    page.select_option("#id_breakdowns-0-age_group", "adult")
    page.fill("#id_breakdowns-0-count", "4")
    page.fill("#id_narrative", "Four travellers arrived with altered visas.")
    page.click("button[name=action][value=draft]")
    expect(page.locator(".messages")).to_contain_text("Draft NOJS-2024-01 saved")

    incident = Incident.objects.get(national_reference="NOJS-2024-01")
    assert list(incident.transits.order_by("sequence").values_list("country", flat=True)) == ["MYS", "SGP"]
    assert list(incident.breakdowns.values_list("citizenship", "sex", "age_group", "count")) == [
        ("VNM", "female", "adult", 4)
    ]
    assert not incident.documents.exists()

    page.click("button:has-text('Submit for validation')")
    expect(page.locator(".messages")).to_contain_text("Submitted for validation")
    assert Incident.objects.get(pk=incident.pk).status == Incident.Status.SUBMITTED
    page.context.close()
