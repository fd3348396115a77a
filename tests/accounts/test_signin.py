"""Site sign-in, end to end over HTTP: two-factor sign-in (required by role, offered to all, recovery
codes), the lockout, idle expiry, the audit of every sign-in, and the security headers."""

import datetime as dt
import re
import time

import pytest
import time_machine
from django.test import Client
from django_otp import devices_for_user
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.middleware import LAST_SEEN
from accounts.models import AuditEntry, Role
from tests import factories

PASSWORD = "correct-horse-battery"
pytestmark = pytest.mark.django_db


@pytest.fixture
def required(settings):
    settings.OTP_REQUIRED = True
    return settings


def sign_in(client: Client, username: str, password: str = PASSWORD, next_: str = "/"):
    return client.post(f"/accounts/login/?next={next_}", {"username": username, "password": password, "next": next_})


def code_for(device: TOTPDevice, *, offset: int = 0) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=offset):06d}"


def unthrottle(user) -> None:
    """django-otp makes each try after a wrong code wait longer (1 s, 2 s, 4 s…); tests that are
    not about that start each try afresh."""
    for device in devices_for_user(user):
        device.throttle_reset()


def enrol(client: Client, user) -> tuple[TOTPDevice, list[str]]:
    page = client.get("/accounts/two-factor/setup/")
    assert page.status_code == 200
    assert b"data:image/svg+xml" in page.content  # the QR code, as an image (no inline markup)
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    device.throttle_reset()  # django-otp slows down tries after a wrong code; not what this helper tests
    done = client.post("/accounts/two-factor/setup/", {"code": code_for(device), "next": "/"})
    assert done.status_code == 200, done.content.decode()[:500]
    codes = re.findall(r"<code>([a-z2-7]{4}(?:-[a-z2-7]{4}){3})</code>", done.content.decode())
    assert len(codes) == 10
    return TOTPDevice.objects.get(user=user, confirmed=True), codes


def test_focal_point_must_set_up_two_factor_before_anything_else(required):
    owner = factories.participant(code="AUS")
    focal = factories.user(role=Role.FOCAL_POINT, participant=owner, username="farid")
    client = Client()
    response = sign_in(client, "farid", next_="/records/")
    assert response.status_code == 302
    # Every page leads to the set-up page until an authenticator is confirmed; the API says so in JSON.
    assert client.get("/records/")["Location"].startswith("/accounts/two-factor/setup/?next=%2Frecords%2F")
    api = client.get("/api/v1/me/")
    assert api.status_code == 403 and api.json()["errors"][0]["code"] == "second_factor_required"
    # A wrong code is refused and nothing is confirmed.
    client.get("/accounts/two-factor/setup/")
    wrong = client.post("/accounts/two-factor/setup/", {"code": "000000"})
    assert wrong.status_code == 400 and not TOTPDevice.objects.filter(user=focal, confirmed=True).exists()
    enrol(client, focal)
    assert client.get("/records/").status_code == 200
    actions = list(AuditEntry.objects.filter(subject_user=focal).values_list("action", flat=True))
    for action in ("signed_in", "otp_failed", "otp_enrolled", "recovery_codes_created"):
        assert action in actions


