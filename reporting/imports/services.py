"""The steps of an import batch (issue 5), each a service the web page, the API and the task call.

    upload ──▶ mapping (columns, then codes) ──▶ checking ──▶ checked (dry run: every problem)
                                                                 │
                               import (valid rows only | nothing unless all valid) ──▶ importing ──▶ done
                               or nothing: "cancelled", to fix the file and upload it again

A file that cannot be read at all is refused at upload and nothing is kept. The dry run writes
only the batch's row outcomes, and stages beside the file what it found: valid new records as COPY
text, other rows as JSON. The import writes the staged new records whose reference is still new
from there (in PostgreSQL, no row read in Python), checks every other row again (records may have
changed since), and writes all of it in one transaction: a failure leaves nothing half-imported. Records are
matched by national reference: a new reference creates a record, a known one becomes a new version
of it (history kept) unless nothing changed; every imported record waits for the focal point's
validation (submitted), so a change to a validated record sends it back to review.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import gc
import json
import logging
import os
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import connection, connections, models, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import User
from accounts.roles import Action, role_can
from reporting import copytext
from reporting.imports import conventions as conventions_
from reporting.imports import mapping as mapping_
from reporting.imports import messages as messages_
from reporting.imports.columns import BREAKDOWNS, DOCUMENTS, INCIDENTS, SHEETS
from reporting.imports.messages import Message, said, stored_error
from reporting.imports.parsing import (
    XLSX,
    FileProblem,
    batch_layout,
    check_expanded,
    peek,
    read_tables,
    sniff_format,
    zip_or_xlsx,
)
from reporting.imports.validation import COMPARED, Checked, Problem, RowChecker, existing_shape, record_signature
from reporting.imports.writing import StagedRecords, _copy, records_create, records_update
from reporting.models import ImportBatch, ImportRow, Incident, Return
from reporting.services import incidents as entry

logger = logging.getLogger(__name__)

CHUNK = 2000  # rows checked (and, on import, written) per step; progress is saved after each
PROGRESS_SECONDS = 0.5


def max_bytes() -> int:
    return int(getattr(settings, "IMPORT_MAX_BYTES", 50 * 1024 * 1024))


def _require_entry(user: User) -> None:
    if not role_can(user.role, Action.ENTER_RECORDS) or not user.participant_id:
        raise PermissionDenied(_("Only contributors and focal points import records for their participant."))


def _require_owner(batch: ImportBatch, user: User) -> None:
    _require_entry(user)
    if batch.participant_id != user.participant_id:
        raise PermissionDenied(_("This import belongs to another participant."))


def _require_status(batch: ImportBatch, allowed: tuple[str, ...], action: str) -> None:
    if batch.status not in allowed:
        raise ValidationError(
            _("This import is %(status)s: it cannot be %(action)s now.")
            % {"status": batch.get_status_display().lower(), "action": action}
        )


# Upload ------------------------------------------------------------------------------------------


def import_upload(*, user: User, uploaded, date_order: str | None = None) -> ImportBatch:
    """Store a file and read it through once: refused (ValidationError, nothing kept) when it is too
    large, empty, of another type, damaged, or has merged cells. The column mapping is suggested."""
    _require_entry(user)
    name = os.path.basename(getattr(uploaded, "name", "") or "upload")
    size = getattr(uploaded, "size", None) or 0
    if size > max_bytes():
        _too_large(size)
    if not size:
        raise ValidationError(_("The file is empty."))
    uploaded.seek(0)
    head = uploaded.read(8192)
    uploaded.seek(0)
    suffix = Path(name).suffix.lower()
    with tempfile.NamedTemporaryFile(suffix=suffix, delete=False) as handle:
        for chunk in uploaded.chunks() if hasattr(uploaded, "chunks") else [uploaded.read()]:
            handle.write(chunk)
        path = handle.name
    try:
        try:
            file_format = sniff_format(name, head)
            if file_format == XLSX:
                file_format = zip_or_xlsx(path)  # or the CSV files of the sheets in a ZIP
            check_expanded(path, file_format, limit=max_bytes())  # the limit is on what is read
        except FileProblem as problem:
            raise ValidationError(problem.messages) from None
        participant = user.participant
        profile = mapping_.profile_for(participant)
        batch = ImportBatch(
            participant=participant,
            uploaded_by=user,
            file_name=name[:255],
            file_format=file_format,
            file_size=size,
            status=ImportBatch.Status.MAPPING,
            code_mapping={},
            fixed_values=profile.fixed_values,
        )
        _read_into(batch, path, profile, layout={})
        if date_order:
            batch.date_order = date_order
        with open(path, "rb") as stored:
            batch.file.save(f"{timezone.now():%Y%m%d-%H%M%S}-{name}"[-100:], File(stored), save=False)
        batch.save()
        return batch
    finally:
        Path(path).unlink(missing_ok=True)


def _read_into(batch: ImportBatch, path: str, profile, *, layout: dict) -> None:
    """Read the file through once (refused with FileProblem's words) and set what the mapping page
    starts from: headings, suggested columns, row count, conventions found, what was read."""
    try:
        headers, info, count = peek(path, batch.file_format, layout)
    except FileProblem as problem:
        raise ValidationError(problem.messages) from None
    suggested = {
        sheet: mapping_.suggest_columns(participant=batch.participant, sheet=sheet, headers=sheet_headers)
        for sheet, sheet_headers in headers.items()
    }
    found = _conventions(info.pop("head", []), headers[INCIDENTS], suggested[INCIDENTS], profile)
    batch.date_order = found.pop("date_order_chosen")
    batch.headers = headers
    batch.column_mapping = suggested
    batch.rows_total = count
    batch.conventions = {
        **found,
        "layout": layout,
        "header_rows": info.get("header_rows", {}),
        "all_sheets": info.get("all_sheets", []),
        "sheets": info.get("sheets", {}),
    }
    notes = [said(messages_.READ_AS, what=_describe(info)), *info.get("notes", [])]
    batch.problems = [{"message": str(note), "parts": note.parts, "kind": "info"} for note in notes]


def import_read_again(
    *, batch: ImportBatch, user: User, header_rows: dict[str, int], sheets: dict[str, str] | None = None
) -> ImportBatch:
    """Read the stored file again with the headings' row of each sheet (and, for a workbook, the
    sheet of each kind) chosen on the page, when the ones found are not the right ones; the columns
    are suggested again for the new headings."""
    _require_owner(batch, user)
    _require_status(batch, (ImportBatch.Status.MAPPING, ImportBatch.Status.CHECKED), _("read again"))
    all_sheets = (batch.conventions or {}).get("all_sheets", [])
    rows: dict[str, int] = {}
    for sheet, row in header_rows.items():
        if sheet in SHEETS and str(row or "").strip():
            if not str(row).strip().isdigit() or not 1 <= int(row) <= 1000:
                raise ValidationError(_("The headings' row is a number from 1 to 1000."))
            rows[sheet] = int(row)
    layout = {
        "header_rows": rows,
        "sheets": {sheet: title for sheet, title in (sheets or {}).items() if sheet in SHEETS and title in all_sheets},
    }
    _read_into(batch, batch.file.path, mapping_.profile_for(batch.participant), layout=layout)
    batch.status = ImportBatch.Status.MAPPING
    batch.save()
    return batch


def _conventions(head: list[list[str]], headers: list[str], suggested: dict[str, str], profile) -> dict:
    """How the file writes numbers and dates, from its first rows: what was found, what is taken
    (the finding, else the participant's last choice), and whether the page must ask."""
    skip = [i for i, h in enumerate(headers) if suggested.get(h) in mapping_.NOT_NUMBERS]
    found = conventions_.detect(head, skip=skip)
    remembered = (profile.conventions or {}).get("decimal", "")
    found["ask_decimal"] = not found["decimal"] and not remembered
    found["decimal"] = found["decimal"] or remembered
    chosen_before = profile.pk is not None
    found["ask_date"] = found["dates_seen"] and not found["date_order"] and not chosen_before
    found["date_order_chosen"] = found["date_order"] or profile.date_order
    return found


def _too_large(size: int) -> None:
    raise ValidationError(
        _("The file is %(size)s MB; the limit is %(limit)s MB. Split it into smaller files.")
        % {"size": round(size / 1024 / 1024, 1), "limit": max_bytes() // (1024 * 1024)}
    )


def _describe(info: dict) -> Message:
    if "encoding" in info:
        return said(
            gettext_noop("CSV, %(encoding)s, delimiter “%(delimiter)s”"),
            encoding=info["encoding"],
            delimiter=info["delimiter"],
        )
    if info.get("zip"):
        return said(
            gettext_noop("CSV files in a ZIP: %(files)s"),
            files=", ".join(f"{name} ({role})" for role, name in info.get("sheets", {}).items()),
        )
    return said(
        gettext_noop("Excel workbook, sheets: %(sheets)s"),
        sheets=", ".join(f"{title} ({role})" for role, title in info.get("sheets", {}).items()),
    )


# Mapping -----------------------------------------------------------------------------------------


def import_map_columns(
    *,
    batch: ImportBatch,
    user: User,
    column_mapping: dict[str, dict[str, str]],
    date_order: str | None,
    fixed_values: dict[str, dict[str, str]] | None = None,
    decimal: str | None = None,
) -> ImportBatch:
    """Keep the column mapping (every sheet's problems at once) and remember it for next time.

    From the page, `fixed_values` ({sheet: {field: value}}: the same value for every row of a
    field the file lacks) and `decimal` (how the file writes numbers) come too, and every field a
    submission needs must then be in a column or given one value: asked once here, not reported on
    every row. Without them (the API), the batch keeps what it has (the participant's last ones)."""
    _require_owner(batch, user)
    _require_status(batch, (ImportBatch.Status.MAPPING, ImportBatch.Status.CHECKED), _("mapped again"))
    problems: dict[str, list[str]] = {}
    cleaned: dict[str, dict[str, str]] = {}
    for sheet, headers in batch.headers.items():
        given = column_mapping.get(sheet, {})
        cleaned[sheet] = {header: given.get(header, "") or "" for header in headers}
        found = mapping_.column_mapping_problems(sheet, cleaned[sheet])
        if found:
            problems[sheet] = found
    conventions = dict(batch.conventions or {})
    if date_order is None:
        date_order = batch.date_order
    if date_order not in ImportBatch.DateOrder.values:
        problems["date_order"] = [_("Choose how dates are written.")]
    if decimal is not None:
        if decimal not in (conventions_.POINT, conventions_.COMMA):
            problems["decimal"] = [_("Choose how numbers are written in your file.")]
        conventions.update(decimal=decimal, ask_decimal=False)
    fixed = batch.fixed_values or {}
    if fixed_values is not None:
        mapped = {name for name in cleaned.get(INCIDENTS, {}).values() if name}
        fixed, found = _fixed_values(batch, user, fixed_values.get(INCIDENTS, {}), mapped)
        if found:
            problems["fixed"] = found
    if problems:
        raise ValidationError(problems)
    batch.column_mapping = cleaned
    batch.date_order = date_order
    batch.fixed_values = fixed
    batch.conventions = {**conventions, "ask_date": False}
    batch.status = ImportBatch.Status.MAPPING
    batch.save(update_fields=["column_mapping", "date_order", "fixed_values", "conventions", "status"])
    mapping_.profile_remember(
        participant=batch.participant,
        user=user,
        column_mapping=cleaned,
        date_order=date_order,
        fixed_values=fixed if fixed_values is not None else None,
        decimal=decimal,
    )
    return batch


def import_conventions_require(*, batch: ImportBatch, decimal: str | None, date_order: str | None) -> None:
    """Refuse (ValidationError, code "conventions_needed", naming the choices) a file that can be
    read two ways, by its numbers or its dates, when the caller gave no choice (None) and none of
    the participant's covers it: such a file is not read until they are given, never read one way
    silently. The page asks on its own form; the API calls this before mapping."""
    conventions = batch.conventions or {}
    asked = {}
    if decimal is None and conventions.get("ask_decimal"):
        asked["decimal"] = [
            ValidationError(
                _(
                    "This file's numbers can be read two ways (“%(example)s” is a whole number of thousands with "
                    "a decimal comma, a fraction with a decimal point). Say how it writes them: decimal “.” "
                    "(1,234.5) or “,” (1.234,5)."
                ),
                code="conventions_needed",
                params={"example": conventions.get("either_example", "")},
            )
        ]
    if date_order is None and conventions.get("ask_date"):
        asked["date_order"] = [
            ValidationError(
                _(
                    "This file's dates can be read two ways (every day is 12 or less, as in “%(example)s”). Say "
                    "how it writes them: date_order “dmy” (31/12/2025) or “mdy” (12/31/2025)."
                ),
                code="conventions_needed",
                params={"example": conventions.get("date_seen_example", "")},
            )
        ]
    if asked:
        raise ValidationError(asked)


def _fixed_values(
    batch: ImportBatch, user: User, given: dict[str, str], mapped: set[str]
) -> tuple[dict[str, dict[str, str]], list[str]]:
    """The fixed values kept ({"incidents": {field: value}}, fields in a column left out), and the
    problems: a value the field refuses, a field a submission needs with neither column nor value."""
    from reporting.imports.validation import fixed_value_problems

    kept = {
        name: str(value).strip()
        for name, value in given.items()
        if str(value or "").strip() and name not in mapped and name not in mapping_.NOT_FIXED
    }
    problems = fixed_value_problems(participant=batch.participant, user=user, fixed=kept)
    labels = {c.name: c.label for c in mapping_.COLUMNS[INCIDENTS]}
    for name in entry._submit_required():
        if name not in mapped and name not in kept:
            problems.append(
                _(
                    "“%(field)s” is needed to submit every record and no column holds it: choose the column "
                    "that does, or give one value for every row."
                )
                % {"field": labels[name]}
            )
    return {INCIDENTS: kept} if kept else {}, problems


def import_unresolved(*, batch: ImportBatch) -> dict[str, dict[str, int]]:
    """{code list: {their value: rows}} of values that match none of our codes yet (the file read once)."""
    tables, _info = read_tables(batch.file.path, batch.file_format, batch_layout(batch))
    found = mapping_.unresolved_values(
        participant=batch.participant,
        tables=tables,
        column_mapping=batch.column_mapping,
        code_mapping=_effective_codes(batch),
    )
    return {code_list: dict(counter.most_common()) for code_list, counter in found.items()}


def _effective_codes(batch: ImportBatch) -> dict[str, dict[str, str]]:
    """The participant's remembered codes, with this batch's own choices over them."""
    remembered = mapping_.profile_for(batch.participant).code_mapping
    merged = {k: dict(v) for k, v in remembered.items()}
    for code_list, values in (batch.code_mapping or {}).items():
        merged.setdefault(code_list, {}).update(values)
    return merged


def import_map_codes(*, batch: ImportBatch, user: User, code_mapping: dict[str, dict[str, str]]) -> ImportBatch:
    """Keep the chosen codes for their values (case-folded) and remember them for next time."""
    _require_owner(batch, user)
    _require_status(batch, (ImportBatch.Status.MAPPING, ImportBatch.Status.CHECKED), _("mapped again"))
    chosen: dict[str, dict[str, str]] = {}
    problems: list[str] = []
    for code_list, values in code_mapping.items():
        allowed = {code for code, _label in mapping_.code_choices(batch.participant, code_list)}
        if not allowed:
            problems.append(_("“%(list)s” is not one of our code lists.") % {"list": code_list})
            continue
        for raw, code in values.items():
            if not code:
                continue
            if code not in allowed:
                problems.append(
                    _("“%(code)s” is not one of our codes for %(list)s.") % {"code": code, "list": code_list}
                )
                continue
            chosen.setdefault(code_list, {})[mapping_.value_key(raw)] = code
    if problems:
        raise ValidationError(problems)
    merged = {k: dict(v) for k, v in (batch.code_mapping or {}).items()}
    for code_list, values in chosen.items():
        merged.setdefault(code_list, {}).update(values)
    batch.code_mapping = merged
    batch.status = ImportBatch.Status.MAPPING  # a checked batch must be checked again with the new codes
    batch.save(update_fields=["code_mapping", "status"])
    mapping_.profile_remember(participant=batch.participant, user=user, code_mapping=chosen)
    return batch


# Starting the background work ----------------------------------------------------------------------


# The phase a worker runs for a batch in each working status.
PHASES = {ImportBatch.Status.CHECKING: "check", ImportBatch.Status.IMPORTING: "import"}
# A batch checking or importing for this long that no worker holds was lost on its way to one.
SWEEP_AFTER = dt.timedelta(minutes=2)
# Advisory-lock namespace (PostgreSQL): a worker holds (RUN_LOCK, batch id) while it runs a batch.
RUN_LOCK = 51_205


def _enqueue(batch_id: int, phase: str) -> None:
    """Queue the run once the request's transaction commits."""
    # ignore_result (in _send): the batch row carries the outcome; no result-store subscription in
    # the request. The worker writes the rows' problems in the uploader's language (the request's, issue 10).
    kwargs = {"batch_id": batch_id, "phase": phase, "language": translation.get_language() or ""}
    transaction.on_commit(lambda: _send(kwargs))


def _send(kwargs: dict) -> None:
    from reporting.tasks import import_run_task

    try:
        import_run_task.apply_async(kwargs=kwargs, ignore_result=True)
    except Exception:  # noqa: BLE001 - any broker failure; the batch's status keeps the work
        logger.exception("could not queue import %(batch_id)s (%(phase)s); the sweep will queue it again", kwargs)


def _runs_held() -> set[int]:
    """The batches a worker is running right now (their run lock is held)."""
    if connection.vendor != "postgresql":
        return set()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT objid FROM pg_locks WHERE locktype = 'advisory' AND classid = %s AND objsubid = 2 AND granted"
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            [RUN_LOCK],
        )
        return {int(row[0]) for row in cursor.fetchall()}


def import_sweep(*, now: dt.datetime | None = None) -> list[int]:
    """Queue again the runs that never reached a worker (the broker was down when the user started
    them) or whose worker died: batches checking or importing for SWEEP_AFTER that no worker holds.
    A run queued twice is harmless: the second finds the batch held or moved on and does nothing."""
    since = (now or timezone.now()) - SWEEP_AFTER
    lost = (
        ImportBatch.objects.filter(status__in=list(PHASES), started_at__lt=since)
        .exclude(pk__in=_runs_held())
        .select_related("uploaded_by")
    )
    queued = []
    for batch in lost:
        _send({"batch_id": batch.pk, "phase": PHASES[batch.status], "language": batch.uploaded_by.language})
        queued.append(batch.pk)
    if queued:
        logger.warning("imports swept: %s queued again", queued)
    return queued


def import_check_start(*, batch: ImportBatch, user: User, then: str = "") -> ImportBatch:
    """Queue the dry run; with `then` (an import mode, as the API may ask) the import follows it."""
    _require_owner(batch, user)
    _require_status(batch, (ImportBatch.Status.MAPPING, ImportBatch.Status.CHECKED), _("checked"))
    problems = [
        p
        for sheet in batch.headers
        for p in mapping_.column_mapping_problems(sheet, batch.column_mapping.get(sheet, {}))
    ]
    if problems:
        raise ValidationError(problems)
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=ImportBatch.Status.CHECKING,
        rows_checked=0,
        rows_imported=0,
        error="",
        started_at=timezone.now(),
        mode=then if then in ImportBatch.Mode.values else "",
    )
    batch.refresh_from_db()
    _enqueue(batch.pk, "check")
    return batch


