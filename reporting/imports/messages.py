"""What a focal point reads when a cell, a row or a file is refused, stored as codes and rendered
in the reader's language when shown.

A problem is stored with its parts: each a text as written in the code (a translation catalogue's
key) and its parameters (a parameter may itself be parts, rendered and joined with "; "). The page,
the report and the API render the parts in their reader's language; the text stored beside them
("message") is the code's own wording, for anything that reads the batch as data.

The entry form's checks are said in words about the file rather than Django's developer-facing
defaults ("Enter a whole number.", "Ensure that there are no more than 2 decimal places."): those,
known by their codes, are said again here, with a word about how the file writes numbers where that
may be the cause. A message a field or hook of ours wrote is kept with its own text and parameters.
The checks run with no language active (`import_run`), so every text comes out as the code has it.
"""

from __future__ import annotations

import json

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

NUMBER_FIELDS = (
    forms.IntegerField, forms.DecimalField, forms.FloatField, models.IntegerField, models.DecimalField,
    models.FloatField,
)  # fmt: skip
WHOLE_FIELDS = (forms.IntegerField, models.IntegerField)


HINT_COMMA = gettext_noop(
    "This file's numbers are read as 1.234,5 (a comma before the decimals); change that on the "
    "columns page if it writes 1,234.5."
)
HINT_POINT = gettext_noop(
    "This file's numbers are read as 1,234.5 (a point before the decimals); change that on the "
    "columns page if it writes 1.234,5."
)
NOT_WHOLE = gettext_noop("Not a whole number.")
NOT_NUMBER = gettext_noop("Not a number.")
NOT_DATE = gettext_noop(
    "Not a date that can be read: write it 2025-03-04, or in the date order chosen on the columns page "
    "(31/12/2025 day first)."
)
DECIMALS = gettext_noop("More than %(max)s decimals.")
TOO_LARGE = gettext_noop("Too large a number for this field.")
BELOW = gettext_noop("Below %(limit)s, the lowest this field takes.")
ABOVE = gettext_noop("Above %(limit)s, the highest this field takes.")
NOT_CODE = gettext_noop("Not one of our codes for this field: choose its code on the codes page.")
EMPTY = gettext_noop("Empty: this field needs a value.")
TOO_LONG = gettext_noop("Too long: at most %(limit)s characters (this has %(n)s).")
NOT_VALID = gettext_noop("Not a value this field takes.")
PERSONAL_DATA = gettext_noop("This looks like personal data: %(found)s. Remove it from the file and upload again.")
DUPLICATE = gettext_noop("This national reference is also on row(s) %(rows)s. Each record once per file.")
READ_AS = gettext_noop("Read as %(what)s.")


Parts = list[list]  # [[text as written in the code, {parameter: value or parts}], ...]


class Message(str):
    """A message as the language now active says it, with what it was made of (`parts`), so that
    whoever shows it renders it in its reader's language."""

    parts: Parts

    def __new__(cls, parts):
        stored = [[str(text), {k: _stored(v) for k, v in (params or {}).items()}] for text, params in parts]
        message = super().__new__(cls, render_parts(stored))
        message.parts = stored
        return message

    def __reduce__(self):  # pickled (to the dry run's helper and back) with its parts
        return (Message, (self.parts,))


def said(text, **params) -> Message:
    """One text as written in the code (a gettext_noop constant, or a lazy text), with its parameters."""
    return Message([(_source(text), params)])


def as_message(message) -> Message:
    """A message of the checks as a Message: kept as it is, or a text taken as written in the code
    (the checks run with no language active, so a text of ours comes out as its catalogue's key)."""
    if isinstance(message, Message):
        return message
    if isinstance(message, ValidationError):
        return of_error(message)
    return said(message)


def parts_of(message) -> Parts:
    return as_message(message).parts


def _source(text) -> str:
    """A lazy text's key in the catalogue (whatever language is active), else the text itself."""
    if isinstance(text, Promise):
        args = getattr(text, "_args", None) or getattr(text, "_proxy____args", None)
        if args and isinstance(args[0], str):
            return args[0]
    return str(text)


def _stored(value):
    if isinstance(value, Message):
        return value.parts
    if isinstance(value, Promise):
        return [[_source(value), {}]]
    if isinstance(value, list | tuple):  # parts
        return [[_source(text), {k: _stored(v) for k, v in (params or {}).items()}] for text, params in value]
    if isinstance(value, int | float | str) and not isinstance(value, bool):
        return value
    return str(value)


def _rendered(value):
    if isinstance(value, list):
        return "; ".join(render_parts([part]) for part in value)
    return value


