"""A real Celery worker through Redis builds the facts; a broker outage loses nothing."""

import datetime as dt
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import transaction
from django.urls import reverse

from accounts.models import Role
from analytics.models import FactSet, IncidentFact
from analytics.tasks import facts_rebuild_task, facts_sweep_task
from reporting.models import Incident, ReciprocityPolicy, ReturnOutbox
from reporting.services.outbox import return_mark_dirty
from tests import factories

MONTH = factories.months_back(2)


@pytest.fixture
def policy(celery_worker):
    """transactional_db empties the tables, the migration's policy row with them: put it back."""
    return ReciprocityPolicy.objects.get_or_create(version=1)[0]


def wait_for(condition, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def sea_figure(client) -> str:
    page = client.get(reverse("analytics:dashboard"))
    chart = next(c for c in page.context["dashboard"].charts if c.key == "modes")
    return next((r.labels[0] for r in chart.rows if r.is_total), "0")


def validate(record: Incident) -> None:
    """What the data-entry service does: change the record and mark its return, in one transaction."""
    with transaction.atomic():
        record.status = Incident.Status.VALIDATED
        record.save()
        return_mark_dirty(ret_id=record.ret_id)


# serialized_rollback: the flush after a transactional test would also drop the migration's policy
# row that every later test relies on; this restores it.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.worker
def test_a_validated_record_reaches_the_dashboard_through_a_real_worker(celery_worker, policy, client):
    owner = factories.participant()
    client.force_login(factories.user(role=Role.ANALYST, participant=owner))
    record = factories.IncidentFactory(
        participant=owner, detection_date=MONTH + dt.timedelta(days=1), status=Incident.Status.SUBMITTED
    )
    assert sea_figure(client) == "0"
    validate(record)
    assert wait_for(lambda: FactSet.objects.filter(ret_id=record.ret_id, incidents=1).exists())
    assert wait_for(lambda: not ReturnOutbox.objects.filter(ret_id=record.ret_id).exists())
    assert sea_figure(client) == "1"


class PrivateRedis:
    """A redis-server of this test's own on a free port, so that stopping it harms no one else's
    tests or services (the shared Redis is never touched)."""

    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        assert wait_for(self.up, timeout=10), "the private redis-server did not start"

    def up(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), 0.2):
                return True
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None
        assert not self.up()


REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


@pytest.fixture
def private_redis():
    if not Path(REDIS_SERVER).exists():
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail("REQUIRE_SERVICES=1 but redis-server is not installed for the outage test")
        pytest.skip("the outage test needs redis-server")
    redis = PrivateRedis()
    redis.start()
    yield redis
    redis.stop()


@pytest.fixture
def worker_on_private_redis(private_redis, transactional_db, settings):
    """A real Celery worker whose broker is the private Redis; this process sends to it too."""
    from config.celery import app

    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail("REQUIRE_SERVICES=1 but PostgreSQL is missing for the worker test")
        pytest.skip("a real worker needs PostgreSQL")
    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.task_always_eager = False
    previous = app.conf.broker_url
    use_broker(app, private_redis.url)
    db = settings.DATABASES["default"]
    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    node = f"{queue}-outage@localhost"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "CELERY_QUEUE": queue,
        "CELERY_BROKER_URL": private_redis.url,
        "CELERY_RESULT_BACKEND": private_redis.url,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--concurrency", "1", "--pool", "prefork",
         "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel", "WARNING",
         "-Q", queue, "-n", node],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
    )  # fmt: skip
    try:
        assert wait_for(lambda: bool(app.control.ping(timeout=0.5, destination=[node])), timeout=30), (
            "the worker did not answer"
        )
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        use_broker(app, previous)
        app.conf.task_always_eager = True


def use_broker(app, url: str) -> None:
    app.conf.broker_url = url
    app._pool = None  # new connections to the new URL
    app.amqp._producer_pool = None


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.worker
def test_a_change_made_while_redis_is_stopped_is_caught_up_by_the_sweep(
    private_redis, worker_on_private_redis, client, caplog
):
    """Redis really stops (a redis-server of the test's own) while a record is validated: the request
    succeeds, the outbox keeps the work, and once Redis is back the sweep rebuilds the facts."""
    ReciprocityPolicy.objects.get_or_create(version=1)
    owner = factories.participant()
    client.force_login(factories.user(role=Role.ANALYST, participant=owner))
    record = factories.IncidentFactory(
        participant=owner, detection_date=MONTH + dt.timedelta(days=1), status=Incident.Status.SUBMITTED
    )
    private_redis.stop()
    started = time.monotonic()
    validate(record)  # the change commits; queueing fails and is logged, not raised
    request_seconds = time.monotonic() - started
    assert "could not queue facts_rebuild" in caplog.text
    assert request_seconds < 10, f"a broker outage held the request for {request_seconds:.1f} s"
    assert Incident.objects.get(pk=record.pk).status == Incident.Status.VALIDATED
    assert ReturnOutbox.objects.filter(ret_id=record.ret_id).exists()  # nothing lost
    time.sleep(1)
    assert not FactSet.objects.filter(ret_id=record.ret_id).exists()  # no one rebuilt it
    assert sea_figure(client) == "0"

    private_redis.start()  # Redis is back, on the same port, empty
    # The worker reconnects by itself; beat's sweep (sent here instead of waiting a minute) catches up.
    assert wait_for(lambda: bool(app_ping()), timeout=30), "the worker did not reconnect"
    facts_sweep_task.delay()
    assert wait_for(lambda: FactSet.objects.filter(ret_id=record.ret_id, incidents=1).exists(), timeout=30)
    assert not ReturnOutbox.objects.filter(ret_id=record.ret_id).exists()
    assert sea_figure(client) == "1"


def app_ping():
    from config.celery import app

    return app.control.ping(timeout=0.5)


@pytest.mark.django_db
def test_the_task_run_twice_gives_the_same_rows():
    owner = factories.participant()
    record = factories.IncidentFactory(participant=owner, detection_date=MONTH + dt.timedelta(days=1))
    facts_rebuild_task.delay(return_id=record.ret_id)  # eager in tests without a worker
    first = sorted(IncidentFact.objects.values_list("incidents", "migrants", "categories", "modes"))
    facts_rebuild_task.delay(return_id=record.ret_id)
    assert sorted(IncidentFact.objects.values_list("incidents", "migrants", "categories", "modes")) == first
    assert first == [(1, 12, "|migrant_smuggling|", "|sea|")]
