"""The site's error pages (config/errors.py): in its layout, translated, saying why and what to do;
the API keeps its own answers."""

import logging
import sys

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from accounts.models import Role
from config import errors
from tests import factories

pytestmark = pytest.mark.django_db


def _main(response) -> str:
    page = response.content.decode()
    return page[page.index("<main") : page.index("</main>")]


@pytest.fixture
def contributor(client):
    user = factories.user(role=Role.CONTRIBUTOR, participant=factories.participant())
    client.force_login(user)
    return user


def test_403_shows_the_views_own_reason_in_the_layout_and_logs_one_line(client, contributor, caplog):
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.get(reverse("analytics:dashboard"))
    assert response.status_code == 403
    page = response.content.decode()
    assert "Your role does not include the dashboards." in page
    assert 'class="topbar"' in page and "Error 403" in page
    forbidden = [record for record in caplog.records if record.name == "django.request"]
    assert len(forbidden) == 1 and forbidden[0].exc_info is None
    assert "Your role does not include the dashboards." in forbidden[0].getMessage()


def test_403_in_french_and_arabic(client, contributor):
    for language, words in (("fr", "pas autorisé"), ("ar", "غير مسموح")):
        response = client.get(reverse("analytics:dashboard"), headers={"accept-language": language})
        assert response.status_code == 403
        assert f'lang="{language}"' in response.content.decode()
        assert words in response.content.decode()


def test_404_under_records_explains_the_rule_without_saying_whether_the_record_exists(client, contributor):
    other = factories.participant()
    hidden = factories.incident_for(other)
    missing = client.get("/records/987654321/")
    assert missing.status_code == 404
    page = missing.content.decode()
    assert "only while your participant is contributing" in page
    assert reverse("reporting:standing-detail") in page
    forbidden = client.get(reverse("reporting:incident-detail", args=[hidden.pk]))
    assert forbidden.status_code == 404
    # The same words whether the record exists or not.
    assert _main(forbidden) == _main(missing)


def test_404_elsewhere_is_the_plain_site_page(client, contributor):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert 'class="topbar"' in page and "only while your participant" not in page


def test_api_keeps_its_answers(client, contributor):
    response = client.get("/api/v1/no-such-thing/")
    assert response.status_code == 404 and response["Content-Type"].startswith("application/json")
    response = client.get("/api/no-such-thing/")
    assert response.status_code == 404 and 'class="topbar"' not in response.content.decode()


def test_400_and_500_pages_in_the_layout():
    request = RequestFactory().get("/records/")
    request.user = None
    with translation.override("fr"):
        try:
            raise ValueError("boom")
        except ValueError:
            response = errors.server_error(request)
            assert sys.exc_info()[0] is ValueError
    assert response.status_code == 500
    page = response.content.decode()
    assert 'class="topbar"' in page and 'lang="fr"' in page and "Erreur 500" in page


def test_400_page(client, contributor):
    request = RequestFactory().get("/records/")
    request.user = contributor
    response = errors.bad_request(request, Exception())
    assert response.status_code == 400 and "could not be understood" in response.content.decode()
    api = RequestFactory().get("/api/v1/x/")
    assert 'class="topbar"' not in errors.bad_request(api, Exception()).content.decode()


@pytest.mark.parametrize("status", [410, 429])
def test_410_and_429_pages(contributor, status):
    request = RequestFactory().get("/accounts/")
    request.user = contributor
    response = errors.error_page(request, status=status, message="Because.")
    assert response.status_code == status and "Because." in response.content.decode()


def test_api_500_is_json_in_the_apis_shape():
    request = RequestFactory().get("/api/v1/incidents/")
    try:
        raise ValueError("boom")
    except ValueError:
        response = errors.server_error(request)
    assert response.status_code == 500 and b'"code": "server_error"' in response.content
