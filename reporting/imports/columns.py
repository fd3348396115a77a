"""The sheets and columns of an import file, each with the code list its values come from.

The incidents sheet carries one row per record; the breakdowns and documents sheets carry rows
linked to a record by its national reference. Field names are the model's (reporting/models.py),
so the template, the mapping step and the checks all speak of the same things.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from accounts.codes import country_choices, currency_choices
from accounts.models import Participant
from reporting import codes

INCIDENTS, BREAKDOWNS, DOCUMENTS = "incidents", "breakdowns", "documents"
SHEETS = (INCIDENTS, BREAKDOWNS, DOCUMENTS)
SHEET_TITLES = {INCIDENTS: _("Incidents"), BREAKDOWNS: _("Breakdowns"), DOCUMENTS: _("Documents")}

# Several codes in one cell ("sea; land") and ordered transit countries ("IDN; TLS").
LIST_SEPARATORS = (";", "|", ",", "/")


@dataclass(frozen=True)
class Column:
    name: str  # the model field (or "transit_countries")
    label: str
    kind: str  # text, date, integer, decimal, code, codes, country, countries, currency, agency, bcp
    note: str = ""
    required: bool = False
    code_list: str = ""  # the key of its code mapping ("country" is shared by every country column)
    choices: Callable[[Participant | None], list[tuple[str, str]]] | None = None

    @property
    def coded(self) -> bool:
        return bool(self.code_list)

    @property
    def many(self) -> bool:
        return self.kind in ("codes", "countries")


def _fixed(choices) -> Callable[[Participant | None], list[tuple[str, str]]]:
    return lambda participant: [(str(code), str(label)) for code, label in choices]


def _countries(participant=None) -> list[tuple[str, str]]:
    return list(country_choices())


def _currencies(participant=None) -> list[tuple[str, str]]:
    return list(currency_choices())


def _agencies(participant: Participant | None) -> list[tuple[str, str]]:
    if participant is None:
        return []
    return [(str(a.pk), a.name) for a in participant.agencies.filter(is_active=True).order_by("name")]


def _crossing_points(participant: Participant | None) -> list[tuple[str, str]]:
    if participant is None:
        return []
    return [
        (str(b.pk), f"{b.code} — {b.name}") for b in participant.crossing_points.filter(is_active=True).order_by("code")
    ]


def _code(name, label, choices, note="", code_list="") -> Column:
    return Column(name, label, "code", note, code_list=code_list or name, choices=_fixed(choices))


def _codes(name, label, choices, note="") -> Column:
    return Column(name, label, "codes", note, code_list=name, choices=_fixed(choices))


def _country(name, label, note="") -> Column:
    return Column(name, label, "country", note, code_list="country", choices=_countries)


def _count(name, label, note="") -> Column:
    return Column(name, label, "integer", note or _("A whole number; empty means 0."))


_SEVERAL = _("Several values separated by ; (semicolon).")

INCIDENT_COLUMNS: tuple[Column, ...] = (
    Column(
        "national_reference",
        _("National reference"),
        "text",
        _("Your own case or file number, unique within your participant; never a person's ID. Links the other sheets."),
        required=True,
    ),
    Column(
        "detection_date",
        _("Detection date"),
        "date",
        _("YYYY-MM-DD best; 31/12/2025 and Excel dates are read too. Not in the future."),
        required=True,
    ),
    _codes("categories", _("Conduct categories"), codes.ConductCategory.choices, _SEVERAL),
    _code("protocol_benefit", _("Financial or other material benefit"), codes.ProtocolBenefit.choices),
    Column(
        "agency",
        _("Reporting agency"),
        "agency",
        _("One of your agencies, by name. Empty: the uploader's agency."),
        code_list="agency",
        choices=_agencies,
    ),
    _code("source", _("Source"), codes.Source.choices),
    _code("confidence", _("Confidence"), codes.Confidence.choices),
    _country("detection_country", _("Detection country"), _("A name or ISO 3166 code (LKA, LK, Sri Lanka).")),
    Column("detection_place", _("Place"), "text", _("A port, town or sea area; never a person's address.")),
    Column("latitude", _("Latitude"), "decimal", _("Decimal degrees, −90 to 90; give both or neither.")),
    Column("longitude", _("Longitude"), "decimal", _("Decimal degrees, −180 to 180.")),
    Column(
        "border_crossing_point",
        _("Border crossing point"),
        "bcp",
        _("One of your crossing points, by code."),
        code_list="border_crossing_point",
        choices=_crossing_points,
    ),
    _code("detection_context", _("Detection context"), codes.DetectionContext.choices),
    _codes("modes", _("Modes"), codes.Mode.choices, _SEVERAL),
    _codes("methods", _("Conveyances and methods"), codes.Method.choices, _SEVERAL),
    _country("origin_country", _("Country of origin")),
    Column(
        "transit_countries",
        _("Transit countries"),
        "countries",
        _("In order, separated by ; (e.g. IDN; TLS)."),
        code_list="country",
        choices=_countries,
    ),
    _country("destination_country", _("Intended destination")),
    _count("migrants_total", _("Migrants detected")),
    _count("smugglers_total", _("Smugglers detected")),
    _codes("smuggler_roles", _("Smuggler roles"), codes.SmugglerRole.choices, _SEVERAL),
    Column("fee_per_person", _("Fee per person"), "decimal", _("In the currency paid; give the currency too.")),
    Column(
        "fee_currency",
        _("Currency"),
        "currency",
        _("ISO 4217 code (USD, LKR)."),
        code_list="currency",
        choices=_currencies,
    ),  # fmt: skip
    _code("fee_scope", _("Fee covers"), codes.FeeScope.choices),
    _code("payment_modality", _("Payment"), codes.PaymentModality.choices),
    _count("dead", _("Dead")),
    _count("missing", _("Missing")),
    _count("injured", _("Injured")),
    _count("rescued", _("Rescued")),
    _code("cause_of_death", _("Cause of death"), codes.CauseOfDeath.choices),
    _codes("abuses", _("Abuses"), codes.Abuse.choices, _SEVERAL),
    Column(
        "narrative",
        _("Modus operandi"),
        "text",
        _("What happened and how. No names, document numbers, phones or dates of birth: checked before import."),
    ),
)

_REFERENCE = Column(
    "national_reference", _("National reference"), "text", _("The record's reference on the Incidents sheet."), True
)

BREAKDOWN_COLUMNS: tuple[Column, ...] = (
    _REFERENCE,
    _code("group", _("Group"), codes.PersonGroup.choices, _("Migrants or smugglers."), code_list="person_group"),
    _country("citizenship", _("Citizenship"), _("Empty if unknown.")),
    _code("sex", _("Sex"), codes.Sex.choices),
    _code("age_group", _("Age group"), codes.AgeGroup.choices),
    Column("count", _("Count"), "integer", _("People in this row, at least 1."), required=True),
    _count("unaccompanied", _("Of whom unaccompanied minors"), _("Minors only; empty means 0.")),
)

DOCUMENT_COLUMNS: tuple[Column, ...] = (
    _REFERENCE,
    _code("document_type", _("Document type"), codes.DocumentType.choices),
    _code("fraud_type", _("Kind of fraud"), codes.FraudType.choices),
    _country("issuing_country", _("Issuing country"), _("Empty if unknown.")),
    Column("count", _("Count"), "integer", _("Documents of this kind, at least 1; empty means 1.")),
)

COLUMNS: dict[str, tuple[Column, ...]] = {
    INCIDENTS: INCIDENT_COLUMNS,
    BREAKDOWNS: BREAKDOWN_COLUMNS,
    DOCUMENTS: DOCUMENT_COLUMNS,
}


def column(sheet: str, name: str) -> Column:
    return next(c for c in COLUMNS[sheet] if c.name == name)


def code_lists() -> dict[str, Column]:
    """One column per code list (its choices stand for the list)."""
    found: dict[str, Column] = {}
    for sheet in SHEETS:
        for col in COLUMNS[sheet]:
            if col.coded:
                found.setdefault(col.code_list, col)
    return found
