"""The secretariat's console in real Chromium: a participant from invitation to active, suspended and
reinstated, with its standing page and its users' access to a partner's record following each step.
Screenshots go to docs/screenshots/console-*.png."""

import os

import pytest
from playwright.sync_api import expect

from accounts.models import Participant, Role
from accounts.services import terms_publish
from reporting.models import Incident, ReciprocityPolicy
from tests import factories
from tests.browser import SHOTS, signed_in

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_participant_from_invitation_to_reinstatement(page, browser, live_server):
    del page  # each user gets a browser context of their own (see tests/browser/test_data_entry.py)
    # A transactional test may start from a flushed database: the policy row of migration 0002 is data.
    ReciprocityPolicy.objects.get_or_create(version=1)
    secretariat = factories.user(role=Role.SECRETARIAT, username="sam.secretariat")
    partner = factories.participant(code="AUS")
    for n in (1, 2, 3):
        factories.return_for(partner, factories.months_back(n), submitted=True)
    shared = factories.IncidentFactory(participant=partner, ret=factories.return_for(partner, factories.months_back(2)))
    assert shared.status == Incident.Status.VALIDATED
    terms_publish(
        title="Terms of participation",
        text="We share non-nominal data.",
        published_on=factories.months_back(3),
        created_by=secretariat,
    )

    console = signed_in(browser, live_server, secretariat.username)
    console.goto(f"{live_server.url}/records/console/participants/")
    console.fill("#id_code", "fji")
    console.fill("#id_name", "Fiji")
    console.select_option("#id_kind", "state")
    console.select_option("#id_region", "pacific")
    console.select_option("#id_country", "FJI")
    console.get_by_role("button", name="Invite", exact=True).click()
    expect(console.locator("#participant-status")).to_have_text("Invited")
    expect(console.locator("#participant-standing")).to_contain_text("not contributing")

    # Activation is refused until the terms are accepted: the page says why, nothing changes.
    console.click("#step-activate button")
    expect(console.locator(".errors").first).to_contain_text("acceptance of the current terms")
    expect(console.locator("#participant-status")).to_have_text("Invited")
    console.fill("#id_signed_by", "Director of Immigration")
    console.click("#terms-form button")
    expect(console.locator(".messages")).to_contain_text("Acceptance of the terms recorded")
    console.click("#step-activate button")
    expect(console.locator("#participant-status")).to_have_text("Active")
    expect(console.locator("#participant-standing")).to_contain_text("grace period")
    expect(console.locator("#participant-access")).to_contain_text("reads 1 participants")
    SHOTS.mkdir(parents=True, exist_ok=True)
    console.screenshot(path=str(SHOTS / "console-participant.png"), full_page=True)

    fiji = Participant.objects.get(code="FJI")
    analyst = factories.user(role=Role.ANALYST, participant=fiji, username="fiji.analyst")
    reader = signed_in(browser, live_server, analyst.username)
    record = f"{live_server.url}/records/{shared.pk}/"
    assert reader.goto(record).status == 200
    reader.goto(f"{live_server.url}/records/standing/")
    expect(reader.locator("main")).to_contain_text("grace period")

    # Suspension needs a reason; then access lapses at once.
    console.click("#step-suspend button")
    expect(console.locator(".errors").first).to_contain_text("Give the reason")
    console.fill("#step-suspend textarea", "No return for a year")
    console.click("#step-suspend button")
    expect(console.locator("#participant-status")).to_have_text("Suspended")
    expect(console.locator("#participant-access")).to_contain_text("reads 0 participants")
    assert reader.goto(record).status == 404
    reader.goto(f"{live_server.url}/records/standing/")
    expect(reader.locator("main")).to_contain_text("suspended")

    console.fill("#step-reinstate textarea", "Returns resumed")
    console.click("#step-reinstate button")
    expect(console.locator("#participant-status")).to_have_text("Active")
    expect(console.locator("#participant-access")).to_contain_text("reads 1 participants")
    assert reader.goto(record).status == 200
    history = console.locator("#participant-history")
    for change in ("Invited → Active", "Active → Suspended", "Suspended → Active"):
        expect(history).to_contain_text(change)
    expect(history).to_contain_text("No return for a year")
    console.screenshot(path=str(SHOTS / "console-participant-history.png"), full_page=True)