# Frozen at the start of a 30-second step, so "the current code" is the same one all test long.
@time_machine.travel(dt.datetime(2026, 11, 2, 9, 0, 0, tzinfo=dt.UTC), tick=False)
def test_second_sign_in_needs_a_code_and_a_recovery_code_works_once(required):
    owner = factories.participant(code="AUS")
    focal = factories.user(role=Role.FOCAL_POINT, participant=owner, username="farid")
    first = Client()
    sign_in(first, "farid")
    device, codes = enrol(first, focal)

    second = Client()
    assert sign_in(second, "farid")["Location"] == "/"
    assert second.get("/")["Location"].startswith("/accounts/two-factor/verify/")
    # A stolen password alone cannot move the authenticator either.
    assert second.get("/accounts/two-factor/setup/")["Location"].startswith("/accounts/two-factor/verify/")
    assert second.post("/accounts/two-factor/verify/", {"code": "123456", "next": "/"}).status_code == 400
    unthrottle(focal)
    ok = second.post("/accounts/two-factor/verify/", {"code": codes[0].upper(), "next": "/records/"})
    assert ok.status_code == 302 and ok["Location"] == "/records/"
    assert second.get("/records/").status_code == 200

    third = Client()
    sign_in(third, "farid")
    assert third.post("/accounts/two-factor/verify/", {"code": codes[0], "next": "/"}).status_code == 400  # used up
    unthrottle(focal)
    device.refresh_from_db()
    # The code of the current 30 seconds was spent at enrolment (no replay); the next one is accepted.
    assert third.post("/accounts/two-factor/verify/", {"code": code_for(device), "next": "/"}).status_code == 400
    unthrottle(focal)
    assert (
        third.post("/accounts/two-factor/verify/", {"code": code_for(device, offset=1), "next": "/"}).status_code == 302
    )
    # Off-site `next` is not followed.
    fourth = Client()
    sign_in(fourth, "farid")
    jump = fourth.post("/accounts/two-factor/verify/", {"code": codes[1], "next": "https://evil.example/"})
    assert jump["Location"] == "/"
    kinds = AuditEntry.objects.filter(subject_user=focal).values_list("action", flat=True)
    assert list(kinds).count("otp_failed") >= 2 and "otp_verified" in kinds


def test_analyst_is_offered_two_factor_and_may_turn_it_off(required):
    owner = factories.participant(code="NZL")
    analyst = factories.user(role=Role.ANALYST, participant=owner, username="ana")
    client = Client()
    sign_in(client, "ana")
    assert client.get("/").status_code == 200  # not required of analysts
    assert b"Set up an authenticator app" in client.get("/accounts/two-factor/").content
    enrol(client, analyst)
    assert client.post("/accounts/two-factor/remove/").status_code == 302
    assert not TOTPDevice.objects.filter(user=analyst).exists()


def test_focal_point_cannot_remove_a_required_second_factor(required):
    owner = factories.participant(code="AUS")
    focal = factories.user(role=Role.FOCAL_POINT, participant=owner, username="farid")
    client = Client()
    sign_in(client, "farid")
    enrol(client, focal)
    client.post("/accounts/two-factor/remove/")
    assert TOTPDevice.objects.filter(user=focal, confirmed=True).exists()


def test_repeated_failures_lock_the_username_from_that_address_even_with_the_right_password(settings):
    settings.AXES_FAILURE_LIMIT = 3
    owner = factories.participant(code="AUS")
    factories.user(role=Role.ANALYST, participant=owner, username="ana")
    client = Client(REMOTE_ADDR="10.9.9.9")
    for _i in range(3):
        assert sign_in(client, "ana", "wrong-password-123").status_code in (200, 429)
    locked = sign_in(client, "ana")
    assert locked.status_code == 429
    assert int(locked["Retry-After"]) == settings.API_LOCKOUT_DURATION
    assert b"Sign-in locked" in locked.content
    assert not client.get("/").wsgi_request.user.is_authenticated
    entries = AuditEntry.objects.filter(details__username="ana")
    assert entries.filter(action="sign_in_failed").count() >= 3
    assert entries.filter(action="locked_out").exists()


def test_unknown_username_failures_are_audited_without_the_password():
    sign_in(Client(), "nobody", "hunter2-hunter2")
    entry = AuditEntry.objects.get(action="sign_in_failed")
    assert entry.actor is None and "nobody" in entry.summary
    assert "hunter2" not in str(entry.details) and entry.details["ip"] == "127.0.0.1"


def test_idle_session_ends(settings):
    settings.SESSION_IDLE_SECONDS = 60
    owner = factories.participant(code="AUS")
    user = factories.user(role=Role.ANALYST, participant=owner, username="ana")
    client = Client()
    sign_in(client, "ana")
    assert client.get("/").status_code == 200
    session = client.session
    session[LAST_SEEN] = int(time.time()) - 61
    session.save()
    expired = client.get("/records/")
    assert expired.status_code == 302 and expired["Location"].startswith("/accounts/login/?next=%2Frecords%2F")
    assert client.get("/").status_code == 302  # signed out for good
    assert AuditEntry.objects.filter(subject_user=user, action="session_expired").exists()