def import_commit_start(*, batch: ImportBatch, user: User, mode: str) -> ImportBatch:
    """Queue the import of a checked batch: every valid row, or all rows only if every one is valid."""
    _require_owner(batch, user)
    _require_status(batch, (ImportBatch.Status.CHECKED,), _("imported"))
    if mode not in ImportBatch.Mode.values:
        raise ValidationError(_("Choose whether to import the valid rows only or nothing until every row is valid."))
    if mode == ImportBatch.Mode.ALL_OR_NOTHING and batch.rows_failed:
        raise ValidationError(
            _(
                "%(n)s rows have problems, so nothing is imported. Fix them in your file (the report lists each "
                "one) and upload it again, or import the valid rows only."
            )
            % {"n": batch.rows_failed}
        )
    if not batch.rows_valid:
        raise ValidationError(_("No row is valid: there is nothing to import. Fix the file and upload it again."))
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=ImportBatch.Status.IMPORTING, mode=mode, rows_imported=0, rows_checked=0, started_at=timezone.now()
    )
    batch.refresh_from_db()
    _enqueue(batch.pk, "import")
    return batch


def import_cancel(*, batch: ImportBatch, user: User) -> ImportBatch:
    """Import nothing: the report stays, to fix the file and upload it again."""
    _require_owner(batch, user)
    _require_status(batch, (ImportBatch.Status.MAPPING, ImportBatch.Status.CHECKED), _("cancelled"))
    batch.status = ImportBatch.Status.CANCELLED
    batch.finished_at = timezone.now()
    batch.save(update_fields=["status", "finished_at"])
    return batch


