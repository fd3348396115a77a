"""Everyday work in real Chromium (issue 19): error pages, account recovery, lists, history, homes.
Each page is photographed in English, French and Arabic (SHOTS/everyday-*-{en,fr,ar}.png)."""

import os
import re

import pytest
from playwright.sync_api import expect

from accounts.models import Participant, Role, User
from tests import factories
from tests.browser import SHOTS, signed_in

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

LANGUAGES = ("en", "fr", "ar")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


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


def test_a_forgotten_password_is_reset_by_email_then_signs_in(browser, live_server):
    from django.core import mail

    contributor = factories.user(role=Role.CONTRIBUTOR, participant=factories.participant())
    User.objects.filter(pk=contributor.pk).update(email="claire@example.org")
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    for language in LANGUAGES:
        context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
        page.goto(f"{live_server.url}/accounts/password-reset/")
        expect(page.locator("html")).to_have_attribute("lang", language)
        page.screenshot(path=str(SHOTS / f"everyday-reset-form-{language}.png"), full_page=True)
    context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    page.goto(f"{live_server.url}/accounts/login/")
    page.click("text=Forgot your password?")
    page.fill("#id_email", "claire@example.org")
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_contain_text("Check your e-mail")
    page.screenshot(path=str(SHOTS / "everyday-reset-sent-en.png"), full_page=True)
    link = re.search(r"http\S+/accounts/password-reset/\S+/\S+/", mail.outbox[-1].body).group(0)
    page.goto(live_server.url + link[link.index("/accounts/") :])
    page.fill("#id_new_password1", "a-new-Long-passphrase-42")
    page.fill("#id_new_password2", "a-new-Long-passphrase-42")
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_contain_text("Password saved")
    page.click("main >> text=Sign in")
    page.fill("#id_username", contributor.username)
    page.fill("#id_password", "a-new-Long-passphrase-42")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/$"))
    expect(page.locator("h1")).to_contain_text("Welcome")


def test_focal_point_sends_a_reset_link_from_the_users_page(browser, live_server):
    state = factories.participant()
    focal_point = factories.user(role=Role.FOCAL_POINT, participant=state)
    analyst = factories.user(role=Role.ANALYST, participant=state)
    User.objects.filter(pk=analyst.pk).update(email="ana@example.org")
    page = signed_in(browser, live_server, focal_point.username)
    photographed(page, focal_point, f"{live_server.url}/accounts/users/{analyst.pk}/", "user-detail")
    page.goto(f"{live_server.url}/accounts/users/{analyst.pk}/")
    page.click("text=Send a password reset link")
    expect(page.locator(".messages")).to_contain_text("ana@example.org")
    page.click("nav.mainnav >> text=Home")
    expect(page.locator("h1")).to_contain_text("Welcome")


