"""Settings of the processes the fault-injection tests start (tests/resilience/stack.py): the test
settings on the private services, with production's persistent database connections, so a
PostgreSQL restart meets connections that went stale, as it would in production."""

from config.settings.test import *  # noqa: F403
from config.settings.test import DATABASES

DATABASES["default"]["CONN_MAX_AGE"] = 60
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
