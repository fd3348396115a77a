"""The incident list's records, written as JSON by PostgreSQL.

IncidentOutputSerializer states a record's shape (the contract and the schema); a record's page and
the write answers are rendered by it. The list (50 records a page, for national systems) is the one
place that does not: rendering 50 records field by field in Python does not meet the list's floor
(≥ 150 requests/s; docs/api.md, "Performance"). The query here is produced from the serializer's
declared fields (each field's source, and its kind for the format), so a field added there is
written here too; a field of a kind not known here stops the query being built.
tests/api/test_records.py checks every record equals the serializer's.

Only ids the caller may read come here: the page's ids are chosen by the reciprocity rule's query
(`visible_incidents`) first.
"""

import functools

from django.db import connection
from django.db.models import ForeignKey
from django.utils import timezone
from rest_framework import serializers

from reporting.api.serializers import IncidentOutputSerializer
from reporting.models import Incident

# The output's one method field, as a relation and the column it lists (get_transit_countries).
_METHOD_FIELDS = {"transit_countries": ("transits", "country")}
# json_build_object takes at most 100 arguments: the record is built in parts and merged.
_PART = 45


def _time(column: str) -> str:
    # DRF's DateTimeField in UTC: ISO 8601, microseconds only when there are some, "Z" for UTC.
    # (The text has one "." only, before the microseconds.)
    return f"replace(to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US'), '.000000', '') || 'Z'"


def _value(field: serializers.Field, model_field, column: str) -> str:
    """The SQL writing `column` as `field` writes the value."""
    if isinstance(field, serializers.DateTimeField):
        return _time(column)
    if isinstance(field, serializers.DecimalField):
        # numeric(p, s) as text keeps its scale: DRF's quantized string when the scales agree.
        if field.decimal_places != model_field.decimal_places:
            raise TypeError(f"{field.field_name}: the output's decimal places differ from the column's")
        return f"{column}::text"
    if isinstance(field, serializers.DateField | serializers.CharField | serializers.IntegerField):
        return column  # PostgreSQL's JSON writes dates as ISO 8601, as DRF does
    if isinstance(field, serializers.ChoiceField | serializers.ListField):
        return column  # stored as the codes DRF writes (a list: a JSON column)
    raise TypeError(f"{field.field_name}: no SQL for a {type(field).__name__}")


def _rows(model, alias: str, value: str) -> str:
    """The incident's rows of `model` as a JSON array in the model's order (empty, not null)."""
    quote = connection.ops.quote_name
    order = []
    for name in model._meta.ordering:
        descending = name.startswith("-")
        field = model._meta.get_field(name.lstrip("-"))
        if field.name != "incident":
            order.append(f"{alias}.{quote(field.column)}" + (" DESC" if descending else ""))
    if "id" not in model._meta.ordering:
        order.append(f"{alias}.{quote('id')}")
    table = quote(model._meta.db_table)
    return (
        f"COALESCE((SELECT json_agg({value} ORDER BY {', '.join(order)}) FROM {table} {alias}"  # noqa: S608
        f" WHERE {alias}.{quote('incident_id')} = i.{quote('id')}), '[]'::json)"
    )


# Kept for the list's floor (150 requests/s on two cores): a page of 50 through the serializer cost
# 60 ms of gunicorn CPU against 9 ms for the whole request with this query (bench/api.py, both in one
# run), so at most ~30 pages/s.
@functools.cache
def _records_sql() -> str:
    """SELECT id, record text FROM the incidents whose ids are the one parameter (an array)."""
    quote = connection.ops.quote_name
    meta = Incident._meta
    joins: dict[str, str] = {}
    values = []
    # Only names from the models and the serializer, quoted; the ids go in as the one parameter.
    for name, field in IncidentOutputSerializer().fields.items():
        if isinstance(field, serializers.SerializerMethodField):
            relation, column = _METHOD_FIELDS[name]
            model = meta.get_field(relation).related_model
            value = _rows(model, "d", f"d.{quote(model._meta.get_field(column).column)}")
        elif isinstance(field, serializers.ListSerializer):
            model = meta.get_field(field.source).related_model
            pairs = [
                f"'{key}', d.{quote(model._meta.get_field(child.source).column)}"
                for key, child in field.child.fields.items()
            ]
            value = _rows(model, "d", f"json_build_object({', '.join(pairs)})")
        elif len(field.source_attrs) == 2:  # a column of a related row: joined
            relation, attribute = field.source_attrs
            foreign = meta.get_field(relation)
            if not isinstance(foreign, ForeignKey):
                raise TypeError(f"{name}: {relation} is not a foreign key")
            alias = f"j_{relation}"
            target = foreign.related_model
            joins[alias] = (
                f" LEFT JOIN {quote(target._meta.db_table)} {alias}"
                f" ON {alias}.{quote(foreign.target_field.column)} = i.{quote(foreign.column)}"
            )
            target_field = target._meta.get_field(attribute)
            value = _value(field, target_field, f"{alias}.{quote(target_field.column)}")
        else:
            model_field = meta.get_field(field.source)
            value = _value(field, model_field, f"i.{quote(model_field.column)}")
        values.append(f"'{name}', {value}")
    built = _merged([values[start : start + _PART] for start in range(0, len(values), _PART)])
    return (
        f"SELECT i.{quote('id')}, {built} FROM {quote(meta.db_table)} i"  # noqa: S608
        + "".join(joins.values())
        + f" WHERE i.{quote('id')} = ANY(%s)"
    )


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
    """The JSON texts of the records `ids` (that the caller may read), in the order of `ids`."""
    if not ids:
        return []
    with connection.cursor() as cursor:
        cursor.execute(_records_sql(), [ids])
        texts = dict(cursor.fetchall())
    return [texts[pk] for pk in ids]