# The work (in a Celery task) -------------------------------------------------------------------------


class _Progress:
    """Saves progress every half second. Inside the import's transaction it writes through a
    connection of its own (PostgreSQL), so the page sees rows imported while nothing is committed."""

    def __init__(self, batch_id: int, *, side: bool):
        self.batch_id = batch_id
        self.last = 0.0
        self.side = None
        if side and connection.vendor == "postgresql":
            self.side = connections.create_connection("default")

    def save(self, *, force: bool = False, **values) -> None:
        now = time.monotonic()
        if not force and now - self.last < PROGRESS_SECONDS:
            return
        self.last = now
        if self.side is None:
            ImportBatch.objects.filter(pk=self.batch_id).update(**values)
            return
        sets = ", ".join(f"{connection.ops.quote_name(k)} = %s" for k in values)
        with self.side.cursor() as cursor:
            cursor.execute(
                f"UPDATE {ImportBatch._meta.db_table} SET {sets} WHERE id = %s",  # noqa: S608 - names are ours
                [*values.values(), self.batch_id],
            )

    def close(self) -> None:
        if self.side is not None:
            self.side.close()


def _linked_rows(tables, checker: RowChecker) -> tuple[dict[str, dict[str, list]], list[dict]]:
    """Breakdown and document rows by national reference (those sheets are read whole)."""
    linked: dict[str, dict[str, list]] = {}
    for sheet in (BREAKDOWNS, DOCUMENTS):
        if sheet not in tables or not checker.columns[sheet]:
            continue
        by_reference: dict[str, list] = defaultdict(list)
        for row in tables[sheet].rows:
            by_reference[checker.reference_of(row, sheet).casefold()].append(row)
        linked[sheet] = by_reference
    return linked, []


