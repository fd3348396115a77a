"""Languages (issue 10): the switcher, the choice remembered per user, right-to-left, countries by language."""

import pytest
from django.urls import reverse
from django.utils import translation

from accounts.codes import country_choices, country_name, currency_choices
from accounts.models import Role
from tests import factories

pytestmark = pytest.mark.django_db


def test_switcher_on_the_sign_in_page_and_anonymous_choice_kept_in_the_cookie(client):
    page = client.get(reverse("accounts:login"))
    assert b'name="language"' in page.content and "Français".encode() in page.content
    response = client.post(reverse("set_language"), {"language": "fr", "next": reverse("accounts:login")})
    assert response.status_code == 302 and response["Location"] == reverse("accounts:login")
    page = client.get(reverse("accounts:login"))
    assert b'<html lang="fr" dir="ltr">' in page.content


def test_choice_saved_on_the_user_and_applied_at_the_next_sign_in(client):
    user = factories.user(role=Role.CONTRIBUTOR, participant=factories.participant())
    client.force_login(user)
    client.post(reverse("set_language"), {"language": "ar", "next": "/"})
    user.refresh_from_db()
    assert user.language == "ar"

    other = type(client)()  # another browser, no language cookie, English Accept-Language
    other.force_login(user)
    page = other.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en")
    assert b'<html lang="ar" dir="rtl">' in page.content
    assert page.cookies["django_language"].value == "ar"


def test_unknown_language_is_refused_and_not_saved(client):
    user = factories.user(role=Role.CONTRIBUTOR, participant=factories.participant())
    client.force_login(user)
    client.post(reverse("set_language"), {"language": "xx", "next": "/"})
    user.refresh_from_db()
    assert user.language == ""


def test_country_and_currency_names_follow_the_active_language():
    assert dict(country_choices())["FRA"] == "France"
    with translation.override("fr"):
        assert country_name("DEU") == "Allemagne"
        assert dict(currency_choices())["USD"] == "USD — Dollar américain"
        names = [name for _code, name in country_choices()]
        assert names.index("Afrique du Sud") < names.index("Allemagne") < names.index("Égypte") < names.index("Zambie")
    with translation.override("ar"):
        assert country_name("FRA") == "فرنسا"
    assert country_name("DEU") == "Germany"


def test_dates_and_numbers_formatted_per_language():
    import datetime as dt

    from django.template import Context, Template

    tpl = Template("{{ d|date:'DATE_FORMAT' }}|{{ n|floatformat:'2g' }}")
    ctx = Context({"d": dt.date(2026, 3, 5), "n": 12345.5})
    assert tpl.render(ctx) == "March 5, 2026|12,345.50"
    with translation.override("fr"):
        assert tpl.render(ctx) == "5 mars 2026|12\xa0345,50"


def test_reminder_e_mails_go_out_in_each_recipients_language():
    import datetime as dt

    import time_machine
    from django.core import mail

    from accounts.services import user_create
    from reporting import reminders

    with time_machine.travel(dt.datetime(2026, 6, 1, 6, tzinfo=dt.UTC), tick=False):
        p = factories.participant(joined_on=dt.date(2024, 1, 1))
        for name, language in (("fp-fr", "fr"), ("fp-en", "")):
            user = user_create(
                username=name,
                password="correct-horse-battery",
                role=Role.FOCAL_POINT,
                participant=p,
                email=f"{name}@example.org",
            )
            user.language = language
            user.save(update_fields=["language"])
    with time_machine.travel(dt.datetime(2026, 6, 10, 6, tzinfo=dt.UTC), tick=False):
        assert reminders.reminders_return_due() == 2
    by_address = {m.to[0]: m for m in mail.outbox}
    french, english = by_address["fp-fr@example.org"], by_address["fp-en@example.org"]
    assert "rapport" in french.subject and "Bonjour" in french.body, french.subject
    assert "return" in english.subject and "Dear" in english.body
    assert translation.get_language() == "en-us" or translation.get_language().startswith("en")


def test_api_errors_follow_accept_language(client):
    response = client.get("/api/v1/me/", HTTP_AUTHORIZATION="Bearer vrs_nonsense", HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 401
    assert "Ce jeton d’API n’est pas valide." in response.content.decode()
    response = client.get("/api/v1/me/", HTTP_AUTHORIZATION="Bearer vrs_nonsense", HTTP_ACCEPT_LANGUAGE="en")
    assert "This API token is not valid." in response.content.decode()


def test_csv_export_headers_in_the_users_language(client):
    user = factories.user(role=Role.ANALYST, participant=factories.participant())
    user.language = "fr"
    user.save(update_fields=["language"])
    client.force_login(user)
    response = client.get("/analytics/export/modes.csv")
    assert response.status_code == 200
    body = b"".join(response).decode("utf-8-sig") if response.streaming else response.content.decode("utf-8-sig")
    assert "Élément" in body and "Les chiffres sont des détections, non des personnes." in body, body[:300]


def test_a_records_page_writes_amounts_and_routes_the_languages_way(client):
    from decimal import Decimal

    participant = factories.participant()
    incident = factories.incident_for(participant, fee_per_person=Decimal("1500.00"), fee_currency="EUR")
    incident.transits.create(country="IDN", sequence=1)
    incident.transits.create(country="TLS", sequence=2)
    user = factories.user(role=Role.CONTRIBUTOR, participant=participant)
    client.force_login(user)
    for language, fee, route in (
        ("en", "1,500.00 EUR", "Indonesia → Timor-Leste"),
        ("fr", "1\xa0500,00 EUR", "Indonésie → Timor oriental"),
        ("ar", "1500,00 EUR", "إندونيسيا ← تيمور-ليستي"),
    ):
        user.language = language
        user.save(update_fields=["language"])
        page = client.get(f"/records/{incident.pk}/").content.decode()
        assert fee in page, (language, fee)
        assert route in page, (language, route)


def test_api_code_lists_in_the_requests_language(client):
    client.force_login(factories.user(role=Role.ANALYST, participant=factories.participant()))
    countries = client.get("/api/v1/reference/countries/", HTTP_ACCEPT_LANGUAGE="fr").json()
    modes = client.get("/api/v1/reference/mode/", HTTP_ACCEPT_LANGUAGE="ar").json()
    assert {"code": "DEU", "label": "Allemagne"} in countries
    assert {"code": "sea", "label": "البحر"} in modes
