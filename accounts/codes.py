"""Code lists shared by every app: countries and territories (ISO 3166-1) and currencies (ISO 4217).

They come from pycountry, so the lists follow the standards and ship translated names. Model fields
take `choices=country_choices` (a callable, so migrations do not copy 249 rows of choices).
"""

import gettext as gettext_module
from functools import cache

import pycountry
from django.utils.translation import get_language


@cache
def _iso_translation(domain: str, language: str) -> gettext_module.NullTranslations:
    """pycountry's own ISO translations (domain 'iso3166-1' or 'iso4217') for a Django language code."""
    return gettext_module.translation(
        domain, pycountry.LOCALES_DIR, languages=[language.replace("-", "_")], fallback=True
    )


def _language() -> str:
    return (get_language() or "en").split("-")[0]


@cache
def _country_choices(language: str) -> list[tuple[str, str]]:
    translate = _iso_translation("iso3166-1", language).gettext
    rows = []
    for c in pycountry.countries:
        english = getattr(c, "common_name", None) or c.name
        name = translate(english)
        if name == english and english != c.name:  # the catalogues translate `name`, not always `common_name`
            name = translate(c.name) if translate(c.name) != c.name else english
        rows.append((c.alpha_3, name))
    return sorted(rows, key=lambda row: _sort_key(row[1]))


def _sort_key(name: str) -> str:
    import unicodedata

    return "".join(ch for ch in unicodedata.normalize("NFKD", name.casefold()) if not unicodedata.combining(ch))


def country_choices() -> list[tuple[str, str]]:
    """(alpha-3 code, name) for every ISO 3166-1 country and territory, in the active language (pycountry
    ships the ISO translations), sorted by name. A callable, so the choices follow the language."""
    return _country_choices(_language())


def country_names() -> dict[str, str]:
    return _country_names(_language())


@cache
def _country_names(language: str) -> dict[str, str]:
    return dict(_country_choices(language))


def country_name(code: str | None, *, language: str | None = None) -> str:
    """The country's name in `language` (the active one by default); the code itself if unknown."""
    names = _country_names(language.split("-")[0]) if language else country_names()
    return names.get(code or "", code or "")


def currency_choices() -> list[tuple[str, str]]:
    """(ISO 4217 code, name) for every current currency in the active language, sorted by code."""
    return _currency_choices(_language())


@cache
def _currency_choices(language: str) -> list[tuple[str, str]]:
    translate = _iso_translation("iso4217", language).gettext
    return sorted((c.alpha_3, f"{c.alpha_3} — {translate(c.name)}") for c in pycountry.currencies)
