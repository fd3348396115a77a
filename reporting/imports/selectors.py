"""Reads of import batches: a participant's own, for its contributors and focal point only.

Batches hold the participant's own records before anyone else may see them, so no one outside the
participant reads them: another participant's batch answers 404, as a record outside the rule does.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from accounts.models import User
from accounts.roles import Action, role_can
from reporting.imports.columns import COLUMNS, INCIDENTS, SHEETS
from reporting.imports.mapping import NOT_FIXED, code_choices
from reporting.imports.messages import render_error
from reporting.imports.parsing import batch_layout, head_tables
from reporting.models import ImportBatch, ImportRow


def batches_for(user: User) -> QuerySet[ImportBatch]:
    if not role_can(user.role, Action.ENTER_RECORDS) or not user.participant_id:
        return ImportBatch.objects.none()
    return ImportBatch.objects.filter(participant_id=user.participant_id).select_related("uploaded_by")


def batch_get_for(user: User, pk: int) -> ImportBatch:
    batch = batches_for(user).select_related("participant").filter(pk=pk).first()
    if batch is None:
        raise Http404
    return batch


def batch_samples(batch: ImportBatch, count: int = 3) -> dict[str, list[list[str]]]:
    """The first rows of each sheet, shown beside the headings in the column-mapping step (read from
    the file's head: the page's memory does not grow with the file)."""
    tables = head_tables(batch.file.path, batch.file_format, batch_layout(batch))
    samples: dict[str, list[list[str]]] = {}
    for sheet, table in tables.items():
        rows = []
        for row in table.rows:
            rows.append(row.cells)
            if len(rows) >= count:
                break
        samples[sheet] = rows
    return samples


def batch_problem_rows(batch: ImportBatch, *, limit: int = 500) -> list[ImportRow]:
    """Rows with problems, in file order (the page shows the first `limit`; the report has all)."""
    return list(batch.rows.exclude(errors=[]).order_by("row_number")[:limit])


def batch_progress(batch: ImportBatch) -> dict:
    """What the progress bar shows; the page polls it while the batch is checking or importing."""
    total = batch.rows_total or 0
    running = batch.status in (ImportBatch.Status.CHECKING, ImportBatch.Status.IMPORTING)
    done = batch.rows_checked if batch.status == ImportBatch.Status.CHECKING else batch.rows_checked
    percent = round(100 * done / total) if total else (100 if not running else 0)
    return {
        "status": batch.status,
        "status_label": str(batch.get_status_display()),
        "running": running,
        "rows_total": total,
        "rows_checked": batch.rows_checked,
        "rows_imported": batch.rows_imported,
        "rows_valid": batch.rows_valid,
        "rows_failed": batch.rows_failed,
        "rows_unchanged": batch.rows_unchanged,
        "percent": min(100, percent),
        "error": render_error(batch.error),
    }


FIXABLE = [c.name for c in COLUMNS[INCIDENTS] if c.name not in NOT_FIXED]


def fixable_fields(batch: ImportBatch) -> list[dict]:
    """The incident fields no column of the file holds, each with the value for every row chosen so
    far and, for a coded field, its codes: those a submission needs first (the page asks for them)."""
    from reporting.services.incidents import _submit_required

    needed = _submit_required()
    mapped = {name for name in batch.column_mapping.get(INCIDENTS, {}).values() if name}
    chosen = (batch.fixed_values or {}).get(INCIDENTS, {})
    fields = []
    for col in COLUMNS[INCIDENTS]:
        if col.name in NOT_FIXED or col.name in mapped:
            continue
        value = chosen.get(col.name, "")
        fields.append(
            {
                "name": col.name,
                "label": col.label,
                "note": col.note,
                "needed": col.name in needed,
                "kind": col.kind,
                "many": col.many,
                "value": value,
                "values": [v.strip() for v in value.split(";") if v.strip()] if col.many else [value],
                "choices": code_choices(batch.participant, col.code_list) if col.coded else [],
            }
        )
    return sorted(fields, key=lambda f: not f["needed"])


def field_choices(sheet: str) -> list[tuple[str, str]]:
    return [(c.name, str(c.label)) for c in COLUMNS[sheet]]


__all__ = ["SHEETS", "batch_get_for", "batch_problem_rows", "batch_progress", "batch_samples", "batches_for"]
