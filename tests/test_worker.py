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
