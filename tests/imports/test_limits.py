"""Files past a limit are refused at upload, over HTTP, with a 4xx saying what is over, in under a
second: a cell too large, too many columns, too many rows, an archive that expands past the limit.
The column page reads only the head of a CSV file."""

import io
import time
import tracemalloc
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from reporting.imports import parsing, selectors
from reporting.models import ImportBatch
from tests.imports.conftest import upload
from tests.imports.files import HEADERS, csv_bytes, good_row

pytestmark = pytest.mark.django_db


def refused(client, user, name: str, data: bytes) -> str:
    """Upload through the page; assert a 400 within a second and nothing kept; the page's text."""
    client.force_login(user)
    started = time.perf_counter()
    response = client.post(reverse("reporting:import-list"), {"file": SimpleUploadedFile(name, data)})
    elapsed = time.perf_counter() - started
    assert response.status_code == 400
    assert elapsed < 1.0, f"{elapsed:.2f} s"
    assert not ImportBatch.objects.exists()
    return response.content.decode()


def test_a_cell_past_the_csv_readers_own_limit_is_refused_not_an_error_page(client, contributor):
    data = csv_bytes([good_row("C-1"), good_row("C-2", Narrative="x" * 200_000)])
    page = refused(client, contributor, "big-cell.csv", data)
    assert "Row 3 has a cell of more than 32,767 characters" in page


def test_a_cell_over_the_spreadsheet_cell_size_is_refused(client, contributor):
    data = csv_bytes([good_row("C-1"), good_row("C-2"), good_row("C-3", Narrative="y" * 40_000)])
    page = refused(client, contributor, "cell.csv", data)
    assert "Row 4 has a cell of more than 32,767 characters" in page


def test_two_hundred_thousand_columns_are_refused_at_once(client, contributor):
    line = ",".join(f"c{i}" for i in range(200_000))
    data = (line + "\r\n" + ",".join("1" for _ in range(200_000)) + "\r\n").encode()
    page = refused(client, contributor, "wide.csv", data)
    assert "The header row has 200,000 columns; at most 500 are read." in page


def test_a_workbook_wider_than_the_limit_is_refused(client, contributor):
    book = Workbook()
    book.active.append([f"Heading {i}" for i in range(1, 702)])
    book.active.append(["v"] * 701)
    buffer = io.BytesIO()
    book.save(buffer)
    page = refused(client, contributor, "wide.xlsx", buffer.getvalue())
    assert "The header row has 501 columns; at most 500 are read." in page  # cells past 501 never read


def test_more_rows_than_the_limit_are_refused(client, contributor, settings):
    settings.IMPORT_MAX_ROWS = 1_000
    data = csv_bytes([good_row(f"R-{i}") for i in range(1_001)])
    page = refused(client, contributor, "long.csv", data)
    assert "The file has more than 1,000 rows." in page
    assert upload(contributor, csv_bytes([good_row(f"R-{i}") for i in range(1_000)])).rows_total == 1_000


def test_a_zip_that_expands_past_the_limit_says_what_it_expands_to(client, contributor, settings):
    settings.IMPORT_MAX_BYTES = 2 * 1024 * 1024
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("incidents.csv", "Case No\r\n" + "A" * (5 * 1024 * 1024) + "\r\n")
    assert len(buffer.getvalue()) < 100 * 1024  # a few KB that expand to 5 MB
    page = refused(client, contributor, "bomb.zip", buffer.getvalue())
    assert "it expands to 5.0 MB, over the 2.0 MB limit" in page
    assert "The file is 5" not in page


def test_a_workbook_that_expands_past_the_limit_is_refused(client, contributor, settings):
    settings.IMPORT_MAX_EXPANDED_BYTES = 1024 * 1024
    book = Workbook()
    book.active.append(HEADERS)
    for i in range(3_000):
        book.active.append(list(good_row(f"W-{i}").values()))
    buffer = io.BytesIO()
    book.save(buffer)
    page = refused(client, contributor, "big.xlsx", buffer.getvalue())
    assert "over the 1.0 MB limit on what is read" in page


def test_the_column_page_reads_only_the_head_of_a_large_csv(client, contributor, settings):
    settings.IMPORT_MAX_ROWS = 1_000_000
    rows = [good_row(f"H-{i}") for i in range(40_000)]  # about 12 MB
    batch = upload(contributor, csv_bytes(rows))
    tracemalloc.start()
    samples = selectors.batch_samples(batch)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert [row[0] for row in samples["incidents"]] == ["H-0", "H-1", "H-2"]
    assert peak < 8 * parsing.HEAD_BYTES, f"{peak / 1e6:.1f} MB"
    client.force_login(contributor)
    page = client.get(reverse("reporting:import-detail", args=[batch.pk]))
    assert page.status_code == 200 and b"H-2" in page.content
