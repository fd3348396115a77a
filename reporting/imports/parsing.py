"""Reading an import file into tables of text, or saying plainly why it cannot be read.

CSV: UTF-8 (with or without a byte-order mark), UTF-16 with a mark, or Windows-1252 (what Excel
writes on Windows); the delimiter (comma, semicolon, tab or bar) is sniffed. XLSX: read with
openpyxl in read-only mode (a 50 MB workbook stays within the worker's memory); sheets are found by
name (Incidents, Breakdowns, Documents) or, for a workbook of one sheet, that sheet is the incidents.

Problems with the file as a whole raise FileProblem (nothing is kept). Problems of one cell (a
formula, a row cut short) are handed back beside the row, to be reported with the row's others.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from reporting.imports.columns import BREAKDOWNS, DOCUMENTS, INCIDENTS, SHEETS
from reporting.imports.messages import Message, said

CSV, XLSX, ZIP = "csv", "xlsx", "zip"  # ZIP: the CSV files of the sheets together (incidents.csv, …)
SNIFF_BYTES = 64 * 1024
DELIMITERS = ",;\t|"
# Limits, each checked as the file is first read (at upload), so a file past one is refused at once
# with what is over, never a 500 or a worker busy for minutes.
MAX_COLUMNS = 500  # headings of a sheet; no national export has more
MAX_CELL_CHARS = 32_767  # the most an Excel cell holds
HEAD_BYTES = 1 << 20  # what the column page reads of a CSV file for its first values
SHEET_NAMES = {
    INCIDENTS: {"incidents", "incident", "records", "cases", "incidents (1)"},
    BREAKDOWNS: {"breakdowns", "breakdown", "people", "persons"},
    DOCUMENTS: {"documents", "document", "fraudulent documents"},
}


def max_rows() -> int:
    return int(getattr(settings, "IMPORT_MAX_ROWS", 200_000))


def max_expanded_bytes() -> int:
    """What a workbook may unpack to (its sheets are XML, several times the size of the values)."""
    return int(getattr(settings, "IMPORT_MAX_EXPANDED_BYTES", 400 * 1024 * 1024))


class FileProblem(Exception):  # noqa: N818 - a problem to show the user, not a programming error
    """The file cannot be read as an import file: `messages` say why, in plain words."""

    def __init__(self, *messages: str):
        self.messages = [str(m) for m in messages]
        super().__init__(" ".join(self.messages))


@dataclass
class Row:
    number: int  # as a spreadsheet shows it: the header is row 1 (or where it was found)
    cells: list[str]  # text of each cell, "" when empty, aligned with the headers
    problems: dict[int, str] = field(default_factory=dict)  # column index → what is wrong with the cell


@dataclass
class Table:
    sheet: str
    headers: list[str]
    header_row: int
    rows: Iterator[Row] | list[Row]
    source: tuple[str, str] | None = None  # a workbook's sheet: (title, its XML's path in the file)


def sniff_format(name: str, head: bytes) -> str:
    """CSV or XLSX from the file's first bytes (the name's extension only breaks a tie)."""
    if not head.strip():
        raise FileProblem(_("The file is empty."))
    if head.startswith(b"PK\x03\x04"):
        return XLSX
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileProblem(
            _(
                "This is an old Excel (.xls) workbook. Save it as an Excel Workbook (.xlsx) or as CSV, "
                "then upload it again."
            )
        )
    if head.startswith(b"%PDF"):
        raise FileProblem(_("This is a PDF document. Upload a CSV file or an Excel workbook (.xlsx)."))
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return CSV  # UTF-16 text with its byte-order mark
    if b"\x00" in head[:4096] or not _looks_like_text(head[:4096]):
        raise FileProblem(
            _("“%(name)s” is not a CSV file or an Excel workbook (.xlsx). Upload one of those.") % {"name": name}
        )
    if Path(name).suffix.lower() in (".xlsx", ".xlsm"):
        raise FileProblem(
            _("“%(name)s” is named .xlsx but is not an Excel workbook: it may be cut off.") % {"name": name}
        )
    return CSV


def _looks_like_text(sample: bytes) -> bool:
    control = sum(1 for b in sample if b < 9 or 13 < b < 32)
    return control <= len(sample) // 100


# CSV ---------------------------------------------------------------------------------------------


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding name) of a CSV file's bytes."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "UTF-8 with BOM"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "UTF-16"
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "Latin-1"


def sniff_delimiter(text: str) -> str:
    """The delimiter that splits the first lines into the same number of columns, most columns
    winning a tie. (csv.Sniffer picks the comma of "1,500" in a semicolon file.)"""
    sample = text[:SNIFF_BYTES]
    lines = sample.splitlines()[:-1] or sample.splitlines()
    best, best_score = ",", (-1.0, 0)
    for delimiter in DELIMITERS:
        rows = [r for r in csv.reader(io.StringIO("\n".join(lines[:50])), delimiter=delimiter) if r]
        if not rows or len(rows[0]) < 2:
            continue
        width = len(rows[0])
        same = sum(1 for r in rows if len(r) == width) / len(rows)
        score = (same, width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _clean_header(value: str) -> str:
    return re.sub(r"\s+", " ", (value or "").replace("\ufeff", "")).strip()


def read_csv(data: bytes, *, header_row: int | None = None) -> tuple[Table, dict]:
    """The incidents table of a CSV file, and what was found out about the file (encoding, delimiter)."""
    text, encoding = decode(data)
    if not text.strip():
        raise FileProblem(_("The file is empty."))
    delimiter = sniff_delimiter(text)
    if text.count('"') % 2:
        raise FileProblem(
            _(
                'The file ends inside a quoted value (an odd number of " marks): it is probably cut off. '
                "Export or upload it again."
            )
        )
    if "\n" not in text and "\r" in text:
        text = text.replace("\r", "\n")  # old Mac line ends
    # Lines are cut from the text as the reader asks for them: a StringIO copy would hold the
    # whole file again, four bytes a character (130 MB more for a 28 MB file).
    reader = csv.reader(_lines(text), delimiter=delimiter)
    lines = _guarded(reader)
    header_row, found, after = find_header(lines, at=header_row)
    headers = [_clean_header(c) for c in found]
    if not any(headers):
        raise FileProblem(_("The file is empty.") if not header_row else _header_row_empty(header_row))
    while headers and not headers[-1]:
        headers.pop()
    _check_width(len(headers))
    cut_off = not text.endswith(("\n", "\r"))

    def rows() -> Iterator[Row]:
        number = header_row
        pending: Row | None = None
        width = len(headers)
        for line in itertools.chain(after, lines):
            number += 1
            cells = list(map(str.strip, line))
            if not any(cells):
                continue
            row = Row(number, cells, {}) if len(cells) == width else _fit(number, cells, width)
            if pending is not None:
                yield pending
            pending = row
        if pending is not None:
            if cut_off and len(pending.cells) and pending.problems:
                pending.problems[len(headers) - 1] = said(
                    gettext_noop("The file ends in the middle of this row: it is probably cut off. Upload it again.")
                )
            yield pending

    info = {"encoding": encoding, "delimiter": {"\t": "tab"}.get(delimiter, delimiter)}
    return Table(INCIDENTS, headers, header_row, rows()), info


def _guarded(reader) -> Iterator[list[str]]:
    """The reader's lines; a line it cannot read (a cell past the csv module's own limit of 128 KiB,
    a NUL character) refuses the file with where and why, instead of an error page."""
    try:
        yield from reader
    except csv.Error as error:
        if "field larger" in str(error):
            raise FileProblem(_cell_too_large(reader.line_num)) from None
        raise FileProblem(
            _("Line %(line)s of the file cannot be read as CSV (%(error)s). Export it again and upload it again.")
            % {"line": reader.line_num, "error": str(error)}
        ) from None


def _cell_too_large(row: int) -> str:
    return _(
        "Row %(row)s has a cell of more than %(limit)s characters, the most a spreadsheet cell holds: a quote "
        "mark may be left open, or the file may not be a table. Check that row and upload the file again."
    ) % {"row": row, "limit": f"{MAX_CELL_CHARS:,}"}


def _check_width(width: int) -> None:
    if width > MAX_COLUMNS:
        raise FileProblem(
            _(
                "The header row has %(n)s columns; at most %(limit)s are read. Remove the columns you do not "
                "need (or check the delimiter) and upload the file again."
            )
            % {"n": f"{width:,}", "limit": MAX_COLUMNS}
        )


HEADER_SEARCH = 30  # rows looked through for the header (titles, notes and blank rows above it)


def _header_row_empty(row: int) -> str:
    return _("Row %(row)s, chosen as the headings, is empty or past the end. Choose the row of your headings.") % {
        "row": row
    }


def find_header(rows: Iterator[list[str]], *, at: int | None = None) -> tuple[int, list[str], list[list[str]]]:
    """(its row number, the header's cells, the rows read after it) among the first rows: the first
    row with at least half as many values as the fullest of them (and two at least), so that a
    title, a note or a date line above the table is passed over. `at`: the row chosen on the page."""
    if at:
        for number, cells in enumerate(rows, start=1):
            if number == at:
                return at, cells, []
        return at, [], []
    seen: list[list[str]] = []
    for cells in rows:
        seen.append(cells)
        if len(seen) >= HEADER_SEARCH:
            break
    counts = [sum(1 for c in cells if str(c).strip()) for cells in seen]
    if not counts or not max(counts):
        return 0, [], []
    needed = max(2, (max(counts) + 1) // 2) if max(counts) >= 2 else 1
    at = next(i for i, n in enumerate(counts) if n >= needed)
    return at + 1, seen[at], seen[at + 1 :]


def _lines(text: str) -> Iterator[str]:
    start = 0
    while True:
        end = text.find("\n", start)
        if end < 0:
            if start < len(text):
                yield text[start:]
            return
        yield text[start : end + 1]
        start = end + 1


def _fit(number: int, cells: list[str], width: int) -> Row:
    """A row with exactly `width` cells: a short row is padded (and said to be short), cells past the
    last header are kept only if empty."""
    problems: dict[int, str] = {}
    if len(cells) < width:
        problems[len(cells)] = said(
            gettext_noop("This row has %(n)s cells where the header has %(w)s: it is cut short."), n=len(cells), w=width
        )
        cells = cells + [""] * (width - len(cells))
    elif len(cells) > width:
        extra = [c for c in cells[width:] if c]
        if extra:
            problems[width - 1] = said(
                gettext_noop(
                    "This row has %(n)s cells where the header has %(w)s (values beyond the last column: %(extra)s). "
                    "A delimiter inside a value must be quoted."
                ),
                n=len(cells),
                w=width,
                extra=", ".join(extra[:3]),
            )
        cells = cells[:width]
    return Row(number, cells, problems)


# XLSX --------------------------------------------------------------------------------------------

# A formula cell whose value was never saved (no <v>, or an empty one): written by a program that
# does not calculate, or saved with calculation off. Read as empty, and said so.
UNCACHED = re.compile(
    rb'<c\b[^>]*?\br="([A-Z]+)([0-9]+)"[^>]*>\s*<f\b[^>]*(?:/>|>[^<]*</f>)\s*(?:<v\s*/>|<v>\s*</v>)?\s*</c>'
)


def _uncached_formulas(archive: zipfile.ZipFile, path: str) -> list[tuple[str, int]]:
    """(column letters, row) of each formula cell with no saved value, read from the sheet's XML."""
    try:
        with archive.open(path.lstrip("/")) as handle:
            found: list[tuple[str, int]] = []
            tail = b""
            while chunk := handle.read(1 << 20):
                text = tail + chunk
                cut = text.rfind(b"</c>") + 4  # whole cells only; the rest waits for the next chunk
                found += [(m[1].decode(), int(m[2])) for m in UNCACHED.finditer(text, 0, cut)]
                tail = text[cut:]
            return found
    except KeyError:
        return []


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value).strip()


