"""Everyday work in real Chromium (issue 19): error pages, account recovery, lists, history, homes.
Each page is photographed in English, French and Arabic (SHOTS/everyday-*-{en,fr,ar}.png)."""

import os
import re

import pytest
from playwright.sync_api import expect

from accounts.models import Role, User
from tests import factories
from tests.browser import SHOTS

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "correct-horse-battery"
LANGUAGES = ("en", "fr", "ar")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def signed_in(browser, live_server, username, password=PASSWORD):
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/$"))
    return page


def photographed(page, user, url: str, name: str) -> None:
    """The page at `url` in each language (the user's saved language wins), one full-page PNG each."""
    for language in LANGUAGES:
        User.objects.filter(pk=user.pk).update(language=language)
        page.goto(url)
        expect(page.locator("html")).to_have_attribute("lang", language)
        page.screenshot(path=str(SHOTS / f"everyday-{name}-{language}.png"), full_page=True)
    User.objects.filter(pk=user.pk).update(language="en")


def test_refusals_explain_themselves(browser, live_server):
    contributor = factories.user(role=Role.CONTRIBUTOR, participant=factories.participant())
    page = signed_in(browser, live_server, contributor.username)
    photographed(page, contributor, f"{live_server.url}/analytics/", "403")
    photographed(page, contributor, f"{live_server.url}/records/987654/", "404-record")
    page.goto(f"{live_server.url}/analytics/")
    expect(page.locator("main")).to_contain_text("Your role does not include the dashboards.")
    page.goto(f"{live_server.url}/records/987654/")
    page.click("text=See your participant's standing")
    expect(page).to_have_url(re.compile(r".*/records/standing/?$"))
    assert not page.errors
