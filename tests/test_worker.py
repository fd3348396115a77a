import os

import pytest

from config.celery import health_check
from tests import factories


@pytest.mark.worker
def test_a_task_travels_through_redis_to_a_real_worker(celery_worker):
    factories.participant()
    factories.participant()
    result = health_check.delay()
    # The answer comes from the worker process, which read the committed rows of the test database.
    assert result.get(timeout=20) == {"participants": 2}


def test_each_test_process_sends_to_a_queue_of_its_own(settings):
    # pytest-xdist's processes share the run's environment: were they to share its queue too, one
    # process's Celery worker would take another's tasks and read the wrong test database.
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    assert settings.CELERY_TASK_DEFAULT_QUEUE.startswith("vrs-test-")
    assert settings.CELERY_TASK_DEFAULT_QUEUE.endswith(f"-{worker}" if worker else f"-{os.getpid()}")