def open_workbook(path: str | Path):
    import openpyxl

    try:
        # data_only: a formula cell is read as the value Excel saved with it (its cached value).
        return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, EOFError, KeyError, OSError) as error:
        raise FileProblem(
            _("The Excel workbook is damaged or cut off (%(error)s). Save it again and upload it again.")
            % {"error": type(error).__name__}
        ) from error
    except Exception as error:  # noqa: BLE001 - openpyxl raises many kinds for a malformed workbook
        raise FileProblem(
            _("The Excel workbook cannot be read (%(error)s). Save it again as .xlsx and upload it again.")
            % {"error": str(error)[:200]}
        ) from error


def _sheets_by_role(workbook) -> dict[str, object]:
    named: dict[str, object] = {}
    for sheet in workbook.worksheets:
        title = sheet.title.strip().casefold()
        for role, names in SHEET_NAMES.items():
            if title in names and role not in named:
                named[role] = sheet
    if INCIDENTS not in named:
        candidates = [s for s in workbook.worksheets if s not in named.values() and s.title.casefold() != "notes"]
        if candidates:
            named[INCIDENTS] = candidates[0]
    return named


def read_xlsx(path: str | Path, layout: dict | None = None) -> tuple[dict[str, Table], dict]:
    """The tables of a workbook (incidents, and breakdowns and documents when present).

    As people make them: titles, notes and merged cells above the header are passed over (the
    header is found), formulas are read as their saved values (a note says where none was saved),
    hidden rows and columns are read like the others, blank rows and columns after the table are
    not part of it, and cells beyond the last heading are not read."""
    workbook = open_workbook(path)
    sheets = _sheets_by_role(workbook)
    layout = layout or {}
    by_title = {sheet.title: sheet for sheet in workbook.worksheets}
    for role, title in (layout.get("sheets") or {}).items():
        if title in by_title:  # the sheet chosen on the page for this role
            sheets = {r: s for r, s in sheets.items() if s is not by_title[title]}
            sheets[role] = by_title[title]
    if INCIDENTS not in sheets:
        raise FileProblem(_("The workbook has no sheet of incidents."))
    tables: dict[str, Table] = {}
    header_rows = layout.get("header_rows") or {}
    for role, sheet in sheets.items():
        table = _sheet_table(role, sheet, header_row=header_rows.get(role))
        if table is not None:
            table.source = (sheet.title, getattr(sheet, "_worksheet_path", ""))
            tables[role] = table
    if INCIDENTS not in tables:
        raise FileProblem(_("The sheet of incidents is empty."))
    return tables, {
        "sheets": {role: sheets[role].title for role in tables},
        "all_sheets": [sheet.title for sheet in workbook.worksheets],
    }


