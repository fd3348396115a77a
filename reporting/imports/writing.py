"""Writing checked rows in bulk: new records, changed records, and the history of both.

New records and their rows get ids from the tables' sequences and each its django-simple-history
row ("+", the uploader, "import #n"), as a save through the web form would leave them: those the
dry run staged are loaded into temporary tables and written by INSERT … SELECT (StagedRecords);
rows checked again at import go by COPY (records_create; on other databases simple-history's
bulk_create_with_history). Changed records get a new version in one bulk UPDATE with their "~"
history rows, and their linked rows are replaced where they changed, as the service's
`_replace_rows` does (records_update). The caller holds the transaction.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Iterator

from django.db import connection, models
from django.utils import timezone

from accounts.models import User
from reporting.copytext import column_formatter, escape
from reporting.models import Incident, IncidentDocument, IncidentTransit, PersonBreakdown, Return
from reporting.services import incidents as entry
from reporting.services.outbox import return_mark_dirty

CHILD_MODELS = (IncidentTransit, PersonBreakdown, IncidentDocument)


def _ids(model: type[models.Model], count: int) -> list[int]:
    """`count` new ids from the model's sequence, without locking the table."""
    if not count:
        return []
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [model._meta.db_table, model._meta.pk.column])
        (sequence,) = cursor.fetchone()
        cursor.execute("SELECT nextval(%s) FROM generate_series(1, %s)", [sequence, count])
        return [row[0] for row in cursor.fetchall()]


_FORMATTERS: dict[type, list[tuple[str, Callable]]] = {}


def _columns(model: type[models.Model]) -> list[tuple[str, Callable]]:
    if model not in _FORMATTERS:
        _FORMATTERS[model] = [(f.attname, column_formatter(f)) for f in model._meta.concrete_fields]
    return _FORMATTERS[model]


def _copy(model: type[models.Model], rows: list[list[str]], columns: list[str]) -> None:
    if not rows:
        return
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    text = "".join("\t".join(row) + "\n" for row in rows)
    with connection.cursor() as cursor:
        cursor.copy_expert(f"COPY {model._meta.db_table} ({quoted}) FROM STDIN", io.StringIO(text))


def _copy_with_history(objs: list[models.Model], *, user: User, when: dt.datetime, reason: str) -> None:
    """COPY `objs` (ids already set) and one "+" history row each."""
    if not objs:
        return
    model = type(objs[0])
    columns = _columns(model)
    _copy(model, [[f(getattr(o, name)) for name, f in columns] for o in objs], [name for name, _f in columns])
    history = model.history.model
    own = {name for name, _f in columns}
    extra = {
        "history_date": when.isoformat(),
        "history_change_reason": reason,
        "history_type": "+",
        "history_user_id": str(user.pk),
    }
    names = [name for name, _f in columns if name in {f.attname for f in history._meta.concrete_fields}]
    formats = dict(columns)
    rows = [[formats[name](getattr(o, name)) for name in names] + list(extra.values()) for o in objs]
    assert own >= set(names)
    _copy(history, rows, names + list(extra))


def records_create(
    *,
    incidents: list[Incident],
    transits: list[list[IncidentTransit]],
    breakdowns: list[list[PersonBreakdown]],
    documents: list[list[IncidentDocument]],
    user: User,
    reason: str,
) -> None:
    """Insert new records (already checked) and their rows, each with its history."""
    if not incidents:
        return
    now = timezone.now()
    children = {IncidentTransit: transits, PersonBreakdown: breakdowns, IncidentDocument: documents}
    if connection.vendor == "postgresql":
        for incident, pk in zip(incidents, _ids(Incident, len(incidents)), strict=True):
            incident.pk = pk
        _copy_with_history(incidents, user=user, when=now, reason=reason)
        for model, per_incident in children.items():
            rows = []
            for incident, own_rows in zip(incidents, per_incident, strict=True):
                for row in own_rows:
                    row.incident_id = incident.pk
                    rows.append(row)
            for row, pk in zip(rows, _ids(model, len(rows)), strict=True):
                row.pk = pk
            _copy_with_history(rows, user=user, when=now, reason=reason)
        return
    from simple_history.utils import bulk_create_with_history

    # Other databases: ids come back from bulk_create only where the backend supports it (SQLite 3.35+).
    created = bulk_create_with_history(incidents, Incident, default_user=user, default_change_reason=reason)
    for incident, saved in zip(incidents, created, strict=True):
        incident.pk = saved.pk
    for model, per_incident in children.items():
        rows = []
        for incident, own_rows in zip(incidents, per_incident, strict=True):
            for row in own_rows:
                row.incident_id = incident.pk
                rows.append(row)
        if rows:
            bulk_create_with_history(rows, model, default_user=user, default_change_reason=reason)