def test_sign_in_and_out_are_audited():
    owner = factories.participant(code="AUS")
    user = factories.user(role=Role.CONTRIBUTOR, participant=owner, username="dana")
    client = Client()
    sign_in(client, "dana")
    client.post("/accounts/logout/")
    actions = list(AuditEntry.objects.filter(subject_user=user).order_by("at", "id").values_list("action", flat=True))
    assert actions == ["signed_in", "signed_out"]


def test_every_page_carries_a_strict_content_security_policy(client):
    response = client.get("/accounts/login/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "unsafe-inline" not in policy and "frame-ancestors 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    docs = client.get("/api/docs/")
    if docs.status_code == 200:
        assert b"<script>" not in docs.content and b"<style>" not in docs.content


def test_a_refused_api_token_is_audited_without_its_secret(settings):
    assert settings.AXES_FAILURE_LIMIT == settings.API_LOCKOUT_FAILURES  # one lockout policy for both
    owner = factories.participant(code="AUS")
    user = factories.user(role=Role.ANALYST, participant=owner, username="ana")
    from accounts.api_tokens import api_token_create

    _token, raw = api_token_create(
        user=user, name="t", scope="read", expires_on=dt.datetime.now(dt.UTC).date() + dt.timedelta(days=9)
    )
    prefix = raw.split("_")[1]
    wrong = f"vrs_{prefix}_not-the-secret"
    assert Client().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {wrong}").status_code == 401
    entry = AuditEntry.objects.get(action="api_token_rejected")
    assert entry.subject_user == user and entry.details["prefix"] == prefix
    assert "not-the-secret" not in str(entry.details) + entry.summary


def test_a_locked_username_still_signs_in_from_another_address_and_others_from_the_locked_one(settings):
    """Whoever types a known username's password wrong locks only themselves (the pair), not the
    account everywhere nor every user behind the same address."""
    settings.AXES_FAILURE_LIMIT = 3
    owner = factories.participant(code="AUS")
    factories.user(role=Role.FOCAL_POINT, participant=owner, username="aus-focal")
    factories.user(role=Role.ANALYST, participant=owner, username="aus-analyst")
    attacker = Client(REMOTE_ADDR="10.6.6.6")
    for _i in range(3):
        sign_in(attacker, "aus-focal", "guess-guess-guess")
    assert sign_in(attacker, "aus-focal").status_code == 429
    assert sign_in(Client(REMOTE_ADDR="10.1.1.1"), "aus-focal").status_code == 302  # the owner, at the office
    assert sign_in(Client(REMOTE_ADDR="10.6.6.6"), "aus-analyst").status_code == 302  # a colleague behind the NAT


def test_the_lock_grows_with_each_further_round_of_failures(settings):
    settings.AXES_FAILURE_LIMIT = 3
    owner = factories.participant(code="AUS")
    factories.user(role=Role.ANALYST, participant=owner, username="ana")
    client = Client(REMOTE_ADDR="10.9.9.8")
    waits = []
    for _round in range(3):
        for _i in range(3):
            response = sign_in(client, "ana", "wrong-password-123")
        waits.append(int(response["Retry-After"]) if response.status_code == 429 else 0)
    assert waits[1] < waits[2] and waits[2] == 4 * settings.API_LOCKOUT_DURATION
    assert AuditEntry.objects.filter(action="locked_out", details__username="ana").exists()


@pytest.mark.parametrize(
    ("secure", "target", "goes_to"),
    [
        (True, "http://testserver/records/", "/"),  # never from https down to http
        (True, "https://testserver/records/", "https://testserver/records/"),
        (True, "/records/", "/records/"),
        (False, "http://testserver/records/", "http://testserver/records/"),
        (True, "https://elsewhere.example/", "/"),
    ],
)
def test_the_two_factor_pages_next_never_downgrades_to_http(rf, secure, target, goes_to):
    from accounts.second_factor_views import _next

    assert _next(rf.get("/accounts/two-factor/verify/", {"next": target}, secure=secure)) == goes_to


def test_an_over_long_username_is_refused_by_the_form_not_a_server_error():
    response = sign_in(Client(), "x" * 5000, "whatever-password")
    assert response.status_code == 200
    assert b"at most 150 characters" in response.content