def formula_notes(path: str | Path, tables: dict[str, Table]) -> list[Message]:
    """What to tell the user of formula cells with no saved value in the tables (read as empty)."""
    notes = []
    with zipfile.ZipFile(path) as archive:
        for table in tables.values():
            title, sheet_path = table.source or ("", "")
            uncached = [
                (letters, row)
                for letters, row in _uncached_formulas(archive, sheet_path)
                if row > table.header_row and _column_index(letters) < len(table.headers)
            ]
            if uncached:
                columns = sorted({table.headers[_column_index(letters)] or letters for letters, _row in uncached})
                notes.append(
                    said(
                        gettext_noop(
                            "Sheet “%(sheet)s”: %(n)s formula cells have no saved value (columns %(columns)s) and "
                            "are read as empty. If those columns matter, open the workbook in Excel, save it and "
                            "upload it again."
                        ),
                        sheet=title,
                        n=len(uncached),
                        columns=", ".join(f"“{c}”" for c in columns),
                    )
                )
    return notes


def _column_index(letters: str) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index - 1


def _sheet_table(role: str, sheet, *, header_row: int | None = None) -> Table | None:
    # Cells past MAX_COLUMNS are never read: a sheet formatted to its last column (XFD) would
    # otherwise hand back 16,384 cells a row.
    values = (
        [_cell_text(getattr(c, "value", None)) for c in cells] for cells in sheet.iter_rows(max_col=MAX_COLUMNS + 1)
    )
    chosen = header_row
    header_row, found, after = find_header(values, at=chosen)
    headers = [_clean_header(t) for t in found]
    if not any(headers):
        if chosen:
            raise FileProblem(_header_row_empty(chosen))
        return None
    while headers and not headers[-1]:
        headers.pop()
    _check_width(len(headers))
    width = len(headers)

    def rows() -> Iterator[Row]:
        number = header_row
        for texts in itertools.chain(after, values):
            number += 1
            texts = texts[:width]  # cells beyond the last heading are not part of the table
            if not any(texts):
                continue
            if len(texts) < width:
                texts = texts + [""] * (width - len(texts))
            yield Row(number, texts, {})

    return Table(role, headers, header_row, rows())


