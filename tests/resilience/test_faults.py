"""Fault injection (issue #9): the system keeps its promises when a part fails.

Each test runs against a stack of its own (tests/resilience/stack.py): a private PostgreSQL cluster
and Redis server on free ports, gunicorn and a Celery worker pointed at them. The machine's shared
PostgreSQL and Redis are never stopped. Every test ends by itself (bounded waits) and the stack is
torn down by pid whatever happens.

1. Redis stopped during 200 submissions: every request succeeds, every record is saved, and the
   facts catch up once Redis is back (the outbox and the sweep).
2. A Celery worker SIGKILLed in the middle of a rebuild: nothing half-built is kept, and the facts
   are right after the retry.
3. PostgreSQL restarted during a run of submissions with Idempotency-Keys: each one is committed or
   answered with a retryable error (503 + Retry-After, or a refused connection); retried with its
   key, none is lost and none duplicated.
4. The same record saved by two sessions at once: one wins, the other is told (412) and nothing of
   either is lost.
"""

from __future__ import annotations

import datetime as dt
import signal
import sys
import threading
import time
import uuid

import pytest
import requests

from tests.conftest import services_required
from tests.resilience.stack import PrivatePostgres, PrivateRedis, Stack, pg_bin, wait_for

pytestmark = pytest.mark.resilience

SEED = """
import datetime as dt, json
from django.utils import timezone
from accounts.api_tokens import api_token_create
from accounts.models import Role
from tests import factories
owner = factories.participant(code="AUS")
users = [factories.user(role=r, participant=owner, username=n) for r, n in
         ((Role.FOCAL_POINT, "fp"), (Role.CONTRIBUTOR, "ct"))]
expires = timezone.localdate() + dt.timedelta(days=30)
print(json.dumps({u.username: api_token_create(user=u, name="resilience", scope="write", expires_on=expires)[1]
                  for u in users}))
"""

FACTS = """
import json
from analytics.models import FactSet, IncidentFact
from django.db.models import Sum
from reporting.models import Incident, ReturnOutbox
validated = Incident.objects.filter(status="validated").count()
print(json.dumps({
    "validated": validated,
    "incidents": Incident.objects.count(),
    "references": Incident.objects.values("national_reference").distinct().count(),
    "factset": FactSet.objects.aggregate(n=Sum("incidents"))["n"] or 0,
    "facts": IncidentFact.objects.aggregate(n=Sum("incidents"))["n"] or 0,
    "outbox": ReturnOutbox.objects.count(),
}))
"""


@pytest.fixture(scope="module")
def stack():
    try:
        pg_bin("initdb")
    except FileNotFoundError:
        if services_required():
            pytest.fail("resilience tests need the PostgreSQL server binaries (initdb, pg_ctl)")
        pytest.skip("resilience tests need the PostgreSQL server binaries")
    pg, redis = PrivatePostgres(), PrivateRedis()
    built = Stack(pg=pg, redis=redis)
    # A run stopped with TERM (a CI timeout, a developer's kill) still stops the stack it started.
    previous = signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        pg.init()
        pg.start()
        pg.createdb()
        redis.start()
        built.manage("migrate", "--noinput")
        built.tokens = built.shell(SEED)
        built.start_web()
        yield built
    finally:
        built.stop_worker(sig=signal.SIGKILL)
        built.stop_web()
        redis.stop()
        pg.destroy()
        signal.signal(signal.SIGTERM, previous)


@pytest.fixture(autouse=True)
def _worker_stopped(stack):
    """Each test leaves no worker behind, passed or failed."""
    yield
    stack.stop_worker()


def client(stack: Stack, who: str = "fp") -> requests.Session:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {stack.tokens[who]}"
    return session


def body(reference: str, n: int) -> dict:
    # A closed month: its return is open until the focal point submits it, and facts count
    # validated records of open returns too.
    day = (dt.datetime.now(dt.UTC).date().replace(day=1) - dt.timedelta(days=20)).isoformat()
    return {
        "national_reference": reference,
        "detection_date": day,
        "categories": ["migrant_smuggling"],
        "source": "investigation",
        "confidence": "high",
        "detection_country": "AUS",
        "detection_context": "at_sea",
        "modes": ["sea"],
        "origin_country": "LKA",
        "destination_country": "AUS",
        "migrants_total": 5 + n % 7,
    }


def create(session: requests.Session, stack: Stack, reference: str, n: int, key: str | None = None) -> dict:
    response = session.post(
        f"{stack.url}/api/v1/incidents/",
        json=body(reference, n),
        headers={"Idempotency-Key": key or str(uuid.uuid4())},
        timeout=30,
    )
    assert response.status_code in (200, 201), f"create {reference}: {response.status_code} {response.text[:300]}"
    return response.json()


