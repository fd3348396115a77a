"""National context in real Chromium (issue 22): the focal point describes its figures and notes a
month; an analyst reads the footnotes beside the dashboard's charts; in English, French and Arabic.
Screenshots go to SHOTS/context-*.png."""

import os
import re

import pytest
from playwright.sync_api import expect

from analytics.services import facts_rebuild_all
from reporting.context.models import PeriodNote
from reporting.demo import demo_seed
from reporting.models import ReciprocityPolicy
from tests.browser import SHOTS, signed_in
from tests.browser.test_languages import switch

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_the_focal_point_writes_context_and_readers_see_footnotes(page, browser, live_server):
    del page
    ReciprocityPolicy.objects.get_or_create(version=1)
    result = demo_seed(incidents=800)
    facts_rebuild_all()
    demo = {(c.participant, c.role): c for c in result.credentials}

    focal = demo[("AUS", "focal_point")]
    fp = signed_in(browser, live_server, focal.username, focal.password)
    fp.click("text=Your profile and notes")
    expect(fp.locator("h1")).to_contain_text("National context")
    expect(fp.locator("body")).to_contain_text("Maritime Border Command")
    fp.click("text=New note on a period")
    fp.fill("#id_month_from", "2026-05")
    fp.fill("#id_month_to", "2026-04")
    fp.fill("#id_text", "Captain Mr John Smith reported late")
    fp.click("form.stacked button[type=submit]")
    errors = fp.locator(".errors")
    expect(errors).to_contain_text("The last month comes on or after the first month.")
    expect(errors).to_contain_text("This looks like personal data")
    fp.screenshot(path=str(SHOTS / "context-note-errors-en.png"), full_page=True)
    assert not PeriodNote.objects.filter(text__contains="Smith").exists()
    fp.fill("#id_month_to", "2026-05")
    fp.fill("#id_text", "New aerial surveillance from May: more detections at sea.")
    fp.click("form.stacked button[type=submit]")
    fp.wait_for_url(re.compile(r".*/records/context/\?mine=1$"))
    expect(fp.locator("body")).to_contain_text("New aerial surveillance from May")
    fp.screenshot(path=str(SHOTS / "context-list-en.png"), full_page=True)
    switch(fp, "fr")
    expect(fp.locator("h1")).to_contain_text("Contexte national")
    fp.screenshot(path=str(SHOTS / "context-list-fr.png"), full_page=True)
    switch(fp, "ar")
    expect(fp.locator("html")).to_have_attribute("dir", "rtl")
    expect(fp.locator("h1")).to_contain_text("السياق الوطني")
    fp.screenshot(path=str(SHOTS / "context-list-ar.png"), full_page=True)

    analyst = demo[("NZL", "analyst")]
    reader = signed_in(browser, live_server, analyst.username, analyst.password)
    reader.goto(f"{live_server.url}/analytics/")
    series = reader.locator("#chart-series")
    expect(series.locator(".context-footnotes")).to_contain_text("Indonesia")
    series.screenshot(path=str(SHOTS / "context-footnotes-en.png"))
    switch(reader, "ar")
    series = reader.locator("#chart-series")
    expect(series.locator(".context-footnotes")).to_contain_text("السياق الوطني")
    series.screenshot(path=str(SHOTS / "context-footnotes-ar.png"))
    assert not fp.errors and not reader.errors