# CSV files in a ZIP ---------------------------------------------------------------------------------
#
# The CSV form of the template's three sheets: a CSV carries one table, so the breakdown and document
# rows come as their own CSV files, uploaded together in one ZIP and known by their names.


def zip_or_xlsx(path: str | Path) -> str:
    """XLSX for an Excel workbook, ZIP for an archive of CSV files (both start "PK")."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError):
        return XLSX  # read_xlsx says the workbook is damaged
    if "xl/workbook.xml" not in names and "[Content_Types].xml" not in names:
        return ZIP  # not an Office document: read_zip finds its CSV files, or says there are none
    return XLSX


def zip_unpacked_size(path: str | Path) -> int:
    """Bytes of the CSV files of a ZIP once unpacked (the size limit is on what is read)."""
    with zipfile.ZipFile(path) as archive:
        return sum(info.file_size for info in archive.infolist() if _is_csv(info.filename))


def check_expanded(path: str | Path, file_format: str, *, limit: int) -> None:
    """Refuse an archive that unpacks past its limit (a ZIP of CSV files: `limit`, what is read; a
    workbook: max_expanded_bytes()), saying what it expands to, before anything is unpacked."""
    if file_format == ZIP:
        size = zip_unpacked_size(path)
    elif file_format == XLSX:
        limit = max_expanded_bytes()
        try:
            with zipfile.ZipFile(path) as archive:
                size = sum(info.file_size for info in archive.infolist())
        except (zipfile.BadZipFile, OSError):
            return  # read_xlsx says the workbook is damaged
    else:
        return
    if size > limit:
        raise FileProblem(
            _(
                "This file is compressed: it expands to %(size)s, over the %(limit)s limit on what is read. "
                "Split it into smaller files."
            )
            % {"size": megabytes(size), "limit": megabytes(limit)}
        )


def megabytes(size: int) -> str:
    """A size as a person reads it: 150 KB, 1.1 MB, 1,120 MB."""
    if size < 1024 * 1024:
        return _("%(n)s KB") % {"n": f"{size / 1024:,.0f}"}
    megas = size / 1024 / 1024
    return _("%(n)s MB") % {"n": f"{megas:,.1f}" if megas < 10 else f"{megas:,.0f}"}


def _is_csv(name: str) -> bool:
    return not name.endswith("/") and Path(name).suffix.lower() in (".csv", ".txt") and "__MACOSX" not in name


def read_zip(path: str | Path, layout: dict | None = None) -> tuple[dict[str, Table], dict]:
    """The tables of a ZIP of CSV files: each file's role from its name (incidents.csv,
    breakdowns.csv, documents.csv; one CSV alone is the incidents)."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as error:
        raise FileProblem(
            _("The ZIP file is damaged or cut off (%(error)s). Make it again and upload it again.")
            % {"error": type(error).__name__}
        ) from error
    with archive:
        members = [n for n in archive.namelist() if _is_csv(n)]
        if not members:
            raise FileProblem(_("The ZIP file holds no CSV file."))
        roles: dict[str, str] = {}
        for member in members:
            stem = Path(member).stem.strip().casefold()
            role = next((r for r, names in SHEET_NAMES.items() if stem in names or stem.endswith(r)), None)
            if role is None and len(members) == 1:
                role = INCIDENTS
            if role is None or role in roles:
                raise FileProblem(
                    _(
                        "Name the CSV files in the ZIP incidents.csv, breakdowns.csv and documents.csv, one of "
                        "each at most: “%(name)s” is not one of them."
                    )
                    % {"name": member}
                )
            roles[role] = member
        if INCIDENTS not in roles:
            raise FileProblem(
                _(
                    "Name the CSV files in the ZIP incidents.csv, breakdowns.csv and documents.csv, one of "
                    "each at most: “%(name)s” is not one of them."
                )
                % {"name": ", ".join(members)}
            )
        tables: dict[str, Table] = {}
        for role, member in roles.items():
            try:
                header_row = ((layout or {}).get("header_rows") or {}).get(role)
                table, _info = read_csv(archive.read(member), header_row=header_row)
            except (zipfile.BadZipFile, zlib.error, EOFError) as error:
                raise FileProblem(
                    _("The ZIP file is damaged or cut off (%(error)s). Make it again and upload it again.")
                    % {"error": type(error).__name__}
                ) from error
            table.sheet = role
            tables[role] = table
    return tables, {"sheets": {role: Path(member).name for role, member in roles.items()}, "zip": True}