def _existing(participant_id: int, references: list[str], *, lock: bool = False) -> dict[str, tuple[Incident, dict]]:
    """{reference (case-folded): (record, its form shape)} for the references that exist, in four
    queries; with `lock`, the records are locked (FOR UPDATE) before they are read."""
    records = Incident.objects.select_related("ret").order_by()
    if connection.vendor == "postgresql":
        # Which references exist first, as one array parameter: a new file's rows are all new, and
        # Django's IN of 2,000 parameters costs more to build than the query takes.
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id FROM {Incident._meta.db_table} WHERE participant_id = %s"  # noqa: S608 - our name
                " AND national_reference = ANY(%s) ORDER BY id" + (" FOR UPDATE" if lock else ""),
                [participant_id, references],
            )
            ids = [row[0] for row in cursor.fetchall()]
        if not ids:
            return {}
        records = records.filter(pk__in=ids)
    else:
        records = records.filter(participant_id=participant_id, national_reference__in=references)
        if lock:
            records = records.select_for_update()
    found = {incident.national_reference.casefold(): incident for incident in records}
    if not found:
        return {}
    ids = [i.pk for i in found.values()]
    rows: dict[int, dict[str, list]] = {pk: {"transits": [], "breakdowns": [], "documents": []} for pk in ids}
    from reporting.models import IncidentDocument, IncidentTransit, PersonBreakdown

    for model, key, order in (
        (IncidentTransit, "transits", "sequence"),
        (PersonBreakdown, "breakdowns", "id"),
        (IncidentDocument, "documents", "id"),
    ):
        for row in model.objects.filter(incident_id__in=ids).order_by("incident_id", order):
            rows[row.incident_id][key].append(row)
    return {
        ref: (incident, existing_shape(incident, **rows[incident.pk]), rows[incident.pk])
        for ref, incident in found.items()
    }


