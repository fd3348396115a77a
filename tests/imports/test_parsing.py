"""Reading real files: encodings, delimiters, XLSX sheets, and every kind of unreadable file."""

import datetime as dt

import pytest

from reporting.imports.parsing import CSV, XLSX, FileProblem, peek, read_csv, read_tables, sniff_format
from reporting.imports.validation import parse_date, parse_number
from tests.imports.files import HEADERS, csv_bytes, good_row, xlsx_bytes


def rows_of(data: bytes):
    table, info = read_csv(data)
    return table.headers, list(table.rows), info


@pytest.mark.parametrize(
    ("encoding", "delimiter", "expected"),
    [
        ("utf-8", ",", "UTF-8"),
        ("utf-8-sig", ";", "UTF-8 with BOM"),
        ("cp1252", "\t", "Windows-1252"),
        ("utf-16", "|", "UTF-16"),
    ],
)
def test_csv_in_any_common_encoding_and_delimiter(encoding, delimiter, expected):
    data = csv_bytes([good_row("R-1", Location="Île Saint-Paul — côte")], delimiter=delimiter, encoding=encoding)
    headers, rows, info = rows_of(data)
    assert headers == HEADERS
    assert info["encoding"] == expected
    assert rows[0].cells[HEADERS.index("Location")] == "Île Saint-Paul — côte"
    assert rows[0].number == 2


def test_a_short_row_and_a_row_with_extra_values_are_reported_beside_the_row():
    text = "Case No,Date detected,Migrants\nA,2025-01-02,3\nB,2025-01-03\nC,2025-01-04,5,oops\n"
    _headers, rows, _info = rows_of(text.encode())
    assert not rows[0].problems
    assert "cut short" in rows[1].problems[2]
    assert "oops" in rows[2].problems[2]


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "empty"),
        (b"   \r\n  ", "empty"),
        (b"%PDF-1.7 binary", "PDF"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1old excel", ".xls"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a CSV"),
    ],
)
def test_files_of_the_wrong_type_are_refused_with_a_reason(data, words):
    with pytest.raises(FileProblem) as problem:
        sniff_format("upload.csv", data)
    assert words in str(problem.value)


def test_a_csv_cut_inside_a_quoted_value_is_refused():
    with pytest.raises(FileProblem, match="cut off"):
        read_csv(b'Case No,Narrative\nA,"A boat was seen near')


def test_a_truncated_xlsx_is_refused(tmp_path):
    path = tmp_path / "cut.xlsx"
    path.write_bytes(xlsx_bytes({"Incidents": [HEADERS, list(good_row("X").values())]})[:700])
    assert sniff_format("cut.xlsx", path.read_bytes()) == XLSX
    with pytest.raises(FileProblem, match="damaged or cut off"):
        read_tables(path, XLSX)


def test_merged_cells_in_the_table_are_read_not_refused(tmp_path):
    path = tmp_path / "merged.xlsx"
    path.write_bytes(xlsx_bytes({"Incidents": [HEADERS, list(good_row("X").values())]}, merge="A2:B2"))
    tables, _info = read_tables(path, XLSX)
    (row,) = list(tables["incidents"].rows)
    assert row.cells[0] == "X" and row.cells[1] == ""  # a merged cell's value is its first cell's


def test_a_formula_with_no_saved_value_is_read_as_empty_and_said(tmp_path):
    path = tmp_path / "formula.xlsx"
    path.write_bytes(xlsx_bytes({"Incidents": [HEADERS, list(good_row("X").values())]}, formula_at="O2"))
    _headers, info, _count = peek(path, XLSX)
    (note,) = info["notes"]
    assert "1 formula cells have no saved value (columns “Migrants”)" in note
    tables, _info = read_tables(path, XLSX)
    (row,) = list(tables["incidents"].rows)
    assert row.cells[HEADERS.index("Migrants")] == "" and not row.problems


def test_xlsx_sheets_are_found_by_name_and_excel_dates_read(tmp_path):
    path = tmp_path / "book.xlsx"
    day = dt.datetime(2025, 3, 4)  # noqa: DTZ001 - a spreadsheet date has no time zone
    path.write_bytes(
        xlsx_bytes(
            {
                "Notes": [["ignored"]],
                "Incidents": [["National reference", "Detection date", "Migrants detected"], ["R-1", day, 12.0]],
                "Breakdowns": [["National reference", "Count"], ["R-1", 3]],
            }
        )
    )
    tables, info = read_tables(path, XLSX)
    assert set(tables) == {"incidents", "breakdowns"}
    (row,) = list(tables["incidents"].rows)
    assert row.cells == ["R-1", "2025-03-04", "12"]
    assert info["sheets"]["incidents"] == "Incidents"
    assert sniff_format("book.xlsx", path.read_bytes()) == XLSX
    assert sniff_format("plain.csv", b"a,b\n1,2\n") == CSV


@pytest.mark.parametrize(
    ("text", "order", "expected"),
    [
        ("2025-03-04", "dmy", dt.date(2025, 3, 4)),
        ("2025-03-04 13:20:00", "dmy", dt.date(2025, 3, 4)),
        ("04/03/2025", "dmy", dt.date(2025, 3, 4)),
        ("03/04/2025", "mdy", dt.date(2025, 3, 4)),
        ("4.3.25", "dmy", dt.date(2025, 3, 4)),
        ("45720", "dmy", dt.date(2025, 3, 4)),  # an Excel serial number
        ("20250304", "dmy", dt.date(2025, 3, 4)),
        ("4 Mar 2025", "dmy", dt.date(2025, 3, 4)),
        ("March 4, 2025", "dmy", dt.date(2025, 3, 4)),
        ("04-MAR-2025", "dmy", dt.date(2025, 3, 4)),
        ("2025/03/04", "ymd", dt.date(2025, 3, 4)),
        ("31/02/2025", "dmy", None),
        ("soon", "dmy", None),
    ],
)
def test_dates_in_several_formats(text, order, expected):
    assert parse_date(text, order) == expected


@pytest.mark.parametrize(
    ("text", "whole", "expected"),
    [("1,000", True, "1000"), ("1 000", True, "1000"), ("12,5", False, "12.5"), ("1,250.50", False, "1250.50"),
     ("1.250,50", False, "1250.50"), ("20", True, "20")],
)  # fmt: skip
def test_numbers_as_national_systems_write_them(text, whole, expected):
    assert parse_number(text, whole=whole) == expected
