"""Writing generated incident rows: PostgreSQL COPY, or bulk_create on other databases.

Seeded records get no django-simple-history rows: neither COPY nor bulk_create sends the post_save
signal history listens to, and that is deliberate. History records what people changed; a demo
load is not a change anyone made, and a million "created" rows would double the load for nothing.
"""

import contextlib
import io
from collections.abc import Callable, Iterator
from typing import Protocol

from django.db import connection, models
from django.db.models import Max

from reporting.copytext import codes_json, column_formatter, escape, text
from reporting.demo.incidents import BREAKDOWN_COLUMNS, DOCUMENT_COLUMNS, INCIDENT_COLUMNS, TRANSIT_COLUMNS, Batch
from reporting.fields import MultipleCodeField
from reporting.models import Incident, IncidentDocument, IncidentTransit, PersonBreakdown

BREAKDOWN_TRIGGER = "breakdown_within_totals"
REBUILD_MEMORY = "256MB"  # maintenance_work_mem while the indexes are rebuilt ("" keeps the server's)


class RowWriter(Protocol):
    """Where generated rows go. `ids_reserve` hands out a block of incident ids before writing."""

    method: str

    def ids_reserve(self, count: int) -> int: ...

    def prepare(self, batch: Batch) -> object:
        """CPU-only work (no database access), safe to run in another thread."""

    def write(self, prepared) -> None: ...


# PostgreSQL: COPY in text format (reporting/copytext.py)


def _field_expression(model_field, key: str) -> str:
    """An f-string replacement field that writes one column of row `r` as COPY text."""
    value = f"r[{key!r}]"
    if isinstance(model_field, MultipleCodeField):
        text = f"J({value})"
    elif isinstance(model_field, models.CharField | models.TextField):
        # Coded values come from code lists (identifiers): only free text can hold a tab or newline.
        text = value if model_field.choices else f"E({value})"
    elif isinstance(model_field, models.DateField | models.IntegerField | models.DecimalField | models.ForeignKey):
        text = value  # str() of a date, datetime, int or Decimal is what COPY reads
    else:
        text = f"T({value})"
    return "{" + (f"N if {value} is None else {text}" if model_field.null else text) + "}"


def incident_line_formatter(keys) -> Callable[[dict], str]:
    """A function that turns one generated incident dict with these keys into a line of COPY text.

    It is compiled into one f-string: calling a formatter per column costs about 25 function
    calls per incident, a quarter of the generator's own time at a million incidents. Columns
    the rows leave out get their default, as constant text.
    """
    keys = set(keys)
    parts = []
    for model_field in Incident._meta.concrete_fields:
        name = model_field.attname
        if name in keys:
            parts.append(_field_expression(model_field, name))
        else:
            constant = column_formatter(model_field)(model_field.get_default())
            parts.append(constant.replace("{", "{{").replace("}", "}}"))
    source = "lambda r: f" + repr("\t".join(parts) + "\n")
    return eval(source, {"N": "\\N", "J": codes_json, "E": escape, "T": text})  # noqa: S307 - our own columns


def _quoted(columns) -> str:
    return ", ".join(connection.ops.quote_name(c) for c in columns)


class PostgresCopyWriter:
    """Streams rows with COPY … FROM STDIN, one COPY per table per batch (bounded memory)."""

    method = "copy"

    def __init__(self) -> None:
        self.line_formatters: dict[frozenset, Callable[[dict], str]] = {}
        self.statements = {
            table: f"COPY {model._meta.db_table} ({_quoted(columns)}) FROM STDIN"
            for table, model, columns in (
                ("incident", Incident, INCIDENT_COLUMNS),
                ("transit", IncidentTransit, TRANSIT_COLUMNS),
                ("breakdown", PersonBreakdown, BREAKDOWN_COLUMNS),
                ("document", IncidentDocument, DOCUMENT_COLUMNS),
            )
        }

    def ids_reserve(self, count: int) -> int:
        """Take `count` ids from the incident sequence in one step.

        The lock keeps other writers from drawing ids between nextval and setval; it is held until
        the seeding transaction commits, which no one else should be writing incidents into anyway.
        """
        table = Incident._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
            (sequence,) = cursor.fetchone()
            cursor.execute("SELECT nextval(%s)", [sequence])
            (first,) = cursor.fetchone()
            if count > 1:
                cursor.execute("SELECT setval(%s, %s)", [sequence, first + count - 1])
        return first

    def prepare(self, batch: Batch) -> dict[str, str]:
        """COPY text per table. Pure CPU, no database: runs in the generating thread."""
        incidents = ""
        if batch.incidents:
            keys = frozenset(batch.incidents[0])  # the generator gives every row the same keys
            if keys not in self.line_formatters:
                self.line_formatters[keys] = incident_line_formatter(keys)
            incidents = "".join(map(self.line_formatters[keys], batch.incidents))
        # Child rows hold ids, counts and codes only: nothing to escape, no NULLs.
        transits = "".join(f"{i}\t{seq}\t{country}\n" for i, seq, country in batch.transits)
        breakdowns = "".join("\t".join(map(str, row)) + "\n" for row in batch.breakdowns)
        documents = "".join("\t".join(map(str, row)) + "\n" for row in batch.documents)
        return {"incident": incidents, "transit": transits, "breakdown": breakdowns, "document": documents}

    def write(self, prepared: dict[str, str]) -> None:
        with connection.cursor() as cursor:
            for table, text in prepared.items():
                if text:
                    cursor.copy_expert(self.statements[table], io.StringIO(text))