class _Pass:
    """One read of the file: every incident row checked, with its existing record if any."""

    def __init__(self, batch: ImportBatch):
        self.batch = batch
        self.checker = RowChecker(
            participant=batch.participant,
            user=batch.uploaded_by,
            column_mapping=batch.column_mapping,
            code_mapping=_effective_codes(batch),
            date_order=batch.date_order,
            headers=batch.headers,
            fixed=(batch.fixed_values or {}).get(INCIDENTS, {}),
            decimal=(batch.conventions or {}).get("decimal") or None,
        )
        self.tables, _info = read_tables(batch.file.path, batch.file_format, batch_layout(batch))
        self.linked, _ = _linked_rows(self.tables, self.checker)
        self.seen: dict[str, int] = {}
        self.duplicates: dict[str, list[int]] = defaultdict(list)
        # Only the problems and the staged COPY text of new rows are wanted (the dry run, staging):
        # their linked rows are not built as objects.
        self.lean = False

    def _check_new(self, pending: list) -> list[Checked]:
        objects = not self.lean
        return [
            self.checker.check(row, breakdown_rows=b, document_rows=d, objects=objects) for row, b, d, _key in pending
        ]

    def chunks(
        self, prepared: _PreparedReader | None = None, only: set[int] | None = None, *, lock: bool = False
    ) -> Iterator[list[tuple[Checked, tuple | None]]]:
        """Chunks of (checked row, its existing record), of the rows numbered in `only` if given;
        with `lock`, each chunk's records are locked before they are read. With `prepared` (what
        the dry run built), a row whose record is as the dry run saw it is rebuilt from there
        instead of checked again."""
        rows = iter(self.tables[INCIDENTS].rows)
        while chunk := self._read(rows, only):
            out, pending = self._sort(chunk, prepared, lock)
            if pending:
                checked_new = iter(self._check_new(pending))
                for entry_ in out:
                    if entry_[0] is None:
                        entry_[0] = next(checked_new)
            yield self._rules(out)

    def _read(self, rows: Iterator, only: set[int] | None) -> list:
        chunk = []
        for row in rows:
            if only is not None and row.number not in only:
                continue
            chunk.append(row)
            if len(chunk) >= CHUNK:
                break
        return chunk

    def _sort(self, chunk: list, prepared: _PreparedReader | None, lock: bool) -> tuple[list[list], list[tuple]]:
        """[checked or None, match, row, reference, key] per row (rows with an existing record
        checked here), and the new rows to check, (row, breakdown rows, document rows, key)."""
        references = [self.checker.reference_of(row) for row in chunk]
        existing = _existing(self.batch.participant_id, [r for r in references if r], lock=lock)
        out: list[list] = []
        pending: list[tuple] = []  # new rows, checked together
        for row, reference in zip(chunk, references, strict=True):
            key = reference.casefold()
            match = existing.get(key) if key else None
            ready = prepared.get(row.number) if prepared is not None else None
            current = (match[0].pk, match[0].version) if match else (None, None)
            breakdown_rows = self.linked[BREAKDOWNS].get(key, []) if BREAKDOWNS in self.linked else None
            document_rows = self.linked[DOCUMENTS].get(key, []) if DOCUMENTS in self.linked else None
            checked = None
            if ready is not None and tuple(ready[:2]) == current:
                checked = _from_prepared(self.checker, row.number, reference, ready)
            elif match is None:
                pending.append((row, breakdown_rows, document_rows, key))
            else:
                checked = self.checker.check(
                    row, breakdown_rows=breakdown_rows, document_rows=document_rows, existing=match[1]
                )
            out.append([checked, match, row, reference, key])
        return out, pending

    def _rules(self, out: list[list]) -> list[tuple[Checked, tuple | None]]:
        """What spans rows, in row order: a reference seen on an earlier row, a withdrawn record."""
        for i, (checked, match, row, reference, key) in enumerate(out):
            if key:
                if key in self.seen:
                    self.duplicates[key].append(row.number)
                    checked.problems.append(
                        self._reference_problem(
                            row,
                            reference,
                            said(
                                gettext_noop(
                                    "This national reference is also on row %(first)s. Each record once per file: "
                                    "merge the rows or correct the reference."
                                ),
                                first=self.seen[key],
                            ),
                        )
                    )
                else:
                    self.seen[key] = row.number
            if match and match[0].status == Incident.Status.WITHDRAWN:
                checked.problems.append(
                    self._reference_problem(
                        row,
                        reference,
                        _(
                            "A record with this reference was withdrawn; imports do not change withdrawn records. "
                            "Give the case a new reference."
                        ),
                    )
                )
            out[i] = (checked, match)
        return out

    def _reference_problem(self, row, reference: str, message: str) -> Problem:
        return Problem(INCIDENTS, row.number, self.checker.heading(INCIDENTS, "national_reference"), reference, message)

    def orphans(self) -> list[dict]:
        """Linked rows whose national reference is on no incident row."""
        problems = []
        for sheet, by_reference in self.linked.items():
            for key, rows in by_reference.items():
                if key not in self.seen:
                    for row in rows:
                        problems.append(
                            Problem(
                                sheet,
                                row.number,
                                self.checker.heading(sheet, "national_reference"),
                                self.checker.reference_of(row, sheet),
                                _("No row of the incidents sheet has this national reference.")
                                if key
                                else _("Give the national reference of the incident this row belongs to."),
                            ).as_dict()
                        )
        return problems


# What the dry run built, kept beside the file so that the import does not check every row twice.
# A row is rebuilt from it only while its record (or its absence) is as the dry run saw it.

_FIELDS_BY_ATTNAME = {f.attname: f for f in Incident._meta.concrete_fields}


def _prepared_path(batch: ImportBatch) -> Path:
    return Path(f"{batch.file.path}.checked.json")


def _staged_text(checked: Checked) -> str:
    """One staged record's lines of the staged file: `N <row> <children> <month> <reference>` then
    its COPY text, then one line per linked row (`T`, `B` or `D` and its COPY text). COPY text holds
    no line break. The dry run writes a chunk's at once."""
    month, text, children = checked.staged
    reference = checked.reference
    if "\n" in reference or "\r" in reference:
        reference = reference.replace("\n", " ").replace("\r", " ")
    head = f"N\t{checked.number}\t{len(children)}\t{month}\t{reference}\n{text}\n"
    if not children:
        return head
    return head + "".join(f"{code}\t{child}\n" for code, child in children)


class _PreparedReader:
    """The dry run's JSON entries (rows not staged as new records), read along with the file (both
    in row order): memory stays flat. Staged records are skipped (StagedRecords loads them)."""

    def __init__(self, path: Path):
        try:
            self.handle = open(path, encoding="utf-8")  # noqa: SIM115 - read to the end by the import
        except OSError:
            self.handle = None  # no dry-run results to reuse: every row is checked again
        self.current: list | None = None
        self.current_number = 0

    def _next(self) -> bool:
        while True:
            line = self.handle.readline()
            if not line:
                self.handle.close()
                self.handle = None
                self.current = None
                return False
            if line.startswith("N\t"):
                count = int(line.split("\t", 3)[2])
                for _i in range(count + 1):  # its COPY text and its linked rows
                    self.handle.readline()
                continue
            self.current = json.loads(line)
            self.current_number = self.current[0]
            return True

    def get(self, number: int) -> list | None:
        while self.handle is not None and (self.current is None or self.current_number < number):
            if not self._next():
                return None
        if self.current is not None and self.current_number == number:
            return self.current[1:]
        return None


def _prepared_entry(checked: Checked, match, outcome: str) -> list:
    pk, version = (match[0].pk, match[0].version) if match else (None, None)
    if outcome != ImportRow.Outcome.VALID:
        return [pk, version, None]
    incident = checked.incident
    values = {name: getattr(incident, name) for name in COMPARED}
    return [
        pk,
        version,
        values,
        [t.country for t in checked.transits],
        [[b.group, b.citizenship, b.sex, b.age_group, b.count, b.unaccompanied] for b in checked.breakdowns],
        [[d.document_type, d.fraud_type, d.issuing_country, d.count] for d in checked.documents],
    ]


