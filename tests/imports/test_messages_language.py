"""An import's problems and notes are stored as codes with their parameters and read in the reader's
language: checked in English, they read in French and Arabic on the page, in the report and in the
API, and none of Django's developer-facing defaults reaches a focal point in any language."""

import re

import pytest
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from accounts.models import ApiToken
from reporting.imports import services
from reporting.imports.conventions import POINT
from reporting.imports.template import report_csv, report_workbook
from reporting.models import ReciprocityPolicy
from tests.api.conftest import token_for
from tests.imports.conftest import upload
from tests.imports.files import a_day, csv_bytes, good_row

pytestmark = pytest.mark.django_db

# Django's own texts for the errors this file makes, in each interface language.
DJANGO_DEFAULTS = [
    "Enter a whole number.",
    "Ensure that there are no more than",
    "Ensure this value is",
    "Enter a number.",
    "Enter a valid date.",
    "This field cannot be blank.",
    "Select a valid choice.",
    "Saisissez un nombre entier.",
    "Assurez-vous",
    "Saisissez un nombre.",
    "Saisissez une date valide.",
    "أدخل رقما صحيحا",
    "تحقق من",
]


def _checked_in_english(contributor):
    """A file with one problem of each kind the check words, checked by an English-speaking uploader."""
    rows = [
        good_row(
            "LG-1",
            Migrants="1.5",  # not whole (the field's "invalid")
            Smugglers="-1",  # below the field's minimum
            Fee="12.345",  # more decimals than the field takes
            Country="Atlantis",  # the form's own country check, with its value as parameter
        ),
        good_row("LG-2", **{"Date detected": "32/13/2025"}),  # no date
        good_row("LG-3", Narrative="Contact the captain at captain.smith@example.org for details."),
        good_row("LG-3"),  # the same reference twice
        good_row("LG-4", Currency=""),  # the record's own check: a fee needs its currency
    ]
    with translation.override("en"):
        batch = upload(contributor, csv_bytes(rows))
        services.import_map_columns(
            batch=batch, user=contributor, column_mapping=batch.column_mapping, date_order="dmy", decimal=POINT,
            fixed_values={},
        )  # fmt: skip
        services.import_map_codes(batch=batch, user=contributor, code_mapping={"methods": {"BOAT": "fishing_boat"}})
        batch.refresh_from_db()
        services.import_check_start(batch=batch, user=contributor)
        return services.import_check(batch_id=batch.pk)


def _english_messages(batch) -> set[str]:
    found = {p["message"] for row in batch.rows.all() for p in row.errors}
    found |= {p["message"] for p in batch.problems}
    return found


def test_problems_and_notes_read_in_the_readers_language(client, contributor, focal_point):
    batch = _checked_in_english(contributor)
    english = _english_messages(batch)
    assert batch.rows_failed == 5
    # Each kind of problem is there, stored as the code writes it.
    for expected in (
        "Not a whole number.",
        "Below 0, the lowest this field takes.",
        "More than 2 decimals.",
        "Give the currency of the fee.",
        "Not a date that can be read",
        "This looks like personal data: an e-mail address",
        "This national reference is also on row",
        "Read as CSV, UTF-8",
    ):
        assert any(m.startswith(expected) for m in english), (expected, english)
    assert any("Atlantis" in m for m in english)
    stored = [p for row in batch.rows.all() for p in row.errors]
    assert all(p.get("parts") for p in stored)  # codes with their parameters, every one

    for language, marker in (("fr", "Lu comme"), ("ar", "")):
        type(focal_point).objects.filter(pk=focal_point.pk).update(language=language)
        client.force_login(focal_point)
        page = client.get(reverse("reporting:import-detail", args=[batch.pk])).content.decode()
        with translation.override(language):
            report = report_csv(batch).decode("utf-8-sig")
            workbook = report_workbook(batch)
        for text in (page, report):
            for message in english:
                # Every English text is said in the reader's language (the values it quotes aside).
                words = re.sub(r"“[^”]*”|\d+|[A-Z]{3}|Atlantis|LG-\d", "", message)
                assert words.strip(" .,:;()") == "" or message not in text, (language, message)
            for default in DJANGO_DEFAULTS:
                assert default not in text, (language, default)
        assert marker in page
        assert "Atlantis" in page  # the value the message quotes is kept as it was
        assert workbook[:2] == b"PK"
    # Arabic: the "Read as" note and the problems are in Arabic script.
    with translation.override("ar"):
        page = client.get(reverse("reporting:import-detail", args=[batch.pk])).content.decode()
    assert "Read as" not in page and "Not a whole number." not in page
    assert "Give the currency of the fee." not in page


