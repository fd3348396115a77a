"""Languages in real Chromium (issue 10): a French-speaking contributor and focal point do the
data-entry journey in French (switcher, form, messages, validation, the month's return), and the
dashboards read right to left in Arabic. Screenshots go to docs/screenshots/i18n-*.png."""

import datetime as dt
import os
import re

import pytest
from django.utils import translation
from playwright.sync_api import expect

from accounts.models import Participant, Role, User
from analytics.services import facts_rebuild_all
from reporting.demo import demo_seed
from reporting.models import AccessEvent, Incident, ReciprocityPolicy, Return
from tests import factories
from tests.browser import SHOTS, signed_in

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def switch(page, language):
    """The switcher in the top bar: choosing a language submits it (data-autosubmit)."""
    with page.expect_navigation():
        page.select_option("#langswitch", language)


def test_the_data_entry_journey_in_french(page, browser, live_server):
    del page
    owner = factories.participant(code="FRA")
    contributor = factories.user(role=Role.CONTRIBUTOR, participant=owner, username="claire.contributrice")
    focal_point = factories.user(role=Role.FOCAL_POINT, participant=owner, username="luc.point-focal")
    month = factories.months_back(2)
    day = month + dt.timedelta(days=4)

    page = signed_in(browser, live_server, contributor.username)
    switch(page, "fr")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.locator("nav.mainnav")).to_contain_text("Nouveau dossier")
    assert User.objects.get(pk=contributor.pk).language == "fr"  # remembered for the next sign-in

    page.click("nav.mainnav >> text=Nouveau dossier")
    expect(page.locator("h1")).to_contain_text("Nouveau dossier d’incident")
    expect(page.locator("body")).to_contain_text("Catégories de comportement")
    # An incomplete submission: every problem at once, in French.
    with page.expect_navigation():
        page.click("button[name=action][value=submit]")
    expect(page.locator("body")).to_contain_text("Rien n’a été enregistré")
    page.fill("#id_national_reference", "OCRIEST-2025-042")
    page.check("input[name=categories][value=migrant_smuggling]")
    page.select_option("#id_protocol_benefit", "yes")
    page.select_option("#id_source", "investigation")
    page.select_option("#id_confidence", "high")
    page.fill("#id_detection_date", day.isoformat())
    page.fill("#id_detection_country", "France")
    page.fill("#id_detection_place", "Calais")
    page.select_option("#id_detection_context", "inland")
    page.check("input[name=modes][value=land]")
    page.check("input[name=methods][value=truck_container]")
    page.fill("#id_origin_country", "Afghanistan")
    page.fill("#id_transits-0-country", "Allemagne")  # a country typed by its French name
    page.fill("#id_destination_country", "Royaume-Uni")
    page.fill("#id_migrants_total", "9")
    page.fill("#id_smugglers_total", "1")
    page.fill("#id_breakdowns-0-citizenship", "AFG")
    page.select_option("#id_breakdowns-0-sex", "male")
    page.select_option("#id_breakdowns-0-age_group", "adult")
    page.fill("#id_breakdowns-0-count", "7")
    expect(page.locator("#breakdown-check")).to_contain_text("7")
    page.fill("#id_fee_per_person", "1500")
    page.select_option("#id_fee_currency", "USD")
    expect(page.locator("#fee-usd")).to_have_text(re.compile(r"USD 1\s500,00"))  # French number format
    page.fill("#id_narrative", "Neuf personnes découvertes dans la remorque d’un poids lourd sur l’A16.")
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SHOTS / "i18n-incident-form-fr.png"), full_page=False)
    with page.expect_navigation():
        page.click("button[name=action][value=submit]")
    expect(page.locator(".messages")).to_contain_text("Dossier OCRIEST-2025-042 soumis pour validation")
    incident = Incident.objects.get(national_reference="OCRIEST-2025-042")
    assert [t.country for t in incident.transits.all()] == ["DEU"] and incident.destination_country == "GBR"
    expect(page.locator("body")).to_contain_text("Allemagne")

    # The focal point, French saved on their account, validates it and submits the month.
    User.objects.filter(pk=focal_point.pk).update(language="fr")
    focal = signed_in(browser, live_server, focal_point.username)
    expect(focal.locator("html")).to_have_attribute("lang", "fr")
    focal.goto(f"{live_server.url}/records/{incident.pk}/")
    focal.click("button:has-text('Valider')")
    expect(focal.locator(".messages")).to_contain_text("Validé")
    focal.goto(f"{live_server.url}/records/returns/")
    row = focal.locator(f"#month-{month:%Y-%m}")
    expect(row).to_contain_text("1 validé")
    row.locator("button:has-text('Soumettre')").click()
    focal.locator("section.confirm button:has-text('Soumettre')").click()  # the summary page asks first
    expect(focal.locator(".messages")).to_contain_text("est soumis")
    assert Return.objects.get(participant=owner, month=month).status == Return.Status.SUBMITTED
    assert not page.errors and not focal.errors