def test_record_list_sorts_by_column_and_pages(browser, live_server):
    from reporting.models import Incident, ReciprocityPolicy

    ReciprocityPolicy.objects.get_or_create(version=1)
    state = factories.participant(code="AUS")
    factories.submitted_returns(state, (1, 2, 3))
    for n, status in enumerate([Incident.Status.VALIDATED] * 3 + [Incident.Status.SUBMITTED, Incident.Status.RETURNED]):
        factories.incident_for(
            state, months_ago=1 + n % 3, status=status, national_reference=f"AUS-2026{n:02d}-00000{n}"
        )
    factories.incident_for(state, months_ago=0, submitted_return=False, status=Incident.Status.DRAFT,
                           national_reference="AUS-202612-000009")  # fmt: skip
    focal_point = factories.user(role=Role.FOCAL_POINT, participant=state)
    page = signed_in(browser, live_server, focal_point.username)
    photographed(page, focal_point, f"{live_server.url}/records/", "record-list")
    page.goto(f"{live_server.url}/records/")
    page.click("th >> text=Reference")
    expect(page.locator("th[aria-sort=ascending]")).to_contain_text("Reference")
    first = page.locator("td.ref").first.inner_text()
    page.click("th >> text=Reference")
    expect(page.locator("th[aria-sort=descending]")).to_contain_text("Reference")
    assert page.locator("td.ref").first.inner_text() != first
    # A reference sits on one line, whatever the width of its column.
    box = page.locator("td.ref a").first.bounding_box()
    assert box["height"] < 30
    expect(page.locator(".status-returned")).to_have_text("Returned for correction")
    page.select_option("#id_per_page", "25")
    page.click("form.record-filters button[type=submit]")
    expect(page.locator(".pager .showing").first).to_contain_text("Showing 1–6 of 6")
    page.click("nav.mainnav >> text=Home")
    assert not page.errors

    # The record's history, as people read it (issue 19, item 7).
    record = Incident.objects.get(national_reference="AUS-202603-000003")
    User.objects.filter(pk=focal_point.pk).update(first_name="Luc", last_name="Martin")
    record.refresh_from_db()
    record.status = Incident.Status.VALIDATED
    record.validated_by = User.objects.get(pk=focal_point.pk)
    record._history_user = record.validated_by
    record.save()
    photographed(page, focal_point, f"{live_server.url}/records/{record.pk}/", "history")
    page.goto(f"{live_server.url}/records/{record.pk}/")
    expect(page.locator("table.history")).to_contain_text("Submitted for validation → Validated")
    expect(page.locator("table.history")).to_contain_text("Luc Martin")


def test_audit_trail_is_paged(browser, live_server):
    from accounts.models import AuditEntry

    secretariat = factories.user(role=Role.SECRETARIAT)
    AuditEntry.objects.bulk_create(
        AuditEntry(actor=secretariat, action=AuditEntry.Action.CODE_LIST_CHANGED, summary=f"Change {i}")
        for i in range(130)
    )
    page = signed_in(browser, live_server, secretariat.username)
    photographed(page, secretariat, f"{live_server.url}/records/console/audit/?per_page=25", "audit")
    page.goto(f"{live_server.url}/records/console/audit/")
    expect(page.locator(".pager .showing").first).to_contain_text("Showing 1–100 of")
    page.locator(".pager a[rel=next]").first.click()
    expect(page.locator(".pager .showing").first).to_contain_text("Showing 101–")


def test_suspended_participant_sees_the_right_remedy(browser, live_server):
    from accounts.models import Participant
    from reporting.models import ReciprocityPolicy

    ReciprocityPolicy.objects.get_or_create(version=1)
    secretariat = factories.user(role=Role.SECRETARIAT)
    User.objects.filter(pk=secretariat.pk).update(first_name="Sam", last_name="Okafor", email="sam@secretariat.example")
    suspended = factories.participant(code="SUS", status=Participant.Status.SUSPENDED)
    analyst = factories.user(role=Role.ANALYST, participant=suspended)
    page = signed_in(browser, live_server, analyst.username)
    photographed(page, analyst, f"{live_server.url}/records/standing/", "standing-suspended")
    page.goto(f"{live_server.url}/records/")
    page.click("text=Why, what comes next and whom to contact")
    expect(page.locator(".remedy")).to_contain_text("Only the secretariat reinstates a participant")
    expect(page.locator(".remedy")).to_contain_text("sam@secretariat.example")
    assert "regain access" not in page.locator("main").inner_text()