def test_console_pages_on_the_demo_data(page, browser, live_server):
    """Every console page as the secretariat sees it on the demo data, with a screenshot of each; the
    policy preview names the participants a stricter rule would cut off."""
    del page
    from reporting.compliance import policy_preview
    from reporting.demo import demo_seed

    ReciprocityPolicy.objects.get_or_create(version=1)
    demo_seed(seed=42, incidents=400)
    secretariat = factories.user(role=Role.SECRETARIAT, username="sam.secretariat")
    SHOTS.mkdir(parents=True, exist_ok=True)
    console = signed_in(browser, live_server, secretariat.username)

    def shot(path: str, name: str, full_page: bool = True):
        response = console.goto(f"{live_server.url}{path}")
        assert response.status == 200, path
        console.screenshot(path=str(SHOTS / f"console-{name}.png"), full_page=full_page)

    shot("/records/console/", "home")
    expect(console.locator("main")).to_contain_text("India")  # the lapsed participant: no access now
    shot("/records/console/participants/", "participants")
    expect(console.locator("main")).to_contain_text("Myanmar")
    myanmar = Participant.objects.get(code="MMR")
    shot(f"/records/console/participants/{myanmar.pk}/", "participant-suspended")
    expect(console.locator("#participant-status")).to_have_text("Suspended")
    shot("/records/console/terms/", "terms")
    expect(console.locator("main")).to_contain_text("Terms of participation in the Voluntary Reporting System")
    shot("/records/console/coverage/", "coverage")
    grid_rows = console.locator("table.coverage tbody tr")
    expect(grid_rows).to_have_count(Participant.objects.exclude(status=Participant.Status.INVITED).count())

    # The preview of a stricter rule: the page names exactly whom the rule (reciprocity.py) cuts off.
    console.goto(f"{live_server.url}/records/console/policy/")
    console.fill("#id_min_returns", "5")
    console.fill("#id_reason", "Five returns in six months")
    console.get_by_role("button", name="Preview the effect").click()
    proposed = ReciprocityPolicy(version=2, **{**_policy_fields(), "min_returns": 5})
    losers = sorted(c.participant.name for c in policy_preview(proposed=proposed).lose)
    assert losers
    lose = console.locator("#policy-preview ul.lose li")
    expect(lose).to_have_count(len(losers))
    for name in losers:
        expect(console.locator("#policy-preview ul.lose")).to_contain_text(name)
    console.screenshot(path=str(SHOTS / "console-policy-preview.png"), full_page=True)
    assert ReciprocityPolicy.objects.count() == 1

    shot("/records/console/code-lists/crossing-points/", "code-lists", full_page=False)
    shot("/records/console/audit/", "audit", full_page=False)
    shot(f"/accounts/users/?participant={myanmar.pk}", "users")
    expect(console.locator("#user-rows tbody tr")).to_have_count(3)

    # On a phone, no console page is wider than the screen: wide tables scroll inside their card.
    console.set_viewport_size({"width": 390, "height": 844})
    for path in (
        "/records/console/",
        "/records/console/participants/",
        f"/records/console/participants/{myanmar.pk}/",
        "/records/console/terms/",
        "/records/console/policy/",
        "/records/console/coverage/",
        "/records/console/code-lists/agencies/",
        "/records/console/code-lists/exchange-rates/",
        "/records/console/audit/",
        "/accounts/users/",
        "/accounts/sessions/",
    ):
        console.goto(f"{live_server.url}{path}")
        assert console.evaluate("document.documentElement.scrollWidth") <= 390, path


def _policy_fields() -> dict:
    from reporting.services.sharing import POLICY_FIELDS

    policy = ReciprocityPolicy.objects.current()
    return {name: getattr(policy, name) for name in POLICY_FIELDS}
