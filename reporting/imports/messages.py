"""What a focal point reads when a cell is refused: the entry form's own check, in words about the
file rather than Django's developer-facing defaults ("Enter a whole number.", "Ensure that there
are no more than 2 decimal places."). A message a field or hook of ours wrote is kept as it is;
only Django's default messages, known by their codes, are said again here, with a word about how
the file writes numbers where that may be the cause.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
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


class Message(str):
    """A message as the language it was made in says it, with what it was made of: its texts as
    written in the code and their parameters, so that a page renders it in its reader's language."""

    parts: list[list]

    def __new__(cls, parts: list[tuple[str, dict]]):
        message = super().__new__(cls, " ".join(_(text) % params if params else _(text) for text, params in parts))
        message.parts = [[text, params] for text, params in parts]
        return message

    def __reduce__(self):  # pickled (to the dry run's helper and back) with its parts
        return (Message, ([tuple(p) for p in self.parts],))


def render(problem: dict) -> str:
    """A stored problem's message in the language now active: from its parts when it has them
    (problems stored since issue 17), else as it was stored."""
    parts = problem.get("parts")
    if not parts:
        return str(problem.get("message", ""))
    return " ".join(_(text) % params if params else _(text) for text, params in parts)


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
    elif code in ("invalid_choice", "invalid_pk_value"):
        part = (NOT_CODE, {})
    elif code == "required":
        part = (EMPTY, {})
    elif code == "max_length":
        part = (TOO_LONG, {"limit": params.get("limit_value", ""), "n": params.get("show_value", "")})
    if part is None:
        return " ".join(error.messages)
    parts = [part]
    if number and code in ("invalid", "max_decimal_places", "max_digits", "max_whole_digits") and decimal:
        parts.append((HINT_COMMA if decimal == "," else HINT_POINT, {}))
    return Message(parts)


def plain_messages(field, error: ValidationError, *, decimal: str | None = None) -> list[str]:
    """Each of a form or model field's errors as the page shows it."""
    return [plain(field, e, decimal=decimal) for e in error.error_list]
