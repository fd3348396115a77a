import pytest

from reporting.models import ImportRow, Incident
from tests.imports.conftest import run_check, run_import, upload
from tests.imports.files import csv_bytes, good_row

pytestmark = pytest.mark.django_db


def test_smoke(contributor):
    batch = upload(contributor, csv_bytes([good_row("A-1"), good_row("A-2", Migrants="x")]))
    print(batch.column_mapping, batch.problems)
    batch = run_check(batch, contributor, codes={"methods": {"BOAT": "fishing_boat"}})
    for r in ImportRow.objects.filter(batch=batch):
        print(r.row_number, r.outcome, r.errors)
    print(batch.status, batch.error, batch.rows_valid, batch.rows_failed)
    batch = run_import(batch, contributor)
    print(batch.status, batch.error, batch.rows_imported)
    print(list(Incident.objects.values_list("national_reference", "status", "fee_per_person", "methods")))
    assert Incident.objects.count() == 1
