"""The Idempotency-Key is taken with one INSERT … ON CONFLICT DO NOTHING (reporting/api/idempotency.py):
a request racing another with the same key waits for it, then replays its answer if it committed,
or takes the key itself if it failed. The unique (user, key) constraint decides, not a lookup."""

import threading
import time

import pytest
from django.db import connection, transaction

from accounts.models import IdempotencyKey, Role
from reporting.api.idempotency import _claim
from tests import factories

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    # Two connections at once, one waiting on the other's uncommitted row: the in-memory SQLite of a
    # test run without PostgreSQL has one connection.
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs two concurrent connections"),
]


def race(*, first_commits: bool) -> tuple[int | None, int | None]:
    user = factories.user(role=Role.CONTRIBUTOR, participant=factories.participant(code="AUS"))
    claimed, results = threading.Event(), {}

    def first():
        try:
            with transaction.atomic():
                results["first"] = _claim(user_id=user.pk, key="k", method="POST", path="/p", fingerprint="f")
                claimed.set()
                time.sleep(0.5)  # the request's work, while the second one arrives
                if not first_commits:
                    transaction.set_rollback(True)
        finally:
            connection.close()

    def second():
        try:
            claimed.wait(5)  # then its INSERT meets the first one's, not yet committed
            with transaction.atomic():
                results["second"] = _claim(user_id=user.pk, key="k", method="POST", path="/p", fingerprint="f")
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    return results["first"], results["second"]


def test_a_racing_request_waits_and_then_finds_the_key_taken():
    first, second = race(first_commits=True)
    assert first is not None and second is None
    assert IdempotencyKey.objects.filter(key="k").count() == 1


def test_a_racing_request_takes_the_key_when_the_first_one_failed():
    first, second = race(first_commits=False)
    assert first is not None and second is not None and second != first
    assert list(IdempotencyKey.objects.filter(key="k").values_list("pk", flat=True)) == [second]