def _from_prepared(checker: RowChecker, number: int, reference: str, ready: list) -> Checked:
    from decimal import Decimal

    from reporting.models import IncidentDocument, IncidentTransit, PersonBreakdown

    checked = Checked(number=number, reference=reference)
    if ready[2] is None:
        checked.known_unchanged = True
        return checked
    incident = checker._new_incident()
    for name, value in ready[2].items():
        field = _FIELDS_BY_ATTNAME[name]
        if value is not None:
            if field.get_internal_type() == "DateField":
                value = dt.date.fromisoformat(value)
            elif field.get_internal_type() == "DecimalField":
                value = Decimal(value)
        incident.__dict__[name] = value
    incident._state.fields_cache.pop("agency", None)
    incident._state.fields_cache.pop("border_crossing_point", None)
    checked.incident = incident
    checked.transits = [IncidentTransit(sequence=i, country=c) for i, c in enumerate(ready[3], start=1)]
    checked.breakdowns = [
        PersonBreakdown(group=g, citizenship=c, sex=x, age_group=a, count=n, unaccompanied=u)
        for g, c, x, a, n, u in ready[4]
    ]
    checked.documents = [
        IncidentDocument(document_type=t, fraud_type=f, issuing_country=c, count=n) for t, f, c, n in ready[5]
    ]
    return checked


def _validated_left(changed: dict[int, list[int]]) -> dict[int, int]:
    """{submitted return id: validated records it keeps} for returns losing validated records."""
    if not changed:
        return {}
    submitted = Return.objects.filter(pk__in=changed, status=Return.Status.SUBMITTED).values_list("pk", flat=True)
    left = {}
    for ret_id in submitted:
        total = Incident.objects.filter(ret_id=ret_id, status=Incident.Status.VALIDATED).count()
        left[ret_id] = total - len(changed[ret_id])
    return left


def _row_outcome(checked: Checked, match, *, dry_run: bool) -> str:
    if checked.problems:
        return ImportRow.Outcome.INVALID
    if getattr(checked, "known_unchanged", False):
        return ImportRow.Outcome.UNCHANGED
    if match is not None:
        current, _shape, rows = match
        same = record_signature(current, rows["transits"], rows["breakdowns"], rows["documents"]) == checked.signature()
        if same:
            return ImportRow.Outcome.UNCHANGED
        return ImportRow.Outcome.VALID if dry_run else ImportRow.Outcome.UPDATED
    return ImportRow.Outcome.VALID if dry_run else ImportRow.Outcome.CREATED


def _rows_write(batch_id: int, outcomes: list[tuple], *, only: list[int] | None = None) -> None:
    """Replace the batch's row outcomes (COPY on PostgreSQL), or those of the rows numbered `only`."""
    if only is None:
        ImportRow.objects.filter(batch_id=batch_id).delete()
    elif only:
        ImportRow.objects.filter(batch_id=batch_id, row_number__in=only).delete()
    if connection.vendor == "postgresql":
        _copy(
            ImportRow,
            [
                [
                    str(batch_id),
                    str(n),
                    copytext.escape(ref[:64]),
                    outcome,
                    copytext.escape(json.dumps(errors)) if errors else "[]",
                    str(pk) if pk else "\\N",
                ]
                for n, ref, outcome, errors, pk in outcomes
            ],
            ["batch_id", "row_number", "national_reference", "outcome", "errors", "incident_id"],
        )
        return
    ImportRow.objects.bulk_create(
        [
            ImportRow(batch_id=batch_id, row_number=n, national_reference=ref[:64], outcome=o, errors=e, incident_id=pk)
            for n, ref, o, e, pk in outcomes
        ],
        batch_size=2000,
    )


def _finish_rules(work: _Pass, outcomes: list[list], validated_changes: dict[int, list[int]]) -> None:
    """Rules that need the whole file: the first row of a duplicated reference, and returns that would
    be left without a validated record. Each problem is added to its row (outcome set to invalid)."""
    index = {row[0]: row for row in outcomes}
    for key, numbers in work.duplicates.items():
        first = index.get(work.seen[key])
        if first is not None:
            first[3].append(
                Problem(
                    INCIDENTS,
                    first[0],
                    work.checker.heading(INCIDENTS, "national_reference"),
                    first[1],
                    said(messages_.DUPLICATE, rows=", ".join(map(str, numbers))),
                ).as_dict()
            )
            first[2] = ImportRow.Outcome.INVALID
    for ret_id, left in _validated_left(validated_changes).items():
        if left <= 0:
            for number in validated_changes[ret_id]:
                row = index[number]
                row[3].append(
                    Problem(
                        INCIDENTS,
                        number,
                        work.checker.heading(INCIDENTS, "national_reference"),
                        row[1],
                        _(
                            "This change would send the last validated record of a submitted return back to review, "
                            "leaving the month with no data. Ask your focal point to reopen the return first."
                        ),
                    ).as_dict()
                )
                row[2] = ImportRow.Outcome.INVALID


@contextlib.contextmanager
def _fewer_collections() -> Iterator[None]:
    """Python's cycle collector relaxed while a dry run holds every row's outcome: what exists now
    (Django, the checker) is left out of its scans (gc.freeze) and it runs every 100,000
    allocations, not 700. At 100,000 rows its scans of the growing outcomes were a third of the
    dry run's time; garbage cycles (an invalid row's exception and traceback) are still collected."""
    threshold = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(100_000, *threshold[1:])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


def _in_the_codes_words(run):
    """Run a check with no language active: its problems are stored as the code writes them, with
    their parameters (reporting/imports/messages.py), and each reader's page renders them."""

    @functools.wraps(run)
    def wrapped(**kwargs):
        with translation.override(None):
            return run(**kwargs)

    return wrapped


@_in_the_codes_words
def import_check(*, batch_id: int) -> ImportBatch:
    """The dry run: every row checked, every problem kept beside its row; nothing else written."""
    # The current time zone made explicit (the same zone): Incident.clean() asks for it on every row,
    # and an explicit one is found faster than the default behind an unset one.
    with _fewer_collections(), timezone.override(timezone.get_current_timezone()):
        batch = _check(batch_id=batch_id)
    if batch.status == ImportBatch.Status.CHECKED and batch.mode:
        return _import_after_check(batch)
    return batch


