"""The incident list's records, written as JSON by PostgreSQL.

The list serves national systems 50 records a page. Reading ~55 values per record into Python
(decoding five JSON arrays each), converting dates, times and decimals, reading three kinds of child
rows, and encoding it all again cost most of a list request's CPU (bench/api.py). Here one query
builds each record's JSON text, in the order and format of IncidentOutputSerializer (the contract
and the schema), and the renderer (reporting/api/renderers.py) puts the texts in the page as they
are. tests/api/test_records.py checks every record equals DRF's field-by-field rendering.

Only ids the caller may read come here: the page's ids are chosen by the reciprocity rule's query
(`visible_incidents`) first.
"""

import functools

from django.db import connection
from django.utils import timezone

from accounts.prepared import execute_prepared
from reporting.api.serializers import BREAKDOWN_KEYS, DOCUMENT_KEYS, IncidentOutputSerializer
from reporting.models import Incident


def _time(column: str) -> str:
    # DRF's DateTimeField in UTC: ISO 8601, microseconds only when there are some, "Z" for UTC.
    # (The text has one "." only, before the microseconds.)
    return f"replace(to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US'), '.000000', '') || 'Z'"


@functools.cache
def _records_sql() -> str:
    """SELECT id, record text FROM the incidents whose ids are the one parameter (an array)."""
    from accounts.models import Agency, Participant
    from reporting.models import BorderCrossingPoint, IncidentDocument, IncidentTransit, PersonBreakdown, Return

    quote = connection.ops.quote_name
    fields = {field.name: field for field in Incident._meta.concrete_fields}

    def column(name: str) -> str:
        return f"i.{quote(fields[name].column)}"

    def table(model) -> str:
        return quote(model._meta.db_table)

    declared = IncidentOutputSerializer._declared_fields
    times = {"created_at", "updated_at", "submitted_at", "validated_at"}
    decimals = {"latitude", "longitude", "fee_per_person", "fee_usd"}
    # Only names from the models, quoted; the ids go in as the one parameter.
    special = {
        "participant": f"p.{quote('code')}",
        "month": f"r.{quote('month')}",
        "agency": column("agency"),
        "agency_name": f"a.{quote('name')}",
        "border_crossing_point": f"b.{quote('code')}",
        "transit_countries": _rows("json_agg(d.{country} ORDER BY d.{sequence})", IncidentTransit, quote),
        "breakdowns": _rows(
            f"json_agg(json_build_object({_pairs(BREAKDOWN_KEYS, quote)})"
            " ORDER BY d.{group}, d.{count} DESC, d.{id})",
            PersonBreakdown,
            quote,
        ),
        "documents": _rows(
            f"json_agg(json_build_object({_pairs(DOCUMENT_KEYS, quote)}) ORDER BY d.{{id}})", IncidentDocument, quote
        ),
    }
    values = []
    for name in declared:
        if name in special:
            value = special[name]
        elif name in times:
            value = _time(column(name))
        elif name in decimals:
            value = f"{column(name)}::text"  # numeric(p, s) keeps its scale, as DRF's quantized string
        else:
            value = column(name)
        values.append(f"'{name}', {value}")
    # json_build_object takes at most 100 arguments: the record is built in parts and merged.
    built = _merged([values[start : start + 45] for start in range(0, len(values), 45)])
    return (
        f"SELECT i.{quote('id')}, {built} FROM {table(Incident)} i"  # noqa: S608 - names from the models
        f" JOIN {table(Participant)} p ON p.{quote('id')} = i.{quote('participant_id')}"
        f" JOIN {table(Return)} r ON r.{quote('id')} = i.{quote('ret_id')}"
        f" LEFT JOIN {table(Agency)} a ON a.{quote('id')} = i.{quote('agency_id')}"
        f" LEFT JOIN {table(BorderCrossingPoint)} b ON b.{quote('id')} = i.{quote('border_crossing_point_id')}"
        f" WHERE i.{quote('id')} = ANY(%s)"
    )


def _pairs(keys: tuple[str, ...], quote) -> str:
    return ", ".join(f"'{key}', d.{quote(key)}" for key in keys)


def _rows(aggregate: str, model, quote) -> str:
    """A record's child rows as a JSON array (empty, not null, when it has none). `aggregate`
    names columns as {name}, quoted here."""
    names = {field.column: quote(field.column) for field in model._meta.concrete_fields}
    table, incident, pk = quote(model._meta.db_table), quote("incident_id"), quote("id")
    selected = aggregate.format(**names)
    return f"COALESCE((SELECT {selected} FROM {table} d WHERE d.{incident} = i.{pk}), '[]'::json)"  # noqa: S608


def _merged(parts: list[list[str]]) -> str:
    # Object texts joined: '{a..}' + '{b..}' → '{a.., b..}' (keys stay in order; json, not jsonb,
    # which would sort them).
    texts = [f"json_build_object({', '.join(part)})::text" for part in parts]
    joined = texts[0]
    for text in texts[1:]:
        joined = f"left({joined}, -1) || ', ' || substr({text}, 2)"
    return joined


def records_in_sql() -> bool:
    """Whether PostgreSQL can write the records: it writes times in UTC, the project's time zone."""
    return connection.vendor == "postgresql" and timezone.get_current_timezone_name() == "UTC"


def incident_record_texts(ids: list[int]) -> list[str]:
    """The JSON texts of the records `ids` (that the caller may read), in the order of `ids`.
    Planning the query (five joins, three sub-queries, ~55 expressions) cost PostgreSQL more CPU
    than running it: it is prepared once per connection (accounts/prepared.py)."""
    if not ids:
        return []
    with connection.cursor() as cursor:
        execute_prepared(cursor, name="vrs_incident_records", sql=_records_sql(), types=("bigint[]",), params=[ids])
        texts = dict(cursor.fetchall())
    return [texts[pk] for pk in ids]