class _Lines:
    """A file-like object over an iterator of COPY lines, for cursor.copy_expert: PostgreSQL parses
    one block while the next is read."""

    def __init__(self, lines: Iterator[str]):
        self.lines = lines

    def read(self, size: int = -1) -> str:
        out: list[str] = []
        length = 0
        for line in self.lines:
            out.append(line)
            length += len(line)
            if length >= 1 << 16:
                break
        return "".join(out)

    readline = read


class StagedRecords:
    """The new records the dry run staged (valid and new then), loaded from its file into temporary
    tables of the import's transaction, and written from there by INSERT … SELECT: the import reads
    no row in Python. PostgreSQL only; the caller holds the transaction (the tables go at its end).

    The file (services._staged_text) holds, per staged record, `N <row> <children> <month> <ref>`,
    its COPY text (validation.STAGED), and one `T`/`B`/`D` line per linked row; its other lines are
    the dry run's JSON entries of rows that are not staged (changes, unchanged rows), whose numbers
    are kept in `others` for the import to check again."""

    INCIDENTS = "vrs_stage_incident"

    def __init__(self, path) -> None:
        from reporting.imports.validation import CHILD_CODES, CHILD_STAGED, STAGED

        self.others: set[int] = set()
        self.children = {code: f"vrs_stage_{code.lower()}" for code in CHILD_CODES}
        quote = connection.ops.quote_name
        child_lines: dict[str, list[str]] = {code: [] for code in CHILD_CODES}
        with connection.cursor() as cursor:
            for table, model, columns in [
                (self.INCIDENTS, Incident, ["month", *STAGED]),
                *[(self.children[code], model, CHILD_STAGED[code]) for code, model in CHILD_CODES.items()],
            ]:
                names = ", ".join("NULL::date AS month" if name == "month" else quote(name) for name in columns)
                cursor.execute(f"DROP TABLE IF EXISTS pg_temp.{table}")  # a test's transaction holds several imports
                cursor.execute(
                    f"CREATE TEMP TABLE {table} ON COMMIT DROP AS SELECT 0 AS row_number, {names}"  # noqa: S608 - our names
                    f" FROM {model._meta.db_table} WITH NO DATA"
                )
                # The sequence named once: pg_get_serial_sequence() as the default ran its catalog
                # lookups for every row (a twentieth of the import's time at 100,000 rows).
                cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [model._meta.db_table])
                (sequence,) = cursor.fetchone()
                cursor.execute(f"ALTER TABLE {table} ADD COLUMN id bigint DEFAULT nextval(%s::regclass)", [sequence])
            with open(path, encoding="utf-8") as handle:
                cursor.copy_expert(
                    f"COPY {self.INCIDENTS} (row_number, month, {', '.join(quote(n) for n in STAGED)}) FROM STDIN",
                    _Lines(self._read(handle, child_lines)),
                    1 << 16,  # size, positional: Django's CursorDebugWrapper (DEBUG on) takes no keywords
                )
            for code, lines in child_lines.items():
                if lines:
                    names = ", ".join(quote(n) for n in CHILD_STAGED[code])
                    cursor.copy_expert(
                        f"COPY {self.children[code]} (row_number, {names}) FROM STDIN", _Lines(iter(lines))
                    )
            cursor.execute(f"CREATE INDEX ON {self.INCIDENTS} (row_number)")
            cursor.execute(f"ANALYZE {self.INCIDENTS} (row_number, month)")

    def _read(self, handle, child_lines: dict[str, list[str]]) -> Iterator[str]:
        for line in handle:
            if line.startswith("N\t"):
                _n, number, count, month, _reference = line.split("\t", 4)
                yield f"{number}\t{month}\t{next(handle)}"
                for _i in range(int(count)):
                    code, _tab, child = next(handle).partition("\t")
                    child_lines[code].append(f"{number}\t{child}")
            elif line.startswith("["):
                self.others.add(int(line[1 : line.index(",")]))  # a JSON entry: [row number, …]

    def drop_rows(self, *, batch_id: int, participant_id: int) -> set[int]:
        """Leave out the rows the dry run's whole-file rules made invalid (its outcome says so), and
        the rows whose reference a record has now (created since the dry run): their numbers are
        returned, to be checked again as changes of that record."""
        from reporting.models import ImportRow

        with connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {self.INCIDENTS} AS s USING {ImportRow._meta.db_table} AS r"  # noqa: S608 - our names
                " WHERE r.batch_id = %s AND r.outcome = %s AND r.row_number = s.row_number",
                [batch_id, ImportRow.Outcome.INVALID],
            )
            cursor.execute(
                f"DELETE FROM {self.INCIDENTS} AS s USING {Incident._meta.db_table} AS i"  # noqa: S608 - our names
                " WHERE i.participant_id = %s AND i.national_reference = s.national_reference RETURNING s.row_number",
                [participant_id],
            )
            return {row[0] for row in cursor.fetchall()}

    def months(self) -> list[dt.date]:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT DISTINCT month FROM {self.INCIDENTS}")  # noqa: S608 - our name
            return [row[0] for row in cursor.fetchall()]

    def insert(
        self,
        *,
        user: User,
        reason: str,
        returns: dict[dt.date, Return],
        batch_id: int,
        progress: Callable[[int], None],
        step: int = 10_000,
    ) -> int:
        """Write the staged records (by row-number ranges of `step`, calling `progress` with the
        records written so far), then their linked rows, each with its "+" history row, as
        records_create does; set the batch's row outcomes to created. Returns the records written."""
        from reporting.imports.validation import CHILD_CODES, CHILD_STAGED, STAGED
        from reporting.models import ImportRow

        quote = connection.ops.quote_name
        now = timezone.now()
        history = [now, reason, "+", user.pk]
        history_columns = "history_date, history_change_reason, history_type, history_user_id"
        months = sorted(returns)
        ret_join = "JOIN unnest(%s::date[], %s::bigint[]) AS r(month, id) ON r.month = s.month"
        ret_params = [months, [returns[m].pk for m in months]]
        own = ", ".join(quote(n) for n in STAGED)
        theirs = ", ".join(f"s.{quote(n)}" for n in STAGED)
        columns = f"id, ret_id, created_at, updated_at, submitted_at, {own}"
        select = f"SELECT s.id, r.id, %s, %s, %s, {theirs} FROM {self.INCIDENTS} AS s {ret_join}"  # noqa: S608 - our names
        written = 0
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT min(row_number), max(row_number) FROM {self.INCIDENTS}")  # noqa: S608 - our name
            low, high = cursor.fetchone()
            if low is None:
                return 0
            for start in range(low, high + 1, step):
                where = " WHERE s.row_number >= %s AND s.row_number < %s ORDER BY s.row_number"
                params = [now, now, now, *ret_params, start, start + step]
                cursor.execute(f"INSERT INTO {Incident._meta.db_table} ({columns}) {select}{where}", params)  # noqa: S608 - our names
                written += cursor.rowcount
                cursor.execute(
                    f"INSERT INTO {Incident.history.model._meta.db_table} ({columns}, {history_columns})"  # noqa: S608 - our names
                    f" SELECT s.id, r.id, %s, %s, %s, {theirs}, %s, %s, %s, %s"
                    f" FROM {self.INCIDENTS} AS s {ret_join}{where}",
                    [now, now, now, *history, *ret_params, start, start + step],
                )
                progress(written)
            for code, model in CHILD_CODES.items():
                names = ", ".join(quote(n) for n in CHILD_STAGED[code])
                values = ", ".join(f"c.{quote(n)}" for n in CHILD_STAGED[code])
                select_child = (
                    f"SELECT c.id, s.id, {values} FROM {self.children[code]} AS c"  # noqa: S608 - our names
                    f" JOIN {self.INCIDENTS} AS s ON s.row_number = c.row_number ORDER BY c.id"
                )
                cursor.execute(f"INSERT INTO {model._meta.db_table} (id, incident_id, {names}) {select_child}")  # noqa: S608 - our names
                cursor.execute(
                    f"INSERT INTO {model.history.model._meta.db_table} (id, incident_id, {names}, {history_columns})"  # noqa: S608 - our names
                    f" SELECT c.id, s.id, {values}, %s, %s, %s, %s FROM {self.children[code]} AS c"
                    f" JOIN {self.INCIDENTS} AS s ON s.row_number = c.row_number ORDER BY c.id",
                    history,
                )
            cursor.execute(
                f"UPDATE {ImportRow._meta.db_table} AS r SET outcome = %s, incident_id = s.id"  # noqa: S608 - our names
                f" FROM {self.INCIDENTS} AS s WHERE r.batch_id = %s AND r.row_number = s.row_number",
                [ImportRow.Outcome.CREATED, batch_id],
            )
        return written


