"""The client's address behind reverse proxies (settings.TRUSTED_PROXY_COUNT): what sign-in lockouts
count against and the audit log records. A client may write anything into X-Forwarded-For; only the
address our own outermost proxy appended is believed."""

import pytest
from django.test import Client, RequestFactory

from accounts.authentication import client_ip
from accounts.models import AuditEntry, Role
from tests import factories

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.2"


def request(forwarded: str | None = None):
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return RequestFactory().get("/", REMOTE_ADDR=PROXY, **extra)


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, None, PROXY),
        (0, "203.0.113.7", PROXY),  # no proxy of ours: the header is the client's own words
        (1, "203.0.113.7", "203.0.113.7"),
        (1, "198.51.100.66, 203.0.113.7", "203.0.113.7"),  # the left one was forged by the client
        (2, "198.51.100.66, 203.0.113.7, 10.0.0.9", "203.0.113.7"),
        (2, "203.0.113.7", PROXY),  # fewer hops than proxies: not through our proxies, trust nothing
        (1, " , ", PROXY),
    ],
)
def test_client_address_believes_only_what_our_own_proxies_wrote(settings, proxies, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    assert client_ip(request(forwarded)) == expected


def sign_in_fails(client: Client, username: str, forwarded: str):
    return client.post(
        "/accounts/login/",
        {"username": username, "password": "wrong-password-123"},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=forwarded,
    )


def test_behind_one_proxy_one_clients_failures_do_not_lock_out_another(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.AXES_FAILURE_LIMIT = 3
    owner = factories.participant(code="AUS")
    factories.user(role=Role.ANALYST, participant=owner, username="mallory-target")
    attacker = Client()
    # One address guessing a username's password locks that (username, address) pair…
    for _n in range(3):
        sign_in_fails(attacker, "mallory-target", "198.51.100.66, 203.0.113.66")
    assert sign_in_fails(attacker, "mallory-target", "203.0.113.66").status_code == 429
    # …but not the same user signing in through the same proxy from another address.
    colleague = Client()
    response = colleague.post(
        "/accounts/login/",
        {"username": "mallory-target", "password": "correct-horse-battery"},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR="203.0.113.10",
    )
    assert response.status_code != 429
    failure = AuditEntry.objects.filter(action="sign_in_failed").first()
    assert failure.details["ip"] == "203.0.113.66"


def test_without_a_trusted_proxy_a_forged_header_does_not_escape_the_lockout(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    settings.AXES_FAILURE_LIMIT = 3
    owner = factories.participant(code="AUS")
    factories.user(role=Role.ANALYST, participant=owner, username="dora")
    attacker = Client()
    for n in range(3):
        sign_in_fails(attacker, "dora", f"198.51.100.{n}")  # a new forged address each time
    assert sign_in_fails(attacker, "dora", "198.51.100.99").status_code == 429