def _check(*, batch_id: int) -> ImportBatch:
    batch = ImportBatch.objects.select_related("participant", "uploaded_by").get(pk=batch_id)
    progress = _Progress(batch.pk, side=False)
    try:
        work = _Pass(batch)
        outcomes: list[list] = []
        prepared = open(_prepared_path(batch), "w", encoding="utf-8")  # noqa: SIM115 - closed below
        stage = connection.vendor == "postgresql"  # new records staged for StagedRecords (PostgreSQL only)
        work.lean = stage  # a valid new row is written from its staged text alone
        validated_changes: dict[int, list[int]] = defaultdict(list)
        checked_count = 0
        valid, invalid = ImportRow.Outcome.VALID, ImportRow.Outcome.INVALID
        for chunk in work.chunks():
            text = []  # the chunk's part of the staged file, written at once
            for checked, match in chunk:
                outcome = _row_outcome(checked, match, dry_run=True)
                if outcome == valid and match is None and stage and checked.staged is not None:
                    text.append(_staged_text(checked))
                elif outcome != invalid:
                    text.append(json.dumps([checked.number, *_prepared_entry(checked, match, outcome)], default=str))
                    text.append("\n")
                pk = match[0].pk if match else None
                if match and outcome == valid and match[0].status == Incident.Status.VALIDATED:
                    validated_changes[match[0].ret_id].append(checked.number)
                outcomes.append(
                    [checked.number, checked.reference, outcome, [p.as_dict() for p in checked.problems], pk]
                )
            prepared.write("".join(text))
            checked_count += len(chunk)
            progress.save(rows_checked=checked_count)
        _finish_rules(work, outcomes, validated_changes)
        orphans = work.orphans()
        prepared.close()
        with transaction.atomic():
            _rows_write(batch.pk, [tuple(o) for o in outcomes])
            counts = defaultdict(int)
            for outcome in outcomes:
                counts[outcome[2]] += 1
            infos = [p for p in batch.problems if p.get("kind") == "info"]
            ImportBatch.objects.filter(pk=batch.pk).update(
                status=ImportBatch.Status.CHECKED,
                rows_total=len(outcomes),
                rows_checked=len(outcomes),
                rows_valid=counts[ImportRow.Outcome.VALID],
                rows_unchanged=counts[ImportRow.Outcome.UNCHANGED],
                rows_failed=counts[ImportRow.Outcome.INVALID],
                problems=infos + orphans,
                finished_at=timezone.now(),
                error="",
            )
    except FileProblem as problem:
        _fail(batch.pk, " ".join(problem.messages), status=ImportBatch.Status.FAILED)
    except Exception:
        logger.exception("import %s: the check failed", batch_id)
        _fail(batch.pk, _("The check stopped on an unexpected error; nothing was imported. Try again or tell us."))
        raise
    finally:
        progress.close()
    batch.refresh_from_db()
    return batch


def _import_after_check(batch: ImportBatch) -> ImportBatch:
    """The import an API caller asked for with its upload, once the dry run is done."""
    if batch.mode == ImportBatch.Mode.ALL_OR_NOTHING and batch.rows_failed:
        _fail(
            batch.pk,
            _("%(n)s rows have problems, so nothing was imported (all or nothing). Fix them and upload again.")
            % {"n": batch.rows_failed},
            status=ImportBatch.Status.CHECKED,
        )
    elif not batch.rows_valid:
        _fail(batch.pk, _("No row is valid: nothing was imported."), status=ImportBatch.Status.CHECKED)
    else:
        ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.IMPORTING, started_at=timezone.now())
        return import_commit(batch_id=batch.pk)
    batch.refresh_from_db()
    return batch


def _fail(batch_id: int, message: str, *, status: str = ImportBatch.Status.FAILED) -> None:
    ImportBatch.objects.filter(pk=batch_id).update(status=status, error=message, finished_at=timezone.now())


class _AllOrNothing(Exception):  # noqa: N818 - a decision, not an error
    pass


def _rows_checked_again(
    batch: ImportBatch,
    only: set[int] | None,
    skipped: set[int],
    dry_run_problems: dict[int, list],
    returns: dict[dt.date, Return],
    progress: _Progress,
    done: int,
) -> list[list]:
    """Check again and write the rows in `only` (every row when None): each against its record as
    it is now (locked), reusing what the dry run found while the record is as it saw it. Returns
    their outcomes. An invalid row stops an all-or-nothing import (_AllOrNothing)."""
    outcomes: list[list] = []
    if only is not None and not only:
        return outcomes
    user = batch.uploaded_by
    reason = _("Import #%(n)s (%(file)s)") % {"n": batch.pk, "file": batch.file_name}
    work = _Pass(batch)
    prepared = _PreparedReader(_prepared_path(batch))
    checked_count = 0
    for chunk in work.chunks(prepared, only=only, lock=True):  # each record read once locked
        creates: list = []
        updates: list[tuple] = []
        for checked, match in chunk:
            checked_count += 1
            if checked.number in skipped:
                outcomes.append(
                    [
                        checked.number,
                        checked.reference,
                        ImportRow.Outcome.SKIPPED,
                        dry_run_problems[checked.number],
                        None,
                    ]
                )
                continue
            outcome = _row_outcome(checked, match, dry_run=False)
            problems = [p.as_dict() for p in checked.problems]
            if outcome == ImportRow.Outcome.INVALID:
                if batch.mode == ImportBatch.Mode.ALL_OR_NOTHING:
                    raise _AllOrNothing(checked.number)
                outcomes.append([checked.number, checked.reference, ImportRow.Outcome.SKIPPED, problems, None])
                continue
            if outcome == ImportRow.Outcome.CREATED:
                incident = checked.incident
                month = incident.detection_date.replace(day=1)
                if month not in returns:
                    returns[month] = entry._return_for(batch.participant, incident.detection_date)
                incident.ret = returns[month]
                incident.version = 1
                incident.submitted_at = timezone.now()
                incident.updated_at = timezone.now()
                creates.append(checked)
                outcomes.append([checked.number, checked.reference, outcome, [], incident])
                continue
            current = match[0]
            if outcome == ImportRow.Outcome.UPDATED:
                updates.append((current, checked.incident, checked.transits, checked.breakdowns, checked.documents))
                done += 1
            outcomes.append([checked.number, checked.reference, outcome, [], current.pk])
        records_update(updates=updates, user=user, reason=reason, returns=returns)
        records_create(
            incidents=[c.incident for c in creates],
            transits=[c.transits for c in creates],
            breakdowns=[c.breakdowns for c in creates],
            documents=[c.documents for c in creates],
            user=user,
            reason=reason,
        )
        done += len(creates)
        # Keep ids, not records: 100,000 records held to the end cost 300 MB.
        for outcome in outcomes[-len(chunk) :]:
            if isinstance(outcome[4], Incident):
                outcome[4] = outcome[4].pk
        progress.save(rows_checked=checked_count if only is None else batch.rows_total, rows_imported=done)
    return outcomes


