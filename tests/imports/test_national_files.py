"""Three national exports as they come (tests/imports/national.py) import over the pages with only
the choices a focal point makes on the mapping page: the columns as suggested, one value for every
row of the fields the file lacks, and the number and date conventions as found."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from reporting.models import ImportBatch, Incident
from tests.imports import national

pytestmark = pytest.mark.django_db


def through_the_pages(
    client, user, name: str, data: bytes, capture, *, fixed=None, codes=None, asked: dict | None = None
) -> ImportBatch:
    """`asked`: the answers to what the page asks ({"date_order": "dmy"}); anything else asked fails."""
    client.force_login(user)
    response = client.post(reverse("reporting:import-list"), {"file": SimpleUploadedFile(name, data)})
    assert response.status_code == 302, response.content.decode()[-2000:]
    batch = ImportBatch.objects.latest("pk")
    page = client.get(reverse("reporting:import-detail", args=[batch.pk])).content.decode()
    assert 'id="fixed-values"' in page and 'id="conventions"' in page
    # What the page has chosen already (selected options, checked radio), plus the focal point's values.
    form = {
        f"{sheet}-{i}": batch.column_mapping[sheet][header]
        for sheet, headers in batch.headers.items()
        for i, header in enumerate(headers)
    }
    asked = asked or {}
    assert batch.conventions["ask_decimal"] == ("decimal" in asked)
    assert batch.conventions["ask_date"] == ("date_order" in asked)
    assert ('id="ask-date"' in page) == ("date_order" in asked)
    assert ('id="ask-decimal"' in page) == ("decimal" in asked)
    form["decimal"] = asked.get("decimal", batch.conventions["decimal"])
    form["date_order"] = asked.get("date_order", batch.date_order)
    for field, value in (fixed or {}).items():
        form[f"fixed-{field}"] = value
    response = client.post(reverse("reporting:import-columns", args=[batch.pk]), form)
    assert response.status_code == 302, response.content.decode()[-3000:]
    codes_page = client.get(reverse("reporting:import-codes", args=[batch.pk]))
    assert codes_page.status_code == 200
    with capture(execute=True):
        client.post(reverse("reporting:import-codes", args=[batch.pk]), codes or {})
    batch.refresh_from_db()
    assert batch.status == "checked", batch.error
    assert batch.rows_failed == 0, list(batch.rows.values_list("errors", flat=True))
    with capture(execute=True):
        client.post(reverse("reporting:import-commit", args=[batch.pk]), {"mode": "all_or_nothing"})
    batch.refresh_from_db()
    assert batch.status == "done"
    return batch


def test_a_csv_with_its_own_headings_and_day_first_dates(client, contributor, django_capture_on_commit_callbacks):
    batch = through_the_pages(
        client, contributor, "mbc-export.csv", national.own_headings_csv(), django_capture_on_commit_callbacks,
        fixed=national.FIXED,
    )  # fmt: skip
    assert batch.column_mapping["incidents"] == {
        "Incident No": "national_reference", "Interception Date": "detection_date", "Location": "detection_place",
        "POB": "migrants_total", "Crew": "smugglers_total", "Nationality (majority)": "origin_country",
        "Vessel Type": "methods", "Destination": "destination_country", "Remarks": "narrative",
    }  # fmt: skip
    assert batch.date_order == "dmy" and batch.rows_imported == 6
    record = Incident.objects.get(national_reference="MBC-005")
    assert (record.migrants_total, record.smugglers_total, record.origin_country) == (25, 2, "LKA")
    assert record.detection_date.day == 18 and record.methods == ["fishing_boat"]
    assert (record.source, record.modes, record.detection_country) == ("official_record", ["sea"], "AUS")


def test_a_french_semicolon_csv_with_dot_thousands(client, contributor, django_capture_on_commit_callbacks):
    batch = through_the_pages(
        client, contributor, "dgpn.csv", national.french_semicolon_csv(), django_capture_on_commit_callbacks,
        fixed=national.FIXED, asked={"date_order": "dmy"},  # every date has its day under 13: asked
    )  # fmt: skip
    assert batch.conventions["decimal"] == ","
    assert batch.rows_imported == 3
    first = Incident.objects.get(national_reference="DGPN-000")
    assert first.migrants_total == 1234 and str(first.fee_per_person) == "1500.00"
    assert (first.origin_country, first.destination_country, first.fee_currency) == ("IDN", "AUS", "EUR")
    assert str(Incident.objects.get(national_reference="DGPN-001").fee_per_person) == "12000.50"
    assert Incident.objects.get(national_reference="DGPN-002").migrants_total == 1050


def test_a_workbook_with_titles_serial_dates_and_a_formula_column(
    client, contributor, django_capture_on_commit_callbacks
):
    batch = through_the_pages(
        client, contributor, "mha.xlsx", national.titled_workbook(), django_capture_on_commit_callbacks,
        fixed=national.FIXED,
    )  # fmt: skip
    assert batch.headers["incidents"][:6] == ["Case Ref", "Interception Date", "Vessel Type", "POB", "Crew", "Total"]
    assert batch.column_mapping["incidents"]["Total"] == ""  # the formula column, ignored
    assert batch.rows_total == national.WORKBOOK_ROWS and batch.rows_imported == national.WORKBOOK_ROWS
    assert not [p for p in batch.problems if "formula" in p["message"]]  # its values were saved
    record = Incident.objects.get(national_reference="MHA-004")
    assert record.migrants_total == 34 and record.origin_country == "AFG"
    assert record.detection_date == national.a_day(2, 6)
    assert record.narrative == "Wooden vessel escorted to port."  # from the hidden column