def render_parts(parts: Parts) -> str:
    """Parts in the language now active; a text the catalogue lacks is shown as written."""
    said_ = []
    for text, params in parts:
        translated = _(text) if text else ""
        if params:
            values = {k: _rendered(v) for k, v in params.items()}
            try:
                translated = translated % values
            except (KeyError, TypeError, ValueError):
                translated = text % values
        said_.append(translated)
    return " ".join(said_)


def stored_error(message) -> str:
    """A batch's stopping message as its `error` field keeps it: the text as written in the code, or
    its parts as JSON where it has parameters (rendered by `render_error`)."""
    parts = parts_of(message)
    if any(params for _text, params in parts):
        return json.dumps(parts)
    return " ".join(text for text, _params in parts)


def render_error(error: str) -> str:
    """A batch's stored `error` in the language now active."""
    if error.startswith("[["):
        try:
            return render_parts(json.loads(error))
        except ValueError:
            return error
    return _(error) if error else ""


def render(problem: dict) -> str:
    """A stored problem's (or note's) message in the language now active: from its parts when it has
    them, else as it was stored."""
    parts = problem.get("parts")
    if not parts:
        return str(problem.get("message", ""))
    return render_parts(parts)


def render_column(problem: dict) -> str:
    """A problem's column: the file's heading, or our field's label in the reader's language."""
    parts = problem.get("column_parts")
    return render_parts(parts) if parts else str(problem.get("column", ""))


def rendered(problem: dict) -> dict:
    """A stored problem as its reader sees it: message and column in the language now active, and
    no parts."""
    shown = {k: v for k, v in problem.items() if k not in ("parts", "column_parts")}
    shown["message"] = render(problem)
    if "column" in problem:
        shown["column"] = render_column(problem)
    return shown


def of_error(error: ValidationError) -> Message:
    """A ValidationError item as it was raised: its text as written in the code, and its parameters."""
    params = {k: v for k, v in (getattr(error, "params", None) or {}).items()}
    return Message([(_source(error.message), params)])


def plain(field, error: ValidationError, *, decimal: str | None = None) -> str:
    """One of a field's errors as the page shows it (a Message when it is said again here)."""
    code = getattr(error, "code", None)
    params = {k: str(v) for k, v in (getattr(error, "params", None) or {}).items()}
    number = isinstance(field, NUMBER_FIELDS)
    part = None
    if code == "invalid" and isinstance(field, WHOLE_FIELDS):
        part = (NOT_WHOLE, {})
    elif code == "invalid" and number:
        part = (NOT_NUMBER, {})
    elif code == "invalid" and isinstance(field, forms.DateField | models.DateField):
        part = (NOT_DATE, {})
    elif code == "max_decimal_places":
        part = (DECIMALS, {"max": params.get("max", "")})
    elif code in ("max_digits", "max_whole_digits"):
        part = (TOO_LARGE, {})
    elif code == "min_value":
        part = (BELOW, {"limit": params.get("limit_value", "")})
    elif code == "max_value":
        part = (ABOVE, {"limit": params.get("limit_value", "")})
    elif code in ("invalid_choice", "invalid_pk_value", "invalid_list"):
        part = (NOT_CODE, {})
    elif code in ("required", "blank", "null"):
        part = (EMPTY, {})
    elif code == "max_length":
        part = (TOO_LONG, {"limit": params.get("limit_value", ""), "n": params.get("show_value", "")})
    if part is None and getattr(error, "message", None) is not None and _is_djangos(error):
        part = (NOT_VALID, {})
    if part is None:
        return of_error(error)
    parts = [part]
    if number and code in ("invalid", "max_decimal_places", "max_digits", "max_whole_digits") and decimal:
        parts.append((HINT_COMMA if decimal == "," else HINT_POINT, {}))
    return Message(parts)


def plain_messages(field, error: ValidationError, *, decimal: str | None = None) -> list[str]:
    """Each of a form or model field's errors as the page shows it."""
    return [plain(field, e, decimal=decimal) for e in error.error_list]


def _is_djangos(error: ValidationError) -> bool:
    """Whether a message is one of Django's own defaults (its text from Django's catalogue, not ours)."""
    return _source(error.message) in _djangos_defaults()


_DEFAULTS: set[str] | None = None


def _djangos_defaults() -> set[str]:
    """Django's default field and validator messages, as written in Django's code."""
    global _DEFAULTS
    if _DEFAULTS is None:
        from django.core import validators

        found: set[str] = set()
        for klass in (*vars(forms).values(), *vars(models).values()):
            messages = getattr(klass, "default_error_messages", None) if isinstance(klass, type) else None
            for text in (messages or {}).values():
                found.add(_source(text))
        for klass in vars(validators).values():
            text = getattr(klass, "message", None) if isinstance(klass, type) else None
            if text is not None:
                found.add(_source(text))
        _DEFAULTS = found
    return _DEFAULTS