def test_the_api_answers_problems_in_the_requests_language(contributor):
    ReciprocityPolicy.objects.get_or_create(version=1)
    batch = _checked_in_english(contributor)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token_for(contributor, scope=ApiToken.Scope.WRITE)}")
    english = api.get(f"/api/v1/imports/{batch.pk}/", HTTP_ACCEPT_LANGUAGE="en").json()
    french = api.get(f"/api/v1/imports/{batch.pk}/", HTTP_ACCEPT_LANGUAGE="fr").json()
    messages_en = [e["message"] for r in english["rows_with_problems"] for e in r["errors"]]
    messages_fr = [e["message"] for r in french["rows_with_problems"] for e in r["errors"]]
    assert any(m.startswith("Not a whole number.") for m in messages_en)
    assert len(messages_fr) == len(messages_en) and not set(messages_fr) & set(messages_en)
    assert any(m.startswith("Ce n'est pas un nombre entier.") for m in messages_fr)
    assert english["problems"][0]["message"].startswith("Read as")
    assert french["problems"][0]["message"].startswith("Lu comme")
    assert not any("parts" in e for r in french["rows_with_problems"] for e in r["errors"])


def test_a_date_in_the_future_is_said_in_the_readers_language(contributor):
    """The form's own hook (a lazy text) is stored by its code too."""
    from reporting.imports.messages import render

    future = a_day(months_ago=-3)
    with translation.override("en"):
        batch = upload(contributor, csv_bytes([good_row("LG-9", day=future)]))
    services.import_map_columns(
        batch=batch, user=contributor, column_mapping=batch.column_mapping, date_order="dmy", decimal=POINT,
        fixed_values={},
    )  # fmt: skip
    services.import_map_codes(batch=batch, user=contributor, code_mapping={"methods": {"BOAT": "fishing_boat"}})
    batch.refresh_from_db()
    with translation.override("fr"):  # whatever the language when it runs
        services.import_check_start(batch=batch, user=contributor)
        batch = services.import_check(batch_id=batch.pk)
    (problem,) = batch.rows.get().errors
    assert problem["parts"] == [["The detection date cannot be in the future.", {}]]
    with translation.override("fr"):
        assert render(problem) == "La date de détection ne peut pas être dans le futur."


def test_a_stopped_import_says_why_in_the_readers_language():
    """A stop with a parameter (the row) is stored as parts and read in each language; a stop
    without one is stored as the code's text, read through the catalogue."""
    from reporting.imports.messages import render_error, said, stored_error

    with translation.override("en"):
        stored = stored_error(
            said(
                "Row %(row)s no longer passes the checks (the records changed since the dry run), so nothing was "
                "imported. Check the file again.",
                row=17,
            )
        )
        assert render_error(stored).startswith("Row 17 no longer passes")
    with translation.override("fr"):
        french = render_error(stored)
    with translation.override("ar"):
        arabic = render_error(stored)
    assert "17" in french and "Row" not in french and french != arabic and "17" in arabic
    plain = stored_error(said("The import stopped on an unexpected error and was rolled back: nothing was imported."))
    assert not plain.startswith("[[")
    with translation.override("fr"):
        assert "import" in render_error(plain).lower() and "rolled back" not in render_error(plain)
    assert render_error("") == ""
