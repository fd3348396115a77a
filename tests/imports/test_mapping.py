"""Column suggestions and code resolution: their headings and values to our fields and codes."""

import pytest

from reporting.imports.columns import column
from reporting.imports.mapping import CodeResolver, column_mapping_problems, normalise, suggest_columns

pytestmark = pytest.mark.django_db


def test_headings_are_matched_by_name_label_and_common_synonyms(owner):
    headers = ["Case No.", "DATE", "Nationality", "national_reference", "Modus Operandi", "Officer"]
    suggested = suggest_columns(participant=owner, sheet="incidents", headers=headers)
    assert suggested["Case No."] == "national_reference"
    assert suggested["DATE"] == "detection_date"
    assert suggested["national_reference"] == ""  # the field is taken by an earlier column
    assert suggested["Modus Operandi"] == "narrative"
    assert suggested["Officer"] == ""
    breakdowns = suggest_columns(participant=owner, sheet="breakdowns", headers=["Ref", "Nationality", "No."])
    assert breakdowns == {"Ref": "national_reference", "Nationality": "citizenship", "No.": "count"}


def test_a_mapping_without_needed_fields_or_with_a_field_twice_is_refused():
    problems = column_mapping_problems("incidents", {"A": "migrants_total", "B": "migrants_total"})
    assert any("National reference" in p for p in problems)
    assert any("Detection date" in p for p in problems)
    assert any("“A”, “B”" in p for p in problems)


@pytest.mark.parametrize(
    ("name", "raw", "code"),
    [
        ("origin_country", "Sri Lanka", "LKA"),
        ("origin_country", "lk", "LKA"),
        ("origin_country", "Sri Lankan", "LKA"),
        ("origin_country", "  viet nam ", "VNM"),
        ("modes", "SEA", "sea"),
        ("methods", "Fishing boat", "fishing_boat"),
        ("fee_currency", "usd", "USD"),
        ("detection_context", "At sea", "at_sea"),
        ("methods", "BOAT", None),
    ],
)
def test_values_resolve_to_our_codes(owner, name, raw, code):
    assert CodeResolver(participant=owner, code_mapping={}).resolve(column("incidents", name), raw) == code


def test_a_participants_own_choice_wins(owner):
    resolver = CodeResolver(participant=owner, code_mapping={"methods": {"boat": "fishing_boat"}})
    assert resolver.resolve(column("incidents", "methods"), "BOAT") == "fishing_boat"
    assert resolver.split(column("incidents", "modes"), "sea; land") == ["sea", "land"]
    assert resolver.split(column("incidents", "narrative"), "a; b") == ["a; b"]
    assert normalise("Nº of migrants") == "noofmigrants"


@pytest.mark.parametrize(
    ("heading", "field"),
    [
        ("Interception Date", "detection_date"),
        ("POB (persons on board)", "migrants_total"),
        ("POB", "migrants_total"),
        ("Crew", "smugglers_total"),
        ("Nationality (majority)", "origin_country"),
        ("Vessel Type", "methods"),
        ("Date d'interception", "detection_date"),
        ("N° dossier", "national_reference"),
        ("Nombre de migrants", "migrants_total"),
        ("Passeurs", "smugglers_total"),
        ("Nationalité", "origin_country"),
        ("Type d'embarcation", "methods"),
        ("Pays de destination", "destination_country"),
        ("Observations", "narrative"),
        ("Montant", "fee_per_person"),
        ("Devise", "fee_currency"),
    ],
)
def test_national_headings_in_english_and_french_are_suggested(owner, heading, field):
    assert suggest_columns(participant=owner, sheet="incidents", headers=[heading]) == {heading: field}