LOADED_MODELS = (Incident, IncidentTransit, PersonBreakdown, IncidentDocument)


def _secondary_indexes(cursor, tables: list[str]) -> list[tuple[str, str]]:
    """(name, CREATE INDEX statement) of the tables' indexes that back no constraint."""
    cursor.execute(
        """
        SELECT i.indexname, i.indexdef FROM pg_indexes i
         WHERE i.schemaname = current_schema() AND i.tablename = ANY(%s)
           AND NOT EXISTS (SELECT 1 FROM pg_constraint c
                            WHERE c.conindid = format('%%I.%%I', i.schemaname, i.indexname)::regclass)
         ORDER BY i.indexname
        """,
        [tables],
    )
    return cursor.fetchall()


def _foreign_keys(cursor, tables: list[str]) -> list[tuple[str, str, str]]:
    """(table, name, definition) of the foreign keys declared on the tables."""
    cursor.execute(
        """
        SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint
         WHERE contype = 'f' AND conrelid::regclass::text = ANY(%s) ORDER BY 1, 2
        """,
        [tables],
    )
    return cursor.fetchall()


@contextlib.contextmanager
def bulk_load_mode() -> Iterator[None]:
    """Load the incident tables as PostgreSQL's "Populating a Database" advises.

    During the load the tables go without their secondary indexes, foreign keys and the
    breakdown-within-totals trigger; afterwards each index is rebuilt with one sort and each foreign
    key validated with one join, instead of an index update, a key lookup and a trigger query per
    row: by far the cheaper of the two (docs/architecture.md gives the figures). Primary keys and
    unique constraints stay, so duplicate ids or national references still fail during the load.
    The trigger is not re-run: the generator guarantees breakdowns within totals
    (tests/reporting/test_seed_demo.py asserts it over seeded data).

    Everything here is transactional DDL inside demo_seed's transaction: on success the schema is
    restored before commit; on failure the rollback restores it (nothing runs in an aborted
    transaction). Other sessions wait on the tables' locks until then.
    """
    tables = [model._meta.db_table for model in LOADED_MODELS]
    quote = connection.ops.quote_name
    breakdowns = PersonBreakdown._meta.db_table
    with connection.cursor() as cursor:
        # ALTER TABLE refuses tables with pending deferred checks: run those of earlier writes now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        indexes = _secondary_indexes(cursor, tables)
        foreign_keys = _foreign_keys(cursor, tables)
        for table, name, _definition in foreign_keys:
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {quote(name)}")
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {quote(name)}")
        cursor.execute(f"ALTER TABLE {breakdowns} DISABLE TRIGGER {BREAKDOWN_TRIGGER}")
    yield
    with connection.cursor() as cursor:
        # Index builds sort in maintenance_work_mem; the default 64 MB makes the narrative's full-text
        # (GIN) index spill and merge many times at a million rows. For this transaction only.
        if REBUILD_MEMORY:
            cursor.execute("SET LOCAL maintenance_work_mem = %s", [REBUILD_MEMORY])
        cursor.execute(f"ALTER TABLE {breakdowns} ENABLE TRIGGER {BREAKDOWN_TRIGGER}")
        for _name, definition in indexes:
            cursor.execute(definition)
        for table, name, definition in foreign_keys:
            cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {quote(name)} {definition}")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # back to Django's default for the rest


# Any other database (the embedded SQLite): bulk_create


class BulkCreateWriter:
    """bulk_create in batches: fast enough for the default size on SQLite."""

    method = "bulk_create"

    def ids_reserve(self, count: int) -> int:
        # Explicit ids let child rows refer to their incident without reading ids back; SQLite's
        # AUTOINCREMENT moves past explicit ids by itself.
        return (Incident.objects.aggregate(top=Max("id"))["top"] or 0) + 1

    def prepare(self, batch: Batch) -> Batch:
        return batch

    def write(self, batch: Batch) -> None:
        Incident.objects.bulk_create([Incident(**row) for row in batch.incidents])
        IncidentTransit.objects.bulk_create(
            [IncidentTransit(**dict(zip(TRANSIT_COLUMNS, row, strict=True))) for row in batch.transits]
        )
        PersonBreakdown.objects.bulk_create(
            [PersonBreakdown(**dict(zip(BREAKDOWN_COLUMNS, row, strict=True))) for row in batch.breakdowns]
        )
        IncidentDocument.objects.bulk_create(
            [IncidentDocument(**dict(zip(DOCUMENT_COLUMNS, row, strict=True))) for row in batch.documents]
        )


def writer_for_connection() -> RowWriter:
    return PostgresCopyWriter() if connection.vendor == "postgresql" else BulkCreateWriter()
