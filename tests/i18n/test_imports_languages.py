"""Imports understand a template in any interface language (issue 10): French or Arabic headings
and code labels resolve whatever language the check runs in (the worker has none of the uploader's)."""

import pytest

from reporting.imports.columns import column
from reporting.imports.mapping import CodeResolver, suggest_columns
from tests import factories

pytestmark = pytest.mark.django_db


def test_french_and_arabic_headings_are_recognised():
    owner = factories.participant(code="FRA")
    headers = ["Référence nationale", "Date de détection", "Migrants détectés", "بلد الكشف"]
    suggested = suggest_columns(participant=owner, sheet="incidents", headers=headers)
    assert suggested == {
        "Référence nationale": "national_reference",
        "Date de détection": "detection_date",
        "Migrants détectés": "migrants_total",
        "بلد الكشف": "detection_country",
    }


@pytest.mark.parametrize(
    ("name", "raw", "code"),
    [
        ("modes", "Mer", "sea"),
        ("methods", "Bateau de pêche", "fishing_boat"),
        ("detection_context", "En mer", "at_sea"),
        ("methods", "قارب صيد", "fishing_boat"),
        ("modes", "Sea", "sea"),
    ],
)
def test_code_labels_in_any_language_resolve(name, raw, code):
    owner = factories.participant(code="FRA")
    assert CodeResolver(participant=owner, code_mapping={}).resolve(column("incidents", name), raw) == code
