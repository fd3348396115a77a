"""Participants over the API: the directory, and the secretariat's lifecycle through the console's
own services (invite, terms, activate, suspend, reinstate, withdraw), with the same checks."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts import services as account_services
from accounts.models import Participant, ParticipantStatusChange, Role
from tests import factories
from tests.api.conftest import token_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def secretariat():
    return token_client(factories.user(role=Role.SECRETARIAT, participant=None, username="sec-api"))


@pytest.fixture
def terms(db):
    return account_services.terms_publish(
        title="Terms", text="…", published_on=timezone.localdate() - dt.timedelta(days=30), created_by=None
    )


def _invite(client, key="inv-1", **body):
    body = {"code": "png", "name": "Papua New Guinea", "kind": "state", "region": "pacific", "country": "PNG", **body}
    return client.post(reverse("api:participant-list"), body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def _step(client, code, action, **body):
    return client.post(reverse("api:participant-action", kwargs={"code": code, "action": action}), body, format="json")


def test_an_invitation_is_idempotent_and_checked_like_the_consoles(secretariat):
    first = _invite(secretariat)
    assert first.status_code == 201, first.content
    assert first.json()["code"] == "PNG" and first.json()["status"] == "invited"
    again = _invite(secretariat)
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert Participant.objects.filter(code="PNG").count() == 1
    # The same code again, a state without its country: both problems at once, nothing created.
    bad = _invite(secretariat, key="inv-2", country="", name="Another name")
    assert bad.status_code == 400
    assert {e["field"] for e in bad.json()["errors"]} == {"code", "country"}
    assert Participant.objects.count() == 1


def test_the_lifecycle_follows_the_consoles_rules(secretariat, terms):
    _invite(secretariat)
    # Activation needs the current terms accepted: refused, with the reason, and nothing changes.
    refused = _step(secretariat, "PNG", "activate")
    assert refused.status_code == 400 and "terms" in refused.json()["errors"][0]["message"]
    assert Participant.objects.get(code="PNG").status == "invited"
    missing = _step(secretariat, "PNG", "terms", signed_by="Secretary")
    assert missing.status_code == 400 and {e["field"] for e in missing.json()["errors"]} == {
        "terms_version",
        "accepted_on",
    }
    accepted = _step(
        secretariat, "PNG", "terms", terms_version=terms.version, accepted_on=f"{timezone.localdate()}", signed_by="DG"
    )
    assert accepted.status_code == 200, accepted.content
    active = _step(secretariat, "PNG", "activate")
    assert active.status_code == 200 and active.json()["status"] == "active"
    assert active.json()["history"][0]["to_status"] == "active"
    # Suspension needs a reason; withdrawal is final.
    assert _step(secretariat, "PNG", "suspend").json()["errors"][0]["field"] == "reason"
    assert _step(secretariat, "PNG", "suspend", reason="At its request").json()["status"] == "suspended"
    assert _step(secretariat, "PNG", "withdraw", reason="Left the process").json()["status"] == "withdrawn"
    assert _step(secretariat, "PNG", "reinstate").status_code == 400
    changes = ParticipantStatusChange.objects.filter(participant__code="PNG").values_list("to_status", flat=True)
    assert sorted(changes) == sorted(["invited", "active", "suspended", "withdrawn"])
    assert _step(secretariat, "PNG", "explode").status_code == 404
    assert _step(secretariat, "NOPE", "suspend", reason="x").status_code == 404


def test_standing_is_shown_to_the_secretariat_and_own_users_only(secretariat):
    home = factories.participant(code="HOM")
    other = factories.participant(code="OTH")
    url = reverse("api:participant-detail", kwargs={"code": "hom"})
    assert secretariat.get(url).json()["standing"]["returns_needed"] >= 1
    own = token_client(factories.user(role=Role.ANALYST, participant=home))
    assert own.get(url).json()["standing"] is not None
    stranger = token_client(factories.user(role=Role.ANALYST, participant=other))
    body = stranger.get(url).json()
    assert body["standing"] is None and body["code"] == "HOM"
    assert (
        stranger.post(reverse("api:participant-list"), {}, format="json", HTTP_IDEMPOTENCY_KEY="k").status_code == 403
    )
