"""Monthly returns over the API: submit, nil ("nothing to report"), reopen with a reason; every
refusal is a 400 in the error shape, and a refused step changes nothing."""

import pytest
from django.urls import reverse

from accounts.models import Role
from reporting.models import Incident, Return
from tests import factories
from tests.api.conftest import token_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def home():
    return factories.participant(code="HOM")


@pytest.fixture
def focal(home):
    return token_client(factories.user(role=Role.FOCAL_POINT, participant=home))


def _act(client, month, action, **body):
    return client.post(reverse("api:return-action", kwargs={"month": f"{month:%Y-%m}", "action": action}), body)


def test_a_month_with_validated_records_is_submitted_then_reopened_with_a_reason(home, focal):
    month = factories.months_back(2)
    factories.incident_for(home, months_ago=2, submitted_return=False)
    submitted = _act(focal, month, "submit")
    assert submitted.status_code == 200, submitted.content
    assert submitted.json()["status"] == "submitted" and submitted.json()["is_nil"] is False
    # A nil return for a month with validated records is refused, and so is submitting twice.
    again = _act(focal, month, "submit")
    assert again.status_code == 409 and "already submitted" in again.json()["errors"][0]["message"]
    no_reason = _act(focal, month, "reopen")
    assert no_reason.status_code == 400 and no_reason.json()["errors"][0]["field"] == "reason"
    assert Return.objects.get(participant=home, month=month).status == "submitted"
    reopened = _act(focal, month, "reopen", reason="A late record of the 3rd")
    assert reopened.status_code == 200 and reopened.json()["status"] == "open"
    ret = Return.objects.get(participant=home, month=month)
    assert ret.history.first().history_change_reason == "A late record of the 3rd"
    nil = _act(focal, month, "nil")
    assert nil.status_code == 400 and "validated record" in nil.json()["errors"][0]["message"]
    assert Return.objects.get(participant=home, month=month).status == "open"


def test_nothing_to_report_for_an_empty_closed_month_but_not_for_the_current_one(home, focal):
    empty = factories.months_back(3)
    nil = _act(focal, empty, "nil")
    assert nil.status_code == 200 and nil.json()["is_nil"] is True
    listed = focal.get(reverse("api:return-list"), {"status": "submitted"}).json()["results"]
    assert [r["month"] for r in listed] == [f"{empty:%Y-%m}"]
    current = _act(focal, factories.months_back(0), "nil")
    assert current.status_code == 409 and current.json()["errors"][0]["code"] == "month_not_over"
    assert not Return.objects.filter(participant=home, month=factories.months_back(0), status="submitted").exists()


def test_a_month_without_a_return_or_badly_written_is_404_and_other_roles_403(home, focal):
    assert _act(focal, factories.months_back(4), "submit").status_code == 404
    assert focal.post("/api/v1/returns/2025-13/submit/", {}).status_code == 404
    assert _act(focal, factories.months_back(4), "explode").status_code == 404
    analyst = token_client(factories.user(role=Role.ANALYST, participant=home))
    assert _act(analyst, factories.months_back(3), "nil").status_code == 403
    assert not Incident.objects.exists()


def _keyed(client, month, action, key, **body):
    url = reverse("api:return-action", kwargs={"month": f"{month:%Y-%m}", "action": action})
    return client.post(url, body, HTTP_IDEMPOTENCY_KEY=key)


def test_a_retried_nil_return_or_submission_with_its_key_replays_the_first_answer(home, focal):
    empty = factories.months_back(3)
    first = _keyed(focal, empty, "nil", "nil-1")
    assert first.status_code == 200 and first.json()["is_nil"] is True
    retried = _keyed(focal, empty, "nil", "nil-1")
    assert retried.status_code == 200 and retried["Idempotent-Replayed"] == "true"
    assert retried.json() == first.json()
    # Without the key, the same retry is the refusal of a step already taken: a conflict with the state.
    assert _act(focal, empty, "nil").status_code == 409
    month = factories.months_back(2)
    factories.incident_for(home, months_ago=2, submitted_return=False)
    submitted = _keyed(focal, month, "submit", "submit-1")
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"
    ret = Return.objects.get(participant=home, month=month)
    versions = ret.history.count()
    again = _keyed(focal, month, "submit", "submit-1")
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    assert again.json() == submitted.json()
    assert ret.history.count() == versions  # nothing done twice
    # The same key for another step (another address or body) is refused, and changes nothing.
    reused = _keyed(focal, month, "reopen", "submit-1", reason="late record")
    assert reused.status_code == 422 and reused.json()["errors"][0]["code"] == "idempotency_key_reused"
    assert Return.objects.get(pk=ret.pk).status == "submitted"


def test_a_refused_step_keeps_no_key_so_the_fixed_request_goes_through(home, focal):
    month = factories.months_back(2)
    factories.incident_for(home, months_ago=2, submitted_return=False)
    assert _keyed(focal, month, "submit", "k-1").status_code == 200
    refused = _keyed(focal, month, "reopen", "k-2")  # no reason
    assert refused.status_code == 400
    reopened = _keyed(focal, month, "reopen", "k-2", reason="A record was found late.")
    assert reopened.status_code == 200 and reopened.json()["status"] == "open"


def test_no_nil_return_before_joining_is_a_conflict_that_keeps_nothing(home, focal):
    home.joined_on = factories.months_back(1)
    home.save(update_fields=["joined_on"])
    before = _act(focal, factories.months_back(4), "nil")
    assert before.status_code == 409 and before.json()["errors"][0]["code"] == "before_joining"
    assert not Return.objects.filter(participant=home, month=factories.months_back(4)).exists()
