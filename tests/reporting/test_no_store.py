"""Cache-Control: no-store on every page, API answer and export (reporting/middleware.py)."""

import pytest
from django.urls import reverse

from tests.api.conftest import token_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def story(db):
    from reporting.models import ReciprocityPolicy
    from tests import factories

    ReciprocityPolicy.objects.get_or_create(version=1)
    return factories.ReciprocityStory()


def test_pages_api_answers_and_exports_are_not_stored(client, story):
    record = story.records["home_shared"]
    client.force_login(story.users["home_focal_point"])
    api = token_client(story.users["home_focal_point"])
    analyst = client.__class__()
    analyst.force_login(story.users["home_analyst"])
    answers = {
        "record page": client.get(f"/records/{record.pk}/"),
        "record list": client.get("/records/"),
        "edit form": client.get(f"/records/{record.pk}/edit/"),
        "API record": api.get(f"/api/v1/incidents/{record.pk}/"),
        "API list": api.get("/api/v1/incidents/"),
        "API error": api.get("/api/v1/incidents/987654321/"),
        "CSV export": analyst.get(reverse("analytics:chart-export", args=["modes", "csv"])),
        "XLSX export": analyst.get(reverse("analytics:chart-export", args=["modes", "xlsx"])),
        "page not found": client.get("/records/987654321/"),
        "sign-in page": client.__class__().get("/accounts/login/"),
    }
    statuses = {name: response.status_code for name, response in answers.items()}
    assert statuses == {
        "record page": 200,
        "record list": 200,
        "edit form": 200,
        "API record": 200,
        "API list": 200,
        "API error": 404,
        "CSV export": 200,
        "XLSX export": 200,
        "page not found": 404,
        "sign-in page": 200,
    }
    no_store = {name: "no-store" in response.get("Cache-Control", "").split(", ") for name, response in answers.items()}
    assert no_store == dict.fromkeys(answers, True)
    assert answers["record page"]["Cache-Control"] == "no-store"
    # Django's never_cache on the sign-in page says more, and no-store among it.
    assert answers["sign-in page"]["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"
