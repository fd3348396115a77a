"""The import task in a real Celery worker process: the dry run and the import run there, the batch's
progress is saved as it goes, and running the import task twice creates nothing twice."""

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from reporting.imports import services
from reporting.models import ImportBatch, Incident
from tests.imports.files import csv_bytes, good_row

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def shared_media(tmp_path, settings, monkeypatch):
    settings.MEDIA_ROOT = tmp_path / "media"
    monkeypatch.setenv("MEDIA_ROOT", str(settings.MEDIA_ROOT))


def wait_for(batch, statuses, seconds=90):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        batch.refresh_from_db()
        if batch.status in statuses:
            return batch
        time.sleep(0.2)
    raise AssertionError(f"batch stayed {batch.status}")


def test_the_worker_checks_and_imports_a_file(shared_media, celery_worker, contributor):
    rows = [good_row(f"WK-{i}", Vessel="fishing_boat") for i in range(300)] + [good_row("WK-bad", Migrants="?")]
    batch = services.import_upload(user=contributor, uploaded=SimpleUploadedFile("w.csv", csv_bytes(rows)))
    services.import_map_columns(
        batch=batch, user=contributor, column_mapping=batch.column_mapping, date_order=batch.date_order
    )
    services.import_check_start(batch=batch, user=contributor)
    batch = wait_for(batch, {ImportBatch.Status.CHECKED, ImportBatch.Status.FAILED})
    assert (batch.status, batch.rows_checked, batch.rows_valid, batch.rows_failed) == ("checked", 301, 300, 1)
    services.import_commit_start(batch=batch, user=contributor, mode=ImportBatch.Mode.VALID_ONLY)
    batch = wait_for(batch, {ImportBatch.Status.DONE, ImportBatch.Status.FAILED})
    assert (batch.status, batch.rows_imported, batch.rows_failed) == ("done", 300, 1)
    assert Incident.objects.filter(national_reference__startswith="WK-").count() == 300

    # The same task again (a retry, or a second click that got through): nothing is created twice.
    from reporting.tasks import import_run_task

    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.IMPORTING)
    import_run_task.delay(batch_id=batch.pk, phase="import").get(timeout=60)
    batch.refresh_from_db()
    assert batch.status == "done" and batch.rows_imported == 0 and batch.rows_unchanged == 300
    assert Incident.objects.filter(national_reference__startswith="WK-").count() == 300
