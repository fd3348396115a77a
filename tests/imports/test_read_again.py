"""When the headings found are not the right ones: the headings' row and the workbook's sheet are
chosen on the mapping page and the file is read again (over HTTP, as the page posts them)."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from reporting.models import ImportBatch
from tests.imports.conftest import run_check
from tests.imports.files import HEADERS, csv_bytes, good_row

pytestmark = pytest.mark.django_db


def uploaded(client, user, name, data) -> ImportBatch:
    client.force_login(user)
    assert client.post(reverse("reporting:import-list"), {"file": SimpleUploadedFile(name, data)}).status_code == 302
    return ImportBatch.objects.latest("pk")


def test_the_headings_row_is_chosen_and_the_file_read_again(client, contributor):
    # A line as wide as the table above the headings: found as the headings, wrongly.
    title = ";".join(["Export"] + ["2025"] * (len(HEADERS) - 1)) + "\r\n"
    data = title.encode() + csv_bytes([good_row("RA-1"), good_row("RA-2")], delimiter=";")
    batch = uploaded(client, contributor, "export.csv", data)
    assert batch.headers["incidents"][0] == "Export" and batch.rows_total == 3
    page = client.get(reverse("reporting:import-detail", args=[batch.pk])).content.decode()
    assert 'name="header-row-incidents"' in page and 'value="1"' in page
    bad = client.post(
        reverse("reporting:import-columns", args=[batch.pk]), {"read_again": "1", "header-row-incidents": "x"}
    )
    assert bad.status_code == 400 and "a number from 1 to 1000" in bad.content.decode()
    response = client.post(
        reverse("reporting:import-columns", args=[batch.pk]), {"read_again": "1", "header-row-incidents": "2"}
    )
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.headers["incidents"] == HEADERS and batch.rows_total == 2
    assert batch.column_mapping["incidents"]["Case No"] == "national_reference"
    page = client.get(reverse("reporting:import-detail", args=[batch.pk])).content.decode()
    assert "RA-1" in page and "RA-2" in page  # first values under the right headings
    checked = run_check(batch, contributor, codes={"methods": {"BOAT": "fishing_boat"}})
    assert (checked.rows_valid, checked.rows_failed) == (2, 0)  # the dry run reads it the same way
    empty = client.post(
        reverse("reporting:import-columns", args=[batch.pk]), {"read_again": "1", "header-row-incidents": "90"}
    )
    assert (
        empty.status_code == 400
        and "Row 90, chosen as the headings, is empty or past the end" in empty.content.decode()
    )


def test_the_sheet_of_incidents_is_chosen_among_several(client, contributor):
    book = Workbook()
    book.active.title = "Summary"
    book.active.append(["Month", "Total"])
    book.active.append(["2025-01", 12])
    cases = book.create_sheet("Cases 2025")
    cases.append(HEADERS)
    cases.append(list(good_row("SH-1").values()))
    buffer = io.BytesIO()
    book.save(buffer)
    batch = uploaded(client, contributor, "two-sheets.xlsx", buffer.getvalue())
    assert batch.headers["incidents"] == ["Month", "Total"]  # the first sheet, found by default
    page = client.get(reverse("reporting:import-detail", args=[batch.pk])).content.decode()
    assert '<option value="Cases 2025"' in page
    response = client.post(
        reverse("reporting:import-columns", args=[batch.pk]), {"read_again": "1", "sheet-incidents": "Cases 2025"}
    )
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.headers["incidents"] == HEADERS and batch.rows_total == 1
    assert batch.conventions["sheets"]["incidents"] == "Cases 2025"
