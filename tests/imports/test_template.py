"""The participant's own template, filled in as a user would and uploaded: every heading is
recognised, the dropdown values are accepted, and the records come in with their linked rows."""

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from reporting.imports.template import template_csv, template_workbook
from reporting.models import Incident
from tests.imports.conftest import run_check, run_import, upload
from tests.imports.files import a_day

pytestmark = pytest.mark.django_db


def test_a_filled_in_template_imports_without_any_mapping(contributor, owner, agency):
    workbook = load_workbook(io.BytesIO(template_workbook(owner)))
    incidents = workbook["Incidents"]
    headings = [c.value for c in incidents[1]]
    values = {
        "National reference": "TPL-1",
        "Detection date": dt.datetime.combine(a_day(), dt.time()),  # noqa: DTZ001 - a spreadsheet date
        "Conduct categories": "migrant_smuggling; document_fraud",
        "Financial or other material benefit": "yes",
        "Reporting agency": agency.name,
        "Source": "investigation",
        "Confidence": "high",
        "Detection country": "AUS",
        "Detection context": "at_sea",
        "Modes": "sea",
        "Conveyances and methods": "fishing_boat",
        "Country of origin": "LKA",
        "Transit countries": "IDN; TLS",
        "Intended destination": "AUS",
        "Migrants detected": 20,
        "Smugglers detected": 2,
        "Smuggler roles": "captain_crew",
        "Fee per person": 1500,
        "Currency": "USD",
    }
    incidents.append([values.get(h) for h in headings])
    workbook["Breakdowns"].append(["TPL-1", "migrant", "LKA", "male", "adult", 15, 0])
    workbook["Documents"].append(["TPL-1", "passport", "forged", "IDN", 2])
    buffer = io.BytesIO()
    workbook.save(buffer)
    batch = upload(contributor, buffer.getvalue(), "vrs-AUS-import-template.xlsx")
    assert all(batch.column_mapping["incidents"].values()), batch.column_mapping
    batch = run_check(batch, contributor)
    assert (batch.rows_valid, batch.rows_failed) == (1, 0), list(batch.rows.values_list("errors", flat=True))
    run_import(batch, contributor)
    record = Incident.objects.get(national_reference="TPL-1")
    assert record.agency == agency and record.categories == ["migrant_smuggling", "document_fraud"]
    assert record.breakdowns.get().count == 15 and record.documents.get().count == 2


def test_the_csv_template_headings_are_recognised(contributor):
    batch = upload(contributor, template_csv() + b"TPL-2,2025-01-05\r\n")
    assert all(batch.column_mapping["incidents"].values())
