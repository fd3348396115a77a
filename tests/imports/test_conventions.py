"""Numbers and dates as each file writes them: found from the file's own cells, confirmed on the
mapping page, never misread silently; and fields the file lacks given one value for every row."""

import pytest
from django.core.exceptions import ValidationError

from reporting.imports import services
from reporting.imports.conventions import COMMA, POINT, detect, parse_number
from reporting.models import ImportProfile, Incident
from tests.imports.conftest import run_import, upload
from tests.imports.files import HEADERS, csv_bytes, good_row

pytestmark = pytest.mark.django_db

NEEDED = ["Category", "Source", "Confidence", "Country", "Context", "Mode"]
LACKING = [h for h in HEADERS if h not in NEEDED]
FIXED = {
    "categories": "migrant_smuggling",
    "source": "official_record",
    "confidence": "high",
    "detection_country": "AUS",
    "detection_context": "at_sea",
    "modes": "sea",
}


@pytest.mark.parametrize(
    ("text", "whole", "decimal", "expected"),
    [
        ("1.234", True, COMMA, "1234"),  # dot thousands: one thousand two hundred and thirty-four
        ("1.234", False, COMMA, "1234"),
        ("1.234", False, POINT, "1.234"),  # a decimal point: never 1234
        ("1.234", True, POINT, "1.234"),  # left as it is: the form refuses it, nothing misread
        ("88.419", True, COMMA, "88419"),
        ("1.234.567,5", False, COMMA, "1234567.5"),
        ("12,5", False, COMMA, "12.5"),
        ("12,5", False, POINT, "12,5"),  # not a number written with a decimal point: refused
        ("1,234", True, POINT, "1234"),
        ("1 234", True, POINT, "1234"),
        ("1\u00a0234,50", False, COMMA, "1234.50"),
        ("1'234.5", False, POINT, "1234.5"),
        ("12.34.5", True, COMMA, "12.34.5"),  # broken groups: left for the form
        ("-3", True, POINT, "-3"),
    ],
)
def test_numbers_are_read_as_the_file_writes_them(text, whole, decimal, expected):
    assert parse_number(text, whole=whole, decimal=decimal) == expected


def test_conventions_are_found_from_the_cells():
    dot_thousands = detect([["A-1", "88.419", "1.234", "31/12/2025"], ["A-2", "12,5", "2", "01/02/2025"]])
    assert (dot_thousands["decimal"], dot_thousands["date_order"]) == (COMMA, "dmy")
    assert detect([["1.234.567"]])["decimal"] == COMMA
    assert detect([["1,234.50"], ["12/31/2025"]])["decimal"] == POINT
    assert detect([["12/31/2025"]])["date_order"] == "mdy"
    ambiguous = detect([["1.234", "04/03/2025"], ["5.678", "05/03/2025"]])
    assert (ambiguous["decimal"], ambiguous["either_example"], ambiguous["date_order"]) == ("", "1.234", "")
    assert detect([["12", "2025-03-04"]])["decimal"] == POINT  # whole numbers only: nothing to misread
    assert detect([["2025.001", "1.234"]], skip=[0])["decimal"] == ""  # a reference says nothing


def test_a_dot_thousands_file_imports_its_numbers_whole(contributor):
    rows = [good_row("DT-1", Migrants="1.234", Fee="1.500,50"), good_row("DT-2", Migrants="88", Fee="12,5")]
    batch = upload(contributor, csv_bytes(rows, delimiter=";"))
    assert batch.conventions["decimal"] == COMMA and not batch.conventions["ask_decimal"]
    services.import_map_columns(
        batch=batch, user=contributor, column_mapping=batch.column_mapping, date_order="dmy", decimal=COMMA,
        fixed_values={},
    )  # fmt: skip
    services.import_map_codes(batch=batch, user=contributor, code_mapping={"methods": {"BOAT": "fishing_boat"}})
    batch.refresh_from_db()
    services.import_check_start(batch=batch, user=contributor)
    batch = services.import_check(batch_id=batch.pk)
    assert batch.rows_failed == 0, list(batch.rows.values_list("errors", flat=True))
    run_import(batch, contributor)
    record = Incident.objects.get(national_reference="DT-1")
    assert record.migrants_total == 1234 and str(record.fee_per_person) == "1500.50"
    assert str(Incident.objects.get(national_reference="DT-2").fee_per_person) == "12.50"


def test_a_decimal_point_file_never_reads_1_234_as_a_thousand(contributor):
    rows = [good_row("DP-1", Migrants="1.234", Fee="2.5")]
    batch = upload(contributor, csv_bytes(rows))
    assert batch.conventions["decimal"] == POINT
    services.import_map_columns(
        batch=batch, user=contributor, column_mapping=batch.column_mapping, date_order="dmy", decimal=POINT,
        fixed_values={},
    )  # fmt: skip
    services.import_map_codes(batch=batch, user=contributor, code_mapping={"methods": {"BOAT": "fishing_boat"}})
    batch.refresh_from_db()
    services.import_check_start(batch=batch, user=contributor)
    batch = services.import_check(batch_id=batch.pk)
    (row,) = batch.rows.all()
    assert row.outcome == "invalid"
    assert [(p["column"], p["value"]) for p in row.errors] == [("Migrants", "1.234")]
    # In words about the file, not Django's "Enter a whole number."
    assert row.errors[0]["message"] == (
        "Not a whole number. This file's numbers are read as 1,234.5 (a point before the decimals); "
        "change that on the columns page if it writes 1.234,5."
    )


