"""The import journey in real Chromium with a real Celery worker: upload a messy CSV, map its
columns and codes, read the dry-run report, import the valid rows and watch the progress bar
finish. Screenshots go to docs/screenshots/ (imports-*.png)."""

import csv
import io
import os

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from accounts.models import Agency, Role, User
from accounts.services import user_create
from reporting.models import ImportBatch, Incident
from tests import factories
from tests.browser import PASSWORD, SHOTS, signed_in
from tests.imports import national
from tests.imports.files import a_day

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROWS = 3000  # enough rows for the progress bar to be seen moving

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def shared_media(tmp_path, settings, monkeypatch):
    """Uploaded files where both the live server and the worker process find them."""
    media = tmp_path / "media"
    settings.MEDIA_ROOT = media
    monkeypatch.setenv("MEDIA_ROOT", str(media))
    return media


def messy_csv() -> bytes:
    """A national system's export: semicolons, Windows-1252, its own headings and codes, day-first
    dates, thousands separators, and three bad rows among the good ones."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(["Case No", "Date", "Offence", "Source", "Conf.", "Where", "Context", "Transport", "Vessel",
                     "Nationality of pax", "Pax count", "Crew", "Price", "Curr", "Remarks"])  # fmt: skip
    for i in range(ROWS):
        day = a_day(2, 1 + i % 27)
        row = [f"ABF-{i:05d}", day.strftime("%d/%m/%Y"), "Migrant smuggling", "investigation", "high", "Australia",
               "at_sea", "SEA", "BOAT" if i % 2 else "Dhow", "Sri Lanka", str(10 + i % 40), "1", "1,500", "USD",
               "Intercepted off the côte near Ashmore Reef; crew detained, passengers transferred."]  # fmt: skip
        if i == 7:
            row[10] = "about twenty"  # not a number
        if i == 11:
            row[1] = "31/02/2025"  # no such date
        if i == 13:
            row[14] = "Skipper Mr Ahmad Rahman gave his phone +62 812 3456 7890."  # personal data
        writer.writerow(row)
    return buffer.getvalue().encode("cp1252")


@pytest.fixture
def contributor():
    owner = factories.participant(code="AUS")
    agency = Agency.objects.create(participant=owner, name="Australian Border Force", kind=Agency.Kind.BORDER_GUARD)
    return user_create(
        username="dana.contributor", password=PASSWORD, role=Role.CONTRIBUTOR, participant=owner, agency=agency
    )


def test_upload_map_check_and_import_a_messy_csv(page, browser, live_server, shared_media, celery_worker, contributor):
    del page
    page = signed_in(browser, live_server, contributor.username, height=900)

    page.click("nav >> text=Imports")
    expect(page.locator("h1")).to_contain_text("Import records")
    path = shared_media.parent / "abf-export.csv"
    path.write_bytes(messy_csv())
    page.set_input_files("#id_file", str(path))
    page.click("form.upload button[type=submit]")

    # Step 1: columns. Most are recognised; "Nationality of pax" is not a field of this sheet (it
    # stays ignored), and "Where", "Pax count", "Crew" and "Price" are mapped by hand.
    expect(page.locator("#column-mapping")).to_be_visible()
    expect(page.locator("select[aria-label='Our field for Case No']")).to_have_value("national_reference")
    page.select_option("select[aria-label='Our field for Where']", "detection_country")
    page.select_option("select[aria-label='Our field for Pax count']", "migrants_total")
    page.select_option("select[aria-label='Our field for Crew']", "smugglers_total")
    page.select_option("select[aria-label='Our field for Price']", "fee_per_person")
    # "1,500" and nothing else: thousands or three decimals? The page asks.
    expect(page.locator("#ask-decimal")).to_contain_text("1,500")
    page.check("input[name=decimal][value='.']")
    page.screenshot(path=str(SHOTS / "imports-columns.png"), full_page=True)
    page.click("#save-columns")

    # Step 2: their codes for vessels; the rest matched by themselves.
    expect(page.locator("h1")).to_contain_text("what your values mean")
    page.select_option("select[aria-label='Our code for BOAT']", "fishing_boat")
    page.select_option("select[aria-label='Our code for Dhow']", "small_boat")
    page.screenshot(path=str(SHOTS / "imports-codes.png"), full_page=True)
    page.click("#start-check")
    try:  # a screenshot of the bar part-way, if the dry run is slow enough to catch it
        page.wait_for_function(
            "() => { const b = document.getElementById('progress-bar'); return b && b.value > 0 && b.value < 100; }",
            timeout=30_000,
        )
        page.screenshot(path=str(SHOTS / "imports-progress.png"), full_page=False)
    except PlaywrightTimeout:
        pass

    # The dry run: the progress bar moves by itself, then the report shows every problem.
    expect(page.locator("#result")).to_contain_text("Dry run", timeout=120_000)
    expect(page.locator("#problems")).to_contain_text("Not a whole number.")
    expect(page.locator("#problems")).to_contain_text("about twenty")
    expect(page.locator("#problems")).to_contain_text("personal data")
    expect(page.locator("#problems")).to_contain_text("31/02/2025")
    expect(page.locator("#import-valid")).to_contain_text(f"Import the {ROWS - 3:,} valid rows only")
    page.screenshot(path=str(SHOTS / "imports-dry-run.png"), full_page=False)
    with page.expect_download() as download:
        page.click("#report-xlsx")
    assert download.value.suggested_filename.endswith("-report.xlsx")

    # Import the valid rows: the bar fills (a quick import on a quiet machine may be over before the page
    # shows it), then the result stays on the page.
    page.click("#import-valid")
    page.wait_for_selector("#progress-bar, #result")
    expect(page.locator("#result")).to_contain_text(f"Imported: {ROWS - 3} records created or updated", timeout=120_000)
    page.screenshot(path=str(SHOTS / "imports-done.png"), full_page=False)
    batch = ImportBatch.objects.get()
    assert batch.status == "done" and batch.rows_imported == ROWS - 3 and batch.rows_failed == 3
    assert Incident.objects.filter(status=Incident.Status.SUBMITTED).count() == ROWS - 3
    assert Incident.objects.with_code("methods", "small_boat").count() == ROWS // 2  # "Dhow" (the bad rows are odd)
    page.reload()
    expect(page.locator("#result")).to_contain_text("Imported")
    page.context.close()


def test_a_workbook_with_titles_merged_cells_and_a_formula_column_from_upload_to_import(
    page, browser, live_server, shared_media, celery_worker, contributor
):
    """The workbook of tests/imports/national.py: its header found under the merged title rows, its
    formula column ignored, the six fields it lacks given once on the mapping page."""
    del page
    page = signed_in(browser, live_server, contributor.username, height=900)
    page.click("nav >> text=Imports")
    path = shared_media.parent / "mha-interceptions.xlsx"
    path.write_bytes(national.titled_workbook())
    page.set_input_files("#id_file", str(path))
    page.click("form.upload button[type=submit]")

    expect(page.locator("#column-mapping")).to_be_visible()
    expect(page.locator("select[aria-label='Our field for Case Ref']")).to_have_value("national_reference")
    expect(page.locator("select[aria-label='Our field for Interception Date']")).to_have_value("detection_date")
    expect(page.locator("select[aria-label='Our field for POB']")).to_have_value("migrants_total")
    expect(page.locator("select[aria-label='Our field for Total']")).to_have_value("")  # the formula column
    expect(page.locator("#ask-decimal")).to_have_count(0)
    expect(page.locator("#ask-date")).to_have_count(0)
    page.select_option("#fixed-categories", ["migrant_smuggling"])
    page.select_option("#fixed-source", "official_record")
    page.select_option("#fixed-confidence", "high")
    page.select_option("#fixed-detection_country", "AUS")
    page.select_option("#fixed-detection_context", "at_sea")
    page.select_option("#fixed-modes", ["sea"])
    page.screenshot(path=str(SHOTS / "imports-workbook-columns.png"), full_page=True)
    for language in ("fr", "ar"):
        User.objects.filter(pk=contributor.pk).update(language=language)
        page.reload()
        page.screenshot(path=str(SHOTS / f"imports-workbook-columns-{language}.png"), full_page=True)
    User.objects.filter(pk=contributor.pk).update(language="en")
    page.reload()
    page.select_option("#fixed-categories", ["migrant_smuggling"])
    page.select_option("#fixed-source", "official_record")
    page.select_option("#fixed-confidence", "high")
    page.select_option("#fixed-detection_country", "AUS")
    page.select_option("#fixed-detection_context", "at_sea")
    page.select_option("#fixed-modes", ["sea"])
    page.click("#save-columns")

    expect(page.locator("h1")).to_contain_text("what your values mean")
    page.screenshot(path=str(SHOTS / "imports-workbook-codes.png"), full_page=True)
    page.click("#start-check")
    expect(page.locator("#result")).to_contain_text("Dry run", timeout=120_000)
    expect(page.locator("#result")).to_contain_text(f"{national.WORKBOOK_ROWS} rows ready to import")
    expect(page.locator("#problems")).to_have_count(0)
    page.screenshot(path=str(SHOTS / "imports-workbook-dry-run.png"), full_page=True)
    page.click("#import-all")
    expect(page.locator("#result")).to_contain_text(
        f"Imported: {national.WORKBOOK_ROWS} records created or updated", timeout=120_000
    )
    page.screenshot(path=str(SHOTS / "imports-workbook-done.png"), full_page=True)
    record = Incident.objects.get(national_reference="MHA-004")
    assert (record.migrants_total, record.source, record.modes) == (34, "official_record", ["sea"])
    page.context.close()