@_in_the_codes_words
def import_commit(*, batch_id: int) -> ImportBatch:
    """The import, in one transaction. The new records the dry run staged are written from what it
    staged (StagedRecords: INSERT … SELECT, no row read in Python) while their reference is still
    new; every other row (changes, rows unchanged then, staged rows whose reference a record has now)
    is checked again against the records as they are now (they may have changed since) and written."""
    batch = ImportBatch.objects.select_related("participant", "uploaded_by").get(pk=batch_id)
    user = batch.uploaded_by
    reason = _("Import #%(n)s (%(file)s)") % {"n": batch.pk, "file": batch.file_name}
    dry_run_problems = {
        n: errors
        for n, errors in ImportRow.objects.filter(batch=batch, outcome=ImportRow.Outcome.INVALID).values_list(
            "row_number", "errors"
        )
    }
    skipped = set(dry_run_problems)
    progress = _Progress(batch.pk, side=True)
    path = _prepared_path(batch)
    try:
        with transaction.atomic():
            returns: dict[dt.date, Return] = {}
            only: set[int] | None = None  # the rows checked again here (None: every row)
            done = 0
            if connection.vendor == "postgresql" and path.exists():
                staged = StagedRecords(path)
                only = staged.others | staged.drop_rows(batch_id=batch.pk, participant_id=batch.participant_id)
                for month in staged.months():
                    if month not in returns:
                        returns[month] = entry._return_for(batch.participant, month)
                total = batch.rows_total
                done = staged.insert(
                    user=user,
                    reason=reason,
                    returns=returns,
                    batch_id=batch.pk,
                    progress=lambda n: progress.save(rows_checked=min(n, total), rows_imported=n),
                )
                ImportRow.objects.filter(batch=batch, outcome=ImportRow.Outcome.INVALID).update(
                    outcome=ImportRow.Outcome.SKIPPED
                )
            outcomes = _rows_checked_again(batch, only, skipped, dry_run_problems, returns, progress, done)
            if only is None:
                _rows_write(batch.pk, [tuple(o) for o in outcomes])
            else:
                _rows_write(batch.pk, [tuple(o) for o in outcomes], only=[o[0] for o in outcomes])
            counts = dict(
                ImportRow.objects.filter(batch=batch)
                .values_list("outcome")
                .annotate(n=models.Count("id"))
                .values_list("outcome", "n")
                .order_by()
            )
            ImportBatch.objects.filter(pk=batch.pk).update(
                status=ImportBatch.Status.DONE,
                rows_checked=sum(counts.values()),
                rows_imported=counts.get(ImportRow.Outcome.CREATED, 0) + counts.get(ImportRow.Outcome.UPDATED, 0),
                rows_unchanged=counts.get(ImportRow.Outcome.UNCHANGED, 0),
                rows_failed=counts.get(ImportRow.Outcome.SKIPPED, 0),
                finished_at=timezone.now(),
                error="",
            )
    except _AllOrNothing as stop:
        _fail(
            batch.pk,
            stored_error(
                said(
                    gettext_noop(
                        "Row %(row)s no longer passes the checks (the records changed since the dry run), so "
                        "nothing was imported. Check the file again."
                    ),
                    row=stop.args[0],
                )
            ),
            status=ImportBatch.Status.CHECKED,
        )
    except FileProblem as problem:
        _fail(batch.pk, " ".join(problem.messages))
    except Exception:
        logger.exception("import %s: the import failed and was rolled back", batch_id)
        _fail(batch.pk, _("The import stopped on an unexpected error and was rolled back: nothing was imported."))
        raise
    finally:
        progress.close()
    batch.refresh_from_db()
    if batch.status == ImportBatch.Status.DONE:
        _prepared_path(batch).unlink(missing_ok=True)  # what the dry run staged is written now
    return batch


# Retention ------------------------------------------------------------------------------------------


def retention_days() -> int:
    return int(getattr(settings, "IMPORT_FILE_RETENTION_DAYS", 30))


def import_files_expire(*, days: int | None = None, now: dt.datetime | None = None) -> int:
    """Delete the stored files of finished imports (done, failed or cancelled) started more than
    `days` ago, with what the dry run staged beside them; the batch and its rows' outcomes stay.
    Their report can no longer be downloaded (it is rebuilt from the file). Returns files deleted."""
    days = retention_days() if days is None else days
    cutoff = (now or timezone.now()) - dt.timedelta(days=days)
    finished = (ImportBatch.Status.DONE, ImportBatch.Status.FAILED, ImportBatch.Status.CANCELLED)
    deleted = 0
    for batch in ImportBatch.objects.filter(status__in=finished, created_at__lt=cutoff).exclude(file=""):
        try:
            Path(f"{batch.file.path}.checked.json").unlink(missing_ok=True)
        except (NotImplementedError, ValueError):  # a storage without local paths
            pass
        batch.file.delete(save=False)
        ImportBatch.objects.filter(pk=batch.pk).update(file="")
        deleted += 1
    return deleted


@contextlib.contextmanager
def _run_lock(batch_id: int) -> Iterator[bool]:
    """Hold the batch's run lock for as long as a worker runs it (released if the worker dies);
    yields False when another worker holds it. Without PostgreSQL (the embedded demo, whose tasks run
    in the request), every run may go."""
    if connection.vendor != "postgresql":
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [RUN_LOCK, batch_id])
        held = cursor.fetchone()[0]
    try:
        yield held
    finally:
        if held:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [RUN_LOCK, batch_id])


def import_run(*, batch_id: int, phase: str) -> ImportBatch:
    """The task's one call: the dry run or the import. Whatever stops it, the batch does not stay
    "checking" or "importing" for ever: it says it failed, and that nothing was imported. A run
    delivered twice (queued again by the sweep) does nothing when the batch is held or moved on."""
    with _run_lock(batch_id) as held:
        batch = ImportBatch.objects.get(pk=batch_id)
        if not held or PHASES.get(batch.status) != phase:
            logger.info("import %s: %s not run (%s)", batch_id, phase, "held" if not held else batch.status)
            return batch
        return _run(batch_id=batch_id, phase=phase)


def _run(*, batch_id: int, phase: str) -> ImportBatch:
    try:
        if phase == "check":
            return import_check(batch_id=batch_id)
        return import_commit(batch_id=batch_id)
    except Exception:
        if ImportBatch.objects.filter(
            pk=batch_id, status__in=(ImportBatch.Status.CHECKING, ImportBatch.Status.IMPORTING)
        ).exists():
            _fail(batch_id, _("The work stopped on an unexpected error; nothing was imported. Try again or tell us."))
        raise


__all__ = [
    "SHEETS",
    "import_cancel",
    "import_check",
    "import_check_start",
    "import_commit",
    "import_commit_start",
    "import_conventions_require",
    "import_files_expire",
    "import_map_codes",
    "import_map_columns",
    "import_run",
    "import_sweep",
    "import_unresolved",
    "import_upload",
]
