"""The one writer of every spreadsheet the system produces (CSV and XLSX).

Cells that a spreadsheet program would read as a formula (text starting with = + - @, a tab or a
carriage return) are written as text: a contributor's file, an audit line or a record's narrative
must never run on the reader's machine. Numbers stay numbers so that columns can be summed.
Both writers take rows lazily, so an export of a million records never holds them in memory.
"""

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
BOM = "\ufeff"  # Excel reads a UTF-8 CSV as such only with it


def safe_cell(value):
    """A cell's value as it may be written: numbers and dates as they are, everything else as text,
    with an apostrophe before text that would start a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float | Decimal | dt.date):
        return value
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


class _Line:
    """A file-like object that hands back what csv.writer wrote, one line at a time."""

    def write(self, text: str) -> str:
        return text


def csv_lines(rows: Iterable[Sequence], *, bom: bool = True) -> Iterator[str]:
    """The CSV text of `rows`, line by line (for a StreamingHttpResponse or a join)."""
    writer = csv.writer(_Line())
    if bom:
        yield BOM
    for row in rows:
        yield writer.writerow([safe_cell(v) for v in row])


def csv_text(rows: Iterable[Sequence], *, bom: bool = True) -> str:
    return "".join(csv_lines(rows, bom=bom))


def xlsx_bytes(sheets: dict[str, Iterable[Sequence]]) -> bytes:
    """A workbook with one sheet per entry (title → rows), written in openpyxl's write-only mode.

    Text cells are stored with the text number format ("@"), so Excel never re-reads them as
    formulas or numbers when a user edits and saves the file."""
    book = Workbook(write_only=True)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title=str(title)[:31])
        for row in rows:
            sheet.append([_xlsx_cell(sheet, v) for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _xlsx_cell(sheet, value):
    value = safe_cell(value)
    if isinstance(value, str):
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"  # a string, whatever it starts with
        cell.number_format = "@"
        return cell
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)  # Excel has no time zones; callers pass UTC or local time
    return value