def _home_story():
    """One contributing participant with work for each role, a lapsed one, an open invitation."""
    import datetime as dt

    from django.core.cache import cache
    from django.utils import timezone

    from accounts.models import Invitation
    from reporting.models import Incident, IncidentComment, ReciprocityPolicy

    ReciprocityPolicy.objects.get_or_create(version=1)
    cache.clear()  # the analyst's figures are kept a few minutes
    state = factories.participant(code="AUS", joined_on=dt.date(2020, 1, 1))
    factories.submitted_returns(state, (2, 3, 4))
    factories.participant(code="FJI", joined_on=dt.date(2020, 1, 1))  # no returns: losing access
    people = {role: factories.user(role=role, participant=state) for role in Role.values if role != Role.SECRETARIAT}
    people[Role.SECRETARIAT] = factories.user(role=Role.SECRETARIAT)
    for n in range(3):
        factories.incident_for(state, months_ago=2, national_reference=f"AUS-2026-V{n}")
    factories.incident_for(state, months_ago=1, submitted_return=False, status=Incident.Status.SUBMITTED,
                           national_reference="AUS-2026-S1", submitted_at=timezone.now())  # fmt: skip
    factories.incident_for(state, months_ago=0, submitted_return=False, status=Incident.Status.DRAFT,
                           national_reference="AUS-2026-D1")  # fmt: skip
    returned = factories.incident_for(state, months_ago=1, submitted_return=False, status=Incident.Status.RETURNED,
                                      national_reference="AUS-2026-R1")  # fmt: skip
    IncidentComment.objects.create(
        incident=returned,
        kind=IncidentComment.Kind.RETURNED,
        version=1,
        text="The route is missing its transit country.",
        author=people[Role.FOCAL_POINT],
    )
    Invitation.objects.create(email="new.analyst@example.org", role=Role.ANALYST, participant=state,
                              token_hash="y" * 64, invited_by=people[Role.FOCAL_POINT],
                              expires_at=timezone.now() + dt.timedelta(days=7))  # fmt: skip
    from reporting.reciprocity import reciprocity_sync

    reciprocity_sync(trigger="browser story")
    return people


def _back_home(page):
    page.click("nav.mainnav >> text=Home")
    expect(page.locator("h1")).to_contain_text("Welcome")


def test_each_role_goes_from_its_home_to_its_main_task_and_back(browser, live_server):
    people = _home_story()

    contributor = people[Role.CONTRIBUTOR]
    page = signed_in(browser, live_server, contributor.username)
    photographed(page, contributor, f"{live_server.url}/", "home-contributor")
    page.goto(f"{live_server.url}/")
    expect(page.locator(".work")).to_contain_text("The route is missing its transit country.")
    page.click(".work >> text=AUS-2026-R1")
    expect(page.locator("h1")).to_contain_text("AUS-2026-R1")
    _back_home(page)
    page.click(".work >> text=Enter a new incident record")
    expect(page.locator("h1")).to_contain_text("New incident record")
    _back_home(page)
    assert not page.errors

    focal_point = people[Role.FOCAL_POINT]
    page = signed_in(browser, live_server, focal_point.username)
    photographed(page, focal_point, f"{live_server.url}/", "home-focal-point")
    # The French top bar, the longest menu (the focal point's), fits one line at 1366 px, with a
    # user name of the usual length (a longer one is cut with an ellipsis; the suite's own grow with
    # the number of users it made before).
    User.objects.filter(pk=focal_point.pk).update(language="fr", username="aus-focal")
    page.goto(f"{live_server.url}/")
    links = page.locator("nav.mainnav a")
    tops = {round(links.nth(i).bounding_box()["y"]) for i in range(links.count())}
    assert len(tops) == 1, tops
    User.objects.filter(pk=focal_point.pk).update(language="en")
    page.goto(f"{live_server.url}/")
    page.click(".work >> text=record submitted for validation")
    expect(page.locator("td.ref")).to_have_text(["AUS-2026-S1"])
    page.click("text=AUS-2026-S1")
    page.click("button:has-text('Validate')")
    expect(page.locator(".messages")).to_contain_text("Validated.")
    _back_home(page)
    expect(page.locator(".work").first).to_contain_text("0 records submitted for validation")
    expect(page.locator(".returns-due")).to_contain_text("Due")
    assert not page.errors

    analyst = people[Role.ANALYST]
    page = signed_in(browser, live_server, analyst.username)
    photographed(page, analyst, f"{live_server.url}/", "home-analyst")
    page.goto(f"{live_server.url}/")
    expect(page.locator(".work").first).to_contain_text("validated records you may read")
    page.click(".work >> text=Open the dashboards")
    expect(page.locator("h1")).to_contain_text("Regional dashboards")
    _back_home(page)

    secretariat = people[Role.SECRETARIAT]
    page = signed_in(browser, live_server, secretariat.username)
    photographed(page, secretariat, f"{live_server.url}/", "home-secretariat")
    page.goto(f"{live_server.url}/")
    expect(page.locator(".work").first).to_contain_text("Participant FJI")
    page.click(".work >> text=not contributing or about to stop")
    expect(page.locator("h1")).to_contain_text("Coverage and compliance")
    _back_home(page)
    expect(page.locator("main")).to_contain_text("new.analyst@example.org")


