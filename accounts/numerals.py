"""Digits in the reader's language: Arabic-Indic digits (٠١٢٣٤٥٦٧٨٩) in Arabic, Latin ones elsewhere.

CLDR gives each locale a default numbering system. For Arabic it is `arab` (Arabic-Indic digits, with
٫ as decimal and ٬ as group separator) in the Mashriq locales the interface's Arabic readers use
(ar-IQ, ar-JO, ar-SY, ar-EG, ar-SA...), and `latn` in the Maghreb ones; since CLDR 42 the bare `ar`
falls back to `latn`. The interface has one Arabic, read in the region's Arabic-speaking states, so it
follows the Mashriq convention: NUMBERING_SYSTEMS below (docs/i18n.md). Numbers printed otherwise
(form values, Django's own localisation) keep Django's formats. References and codes
("AUS-202612-000004") are text, never passed through here, and stay Latin.

One function, `digits_localise`, used by the template filter `digits` (accounts/templatetags/digits.py)
and, through the page's `<body data-numbering>`, by the charts (static/js/dashboards.js).
"""

from decimal import Decimal

from django.conf import settings
from django.utils import formats, numberformat
from django.utils.translation import get_language

# Language → CLDR numbering system, where it is not Latin digits.
NUMBERING_SYSTEMS = {"ar": "arab"}

_DIGITS = {"arab": str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")}
# CLDR's decimal and group separators of each numbering system other than Latin digits.
_SEPARATORS = {"arab": ("٫", "٬")}


def numbering_system(language: str | None = None) -> str:
    """The CLDR numbering system of the language (the active one by default): "arab" or "latn"."""
    language = (language or get_language() or settings.LANGUAGE_CODE).split("-")[0]
    return NUMBERING_SYSTEMS.get(language, "latn")


class LocalisedInt(int):
    """An int that prints in the language's digits: still a number, so a plural form
    (`{% blocktranslate count n=total|digits %}`) picks its form from it."""

    text: str

    def __new__(cls, value: int, text: str) -> "LocalisedInt":
        number = super().__new__(cls, value)
        number.text = text
        return number

    def __str__(self) -> str:
        return self.text

    def __html__(self) -> str:
        return self.text


def digits_localise(value, *, language: str | None = None):
    """`value` as the reader reads it. An int: the same int, printing grouped (12,345; 12 345;
    ١٢٬٣٤٥) in the language's digits; a float or Decimal: that text; any other value (a formatted
    date, a label such as "<5"): its text with the digits replaced where the language's are not
    Latin. The separators are Django's formats' for Latin digits, CLDR's for the others."""
    if value is None or value == "" or isinstance(value, bool):
        return value
    system = numbering_system(language)
    table = _DIGITS.get(system)
    if isinstance(value, int | float | Decimal):
        if table:
            decimal, group = _SEPARATORS[system]
            text = numberformat.format(
                value, decimal, grouping=3, thousand_sep=group, force_grouping=True, use_l10n=False
            ).translate(table)
        else:
            text = formats.number_format(value, force_grouping=True)
        return LocalisedInt(value, text) if isinstance(value, int) else text
    return str(value).translate(table) if table else value
