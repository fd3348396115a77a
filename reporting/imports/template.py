"""Files handed to users: the template (XLSX with dropdowns, or CSV) and the dry run's report.

The template is built per participant: its agencies and crossing points are in the dropdowns.
The report is the uploaded file itself, sheet by sheet, with two columns added beside each row:
its outcome and every problem found in it (column, value, reason).
"""

from __future__ import annotations

import io
import zipfile
from collections import defaultdict

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from accounts.models import Participant
from reporting.imports.columns import COLUMNS, SHEET_TITLES, SHEETS, Column
from reporting.imports.messages import render, render_column
from reporting.imports.parsing import batch_layout, read_tables
from reporting.models import ImportBatch
from reporting.spreadsheets import csv_text, xlsx_bytes

TEMPLATE_ROWS = 5000  # rows that carry the dropdowns; more rows may be added below
BOLD = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDE7F0")
PROBLEM_FILL = PatternFill("solid", fgColor="F8D7DA")


def _codes_of(column: Column, participant: Participant) -> list[tuple[str, str]]:
    choices = column.choices(participant) if column.choices else []
    if column.kind == "agency":
        return [(label, label) for _pk, label in choices]  # agencies are written by name
    if column.kind == "bcp":
        return [(label.split(" — ")[0], label) for _pk, label in choices]  # crossing points by code
    return choices


def template_workbook(participant: Participant) -> bytes:
    """The XLSX template: three data sheets, dropdowns on every coded column, and notes."""
    workbook = Workbook()
    lists = workbook.active
    lists.title = "Lists"
    list_ranges: dict[str, str] = {}
    list_column = 0
    for sheet in SHEETS:
        for column in COLUMNS[sheet]:
            if not column.coded or column.code_list in list_ranges:
                continue
            values = [code for code, _label in _codes_of(column, participant)]
            if not values:
                continue
            list_column += 1
            letter = get_column_letter(list_column)
            lists.cell(row=1, column=list_column, value=column.code_list)
            for i, value in enumerate(values, start=2):
                lists.cell(row=i, column=list_column, value=value)
            list_ranges[column.code_list] = f"{quote_sheetname('Lists')}!${letter}$2:${letter}${len(values) + 1}"
    for sheet in SHEETS:
        worksheet = workbook.create_sheet(str(SHEET_TITLES[sheet]))
        for index, column in enumerate(COLUMNS[sheet], start=1):
            cell = worksheet.cell(row=1, column=index, value=str(column.label))
            cell.font, cell.fill = BOLD, HEADER_FILL
            letter = get_column_letter(index)
            worksheet.column_dimensions[letter].width = max(14, min(40, len(str(column.label)) + 4))
            target = f"{letter}2:{letter}{TEMPLATE_ROWS + 1}"
            validation = None
            if column.coded and column.code_list in list_ranges:
                # Several codes in one cell ("sea; land") cannot be a list entry: the dropdown helps,
                # and the check after upload decides.
                validation = DataValidation(
                    type="list",
                    formula1=list_ranges[column.code_list],
                    allow_blank=True,
                    showErrorMessage=not column.many,
                )
                validation.error = _("Choose a value from the list (see the Notes sheet).")
            elif column.kind == "date":
                validation = DataValidation(
                    type="date", operator="greaterThan", formula1="DATE(1990,1,1)", allow_blank=True
                )
                validation.error = _("A date, e.g. 2025-03-04.")
                for row in range(2, 52):
                    worksheet.cell(row=row, column=index).number_format = "yyyy-mm-dd"
            elif column.kind == "integer":
                validation = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True)
                validation.error = _("A whole number, 0 or more.")
            if validation is not None:
                validation.prompt = str(column.note)[:250]
                validation.showInputMessage = True
                validation.add(target)
                worksheet.add_data_validation(validation)
        worksheet.freeze_panes = "B2"
    notes = workbook.create_sheet("Notes")
    notes.append([_("Sheet"), _("Column"), _("Needed"), _("What to write"), _("Codes (code — meaning)")])
    for cell in notes[1]:
        cell.font, cell.fill = BOLD, HEADER_FILL
    notes.append(
        [
            "",
            "",
            "",
            _(
                "One row per incident on the Incidents sheet. Breakdowns and Documents rows belong to the incident "
                "with the same national reference. Imported records go to your focal point for validation. "
                "Uploading a corrected file again updates the same records; it never makes duplicates."
            ),
            "",
        ]
    )
    for sheet in SHEETS:
        for column in COLUMNS[sheet]:
            codes = ""
            if column.coded and column.kind not in ("country", "countries", "currency"):
                codes = "\n".join(f"{code} — {label}" for code, label in _codes_of(column, participant))
            elif column.kind in ("country", "countries"):
                codes = _("ISO 3166 codes or names: see the Lists sheet")
            elif column.kind == "currency":
                codes = _("ISO 4217 codes: see the Lists sheet")
            notes.append(
                [
                    str(SHEET_TITLES[sheet]),
                    str(column.label),
                    _("yes") if column.required else "",
                    str(column.note),
                    codes,
                ]
            )
    for letter, width in zip("ABCDE", (12, 32, 8, 70, 60), strict=True):
        notes.column_dimensions[letter].width = width
    for row in notes.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for worksheet in (lists, notes):  # agency names are the participant's own text: never a formula
        for row in worksheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"
    lists.sheet_state = "hidden"
    workbook.move_sheet("Lists", offset=len(workbook.sheetnames) - 1)
    workbook.active = 0
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def template_csv(sheet: str = SHEETS[0]) -> bytes:
    """One sheet's header row as CSV, UTF-8 with a byte-order mark (so that Excel reads accents)."""
    return csv_text([[str(c.label) for c in COLUMNS[sheet]]]).encode("utf-8")


