"""Three national exports as focal points have them (issue 17), built for the tests:

- a CSV with its own headings and day-first dates, and none of the fields the system asks for
  beyond the counts (conduct, source, confidence, country, context and modes are not in it);
- a semicolon CSV in Windows-1252 with dot thousands separators, decimal commas and French
  headings and country names;
- a workbook with a merged title and notes above the header, Excel serial dates, a formula column
  (its values saved, as Excel saves them) and blank rows after the table.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile

from openpyxl import Workbook

from tests.imports.files import a_day

EXCEL_EPOCH = dt.date(1899, 12, 30)

# The values a focal point gives on the mapping page for the fields these files lack.
FIXED = {
    "categories": "migrant_smuggling",
    "source": "official_record",
    "confidence": "high",
    "detection_country": "AUS",
    "detection_context": "at_sea",
    "modes": "sea",
}


def own_headings_csv() -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["Incident No", "Interception Date", "Location", "POB", "Crew", "Nationality (majority)",
                     "Vessel Type", "Destination", "Remarks"])  # fmt: skip
    for i in range(6):
        day = a_day(2, 13 + i)  # day first: 13/.. onwards says so
        writer.writerow(
            [
                f"MBC-{i:03d}",
                day.strftime("%d/%m/%Y"),
                "Ashmore Reef",
                20 + i,
                2,
                "Sri Lanka",
                "Fishing boat",
                "Australia",
                "Intercepted north-west of the reef; crew detained.",
            ]
        )
    return buffer.getvalue().encode("utf-8")


def french_semicolon_csv() -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(["N° dossier", "Date d'interception", "Lieu", "Nombre de migrants", "Passeurs", "Nationalité",
                     "Pays de destination", "Montant", "Devise", "Observations"])  # fmt: skip
    rows = [
        ("1.234", "1.500"),  # one thousand two hundred and thirty-four people; a fee of 1,500
        ("88", "12.000,50"),
        ("1.050", "950,75"),
    ]
    for i, (migrants, fee) in enumerate(rows):
        day = a_day(2, 3 + i)
        writer.writerow(
            [
                f"DGPN-{i:03d}",
                day.strftime("%d/%m/%Y"),
                "Port de Nouméa",
                migrants,
                "1",
                "Indonésie",
                "Australie",
                fee,
                "EUR",
                "Embarcation interceptée à l'entrée du port, équipage interpellé.",
            ]
        )
    return buffer.getvalue().encode("cp1252")


WORKBOOK_ROWS = 5


def titled_workbook() -> bytes:
    """Title rows (merged) and a note above the header on row 4, Excel serial dates, a "Total"
    formula column whose values Excel saved, and blank rows after the table."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Interceptions 2025"
    sheet["A1"] = "Ministry of Home Affairs — Maritime interceptions"
    sheet.merge_cells("A1:I1")
    sheet["A2"] = "Period: last quarter. Source: national case system."
    sheet.merge_cells("A2:I2")
    headers = ["Case Ref", "Interception Date", "Vessel Type", "POB", "Crew", "Total", "Origin", "Destination",
               "Remarks"]  # fmt: skip
    sheet.append([])  # row 3 blank
    for col, heading in enumerate(headers, start=1):
        sheet.cell(row=4, column=col, value=heading)
    for i in range(WORKBOOK_ROWS):
        row = 5 + i
        day = a_day(2, 2 + i)
        values = [f"MHA-{i:03d}", (day - EXCEL_EPOCH).days, "Fishing boat", 30 + i, 3, f"=D{row}+E{row}",
                  "Afghanistan", "AUS", "Wooden vessel escorted to port."]  # fmt: skip
        for col, value in enumerate(values, start=1):
            sheet.cell(row=row, column=col, value=value)
    sheet.column_dimensions["I"].hidden = True  # hidden columns are read like the others
    for row in range(5 + WORKBOOK_ROWS, 5 + WORKBOOK_ROWS + 4):
        sheet.cell(row=row, column=1, value=None).number_format = "@"  # blank but formatted rows
        sheet.cell(row=row, column=2, value="")
    buffer = io.BytesIO()
    book.save(buffer)
    return _with_saved_formula_values(buffer.getvalue(), {5 + i: 33 + i for i in range(WORKBOOK_ROWS)})


def _with_saved_formula_values(data: bytes, totals: dict[int, int]) -> bytes:
    """The workbook as Excel saves it: each formula cell with its value (openpyxl saves none)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = content.decode()
                text = re.sub(
                    r'(<c r="F(\d+)"[^>]*><f>[^<]*</f>)<v\s*/>',
                    lambda m: f"{m[1]}<v>{totals[int(m[2])]}</v>",
                    text,
                )
                content = text.encode()
            target.writestr(item, content)
    return out.getvalue()