def step(session: requests.Session, stack: Stack, record: dict, action: str) -> dict:
    response = session.post(
        f"{stack.url}/api/v1/incidents/{record['id']}/{action}/", json={"version": record["version"]}, timeout=30
    )
    assert response.status_code == 200, f"{action} {record['id']}: {response.status_code} {response.text[:300]}"
    return response.json()


def submission(session, stack, reference: str, n: int) -> dict:
    """One record entered, submitted and validated: three requests, as a focal point would."""
    record = create(session, stack, reference, n)
    record = step(session, stack, record, "submit")
    return step(session, stack, record, "validate")


def facts(stack: Stack) -> dict:
    return stack.shell(FACTS)


def sweep(stack: Stack) -> None:
    """What beat does every minute: queue the sweep of dirty returns."""
    stack.shell("from analytics.tasks import facts_sweep_task; facts_sweep_task.delay(); print('{}')")


def caught_up(stack: Stack, *, timeout: float = 120) -> dict:
    def done():
        sweep(stack)
        now = facts(stack)
        return now if now["outbox"] == 0 and now["facts"] == now["factset"] == now["validated"] else None

    return wait_for(done, timeout=timeout, what="facts catching up", interval=2)


def test_redis_stopped_during_200_submissions(stack):
    stack.start_worker()
    before = facts(stack)
    numbers = iter(range(200))
    lock = threading.Lock()
    durations: list[float] = []
    failures: list[str] = []
    started = time.monotonic()

    def person() -> None:
        session = client(stack)
        while True:
            with lock:
                n = next(numbers, None)
                if n == 50:
                    stack.redis.stop()  # the broker goes away mid-run…
                if n == 150:
                    stack.redis.start()  # …and comes back (empty: whatever it held is gone)
            if n is None or time.monotonic() - started > 300:
                return
            t = time.monotonic()
            try:
                submission(session, stack, f"REDIS-{n:03d}", n)  # every request must succeed
            except AssertionError as error:
                failures.append(str(error))
            durations.append(time.monotonic() - t)

    # Four people at once, so the run is short and requests meet each other.
    people = [threading.Thread(target=person) for _ in range(4)]
    for p in people:
        p.start()
    for p in people:
        p.join(timeout=360)
    elapsed = time.monotonic() - started
    assert not failures, failures[:5]
    assert len(durations) == 200, f"only {len(durations)} submissions in {elapsed:.0f} s"
    assert facts(stack)["validated"] == before["validated"] + 200  # every record saved
    after = caught_up(stack)
    assert after["validated"] == before["validated"] + 200
    # Without a broker a request must not hang on it (CELERY_BROKER_CONNECTION_TIMEOUT).
    assert max(durations) < 15, f"slowest submission {max(durations):.1f} s"
    print(f"200 submissions in {elapsed:.1f} s, slowest {max(durations):.2f} s; facts caught up")
    stack.stop_worker()


def test_worker_killed_in_the_middle_of_a_rebuild(stack):
    import psycopg2

    session = client(stack)
    stack.start_worker()
    for n in range(10):
        submission(session, stack, f"KILL-A-{n:02d}", n)
    before = caught_up(stack)
    # Five more validated while no worker runs: their rebuild waits in the queue.
    stack.stop_worker()
    for n in range(5):
        submission(session, stack, f"KILL-B-{n:02d}", n)
    # Hold the last fact table, so the next worker's rebuild stops inside its transaction after it
    # has deleted this return's other facts: then kill that worker there, with SIGKILL.
    blocker = psycopg2.connect(stack.pg.url())
    try:
        with blocker.cursor() as cursor:
            cursor.execute("LOCK TABLE analytics_abusefact IN ACCESS EXCLUSIVE MODE")
            stack.start_worker()
            wait_for(
                lambda: (
                    stack.pg.psql(
                        "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                        "WHERE NOT l.granted AND c.relname = 'analytics_abusefact'"
                    )[0][0]
                    > 0
                ),
                timeout=60,
                what="the worker's rebuild waiting on the locked table",
            )
            stack.stop_worker(sig=signal.SIGKILL)
    finally:
        blocker.rollback()
        blocker.close()
    # The half-done rebuild left nothing: its transaction ends with the dead connection.
    wait_for(
        lambda: (
            stack.pg.psql(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = 'vrs' AND state LIKE 'idle in transaction%'"
            )[0][0]
            == 0
            and stack.pg.psql("SELECT count(*) FROM pg_locks WHERE NOT granted")[0][0] == 0
        ),
        timeout=30,
        what="the killed worker's transaction to end",
    )
    stale = facts(stack)
    assert stale["facts"] == before["facts"] and stale["factset"] == before["factset"]
    assert stale["outbox"] >= 1 and stale["validated"] == before["validated"] + 5
    # A new worker and the sweep (beat's job, every minute) finish the work.
    stack.start_worker()
    after = caught_up(stack)
    assert after["facts"] == before["facts"] + 5
    stack.stop_worker()