def _update_with_history(records: list[Incident], *, user: User, when: dt.datetime, reason: str) -> None:
    """UPDATE the records' every column from a COPY into a temporary table (Django's bulk_update
    builds a CASE per column and row: minutes for a few thousand records), then one "~" history row
    each, as a save would leave them. PostgreSQL; elsewhere simple-history's bulk_update_with_history."""
    if connection.vendor != "postgresql":
        from simple_history.utils import bulk_update_with_history

        fields = [f.name for f in Incident._meta.concrete_fields if not f.primary_key]
        bulk_update_with_history(
            records,
            Incident,
            fields,
            batch_size=500,
            default_user=user,
            default_change_reason=reason,
            default_date=when,
        )
        return
    columns = _columns(Incident)
    names = [name for name, _f in columns]
    lines = ["\t".join(f(getattr(r, name)) for name, f in columns) + "\n" for r in records]
    table = Incident._meta.db_table
    quote = connection.ops.quote_name
    sets = ", ".join(f"{quote(n)} = u.{quote(n)}" for n in names if n != "id")
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS pg_temp.vrs_import_update")
        cursor.execute(f"CREATE TEMP TABLE vrs_import_update (LIKE {table}) ON COMMIT DROP")
        cursor.copy_expert(
            f"COPY vrs_import_update ({', '.join(quote(n) for n in names)}) FROM STDIN", io.StringIO("".join(lines))
        )
        cursor.execute(f"UPDATE {table} AS i SET {sets} FROM vrs_import_update AS u WHERE i.id = u.id")  # noqa: S608 - our names
        cursor.execute("DROP TABLE vrs_import_update")
        tail = f"{when.isoformat()}\t{escape(reason)}\t~\t{user.pk}"
        history_columns = ", ".join(
            quote(c) for c in [*names, "history_date", "history_change_reason", "history_type", "history_user_id"]
        )
        text = "".join(f"{line[:-1]}\t{tail}\n" for line in lines)
        cursor.copy_expert(
            f"COPY {Incident.history.model._meta.db_table} ({history_columns}) FROM STDIN", io.StringIO(text)
        )


