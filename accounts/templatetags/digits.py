"""`{{ value|digits }}`: numbers, counts and dates in the reader's digits (accounts/numerals.py)."""

from django import template
from django.utils.safestring import SafeData, mark_safe

from accounts.numerals import digits_localise, numbering_system

register = template.Library()


@register.filter
def digits(value):
    result = digits_localise(value)
    # Digits replace digits: text that was safe stays safe.
    return mark_safe(result) if isinstance(value, SafeData) and isinstance(result, str) else result  # noqa: S308


@register.simple_tag
def numbering() -> str:
    """The active language's CLDR numbering system, for scripts that format numbers (Intl)."""
    return numbering_system()
