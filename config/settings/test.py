"""Tests: PostgreSQL and Redis when reachable (always in CI), SQLite and in-memory otherwise.

The chosen backend is printed in pytest's header (tests/conftest.py). With REQUIRE_SERVICES=1 a
missing PostgreSQL or Redis is an error instead of a fallback.
"""

import os
import socket
from urllib.parse import urlparse

from django.core.exceptions import ImproperlyConfigured


def _reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or default_port), 0.5):
            return True
    except OSError:
        return False


_require = os.environ.get("REQUIRE_SERVICES", "") == "1"
_pg_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/vrs")
# Database 15 and a queue of this run's own keep tests apart from a developer's running system.
_redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")
_TEST_QUEUE = "vrs-test-"
os.environ.setdefault("CELERY_QUEUE", f"{_TEST_QUEUE}{os.getpid()}")
# pytest-xdist's workers inherit the run's environment, this queue included: each adds its own name,
# so that a worker test's task is taken by its own Celery worker, which reads its own test database.
# A queue a test gives the processes it starts (a Celery worker, the resilience stack) is kept.
_xdist_worker, _queue = os.environ.get("PYTEST_XDIST_WORKER", ""), os.environ["CELERY_QUEUE"]
if _xdist_worker and _queue.startswith(_TEST_QUEUE) and not _queue.endswith(f"-{_xdist_worker}"):
    os.environ["CELERY_QUEUE"] = f"{_queue}-{_xdist_worker}"
if _pg_url.startswith("postgres") and _reachable(_pg_url, 5432):
    os.environ["DATABASE_URL"] = _pg_url
elif _require:
    raise ImproperlyConfigured(f"REQUIRE_SERVICES=1 but PostgreSQL is not reachable at {_pg_url}")
else:
    os.environ["DATABASE_URL"] = "sqlite:///:memory:"
REDIS_AVAILABLE = _reachable(_redis_url, 6379)
if not REDIS_AVAILABLE and _require:
    raise ImproperlyConfigured(f"REQUIRE_SERVICES=1 but Redis is not reachable at {_redis_url}")
os.environ["REDIS_URL"] = _redis_url
# Tests run tasks in-process unless a test starts a real worker (tests/conftest.py: celery_worker).
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")
# Most tests sign in with force_login; the two-factor tests turn the requirement on themselves
# (tests/accounts/test_second_factor.py). CSP stays enforced, as in production.
os.environ.setdefault("OTP_REQUIRED", "false")

from .base import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast; tests hold no secrets
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
# No collectstatic in tests: WhiteNoise serves from the finders and does not look for STATIC_ROOT.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
