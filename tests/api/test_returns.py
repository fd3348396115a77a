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
    assert again.status_code == 400 and "already submitted" in again.json()["errors"][0]["message"]
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
    assert current.status_code == 400
    assert not Return.objects.filter(participant=home, month=factories.months_back(0), status="submitted").exists()


def test_a_month_without_a_return_or_badly_written_is_404_and_other_roles_403(home, focal):
    assert _act(focal, factories.months_back(4), "submit").status_code == 404
    assert focal.post("/api/v1/returns/2025-13/submit/", {}).status_code == 404
    assert _act(focal, factories.months_back(4), "explode").status_code == 404
    analyst = token_client(factories.user(role=Role.ANALYST, participant=home))
    assert _act(analyst, factories.months_back(3), "nil").status_code == 403
    assert not Incident.objects.exists()