# Any ----------------------------------------------------------------------------------------------


def read_tables(path: str | Path, file_format: str, layout: dict | None = None) -> tuple[dict[str, Table], dict]:
    """Every table of a stored import file (row iterators: read once). `layout`: what was chosen on
    the page, {"header_rows": {sheet: row}, "sheets": {sheet: workbook sheet title}}."""
    if file_format == XLSX:
        return read_xlsx(path, layout)
    if file_format == ZIP:
        return read_zip(path, layout)
    data = Path(path).read_bytes()
    table, info = read_csv(data, header_row=((layout or {}).get("header_rows") or {}).get(INCIDENTS))
    return {INCIDENTS: table}, info


def peek(path: str | Path, file_format: str, layout: dict | None = None) -> tuple[dict[str, list[str]], dict, int]:
    """Headers per sheet, what was found out about the file, and the number of incident rows,
    reading every row once (so a damaged file is refused at upload, not half-way through a check)."""
    tables, info = read_tables(path, file_format, layout)
    info["header_rows"] = {sheet: table.header_row for sheet, table in tables.items()}
    head: list[list[str]] = []
    counted = _count(tables[INCIDENTS], keep=head)
    info["head"] = head  # the first rows' cells, for conventions.detect
    if file_format == XLSX:
        info["notes"] = formula_notes(path, tables)
    for sheet in (BREAKDOWNS, DOCUMENTS):
        if sheet in tables:
            info.setdefault("rows", {})[sheet] = _count(tables[sheet])
    if not counted:
        raise FileProblem(_("The file has a header row but no records under it."))
    return {sheet: tables[sheet].headers for sheet in SHEETS if sheet in tables}, info, counted


