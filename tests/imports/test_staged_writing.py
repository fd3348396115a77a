"""The staged new records the import writes (writing.StagedRecords): each record, linked row and "+"
version as the form would leave them, each row's outcome and record, and a reference that a record took
since the dry run (even one with a character COPY escapes) checked again, never duplicated."""

import pytest
from django.db import connection

from reporting.models import Incident, IncidentTransit
from tests import factories
from tests.imports.conftest import run_check, run_import, upload
from tests.imports.files import csv_bytes, good_row

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="staging is PostgreSQL's")

CODES = {"methods": {"BOAT": "fishing_boat"}}


def test_each_staged_record_and_linked_row_has_its_first_version_and_its_row_outcome(contributor):
    batch = run_check(upload(contributor, csv_bytes([good_row("S-1"), good_row("S-2")])), contributor, codes=CODES)
    batch = run_import(batch, contributor)
    rows = dict(batch.rows.values_list("national_reference", "incident_id"))
    assert set(batch.rows.values_list("outcome", flat=True)) == {"created"}
    for reference, pk in rows.items():
        record = Incident.objects.get(pk=pk)
        assert record.national_reference == reference and record.ret.participant_id == record.participant_id
        (version,) = record.history.all()
        assert (version.history_type, version.history_user_id) == ("+", contributor.pk)
        assert f"#{batch.pk}" in version.history_change_reason
        assert version.updated_at == record.updated_at and version.migrants_total == record.migrants_total
        transits = list(record.transits.order_by("sequence").values_list("id", "country"))
        assert transits
        versions = IncidentTransit.history.model.objects.filter(incident_id=pk).order_by("sequence")
        kept = list(versions.values_list("id", "country", "history_type", "history_user_id"))
        assert kept == [(row, country, "+", contributor.pk) for row, country in transits]


@pytest.mark.parametrize("reference", ["TAKEN\\1", "TAKEN 2"])
def test_a_reference_taken_since_the_dry_run_is_checked_again_not_duplicated(contributor, owner, reference):
    batch = run_check(
        upload(contributor, csv_bytes([good_row(reference), good_row("NEW-1")])), contributor, codes=CODES
    )
    by_hand = factories.incident_for(owner, months_ago=2, national_reference=reference, status="draft")
    batch = run_import(batch, contributor)
    assert dict(batch.rows.values_list("national_reference", "outcome")) == {reference: "updated", "NEW-1": "created"}
    assert Incident.objects.filter(participant=owner, national_reference=reference).count() == 1
    by_hand.refresh_from_db()
    assert by_hand.version == 2


def test_an_import_completes_with_debug_on(contributor, settings):
    """With DEBUG on (the README's real-worker set-up) Django wraps the cursor in its
    CursorDebugWrapper, whose copy_expert() takes no keyword arguments: the staged COPY once
    failed there and rolled every import back."""
    settings.DEBUG = True
    assert connection.cursor().__class__.__name__ == "CursorDebugWrapper"
    batch = run_check(upload(contributor, csv_bytes([good_row("DBG-1"), good_row("DBG-2")])), contributor, codes=CODES)
    batch = run_import(batch, contributor)
    assert (batch.status, batch.rows_imported) == ("done", 2)
    assert set(Incident.objects.values_list("national_reference", flat=True)) == {"DBG-1", "DBG-2"}
