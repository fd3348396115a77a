"""Personal API tokens: create, use, expire, revoke, read-only scope, lockout; the tokens page."""

import datetime as dt

import pytest
import time_machine
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.api_tokens import TokenRejected, api_token_authenticate, api_token_create, api_token_revoke
from accounts.models import ApiToken, AuditEntry, AuthLockout
from tests import factories
from tests.api.conftest import token_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def analyst():
    return factories.user(role="analyst", participant=factories.participant())


def bearer(plaintext: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    return client


def test_a_token_is_stored_as_prefix_and_hash_only_and_shown_once(analyst):
    token, plaintext = api_token_create(
        user=analyst, name="case system", scope="read", expires_on=timezone.localdate() + dt.timedelta(days=10)
    )
    tag, prefix, secret = plaintext.split("_", 2)
    assert (tag, prefix) == ("vrs", token.prefix)
    row = ApiToken.objects.get(pk=token.pk)
    assert secret not in {row.secret_hash, row.prefix, row.name}
    assert len(secret) >= 40
    assert bearer(plaintext).get("/api/v1/me/").json()["username"] == analyst.username


def test_creation_refuses_bad_input_with_every_problem_at_once(analyst):
    with pytest.raises(Exception) as caught:
        api_token_create(user=analyst, name=" ", scope="admin", expires_on=timezone.localdate())
    assert set(caught.value.message_dict) == {"name", "scope", "expires_on"}
    assert not ApiToken.objects.exists()


def test_a_token_stops_working_after_its_expiry_date(analyst):
    plaintext = token_for(analyst, days=3)
    assert bearer(plaintext).get("/api/v1/me/").status_code == 200
    with time_machine.travel(timezone.now() + dt.timedelta(days=4)):
        response = bearer(plaintext).get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "token_expired"


def test_a_revoked_token_stops_working_at_once(analyst):
    plaintext = token_for(analyst)
    api_token_revoke(token=ApiToken.objects.get(user=analyst), revoked_by=analyst)
    response = bearer(plaintext).get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["errors"] == [
        {"field": None, "code": "token_revoked", "message": "This API token has been revoked."}
    ]


def test_a_read_only_token_reads_but_cannot_write(analyst):
    client = bearer(token_for(analyst, scope="read"))
    assert client.get("/api/v1/incidents/").status_code == 200
    response = client.post("/api/v1/incidents/", {}, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert response.status_code == 403
    assert "read only" in response.json()["errors"][0]["message"]


def test_a_wrong_secret_is_401_and_an_inactive_user_cannot_use_a_token(analyst):
    plaintext = token_for(analyst)
    assert bearer(plaintext[:-2] + "xx").get("/api/v1/me/").status_code == 401
    assert bearer("not-a-token").get("/api/v1/me/").status_code == 401
    analyst.is_active = False
    analyst.save()
    assert bearer(plaintext).get("/api/v1/me/").status_code == 401


@override_settings(API_LOCKOUT_FAILURES=3, API_LOCKOUT_WINDOW=600, API_LOCKOUT_DURATION=900)
def test_wrong_secrets_sent_with_a_tokens_prefix_never_lock_that_token(analyst):
    """The prefix is shown in token lists and audit summaries: knowing it must not let anyone lock
    the token for its owner. Wrong secrets are refused and audited."""
    plaintext = token_for(analyst)
    prefix = plaintext.split("_")[1]
    for _ in range(5):
        response = bearer(f"vrs_{prefix}_wrong-secret").get("/api/v1/me/", REMOTE_ADDR="10.0.0.9")
        assert response.status_code in (401, 429)
    assert bearer(plaintext).get("/api/v1/me/", REMOTE_ADDR="10.0.0.1").status_code == 200
    assert bearer(plaintext).get("/api/v1/me/", REMOTE_ADDR="10.0.0.9").status_code == 200  # even from there
    rejected = AuditEntry.objects.filter(action=AuditEntry.Action.API_TOKEN_REJECTED, details__prefix=prefix)
    assert rejected.count() == 5 and "wrong-secret" not in str(list(rejected.values_list("details", flat=True)))


@override_settings(API_LOCKOUT_FAILURES=3, API_LOCKOUT_WINDOW=600, API_LOCKOUT_DURATION=900)
def test_an_address_trying_random_tokens_has_its_failures_refused_but_valid_tokens_work(analyst):
    for n in range(3):
        bearer(f"vrs_guess{n}_secret").get("/api/v1/me/", REMOTE_ADDR="10.0.0.66")
    assert AuthLockout.objects.get(key="ip:10.0.0.66").locked_until is not None
    lock = AuditEntry.objects.get(action=AuditEntry.Action.LOCKED_OUT)
    assert "10.0.0.66" in lock.summary
    locked = bearer("vrs_guess9_secret").get("/api/v1/me/", REMOTE_ADDR="10.0.0.66")
    assert locked.status_code == 429 and locked.json()["errors"][0]["code"] == "locked_out"
    assert 0 < int(locked["Retry-After"]) <= 900
    plaintext = token_for(analyst)  # the national system behind the same address
    assert bearer(plaintext).get("/api/v1/me/", REMOTE_ADDR="10.0.0.66").status_code == 200
    assert bearer(plaintext).get("/api/v1/me/", REMOTE_ADDR="10.0.0.1").status_code == 200


@override_settings(API_LOCKOUT_FAILURES=2, API_LOCKOUT_WINDOW=600, API_LOCKOUT_DURATION=60)
def test_each_further_lock_of_an_address_is_longer():
    start = timezone.now()
    ends = []
    for round_ in range(3):
        at = start + dt.timedelta(hours=round_)
        with time_machine.travel(at, tick=False):
            for _ in range(2):
                with pytest.raises(TokenRejected):
                    api_token_authenticate(raw="vrs_abc_wrong", client_ip="10.2.2.2")
            ends.append((AuthLockout.objects.get(key="ip:10.2.2.2").locked_until - at).total_seconds())
    assert ends == [60, 120, 240]


@override_settings(API_LOCKOUT_FAILURES=3, API_LOCKOUT_WINDOW=60, API_LOCKOUT_DURATION=900)
def test_failures_spread_beyond_the_window_do_not_lock():
    start = timezone.now()
    for n in range(4):
        with time_machine.travel(start + dt.timedelta(seconds=61 * n)), pytest.raises(TokenRejected):
            api_token_authenticate(raw="vrs_abc_wrong", client_ip="10.1.1.1")
    assert AuthLockout.objects.filter(locked_until__isnull=False).count() == 0


def test_the_tokens_page_creates_shows_once_lists_and_revokes(analyst, client):
    client.force_login(analyst)
    page = client.get(reverse("accounts:token-list"))
    assert page.status_code == 200
    created = client.post(
        reverse("accounts:token-list"),
        {"name": "case system", "scope": "write", "expires_on": (timezone.localdate() + dt.timedelta(days=30))},
    )
    assert created.status_code == 200
    plaintext = created.context["plaintext"]
    assert plaintext.startswith("vrs_") and plaintext in created.content.decode()
    assert created["Cache-Control"] == "no-store"
    again = client.get(reverse("accounts:token-list")).content.decode()
    assert plaintext not in again and "case system" in again
    assert bearer(plaintext).get("/api/v1/me/").json()["token_scope"] == "write"
    token = ApiToken.objects.get(user=analyst)
    client.post(reverse("accounts:token-revoke", args=[token.pk]))
    assert bearer(plaintext).get("/api/v1/me/").status_code == 401


def test_the_tokens_page_shows_form_errors_and_another_users_token_is_404(analyst, client):
    other = factories.user(role="analyst", participant=factories.participant())
    token_for(other)
    client.force_login(analyst)
    response = client.post(reverse("accounts:token-list"), {"name": "", "scope": "write", "expires_on": "2001-01-01"})
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"name", "expires_on"}  # every problem at once
    foreign = ApiToken.objects.get(user=other)
    assert client.post(reverse("accounts:token-revoke", args=[foreign.pk])).status_code == 404
    assert ApiToken.objects.get(pk=foreign.pk).revoked_at is None


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(reverse("accounts:token-list"))
    assert response.status_code == 302 and "login" in response["Location"]
