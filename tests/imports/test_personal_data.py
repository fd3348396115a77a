"""Imports refuse personal data with the one screening, and keep no trace of it in their outcome."""

import pytest

from reporting.models import Incident
from tests.imports.conftest import run_check, run_import, upload
from tests.imports.files import csv_bytes, good_row

pytestmark = pytest.mark.django_db

CODES = {"methods": {"BOAT": "fishing_boat"}}
MRZ = "P<LKAPERERA<<KAMAL<<<<<<<<<<<<<<<<<<<<<<<<<<"


def test_a_machine_readable_line_is_refused_and_not_kept_in_the_outcome(contributor):
    rows = [
        good_row("MRZ-1", Narrative=f"Data page photo: {MRZ}"),
        good_row("MRZ-2", Narrative="P<LKAPERERA<<KAMAL<<<"),
        good_row("MRZ-3"),
    ]
    batch = run_check(upload(contributor, csv_bytes(rows)), contributor, codes=CODES)
    assert (batch.rows_valid, batch.rows_failed) == (1, 2)
    for number in (2, 3):
        (problem,) = batch.rows.get(row_number=number).errors
        assert problem["message"].startswith("This looks like personal data: a passport machine-readable line")
        assert problem["value"] == "" and "PERERA" not in str(problem)
    batch = run_import(batch, contributor)
    assert list(Incident.objects.values_list("national_reference", flat=True)) == ["MRZ-3"]
    assert not Incident.history.filter(narrative__contains="PERERA").exists()