HEAD_ROWS = 2000  # rows whose cells say how the file writes numbers and dates


def _count(table: Table, *, keep: list | None = None) -> int:
    """The table's rows, refusing it at the first cell over MAX_CELL_CHARS or row over max_rows();
    the first HEAD_ROWS rows' cells added to `keep`."""
    limit = max_rows()
    counted = 0
    for row in table.rows:
        counted += 1
        if keep is not None and counted <= HEAD_ROWS:
            keep.append(row.cells)
        if counted > limit:
            raise FileProblem(
                _("The file has more than %(limit)s rows. Split it into files of %(limit)s rows at most.")
                % {"limit": f"{limit:,}"}
            )
        if max(map(len, row.cells), default=0) > MAX_CELL_CHARS:
            raise FileProblem(_cell_too_large(row.number))
    return counted


def batch_layout(batch) -> dict:
    """What was chosen on the page of how to read a batch's file (header rows, sheets)."""
    return (batch.conventions or {}).get("layout") or {}


def head_tables(path: str | Path, file_format: str, layout: dict | None = None) -> dict[str, Table]:
    """The tables of a stored file for a look at its first rows: of a CSV file, only its first
    HEAD_BYTES are read, so the column page's memory does not grow with the file."""
    if file_format != CSV:
        return read_tables(path, file_format, layout)[0]
    with open(path, "rb") as handle:
        data = handle.read(HEAD_BYTES + 1)
    if len(data) > HEAD_BYTES and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        data = data[: data.rfind(b"\n", 0, HEAD_BYTES) + 1] or data  # whole lines (UTF-16: all of it)
        try:
            return {INCIDENTS: read_csv(data, header_row=((layout or {}).get("header_rows") or {}).get(INCIDENTS))[0]}
        except FileProblem:
            pass  # a quoted value across the cut: read the whole file as the upload did
    return read_tables(path, file_format, layout)[0]
