"""PostgreSQL COPY's text format for the models' columns: what the demo loader and the imports
write their rows with (`COPY … FROM STDIN`, one line per row, tab between columns, \\N for NULL).
"""

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

from django.db import models

from reporting.fields import MultipleCodeField


def escape(value: str) -> str:
    # COPY's text format: backslash, tab and line breaks are the only special characters.
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        value = value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return value


def text(value) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, str):
        return escape(value)
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, int | Decimal | float):
        return str(value)
    raise TypeError(f"cannot COPY a {type(value).__name__}")


def codes_json(value: list[str]) -> str:
    # Codes are plain identifiers (no quotes or backslashes), so this is valid JSON, and far
    # cheaper than json.dumps on a million rows.
    return '["' + '","'.join(value) + '"]' if value else "[]"


def _or_null(convert: Callable) -> Callable:
    return lambda value: "\\N" if value is None else convert(value)


def column_formatter(model_field) -> Callable:
    """The cheapest correct text conversion for a column: a million rows make the generic one slow."""
    if isinstance(model_field, MultipleCodeField):
        return codes_json
    if isinstance(model_field, models.CharField | models.TextField):
        return _or_null(escape) if model_field.null else escape
    if isinstance(model_field, models.DateField):  # DateTimeField is a DateField
        return _or_null(_iso)
    if isinstance(model_field, models.IntegerField | models.DecimalField | models.ForeignKey | models.AutoField):
        return _or_null(str)
    return text


def _iso(value: dt.date) -> str:
    return value.isoformat()
