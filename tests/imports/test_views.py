"""The import pages over HTTP: upload, map columns, map codes, dry run, import, report, refusals."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from reporting.imports import services
from reporting.models import ImportBatch, Incident
from tests.imports.files import csv_bytes, good_row

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_of(client):
    def signed_in(user):
        client.force_login(user)
        return client

    return signed_in


def test_the_whole_journey_over_http(client_of, contributor, django_capture_on_commit_callbacks):
    client = client_of(contributor)
    assert client.get(reverse("reporting:import-list")).status_code == 200
    data = csv_bytes([good_row("W-1"), good_row("W-2", Vessel="Dhow"), good_row("W-3", Migrants="lots")], delimiter=";")
    response = client.post(reverse("reporting:import-list"), {"file": SimpleUploadedFile("w.csv", data)})
    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    page = client.get(reverse("reporting:import-detail", args=[batch.pk]))
    assert b"Case No" in page.content and b"column-mapping" in page.content
    form = {f"incidents-{i}": batch.column_mapping["incidents"][h] for i, h in enumerate(batch.headers["incidents"])}
    form["date_order"], form["decimal"] = "dmy", "."
    response = client.post(reverse("reporting:import-columns", args=[batch.pk]), form)
    assert response.status_code == 302
    codes = client.get(reverse("reporting:import-codes", args=[batch.pk]))
    assert b"BOAT" in codes.content and b"Dhow" in codes.content
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("reporting:import-codes", args=[batch.pk]),
            {"code::methods::BOAT": "fishing_boat", "code::methods::Dhow": "small_boat"},
        )
    assert response.status_code == 302
    batch.refresh_from_db()
    assert (batch.status, batch.rows_valid, batch.rows_failed) == ("checked", 2, 1)
    page = client.get(reverse("reporting:import-detail", args=[batch.pk]))
    assert b"Not a whole number." in page.content and b"lots" in page.content
    report = client.get(reverse("reporting:import-report", args=[batch.pk, "xlsx"]))
    sheet = load_workbook(io.BytesIO(report.content)).active
    rows = list(sheet.values)
    assert rows[0][:3] == ("Outcome", "Problems", "Case No")
    assert "Not a whole number." in rows[3][1] and rows[3][2] == "W-3"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reporting:import-commit", args=[batch.pk]), {"mode": "valid_only"})
    batch.refresh_from_db()
    assert batch.status == "done" and batch.rows_imported == 2
    assert set(Incident.objects.values_list("national_reference", flat=True)) == {"W-1", "W-2"}
    progress = client.get(reverse("reporting:import-progress", args=[batch.pk])).json()
    assert progress["status"] == "done" and progress["running"] is False
    # Past the retention the file is deleted: the batch's page stays, its report is gone.
    services.import_files_expire(days=-1)
    assert client.get(reverse("reporting:import-detail", args=[batch.pk])).status_code == 200
    expired = client.get(reverse("reporting:import-report", args=[batch.pk, "xlsx"]))
    assert expired.status_code == 410 and expired["Content-Type"].startswith("text/html")
    assert b"This report has expired" in expired.content and b"30 days" in expired.content
    assert reverse("reporting:import-detail", args=[batch.pk]).encode() in expired.content


def test_a_refused_file_keeps_nothing_and_says_why(client_of, contributor):
    client = client_of(contributor)
    response = client.post(reverse("reporting:import-list"), {"file": SimpleUploadedFile("x.pdf", b"%PDF-1.4 ...")})
    assert response.status_code == 400
    assert b"PDF" in response.content
    assert not ImportBatch.objects.exists()


def test_a_file_over_the_limit_is_refused_before_it_is_read(client_of, contributor, settings):
    settings.IMPORT_MAX_BYTES = 1000
    client = client_of(contributor)
    data = csv_bytes([good_row(f"L-{i}") for i in range(300)])
    response = client.post(reverse("reporting:import-list"), {"file": SimpleUploadedFile("big.csv", data)})
    assert response.status_code == 413
    assert not ImportBatch.objects.exists()


def test_the_template_has_every_sheet_dropdowns_and_notes(client_of, contributor):
    response = client_of(contributor).get(reverse("reporting:import-template"))
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames[:4] == ["Incidents", "Breakdowns", "Documents", "Notes"]
    incidents = workbook["Incidents"]
    assert incidents["A1"].value == "National reference"
    validated = {str(rng) for dv in incidents.data_validations.dataValidation for rng in dv.sqref.ranges}
    assert any(r.startswith("C2") for r in validated)  # conduct categories
    csv_response = client_of(contributor).get(reverse("reporting:import-template") + "?format=csv&sheet=breakdowns")
    assert csv_response.content.startswith("\ufeffNational reference,Group".encode())


def test_the_csv_template_in_a_zip_uploads_with_every_sheet(client_of, contributor):
    import zipfile

    from tests.imports.conftest import upload

    response = client_of(contributor).get(reverse("reporting:import-template") + "?format=zip")
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert sorted(archive.namelist()) == ["breakdowns.csv", "documents.csv", "incidents.csv"]
    files = {name: archive.read(name) + b"X-1\r\n" for name in archive.namelist()}  # a row under each header
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as filled:
        for name, data in files.items():
            filled.writestr(name, data)
    batch = upload(contributor, buffer.getvalue(), "filled.zip")
    assert batch.file_format == "zip" and set(batch.headers) == {"incidents", "breakdowns", "documents"}
    assert all(field for field in batch.column_mapping["breakdowns"].values())  # our headings map themselves


def test_another_participants_batch_looks_missing(client_of, contributor):
    from accounts.models import Role
    from tests import factories
    from tests.imports.conftest import upload

    batch = upload(contributor, csv_bytes([good_row("Z-1")]))
    stranger = factories.user(role=Role.CONTRIBUTOR, participant=factories.participant())
    client = client_of(stranger)
    assert client.get(reverse("reporting:import-detail", args=[batch.pk])).status_code == 404
    analyst = factories.user(role=Role.ANALYST, participant=batch.participant)
    assert client_of(analyst).get(reverse("reporting:import-detail", args=[batch.pk])).status_code == 403
