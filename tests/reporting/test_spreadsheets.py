"""The one spreadsheet writer: formulas neutralised, numbers kept, rows taken lazily."""

import csv
import datetime as dt
import io
from decimal import Decimal

from openpyxl import load_workbook

from reporting.spreadsheets import csv_lines, csv_text, safe_cell, xlsx_bytes

DANGEROUS = ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"]


def test_text_that_would_start_a_formula_is_written_as_text():
    for text in DANGEROUS:
        assert safe_cell(text) == "'" + text
    assert safe_cell("Kupang") == "Kupang"
    assert safe_cell(None) == ""


def test_numbers_and_dates_stay_numbers_and_dates():
    assert safe_cell(-3) == -3
    assert safe_cell(Decimal("-1.5")) == Decimal("-1.5")
    assert safe_cell(dt.date(2026, 12, 7)) == dt.date(2026, 12, 7)
    assert safe_cell(True) == "True"


def test_csv_has_a_bom_and_no_live_formula():
    text = csv_text([["a", "b"], DANGEROUS])
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0] == ["a", "b"]
    assert all(cell.startswith("'") for cell in rows[1])


def test_csv_lines_consume_rows_lazily():
    taken = []

    def rows():
        for n in range(3):
            taken.append(n)
            yield [n]

    lines = csv_lines(rows(), bom=False)
    assert next(lines) == "0\r\n" and taken == [0]


def test_xlsx_cells_are_text_or_numbers_never_formulas():
    data = xlsx_bytes({"Sheet with a very long title that Excel refuses": [["Total", 3, Decimal("2.5")], DANGEROUS]})
    book = load_workbook(io.BytesIO(data))
    sheet = book.worksheets[0]
    assert len(sheet.title) <= 31
    assert [c.value for c in sheet[1]][:3] == ["Total", 3, 2.5]
    for cell in sheet[2]:
        assert cell.data_type == "s"
        assert cell.value.startswith("'")
