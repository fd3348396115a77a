"""Model fields for codes: one code from a long translated list (countries, currencies), and
several codes from one code list (conduct categories, modes, roles, …)."""

import functools
from collections.abc import Sequence

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class MultipleCodeField(models.JSONField):
    """A JSON list of codes, each one of `codes`; no repeats.

    A JSON list stays portable between PostgreSQL and the embedded SQLite, and one incident row
    keeps bulk loads (COPY) simple. Filter with `Incident.objects.with_code(field, code)`.
    """

    def __init__(self, *args, codes: Sequence[tuple[str, str]] = (), **kwargs):
        self.codes = list(codes)
        kwargs.setdefault("default", list)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["codes"] = self.codes
        return name, path, args, kwargs

    def validate(self, value, model_instance) -> None:
        super().validate(value, model_instance)
        if value in (None, []):
            return
        if not isinstance(value, list):
            raise ValidationError(_("Choose from the list."), code="invalid")
        allowed = {code for code, _label in self.codes}
        unknown = [v for v in value if v not in allowed]
        if unknown:
            raise ValidationError(
                _("Unknown code(s): %(codes)s. Choose from the list."),
                code="invalid_choice",
                params={"codes": ", ".join(map(str, unknown))},
            )
        if len(set(value)) != len(value):
            raise ValidationError(_("A value is chosen twice."), code="duplicate")

    def formfield(self, **kwargs):
        defaults = {
            "form_class": forms.TypedMultipleChoiceField,
            "choices": self.codes,
            "widget": forms.CheckboxSelectMultiple,
            "required": not self.blank,
        }
        defaults.update(kwargs)
        # Skip JSONField's own form field: this one is a list of choices.
        return models.Field.formfield(self, **defaults)


class CodeChoiceField(models.CharField):
    """A CharField whose choices are a callable code list (accounts/codes.py: countries,
    currencies), whose labels follow the active language while the codes stay the same.

    Django checks a value by walking the choices, and a callable's ~250 translated rows are
    rebuilt on every walk, for every country field of every row saved: most of a record's
    validation (docs/architecture.md gives the figure). This field checks against the set of codes,
    read once, with Django's own messages.
    In migrations it is a plain CharField (the database column is the same)."""

    @functools.cached_property
    def codes(self) -> frozenset[str]:
        return frozenset(str(code) for code, _label in self.choices)

    def validate(self, value, model_instance) -> None:
        if not self.editable:
            return
        if value not in self.empty_values and str(value) not in self.codes:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value})
        if value is None and not self.null:
            raise ValidationError(self.error_messages["null"], code="null")
        if not self.blank and value in self.empty_values:
            raise ValidationError(self.error_messages["blank"], code="blank")

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.CharField", args, kwargs
