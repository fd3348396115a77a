"""Import files made for the tests: real CSV bytes in several encodings and delimiters, real XLSX."""

from __future__ import annotations

import csv
import datetime as dt
import io

from openpyxl import Workbook

from tests import factories

HEADERS = [
    "Case No",
    "Date detected",
    "Category",
    "Benefit",
    "Source",
    "Confidence",
    "Country",
    "Location",
    "Context",
    "Mode",
    "Vessel",
    "Origin",
    "Transit",
    "Destination",
    "Migrants",
    "Smugglers",
    "Fee",
    "Currency",
    "Narrative",
]


def a_day(months_ago: int = 2, day: int = 5) -> dt.date:
    return factories.months_back(months_ago) + dt.timedelta(days=day - 1)


def good_row(reference: str, *, day: dt.date | None = None, **changes) -> dict[str, str]:
    day = day or a_day()
    row = {
        "Case No": reference,
        "Date detected": day.strftime("%d/%m/%Y"),
        "Category": "Migrant smuggling",
        "Benefit": "yes",
        "Source": "investigation",
        "Confidence": "high",
        "Country": "Australia",
        "Location": "Ashmore Reef",
        "Context": "at_sea",
        "Mode": "sea",
        "Vessel": "BOAT",
        "Origin": "Sri Lanka",
        "Transit": "IDN; TLS",
        "Destination": "AUS",
        "Migrants": "20",
        "Smugglers": "2",
        "Fee": "1,000",
        "Currency": "usd",
        "Narrative": "A fishing boat was intercepted near the reef with twenty people aboard.",
    }
    row.update(changes)
    return row


def csv_bytes(rows: list[dict], *, delimiter: str = ",", encoding: str = "utf-8", headers=None) -> bytes:
    headers = headers or HEADERS
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow([row.get(h, "") for h in headers])
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(sheets: dict[str, list[list]], *, merge: str | None = None, formula_at: str | None = None) -> bytes:
    workbook = Workbook()
    first = True
    for title, rows in sheets.items():
        worksheet = workbook.active if first else workbook.create_sheet()
        worksheet.title = title
        first = False
        for row in rows:
            worksheet.append(row)
        if merge and title == next(iter(sheets)):
            worksheet.merge_cells(merge)
        if formula_at and title == next(iter(sheets)):
            worksheet[formula_at] = "=1+1"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