def template_csv_zip() -> bytes:
    """The three sheets' header rows as CSV files in one ZIP, the form a ZIP upload takes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for sheet in SHEETS:
            archive.writestr(f"{sheet}.csv", template_csv(sheet))
    return buffer.getvalue()


def problems_by_row(batch: ImportBatch) -> dict[tuple[str, int], list[dict]]:
    found: dict[tuple[str, int], list[dict]] = defaultdict(list)
    for errors in batch.rows.exclude(errors=[]).values_list("errors", flat=True).iterator(chunk_size=2000):
        for problem in errors:
            found[(problem.get("sheet", SHEETS[0]), problem.get("row", 0))].append(problem)
    for problem in batch.problems:
        if "row" in problem:
            found[(problem.get("sheet", SHEETS[0]), problem["row"])].append(problem)
    return found


def describe(problem: dict) -> str:
    where = render_column(problem)
    value = problem.get("value")
    shown = f" “{value}”" if value not in (None, "") else ""
    message = render(problem)
    return f"{where}{shown}: {message}" if where else message


def report_workbook(batch: ImportBatch) -> bytes:
    """The uploaded file with each row's outcome and problems beside it, every cell written as text
    (the one safe writer, write-only: large files fit, and no uploaded formula runs on the reader's
    machine)."""
    tables, _info = read_tables(batch.file.path, batch.file_format, batch_layout(batch))
    found = problems_by_row(batch)
    outcomes = dict(batch.rows.values_list("row_number", "outcome").iterator(chunk_size=5000))
    labels = dict(batch.rows.model.Outcome.choices)

    def lines(sheet: str):
        table = tables[sheet]
        yield [_("Outcome"), _("Problems"), *table.headers]
        for row in table.rows:
            problems = found.get((sheet, row.number), [])
            outcome = outcomes.get(row.number, "") if sheet == SHEETS[0] else ("invalid" if problems else "")
            yield [str(labels.get(outcome, outcome)), "\n".join(describe(p) for p in problems), *row.cells]

    return xlsx_bytes({str(SHEET_TITLES[sheet]): lines(sheet) for sheet in SHEETS if sheet in tables})


def report_csv(batch: ImportBatch) -> bytes:
    """The incidents sheet's report as CSV (UTF-8 with BOM), for very large files."""
    tables, _info = read_tables(batch.file.path, batch.file_format, batch_layout(batch))
    found = problems_by_row(batch)
    outcomes = dict(batch.rows.values_list("row_number", "outcome").iterator(chunk_size=5000))
    table = tables[SHEETS[0]]

    def lines():
        yield [_("Row"), _("Outcome"), _("Problems"), *table.headers]
        for row in table.rows:
            problems = found.get((SHEETS[0], row.number), [])
            yield [row.number, outcomes.get(row.number, ""), " | ".join(describe(p) for p in problems), *row.cells]

    return csv_text(lines()).encode("utf-8")