def test_no_django_default_text_reaches_the_focal_point(contributor):
    rows = [good_row("DJ-1", Migrants="-3", Fee="12.345", Vessel="rocket", Smugglers="lots")]
    batch = upload(contributor, csv_bytes(rows))
    services.import_map_columns(
        batch=batch, user=contributor, column_mapping=batch.column_mapping, date_order="dmy", decimal=POINT,
        fixed_values={},
    )  # fmt: skip
    services.import_check_start(batch=batch, user=contributor)
    batch = services.import_check(batch_id=batch.pk)
    said = {p["column"]: p["message"] for p in batch.rows.get().errors}
    assert said["Migrants"] == "Below 0, the lowest this field takes."
    assert said["Fee"].startswith("More than 2 decimals.")
    assert said["Vessel"] == "Not one of our codes for this field: choose its code on the codes page."
    assert said["Smugglers"].startswith("Not a whole number.")
    for text in said.values():
        assert not text.startswith(("Enter a", "Ensure", "Select a valid choice")), text


def test_an_ambiguous_file_is_asked_about(contributor):
    batch = upload(contributor, csv_bytes([good_row("AM-1", Migrants="1.234", Fee="")]))
    assert batch.conventions["decimal"] == "" and batch.conventions["ask_decimal"]
    with pytest.raises(ValidationError) as refused:
        services.import_map_columns(
            batch=batch, user=contributor, column_mapping=batch.column_mapping, date_order="dmy", decimal="",
            fixed_values={},
        )  # fmt: skip
    assert "Choose how numbers are written in your file." in refused.value.messages
    services.import_map_columns(
        batch=batch, user=contributor, column_mapping=batch.column_mapping, date_order="dmy", decimal=COMMA,
        fixed_values={},
    )  # fmt: skip
    assert ImportProfile.objects.get().conventions == {"decimal": COMMA}
    again = upload(contributor, csv_bytes([good_row("AM-2", Migrants="5.678", Fee="")]))
    assert again.conventions["decimal"] == COMMA and not again.conventions["ask_decimal"]  # as chosen before


def test_fields_the_file_lacks_are_asked_once_and_given_one_value_for_every_row(contributor):
    rows = [good_row("FX-1"), good_row("FX-2")]
    batch = upload(contributor, csv_bytes(rows, headers=LACKING))
    mapping = batch.column_mapping
    with pytest.raises(ValidationError) as refused:
        services.import_map_columns(
            batch=batch, user=contributor, column_mapping=mapping, date_order="dmy", fixed_values={}, decimal=POINT
        )
    messages = refused.value.messages
    assert len(messages) == 6 and all("is needed to submit every record and no column holds it" in m for m in messages)
    with pytest.raises(ValidationError, match=r"Source, the same for every row \(“rumour”\): Not one of our codes"):
        services.import_map_columns(
            batch=batch, user=contributor, column_mapping=mapping, date_order="dmy", decimal=POINT,
            fixed_values={"incidents": {**FIXED, "source": "rumour"}},
        )  # fmt: skip
    services.import_map_columns(
        batch=batch, user=contributor, column_mapping=mapping, date_order="dmy", decimal=POINT,
        fixed_values={"incidents": FIXED},
    )  # fmt: skip
    services.import_map_codes(batch=batch, user=contributor, code_mapping={"methods": {"BOAT": "fishing_boat"}})
    batch.refresh_from_db()
    services.import_check_start(batch=batch, user=contributor)
    batch = services.import_check(batch_id=batch.pk)
    assert (batch.rows_valid, batch.rows_failed) == (2, 0)
    run_import(batch, contributor)
    record = Incident.objects.get(national_reference="FX-2")
    assert (record.source, record.detection_context, record.modes) == ("official_record", "at_sea", ["sea"])
    # Remembered with the mapping: the next upload of the same export has them already.
    again = upload(contributor, csv_bytes([good_row("FX-3")], headers=LACKING))
    assert again.fixed_values == {"incidents": FIXED}


def test_a_problem_is_shown_in_the_readers_language(client, contributor, focal_point):
    """Stored with its parts (texts as written in the code, and parameters) by a check in English,
    a problem is rendered in the language of whoever reads the page or the report."""
    from django.urls import reverse
    from django.utils import translation

    from reporting.imports.template import report_csv

    batch = upload(contributor, csv_bytes([good_row("LG-1", Migrants="1.234", Smugglers="-1")]))
    services.import_map_columns(
        batch=batch, user=contributor, column_mapping=batch.column_mapping, date_order="dmy", decimal=POINT,
        fixed_values={},
    )  # fmt: skip
    services.import_check_start(batch=batch, user=contributor)
    with translation.override("en"):
        batch = services.import_check(batch_id=batch.pk)
    stored = {p["column"]: p for p in batch.rows.get().errors}
    assert stored["Migrants"]["parts"][0] == ["Not a whole number.", {}]
    assert stored["Smugglers"]["parts"] == [["Below %(limit)s, the lowest this field takes.", {"limit": "0"}]]
    type(focal_point).objects.filter(pk=focal_point.pk).update(language="fr")
    client.force_login(focal_point)
    page = client.get(reverse("reporting:import-detail", args=[batch.pk])).content.decode()
    assert "Ce n&#x27;est pas un nombre entier." in page and "Les nombres de ce fichier sont lus comme 1,234.5" in page
    assert "Inférieur à 0, le minimum de ce champ." in page
    assert "Not a whole number." not in page
    with translation.override("ar"):
        assert "ليس عدداً صحيحاً." in report_csv(batch).decode("utf-8-sig")