def _delete_with_history(
    model: type[models.Model], ids: list[int], *, user: User, when: dt.datetime, reason: str
) -> None:
    """DELETE rows by id, each with its "-" history row (the row as it was, by the uploader), in
    two statements: Django's delete() writes the history row of each deleted row by one INSERT."""
    if not ids:
        return
    quote = connection.ops.quote_name
    names = [name for name, _f in _columns(model)]
    own = ", ".join(quote(n) for n in names)
    table, history = model._meta.db_table, model.history.model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {history} ({own}, history_date, history_change_reason, history_type, history_user_id)"  # noqa: S608 - our names
            f" SELECT {own}, %s, %s, '-', %s FROM {table} WHERE id = ANY(%s) ORDER BY id",
            [when, reason, user.pk, ids],
        )
        cursor.execute(f"DELETE FROM {table} WHERE id = ANY(%s)", [ids])  # noqa: S608 - our name


def records_update(
    *,
    updates: list[tuple[Incident, Incident, list, list, list]],
    user: User,
    reason: str,
    returns: dict[dt.date, Return],
) -> None:
    """record_update() for many records at once: (current, checked, transits, breakdowns, documents)
    each. The records in one UPDATE batch with their "~" history rows (bulk_update_with_history);
    linked rows replaced where their list changed (a "-" history row for each removed, a "+" for each
    added); the returns that lose a validated record marked for rebuilding. The caller holds the
    records' row locks (select_for_update)."""
    if not updates:
        return
    from simple_history.utils import bulk_create_with_history

    from reporting.imports.validation import COMPARED

    now = timezone.now()
    dirty: set[int] = set()
    records = []
    for current, checked, _transits, _breakdowns, _documents in updates:
        if current.status == Incident.Status.VALIDATED:
            dirty.add(current.ret_id)
        before = {name: getattr(current, name) for name in entry.SCREENED_FIELDS}
        for name in COMPARED:
            setattr(current, name, getattr(checked, name))
        month = current.detection_date.replace(day=1)
        if month != current.ret.month:
            if month not in returns:
                returns[month] = entry._return_for(current.participant, current.detection_date)
            current.ret = returns[month]
        if any(getattr(current, name) != value for name, value in before.items()):
            current.screening_override_reason = ""  # as an edit does: the override was for the old text
            current.screening_override_by = None
        if current.status != Incident.Status.SUBMITTED:
            current.status = Incident.Status.SUBMITTED
            current.submitted_at = now
        current.version += 1
        current.updated_at = now
        records.append(current)
    _update_with_history(records, user=user, when=now, reason=reason)
    ids = [r.pk for r in records]
    plans = (
        (IncidentTransit, 2, ("sequence", "country")),
        (PersonBreakdown, 3, ("group", "citizenship", "sex", "age_group", "count", "unaccompanied")),
        (IncidentDocument, 4, ("document_type", "fraud_type", "issuing_country", "count")),
    )
    for model, position, names in plans:
        existing: dict[int, list] = {pk: [] for pk in ids}
        for row in model.objects.filter(incident_id__in=ids).order_by("incident_id", "id"):
            existing[row.incident_id].append(row)
        removed, added = [], []
        for update in updates:
            record, new = update[0], update[position]
            old = existing[record.pk]
            if [tuple(getattr(r, n) for n in names) for r in old] == [tuple(getattr(r, n) for n in names) for r in new]:
                continue  # as _replace_rows: an unchanged list is left alone
            removed.extend(r.pk for r in old)
            for row in new:
                row.incident_id = record.pk
                added.append(row)
        if connection.vendor == "postgresql":
            _delete_with_history(model, removed, user=user, when=now, reason=reason)
            for row, pk in zip(added, _ids(model, len(added)), strict=True):
                row.pk = pk
            _copy_with_history(added, user=user, when=now, reason=reason)
            continue
        if removed:
            model.objects.filter(pk__in=removed).delete()  # each with its "-" history row
        if added:
            bulk_create_with_history(added, model, default_user=user, default_change_reason=reason, default_date=now)
    for ret_id in sorted(dirty):
        return_mark_dirty(ret_id=ret_id)
