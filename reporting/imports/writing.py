"""Writing checked rows in bulk: new records, changed records, and the history of both.

New records and their rows are inserted with PostgreSQL COPY (ids drawn from the tables' sequences
first), each with its django-simple-history row ("+", the uploader, "import #n"), as a save through
the web form would leave them: from the COPY text the dry run staged (records_create_staged), or
from checked rows (records_create; on other databases simple-history's bulk_create_with_history).
Changed records get a new version in one bulk UPDATE with their "~" history rows, and their linked
rows are replaced where they changed, as the service's `_replace_rows` does (records_update). The
caller holds the transaction.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable

from django.db import connection, models
from django.utils import timezone

from accounts.models import User
from reporting.demo.loading import _escape, _formatter
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
        _FORMATTERS[model] = [(f.attname, _formatter(f)) for f in model._meta.concrete_fields]
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


def _staged_copy(model: type[models.Model], columns: list[str], lines: list[str], history_tail: str) -> None:
    """COPY ready lines into the model's table and, each with `history_tail`, into its history."""
    if not lines:
        return
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    history_columns = ", ".join(
        connection.ops.quote_name(c)
        for c in [*columns, "history_date", "history_change_reason", "history_type", "history_user_id"]
    )
    with connection.cursor() as cursor:
        cursor.copy_expert(f"COPY {model._meta.db_table} ({quoted}) FROM STDIN", io.StringIO("".join(lines)))
        text = "".join(f"{line[:-1]}\t{history_tail}\n" for line in lines)
        history = model.history.model._meta.db_table
        cursor.copy_expert(f"COPY {history} ({history_columns}) FROM STDIN", io.StringIO(text))


def records_create_staged(
    *, staged: list, participant, user: User, reason: str, returns: dict[dt.date, Return]
) -> list[int]:
    """Insert new records as the dry run staged them (COPY text of checked rows, validation.STAGED)
    and their linked rows, each with its "+" history row; the ids of the records, in order.
    PostgreSQL only (the dry run stages on PostgreSQL alone). The caller holds the transaction."""
    from reporting.imports.validation import CHILD_CODES, CHILD_STAGED, STAGED

    if not staged:
        return []
    now = timezone.now().isoformat()
    tail = f"{now}\t{_escape(reason)}\t+\t{user.pk}"
    ret_ids: dict[str, int] = {}
    for entry_ in staged:
        if entry_.month not in ret_ids:
            month = dt.date.fromisoformat(entry_.month)
            if month not in returns:
                returns[month] = entry._return_for(participant, month)
            ret_ids[entry_.month] = returns[month].pk
    ids = _ids(Incident, len(staged))
    lines = [f"{pk}\t{ret_ids[s.month]}\t{now}\t{now}\t{now}\t{s.text}\n" for s, pk in zip(staged, ids, strict=True)]
    _staged_copy(Incident, ["id", "ret_id", "created_at", "updated_at", "submitted_at", *STAGED], lines, tail)
    for code, model in CHILD_CODES.items():
        rows = [(pk, child) for s, pk in zip(staged, ids, strict=True) for kind, child in s.children if kind == code]
        if not rows:
            continue
        child_ids = _ids(model, len(rows))
        lines = [f"{cid}\t{pk}\t{child}\n" for (pk, child), cid in zip(rows, child_ids, strict=True)]
        _staged_copy(model, ["id", "incident_id", *CHILD_STAGED[code]], lines, tail)
    return ids


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
        tail = f"{when.isoformat()}\t{_escape(reason)}\t~\t{user.pk}"
        history_columns = ", ".join(
            quote(c) for c in [*names, "history_date", "history_change_reason", "history_type", "history_user_id"]
        )
        text = "".join(f"{line[:-1]}\t{tail}\n" for line in lines)
        cursor.copy_expert(
            f"COPY {Incident.history.model._meta.db_table} ({history_columns}) FROM STDIN", io.StringIO(text)
        )


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
        if removed:
            model.objects.filter(pk__in=removed).delete()  # each with its "-" history row
        if added:
            bulk_create_with_history(added, model, default_user=user, default_change_reason=reason, default_date=now)
    for ret_id in sorted(dirty):
        return_mark_dirty(ret_id=ret_id)
