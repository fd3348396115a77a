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

NUMBER_FIELDS = (
    forms.IntegerField, forms.DecimalField, forms.FloatField, models.IntegerField, models.DecimalField,
    models.FloatField,
)  # fmt: skip
WHOLE_FIELDS = (forms.IntegerField, models.IntegerField)


def _hint(decimal: str | None) -> str:
    if decimal == ",":
        return _(
            "This file's numbers are read as 1.234,5 (a comma before the decimals); change that on the "
            "columns page if it writes 1,234.5."
        )
    if decimal == ".":
        return _(
            "This file's numbers are read as 1,234.5 (a point before the decimals); change that on the "
            "columns page if it writes 1.234,5."
        )
    return ""


def plain(field, error: ValidationError, *, decimal: str | None = None) -> str:
    """One of a field's errors as the page shows it."""
    code = getattr(error, "code", None)
    params = dict(getattr(error, "params", None) or {})
    number = isinstance(field, NUMBER_FIELDS)
    text = None
    if code == "invalid" and isinstance(field, WHOLE_FIELDS):
        text = _("Not a whole number.")
    elif code == "invalid" and number:
        text = _("Not a number.")
    elif code == "invalid" and isinstance(field, forms.DateField | models.DateField):
        text = _(
            "Not a date that can be read: write it 2025-03-04, or in the date order chosen on the columns page "
            "(31/12/2025 day first)."
        )
    elif code == "max_decimal_places":
        text = _("More than %(max)s decimals.") % {"max": params.get("max", "")}
    elif code in ("max_digits", "max_whole_digits"):
        text = _("Too large a number for this field.")
    elif code == "min_value":
        text = _("Below %(limit)s, the lowest this field takes.") % {"limit": params.get("limit_value", "")}
    elif code == "max_value":
        text = _("Above %(limit)s, the highest this field takes.") % {"limit": params.get("limit_value", "")}
    elif code in ("invalid_choice", "invalid_pk_value"):
        text = _("Not one of our codes for this field: choose its code on the codes page.")
    elif code == "required":
        text = _("Empty: this field needs a value.")
    elif code == "max_length":
        text = _("Too long: at most %(limit)s characters (this has %(n)s).") % {
            "limit": params.get("limit_value", ""),
            "n": params.get("show_value", ""),
        }
    if text is None:
        return " ".join(error.messages)
    if number and code in ("invalid", "max_decimal_places", "max_digits", "max_whole_digits"):
        hint = _hint(decimal)
        return f"{text} {hint}" if hint else text
    return text


def plain_messages(field, error: ValidationError, *, decimal: str | None = None) -> list[str]:
    """Each of a form or model field's errors as the page shows it."""
    return [plain(field, e, decimal=decimal) for e in error.error_list]