def test_incident_form_and_dashboards_right_to_left_in_arabic(page, browser, live_server):
    del page
    ReciprocityPolicy.objects.get_or_create(version=1)
    result = demo_seed(incidents=800)
    facts_rebuild_all()
    demo = {(c.participant, c.role): c for c in result.credentials}

    contributor = demo[("AUS", "contributor")]
    form = signed_in(browser, live_server, contributor.username, contributor.password)
    switch(form, "ar")
    expect(form.locator("html")).to_have_attribute("dir", "rtl")
    form.goto(f"{live_server.url}/records/new/")
    expect(form.locator("h1")).to_contain_text("سجل حادثة جديد")
    # Mirrored: the brand is at the right edge, the navigation runs leftwards from it.
    brand = form.locator(".brand").bounding_box()
    assert brand["x"] > 1366 / 2
    form.screenshot(path=str(SHOTS / "i18n-incident-form-ar.png"), full_page=False)
    form.goto(f"{live_server.url}/records/glossary/")
    expect(form.locator("#smuggling")).to_have_text("تهريب المهاجرين")
    expect(form.locator("body")).to_contain_text("بروتوكول مكافحة تهريب المهاجرين عن طريق البر والبحر والجو")
    form.screenshot(path=str(SHOTS / "i18n-glossary-ar.png"), full_page=False)

    for language in ("ar", "fr"):
        analyst = demo[("AUS", "analyst")]
        dash = signed_in(browser, live_server, analyst.username, analyst.password)
        switch(dash, language)
        dash.goto(f"{live_server.url}/analytics/")
        dash.wait_for_load_state("load")
        expect(dash.locator("html")).to_have_attribute("lang", language)
        expect(dash.locator("h1")).to_contain_text(
            "لوحات المعلومات الإقليمية" if language == "ar" else "Tableaux de bord régionaux"
        )
        dash.wait_for_timeout(1500)  # the charts' first draw
        dash.screenshot(path=str(SHOTS / f"i18n-dashboard-{language}.png"), full_page=False)
        dash.locator("#chart-modes").scroll_into_view_if_needed()
        dash.wait_for_timeout(500)
        dash.locator("#chart-modes").screenshot(path=str(SHOTS / f"i18n-dashboard-modes-{language}.png"))
        assert not dash.errors, dash.errors

    # Everyday words and figures (issue 19, item 9), on the demo's own reads (item 10): Australia's
    # focal point sees who read its data, readers named in its language, figures in its digits.
    focal = demo[("AUS", "focal_point")]
    log = signed_in(browser, live_server, focal.username, focal.password)
    events = list(AccessEvent.objects.filter(owner__code="AUS").select_related("viewer"))
    assert events  # seed_demo logs reads of others' records
    for language in ("en", "fr", "ar"):
        User.objects.filter(username=focal.username).update(language=language)
        log.goto(f"{live_server.url}/records/access-log/")
        expect(log.locator("html")).to_have_attribute("lang", language)
        with translation.override(language):
            names = {e.viewer.local_name for e in events}
            expect(log.locator("h1")).to_contain_text(Participant.objects.get(code="AUS").local_name)
        readers = set(log.locator("main table tbody tr td:nth-child(2)").all_inner_texts())
        assert readers and readers <= names, (readers, names)
        when = log.locator("main table tbody tr td:nth-child(1)").first.inner_text()
        digit = "[٠-٩]" if language == "ar" else "[0-9]"
        assert re.fullmatch(rf"{digit}{{4}}-{digit}{{2}}-{digit}{{2}} {digit}{{2}}:{digit}{{2}}", when), when
        log.screenshot(path=str(SHOTS / f"i18n-access-log-{language}.png"), full_page=False)
    assert not log.errors, log.errors

    User.objects.filter(username=demo[("AUS", "analyst")].username).update(language="ar")
    dash = signed_in(browser, live_server, demo[("AUS", "analyst")].username, demo[("AUS", "analyst")].password)
    dash.goto(f"{live_server.url}/analytics/")
    expect(dash.locator("body")).to_have_attribute("data-numbering", "arab")
    expect(dash.locator(".headline-figures .value").first).to_have_text(re.compile(r"^[٠-٩٬<≥ ]+$"))
    table = dash.locator("#chart-coverage th[scope=row]")
    expect(table.first).to_be_visible()
    with translation.override("ar"):
        shown = {p.local_name for p in Participant.objects.filter(status__in=["active", "suspended"])}
    assert "جماعة تنمية الهجرة في المحيط الهادئ" in shown
    # The charts' value axes are written by Intl in the same digits.
    assert dash.evaluate("new Intl.NumberFormat('ar', {numberingSystem: 'arab'}).format(1234)") == "١٬٢٣٤"
    assert not dash.errors, dash.errors
