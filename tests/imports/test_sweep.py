"""An import started while Redis is down is not lost: the user's request succeeds, the batch waits in
PostgreSQL, and the sweep queues it again once the broker is back. A run delivered twice does nothing
the second time, and a batch a worker is running is never queued again."""

import datetime as dt
import logging

import psycopg2
import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from reporting.imports import services
from reporting.models import ImportBatch
from tests.imports.conftest import upload
from tests.imports.files import csv_bytes, good_row
from tests.outage import app_ping, wait_for


def checking_batch(contributor, *, minutes_ago: int) -> ImportBatch:
    """A batch whose dry run was started `minutes_ago` and never reached a worker."""
    batch = upload(contributor, csv_bytes([good_row(f"SW-{i}", Vessel="fishing_boat") for i in range(3)]))
    services.import_map_columns(
        batch=batch, user=contributor, column_mapping=batch.column_mapping, date_order=batch.date_order
    )
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=ImportBatch.Status.CHECKING, started_at=timezone.now() - dt.timedelta(minutes=minutes_ago)
    )
    batch.refresh_from_db()
    return batch


def held_elsewhere(batch_id: int):
    """Another connection (another worker) holding the batch's run lock."""
    params = connection.get_connection_params()
    other = psycopg2.connect(**{k: v for k, v in params.items() if k in ("host", "port", "user", "dbname")})
    other.autocommit = True
    with other.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s, %s)", [services.RUN_LOCK, batch_id])
    return other


@pytest.fixture
def shared_media(tmp_path, settings, monkeypatch):
    """Set before the worker starts: it reads the uploaded file from the same place."""
    settings.MEDIA_ROOT = tmp_path / "media"
    monkeypatch.setenv("MEDIA_ROOT", str(settings.MEDIA_ROOT))


@pytest.fixture
def postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("run locks are PostgreSQL advisory locks")


def test_a_lost_run_is_queued_again_and_done(contributor):
    lost = checking_batch(contributor, minutes_ago=3)
    recent = checking_batch(contributor, minutes_ago=1)  # may still be on its way to a worker
    assert services.import_sweep() == [lost.pk]  # tasks run eagerly in tests: the dry run is done
    lost.refresh_from_db()
    recent.refresh_from_db()
    assert (lost.status, lost.rows_checked, lost.rows_valid) == ("checked", 3, 3)
    assert recent.status == ImportBatch.Status.CHECKING


def test_a_batch_a_worker_holds_is_neither_swept_nor_run_twice(contributor, postgresql):
    batch = checking_batch(contributor, minutes_ago=3)
    other = held_elsewhere(batch.pk)
    try:
        assert services.import_sweep() == []
        assert services.import_run(batch_id=batch.pk, phase="check").status == ImportBatch.Status.CHECKING
    finally:
        other.close()  # the worker ends: its lock goes with its connection
    # The server ends the closed connection's session (and frees its lock) a moment later.
    assert wait_for(lambda: batch.pk not in services._runs_held(), timeout=10)
    assert services.import_sweep() == [batch.pk]


def test_a_run_delivered_again_after_the_batch_moved_on_does_nothing(contributor):
    batch = checking_batch(contributor, minutes_ago=3)
    assert services.import_run(batch_id=batch.pk, phase="check").status == ImportBatch.Status.CHECKED
    ImportBatch.objects.filter(pk=batch.pk).update(rows_checked=999)
    again = services.import_run(batch_id=batch.pk, phase="check")
    assert (again.status, again.rows_checked) == ("checked", 999)  # not checked a second time
    assert services.import_run(batch_id=batch.pk, phase="import").status == ImportBatch.Status.CHECKED


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.worker
def test_a_check_started_while_redis_is_down_is_done_once_it_is_back(
    shared_media,
    private_redis,
    worker_on_private_redis,
    contributor,
    client,
    caplog,
):
    client.force_login(contributor)
    batch = checking_batch(contributor, minutes_ago=0)
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.MAPPING, started_at=None)

    private_redis.stop()
    with caplog.at_level(logging.ERROR):
        response = client.post(reverse("reporting:import-check", args=[batch.pk]))
    assert response.status_code == 302  # the user is told the check is under way, not an error
    assert "could not queue import" in caplog.text
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.CHECKING  # kept in PostgreSQL, waiting

    private_redis.start()
    assert wait_for(lambda: bool(app_ping()), timeout=30), "the worker did not reconnect"
    ImportBatch.objects.filter(pk=batch.pk).update(started_at=timezone.now() - services.SWEEP_AFTER)
    from reporting.tasks import imports_sweep_task

    imports_sweep_task.delay()  # what beat sends every minute
    assert wait_for(lambda: ImportBatch.objects.get(pk=batch.pk).status == ImportBatch.Status.CHECKED, timeout=60)
    batch.refresh_from_db()
    assert (batch.rows_checked, batch.rows_valid) == (3, 3)
