"""Inputs that once answered 500 (long reasons, deeply nested JSON, an unread content type, an error
no handler knows) each answer in the API's documented JSON error shape, and lose nothing."""

import pytest
from django.urls import reverse

from accounts.models import Role
from reporting.models import Incident, Return
from tests import factories
from tests.api.conftest import session_client, token_client
from tests.api.test_incidents import create, payload

pytestmark = pytest.mark.django_db

LONG = (
    "The record was entered twice by two agencies; the other copy is the one kept. " * 40
).strip()  # 3,159 characters


def _error_shape(response) -> list[dict]:
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    errors = response.json()["errors"]
    assert errors and all(set(e) == {"field", "code", "message"} for e in errors)
    return errors


def test_long_reasons_and_comments_are_kept_whole_on_every_api_action(story):
    focal = token_client(story.users["home_focal_point"])
    record = create(focal, payload()).json()
    url = f"/api/v1/incidents/{record['id']}"
    assert focal.post(f"{url}/submit/", {"version": 1}, format="json").status_code == 200
    back = focal.post(f"{url}/return/", {"version": 2, "comment": LONG}, format="json")
    assert back.status_code == 200, back.content
    focal.post(f"{url}/submit/", {"version": 3}, format="json")
    validated = focal.post(f"{url}/validate/", {"version": 4}, format="json")
    assert validated.status_code == 200, validated.content
    corrected = focal.patch(
        f"{url}/", {"version": 5, "migrants_total": 11, "reason": LONG[:2000].strip()}, format="json"
    )
    assert corrected.status_code == 200, corrected.content
    withdrawn = focal.post(f"{url}/withdraw/", {"version": 6, "reason": LONG}, format="json")
    assert withdrawn.status_code == 200, withdrawn.content
    reasons = list(Incident.objects.get(pk=record["id"]).history.values_list("history_change_reason", flat=True))
    assert LONG in reasons and LONG[:2000].strip() in reasons


def test_a_long_reason_reopens_a_return():
    home = factories.participant(code="HOM")
    focal = token_client(factories.user(role=Role.FOCAL_POINT, participant=home))
    month = factories.months_back(2)
    factories.incident_for(home, months_ago=2, submitted_return=False)
    action = reverse("api:return-action", kwargs={"month": f"{month:%Y-%m}", "action": "submit"})
    assert focal.post(action, {}).status_code == 200
    reopened = focal.post(action.replace("/submit/", "/reopen/"), {"reason": LONG})
    assert reopened.status_code == 200, reopened.content
    assert Return.objects.get(participant=home, month=month).history.first().history_change_reason == LONG


def test_a_long_reason_withdraws_a_record_in_the_web_form(story, client):
    focal = story.users["home_focal_point"]
    record = story.records["home_shared"]
    client.force_login(focal)
    response = client.post(reverse("reporting:incident-withdraw", args=[record.pk]), {"reason": LONG})
    assert response.status_code in (200, 302), response.content[:300]
    record.refresh_from_db()
    assert record.status == Incident.Status.WITHDRAWN
    assert record.history.first().history_change_reason == LONG


@pytest.mark.parametrize("method", ["post", "patch"])
def test_deeply_nested_json_is_a_400_in_the_error_shape(story, method):
    focal = token_client(story.users["home_focal_point"])
    record = create(focal, payload()).json()
    url = "/api/v1/incidents/" if method == "post" else f"/api/v1/incidents/{record['id']}/"
    response = getattr(focal, method)(
        url, "[" * 100_000, content_type="application/json", HTTP_IDEMPOTENCY_KEY="nested", HTTP_IF_MATCH='"1"'
    )
    assert response.status_code == 400
    assert _error_shape(response)[0]["code"] == "parse_error"
    assert Incident.objects.filter(participant=story.home).count() == 4  # the story's three and the draft above


def test_a_body_of_an_unread_type_is_a_documented_415(story):
    response = token_client(story.users["home_contributor"]).post(
        "/api/v1/imports/", b"incidents", content_type="text/plain", HTTP_IDEMPOTENCY_KEY="plain"
    )
    assert response.status_code == 415, response.content
    assert _error_shape(response)[0]["code"] == "unsupported_media_type"


def test_an_unforeseen_error_under_the_api_is_json_not_a_page(story, monkeypatch):
    from reporting.api import me

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(me.MeApi, "get", broken)
    client = session_client(story.users["home_analyst"])
    client.raise_request_exception = False
    response = client.get("/api/v1/me/")
    assert response.status_code == 500
    assert _error_shape(response)[0]["code"] == "server_error"
    assert "a bug" not in response.content.decode()


@pytest.mark.parametrize("reference", ["AUS-\u202e2400", "AUS\u200b-0042", "\u2067AUS-0042\u2069"])
def test_a_reference_with_invisible_characters_is_refused_by_name(story, reference):
    """A right-to-left override or a zero-width space makes a reference display as another."""
    response = create(token_client(story.users["home_contributor"]), payload(national_reference=reference))
    assert response.status_code == 400
    (error,) = _error_shape(response)
    assert error["field"] == "national_reference" and "invisible formatting characters" in error["message"]


def test_a_page_size_that_is_not_a_whole_number_is_refused_and_a_large_one_capped(story):
    client = token_client(story.users["home_analyst"])
    for bad in ("null", "0", "-3", "2.5"):
        response = client.get("/api/v1/incidents/", {"page_size": bad})
        assert response.status_code == 400 and _error_shape(response)[0]["field"] == "page_size"
    assert client.get("/api/v1/incidents/", {"page_size": 5000}).status_code == 200


def test_a_refusal_from_the_datas_state_is_a_409(story):
    client = token_client(story.users["home_contributor"])
    assert create(client, payload(national_reference="TWICE-1"), key="a").status_code == 201
    again = create(client, payload(national_reference="TWICE-1"), key="b")
    assert again.status_code == 409
    assert _error_shape(again)[0]["code"] == "duplicate_reference"
