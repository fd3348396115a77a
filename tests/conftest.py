"""Shared fixtures: the backend in use, a real Celery worker, users by role."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

from tests.outage import REDIS_SERVER, PrivateRedis, use_broker, wait_for

ROOT = Path(__file__).resolve().parent.parent


def pytest_report_header(config):
    db = settings.DATABASES["default"]
    redis = settings.CELERY_BROKER_URL if settings.REDIS_AVAILABLE else "not reachable (worker tests skipped)"
    return [f"VRS test backends: database={db['ENGINE'].rsplit('.', 1)[-1]} {db.get('NAME')}; redis={redis}"]


@pytest.fixture(autouse=True)
def _fresh_caches():
    """Every test starts with empty caches (throttle counters, and the dashboards' sums, whose keys
    carry versions a rolled-back test may hand to the next one) and in the default language (the
    locale middleware activates a request's language in the thread and leaves it there)."""
    from django.core.cache import caches
    from django.utils import translation

    for alias in settings.CACHES:
        caches[alias].clear()
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


def services_required() -> bool:
    return os.environ.get("REQUIRE_SERVICES") == "1"


@pytest.fixture
def celery_worker(transactional_db, settings):
    """A real `celery worker` process on this run's own queue, reading the test database.

    Tasks sent with .delay() go through Redis to it. Fails instead of skipping under REQUIRE_SERVICES.
    """
    if not settings.REDIS_AVAILABLE or settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        if services_required():
            pytest.fail("REQUIRE_SERVICES=1 but PostgreSQL or Redis is missing for the worker test")
        pytest.skip("a real worker needs PostgreSQL and Redis")
    settings.CELERY_TASK_ALWAYS_EAGER = False
    from config.celery import app

    app.conf.task_always_eager = False
    db = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "CELERY_QUEUE": settings.CELERY_TASK_DEFAULT_QUEUE,
    }
    node = f"{settings.CELERY_TASK_DEFAULT_QUEUE}@localhost"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--concurrency",
            "2",
            "--pool",
            "prefork",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel",
            "WARNING",
            "-Q",
            settings.CELERY_TASK_DEFAULT_QUEUE,
            "-n",
            node,
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            replies = app.control.ping(timeout=0.5, destination=[node])
            if replies:
                break
            if process.poll() is not None:
                pytest.fail(f"the Celery worker exited with {process.returncode}")
        else:
            pytest.fail("the Celery worker did not answer within 30 s")
        yield process
    finally:
        app.conf.task_always_eager = True
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


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
        cwd=ROOT,
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


# Browser tests: Debian's Chromium (Playwright's own download cannot run here), headless.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not Path(CHROMIUM).exists():
        if services_required():
            pytest.fail(f"browser tests need {CHROMIUM} (apt-get install chromium)")
        pytest.skip(f"browser tests need {CHROMIUM}")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup):
    """The test database, with its copy of the migrations' rows (for serialized rollback) kept where
    every test sees it.

    Django keeps that copy on the connection object, and its connections are per context: in a
    browser test (Playwright's sync API runs one of its own) the connection is a new object without
    the copy, so serialized rollback restored nothing there and the first browser test after a
    serialized test found the tables empty (no permissions). On the connection's class, every
    context's connection sees it.
    """
    from django.db import connections

    for alias in connections:
        contents = getattr(connections[alias], "_test_serialized_contents", None)
        if contents is not None:
            type(connections[alias])._test_serialized_contents = contents
    return django_db_setup


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """One policy for every test that commits: serialized rollback.

    A transactional test ends by emptying every table. Without serialized rollback the rows the
    migrations wrote (content types, permissions, the policy in force) are then recreated with new
    ids or not at all, and a later test restoring its serialized copy of them collides with what was
    recreated (duplicate content type) — so a subset of the suite could fail where the whole passed.
    """
    for item in items:
        marker = item.get_closest_marker("django_db")
        kwargs = dict(marker.kwargs) if marker else {}
        commits = kwargs.get("transaction") or {"transactional_db", "live_server"} & set(item.fixturenames)
        if commits and not kwargs.get("serialized_rollback"):
            kwargs.update(transaction=True, serialized_rollback=True)
            item.add_marker(pytest.mark.django_db(**kwargs), append=False)

    # A test that rolls back must never follow one that commits: the committing test ends by emptying
    # the tables, and only the next committing test restores them. So, as Django's runner orders
    # them: tests in a transaction first, then those that commit, then those without a database
    # (a stable sort, after every other plugin has ordered and parametrized the items).
    def order(item) -> int:
        marker = item.get_closest_marker("django_db")
        if marker is None and "db" not in item.fixturenames:
            return 2
        return 1 if marker is not None and marker.kwargs.get("transaction") else 0

    items.sort(key=order)


def pytest_configure(config):
    # Playwright's sync API runs an event loop in the test thread, and Django's ORM refuses to run
    # inside one unless told. It must be set before the test database is set up for a browser test.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