def test_confirmation_pages_summarise_before_acting(browser, live_server):
    from reporting.models import Incident, Return

    people = _home_story()
    focal_point = people[Role.FOCAL_POINT]
    page = signed_in(browser, live_server, focal_point.username)
    draft = Incident.objects.get(national_reference="AUS-2026-D1")
    photographed(page, focal_point, f"{live_server.url}/records/{draft.pk}/withdraw/", "confirm-record-withdraw")
    page.goto(f"{live_server.url}/records/{draft.pk}/")
    page.click("text=Withdraw this record…")
    expect(page.locator("section.confirm")).to_contain_text("No other participant reads it today.")
    page.fill("#withdraw-reason", "Entered twice")
    page.click("section.confirm button:has-text('Withdraw this record')")
    expect(page.locator(".messages")).to_contain_text("Withdrawn.")

    # The month with validated records and nothing pending: its return, asked about first.
    month = factories.months_back(2)
    ret = Return.objects.get(participant__code="AUS", month=month)
    Return.objects.filter(pk=ret.pk).update(status=Return.Status.OPEN, submitted_at=None)
    photographed(page, focal_point, f"{live_server.url}/records/returns/{ret.pk}/submit/", "confirm-return")
    page.goto(f"{live_server.url}/records/returns/")
    page.locator(f"#month-{month:%Y-%m} button:has-text('Submit')").click()
    expect(page.locator("section.confirm")).to_contain_text("3 records: Validated")
    page.locator("section.confirm button:has-text('Submit')").click()
    expect(page.locator(".messages")).to_contain_text("is submitted")
    _back_home(page)

    secretariat = people[Role.SECRETARIAT]
    page = signed_in(browser, live_server, secretariat.username)
    fiji = Participant.objects.get(code="FJI")
    url = f"{live_server.url}/records/console/participants/{fiji.pk}/step/withdraw/"
    photographed(page, secretariat, url, "confirm-participant-withdraw")
    page.goto(f"{live_server.url}/records/console/participants/{fiji.pk}/")
    page.click("text=Review what withdrawing changes…")
    expect(page.locator("section.confirm")).to_contain_text("This is final")
    page.fill("#id_reason", "Left the process")
    page.click("section.confirm button.danger")
    expect(page.locator(".messages")).to_contain_text("withdrawn")


def test_secretariat_reminders_page(browser, live_server):
    people = _home_story()
    secretariat = people[Role.SECRETARIAT]
    page = signed_in(browser, live_server, secretariat.username)
    fiji = Participant.objects.get(code="FJI")
    photographed(page, secretariat, f"{live_server.url}/records/console/reminders/?participant={fiji.pk}", "reminders")
    page.goto(f"{live_server.url}/records/console/")
    page.click(".console-tabs >> text=Reminders")
    expect(page.locator("h1")).to_contain_text("Reminder e-mails")
    expect(page.locator("details").first).to_contain_text("Dear")
