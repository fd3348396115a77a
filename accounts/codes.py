"""Code lists shared by every app: countries and territories (ISO 3166-1) and currencies (ISO 4217).

They come from pycountry, so the lists follow the standards and ship translated names. Model fields
take `choices=country_choices` (a callable, so migrations do not copy 249 rows of choices).
"""

from functools import cache

import pycountry


@cache
def country_choices() -> list[tuple[str, str]]:
    """(alpha-3 code, common name) for every ISO 3166-1 country and territory, sorted by name."""
    rows = [(c.alpha_3, getattr(c, "common_name", None) or c.name) for c in pycountry.countries]
    return sorted(rows, key=lambda row: row[1])


@cache
def country_names() -> dict[str, str]:
    return dict(country_choices())


def country_name(code: str | None) -> str:
    return country_names().get(code or "", code or "")


@cache
def currency_choices() -> list[tuple[str, str]]:
    """(ISO 4217 code, name) for every current currency, sorted by code."""
    return sorted((c.alpha_3, f"{c.alpha_3} — {c.name}") for c in pycountry.currencies)