def test_postgresql_restarted_during_submissions_with_idempotency_keys(stack):
    session = client(stack)
    outcomes = {"committed": 0, "retryable": 0, "refused": 0}
    keys: dict[str, str] = {}
    restart_at, count = 20, 80
    records = {}
    started = time.monotonic()
    for n in range(count):
        if n == restart_at:
            threading.Thread(target=_restart, args=(stack.pg,), daemon=True).start()
        reference = f"PGR-{n:03d}"
        keys[reference] = key = str(uuid.uuid4())
        deadline = time.monotonic() + 60
        while True:
            assert time.monotonic() < deadline, f"{reference} never went through"
            try:
                response = session.post(
                    f"{stack.url}/api/v1/incidents/",
                    json=body(reference, n),
                    headers={"Idempotency-Key": key},
                    timeout=30,
                )
            except requests.ConnectionError:
                outcomes["refused"] += 1
                time.sleep(0.5)
                continue
            if response.status_code in (200, 201):
                outcomes["committed"] += 1
                records[reference] = response.json()["id"]
                break
            # The only other answer allowed: a retryable one, saying so.
            assert response.status_code == 503, f"{reference}: {response.status_code} {response.text[:300]}"
            assert response.headers.get("Retry-After") and response.json()["errors"][0]["code"] == (
                "service_unavailable"
            )
            outcomes["retryable"] += 1
            time.sleep(0.5)
    elapsed = time.monotonic() - started
    assert outcomes["retryable"] + outcomes["refused"] > 0, "the restart was not noticed: the test proved nothing"
    # None lost, none duplicated: each reference exactly once, with the id its key answered.
    rows = stack.pg.psql(
        "SELECT national_reference, count(*), min(id) FROM reporting_incident "
        "WHERE national_reference LIKE 'PGR-%' GROUP BY national_reference"
    )
    assert len(rows) == count and all(n == 1 for _ref, n, _id in rows)
    assert {ref: pk for ref, _n, pk in rows} == records
    print(f"{count} creations across a PostgreSQL restart in {elapsed:.1f} s: {outcomes}")


def _restart(pg: PrivatePostgres) -> None:
    pg.stop("immediate")  # as a crash: no goodbye to the clients
    time.sleep(2)
    pg.start()


def test_the_same_record_saved_by_two_sessions_at_once(stack):
    focal, contributor = client(stack, "fp"), client(stack, "ct")
    record = create(contributor, stack, "RACE-1", 1)
    url = f"{stack.url}/api/v1/incidents/{record['id']}/"
    for round_ in range(10):
        current = contributor.get(url, timeout=30)
        etag = current.headers["ETag"]
        version = current.json()["version"]
        barrier = threading.Barrier(2)
        answers = {}

        def save(name, session, place, barrier=barrier, answers=answers, etag=etag):
            barrier.wait(timeout=10)
            answers[name] = session.patch(url, json={"detection_place": place}, headers={"If-Match": etag}, timeout=30)

        threads = [
            threading.Thread(target=save, args=("fp", focal, f"Reef {round_} (focal point)")),
            threading.Thread(target=save, args=("ct", contributor, f"Reef {round_} (contributor)")),
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=40)
        statuses = sorted(a.status_code for a in answers.values())
        assert statuses == [200, 412], {k: (a.status_code, a.text[:200]) for k, a in answers.items()}
        winner = next(k for k, a in answers.items() if a.status_code == 200)
        loser = next(k for k, a in answers.items() if a.status_code == 412)
        assert "Someone else saved" in answers[loser].text or answers[loser].json()["errors"]
        now = contributor.get(url, timeout=30).json()
        assert now["version"] == version + 1
        assert now["detection_place"].endswith("(focal point)" if winner == "fp" else "(contributor)")
        # The one told can read the new version and save again: nothing of theirs is lost.
        session = focal if loser == "fp" else contributor
        again = session.patch(
            url,
            json={"detection_place": f"Reef {round_} (retried)", "version": now["version"]},
            timeout=30,
        )
        assert again.status_code == 200 and again.json()["version"] == version + 2
