"""Linked incidents in the browser (docs/links.md): a focal point confirms a proposal, the record
shows the other participant's report, in English, French and Arabic. Screenshots: links-*.png."""

import os

import pytest
from playwright.sync_api import expect

from reporting.linking.services import links_propose
from tests import factories
from tests.browser import SHOTS, signed_in

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_both_focal_points_confirm_a_link_and_the_records_show_it(page, browser, live_server):
    del page
    story = factories.ReciprocityStory()
    links_propose()
    partner_ref = story.records["partner_shared"].national_reference
    home_ref = story.records["home_shared"].national_reference

    home = signed_in(browser, live_server, "home-focal_point")
    home.click("text=Linked incidents")
    expect(home.locator("h1")).to_have_text("Linked incidents")
    expect(home.locator("table.links")).to_contain_text(partner_ref)
    home.screenshot(path=str(SHOTS / "links-proposals-en.png"), full_page=True)
    # Other participants' records of the story may be proposed too: the row of the pair is chosen.
    home.locator("table.links tr", has_text=partner_ref).locator("button[value=confirm]").click()
    expect(home.locator("body")).to_contain_text("the other side has not decided yet")

    partner = signed_in(browser, live_server, "par-fp")
    partner.goto(f"{live_server.url}/records/links/")
    partner.locator("table.links tr", has_text=home_ref).locator("button[value=confirm]").click()
    expect(partner.locator("body")).to_contain_text("Link confirmed by both sides")

    home.goto(f"{live_server.url}/records/{story.records['home_shared'].pk}/")
    expect(home.locator(".also-reported")).to_contain_text(f"Also reported by Participant PAR: {partner_ref}")
    home.screenshot(path=str(SHOTS / "links-record-en.png"), full_page=True)
    for language, heading, also in (
        ("fr", "Incidents liés", "Également signalé par"),
        ("ar", "الحوادث المرتبطة", "أبلغ عنه أيضاً"),
    ):
        with home.expect_navigation():
            home.select_option("#langswitch", language)
        expect(home.locator(".also-reported")).to_contain_text(also)
        home.screenshot(path=str(SHOTS / f"links-record-{language}.png"), full_page=True)
        home.goto(f"{live_server.url}/records/links/?status=confirmed")
        expect(home.locator("h1")).to_have_text(heading)
        home.screenshot(path=str(SHOTS / f"links-confirmed-{language}.png"), full_page=True)
        home.goto(f"{live_server.url}/records/{story.records['home_shared'].pk}/")
    expect(home.locator("html")).to_have_attribute("dir", "rtl")
