"""The import services against the real database: idempotency by national reference, history,
back to review, every problem at once, bad files, nothing half-imported, remembered mappings."""

import pytest
from django.core.exceptions import ValidationError

from reporting.imports import services, writing
from reporting.models import ImportBatch, ImportRow, Incident, IncidentTransit, PersonBreakdown, ReturnOutbox
from tests import factories
from tests.imports.conftest import run_check, run_import, upload
from tests.imports.files import HEADERS, csv_bytes, good_row, xlsx_bytes

pytestmark = pytest.mark.django_db

CODES = {"methods": {"BOAT": "fishing_boat"}}


def problems_of(batch) -> dict[int, list[str]]:
    return {r.row_number: [p["message"] for p in r.errors] for r in batch.rows.exclude(errors=[])}


def imported(user, rows, **kwargs):
    batch = run_check(upload(user, csv_bytes(rows)), user, codes=CODES)
    return run_import(batch, user, **kwargs)


def test_reuploading_the_same_file_changes_nothing_and_never_duplicates(contributor):
    rows = [good_row("ID-1"), good_row("ID-2")]
    first = imported(contributor, rows)
    assert (first.status, first.rows_imported) == ("done", 2)
    versions = dict(Incident.objects.values_list("national_reference", "version"))
    second = run_check(upload(contributor, csv_bytes(rows)), contributor)
    assert (second.rows_valid, second.rows_unchanged) == (0, 2)
    assert Incident.objects.count() == 2
    assert dict(Incident.objects.values_list("national_reference", "version")) == versions


def test_a_corrected_file_makes_a_new_version_with_history(contributor):
    imported(contributor, [good_row("ID-1"), good_row("ID-2")])
    incident = Incident.objects.get(national_reference="ID-1")
    assert incident.history.count() == 1 and incident.history.first().history_type == "+"
    batch = imported(contributor, [good_row("ID-1", Migrants="25"), good_row("ID-2")])
    assert batch.rows_imported == 1 and batch.rows_unchanged == 1
    incident.refresh_from_db()
    assert (incident.migrants_total, incident.version) == (25, 2)
    assert [h.migrants_total for h in incident.history.order_by("history_date")] == [20, 25]
    assert "Import #" in incident.history.first().history_change_reason
    outcomes = dict(batch.rows.values_list("national_reference", "outcome"))
    assert outcomes == {"ID-1": "updated", "ID-2": "unchanged"}
    assert Incident.objects.count() == 2


def test_a_change_to_a_validated_record_sends_it_back_to_review(contributor, owner):
    record = factories.incident_for(owner, months_ago=2, submitted_return=False, national_reference="VAL-1")
    assert record.status == Incident.Status.VALIDATED
    batch = imported(contributor, [good_row("VAL-1", day=record.detection_date, Migrants="30")])
    assert batch.rows_imported == 1
    record.refresh_from_db()
    assert record.status == Incident.Status.SUBMITTED and record.migrants_total == 30
    assert ReturnOutbox.objects.filter(ret_id=record.ret_id).exists()  # its month's figures are rebuilt


def test_the_last_validated_record_of_a_submitted_return_is_not_taken_away(contributor, owner):
    record = factories.incident_for(owner, months_ago=2, submitted_return=True, national_reference="VAL-2")
    batch = run_check(
        upload(contributor, csv_bytes([good_row("VAL-2", day=record.detection_date, Migrants="31")])),
        contributor,
        codes=CODES,
    )
    assert batch.rows_failed == 1
    assert "reopen the return" in problems_of(batch)[2][0]


def test_every_problem_of_every_row_at_once(contributor):
    rows = [
        good_row("P-1"),
        good_row("P-2", **{"Date detected": "31/02/2025", "Migrants": "-3", "Mode": "rocket", "Country": "Atlantis"}),
        good_row("P-3", Smugglers="0", Narrative="Mr John Smith, passport N1234567, was the organiser."),
        good_row("P-1"),
        good_row("", Confidence=""),
    ]
    batch = run_check(upload(contributor, csv_bytes(rows)), contributor, codes=CODES)
    found = problems_of(batch)
    assert 2 in found and "also on row(s) 5" in found[2][0]
    assert any("Not a date that can be read" in m for m in found[3])
    assert any("Below 0, the lowest this field takes." in m for m in found[3])
    assert any("Not one of our codes for this field" in m for m in found[3])  # rocket
    assert any("“Atlantis” is not a country we know" in m for m in found[3])  # the form's own text
    assert any("personal data" in m for m in found[4])
    assert any("also on row 2" in m for m in found[5])
    assert any("Empty: this field needs a value." in m for m in found[6]) and any("confident" in m for m in found[6])
    assert batch.rows_valid == 0 and batch.rows_failed == 5
    row = batch.rows.get(row_number=3)
    columns = {p["column"] for p in row.errors}
    assert {"Date detected", "Migrants", "Mode", "Country"} <= columns
    assert {p["value"] for p in row.errors} >= {"31/02/2025", "-3", "rocket", "Atlantis"}
    with pytest.raises(ValidationError, match="nothing is imported"):
        services.import_commit_start(batch=batch, user=contributor, mode=ImportBatch.Mode.ALL_OR_NOTHING)


def test_valid_rows_only_skips_the_others_and_all_or_nothing_imports_nothing(contributor):
    rows = [good_row("V-1"), good_row("V-2", Migrants="many")]
    batch = run_check(upload(contributor, csv_bytes(rows)), contributor, codes=CODES)
    batch = run_import(batch, contributor, mode=ImportBatch.Mode.VALID_ONLY)
    assert dict(batch.rows.values_list("national_reference", "outcome")) == {"V-1": "created", "V-2": "skipped"}
    assert list(Incident.objects.values_list("national_reference", flat=True)) == ["V-1"]
    nothing = run_check(upload(contributor, csv_bytes([good_row("V-3"), good_row("V-4", Migrants="x")])), contributor)
    services.import_cancel(batch=nothing, user=contributor)
    assert not Incident.objects.filter(national_reference__in=["V-3", "V-4"]).exists()


def test_missing_needed_columns_and_a_column_mapped_twice_are_said_at_once(contributor):
    batch = upload(contributor, csv_bytes([good_row("M-1")]))
    mapping = {"incidents": {**batch.column_mapping["incidents"], "Case No": "", "Location": "detection_date"}}
    with pytest.raises(ValidationError) as error:
        services.import_map_columns(batch=batch, user=contributor, column_mapping=mapping, date_order="dmy")
    messages = " ".join(error.value.messages)
    assert "National reference" in messages and "Detection date" in messages


def test_extra_columns_are_ignored(contributor):
    headers = [*HEADERS, "Officer on duty", "Internal flag"]
    row = {**good_row("E-1"), "Officer on duty": "Sgt Example", "Internal flag": "Y"}
    batch = upload(contributor, csv_bytes([row], headers=headers))
    assert batch.column_mapping["incidents"]["Officer on duty"] == ""
    batch = run_import(run_check(batch, contributor, codes=CODES), contributor)
    assert batch.rows_imported == 1


def test_breakdowns_and_documents_from_the_workbook_linked_by_reference(contributor):
    incidents = [HEADERS, list(good_row("B-1").values()), list(good_row("B-2", Migrants="2").values())]
    breakdowns = [
        ["National reference", "Group", "Citizenship", "Sex", "Age group", "Count", "Unaccompanied"],
        ["B-1", "migrant", "Sri Lankan", "male", "adult", 12, 0],
        ["B-1", "migrant", "LKA", "female", "minor", 3, 2],
        ["B-2", "migrant", "LKA", "male", "adult", 5, 0],  # more than B-2's 2 migrants
        ["B-9", "migrant", "LKA", "male", "adult", 1, 0],  # no such incident row
    ]
    documents = [["National reference", "Document type", "Kind of fraud", "Issuing country", "Count"],
                 ["B-1", "passport", "forged", "IDN", 2]]  # fmt: skip
    data = xlsx_bytes({"Incidents": incidents, "Breakdowns": breakdowns, "Documents": documents})
    batch = run_check(upload(contributor, data, "book.xlsx"), contributor, codes=CODES)
    found = problems_of(batch)
    assert list(found) == [3] and "more than the total of 2" in found[3][0]
    assert any("No row of the incidents sheet" in p["message"] for p in batch.problems)
    batch = run_import(batch, contributor)
    incident = Incident.objects.get(national_reference="B-1")
    assert sorted(incident.breakdowns.values_list("citizenship", "sex", "count")) == [
        ("LKA", "female", 3),
        ("LKA", "male", 12),
    ]
    assert list(incident.documents.values_list("document_type", "count")) == [("passport", 2)]
    assert list(incident.transits.order_by("sequence").values_list("country", flat=True)) == ["IDN", "TLS"]


def test_a_corrected_workbook_replaces_changed_linked_rows_only_with_history(contributor):
    def book(count: int, migrants: str) -> bytes:
        incidents = [HEADERS, list(good_row("U-1").values()), list(good_row("U-2", Migrants=migrants).values())]
        breakdowns = [
            ["National reference", "Group", "Citizenship", "Sex", "Age group", "Count"],
            ["U-1", "migrant", "LKA", "male", "adult", 12],
            ["U-2", "migrant", "LKA", "female", "adult", count],
        ]
        return xlsx_bytes({"Incidents": incidents, "Breakdowns": breakdowns})

    first = run_import(run_check(upload(contributor, book(4, "20"), "a.xlsx"), contributor, codes=CODES), contributor)
    assert first.rows_imported == 2
    one, two = Incident.objects.get(national_reference="U-1"), Incident.objects.get(national_reference="U-2")
    kept, replaced = one.breakdowns.get(), two.breakdowns.get()
    second = run_import(run_check(upload(contributor, book(6, "30"), "b.xlsx"), contributor), contributor)
    assert (second.rows_imported, second.rows_unchanged) == (1, 1)
    two.refresh_from_db()
    assert (two.version, two.migrants_total, two.status) == (2, 30, Incident.Status.SUBMITTED)
    assert [(h.history_type, h.migrants_total) for h in two.history.order_by("history_date")] == [("+", 20), ("~", 30)]
    assert two.history.first().history_user == contributor and "Import #" in two.history.first().history_change_reason
    assert list(two.breakdowns.values_list("count", flat=True)) == [6]
    assert not PersonBreakdown.objects.filter(pk=replaced.pk).exists()
    assert PersonBreakdown.history.filter(id=replaced.pk, history_type="-").exists()
    assert one.breakdowns.get().pk == kept.pk  # an unchanged record keeps its rows
    transits = two.transits.order_by("sequence")
    assert list(transits.values_list("country", flat=True)) == ["IDN", "TLS"]
    assert IncidentTransit.history.filter(incident_id=two.pk, history_type="-").count() == 0  # unchanged list kept


def test_mappings_are_remembered_for_the_next_upload(contributor):
    batch = upload(contributor, csv_bytes([good_row("R-1")]))
    mapping = {"incidents": {**batch.column_mapping["incidents"], "Location": ""}}
    services.import_map_columns(batch=batch, user=contributor, column_mapping=mapping, date_order="mdy")
    services.import_map_codes(batch=batch, user=contributor, code_mapping=CODES)
    again = upload(contributor, csv_bytes([good_row("R-2")]))
    assert again.column_mapping["incidents"]["Location"] == "" and again.date_order == "mdy"
    services.import_map_columns(batch=again, user=contributor, column_mapping=again.column_mapping, date_order="dmy")
    assert services.import_unresolved(batch=again) == {}


def test_nothing_is_half_imported_when_the_import_fails(contributor, monkeypatch):
    # New records are written from what the dry run staged, then the rows' outcomes: a failure
    # after the records and their history are written leaves none of them.
    batch = run_check(upload(contributor, csv_bytes([good_row(f"H-{i}") for i in range(5)])), contributor, codes=CODES)
    real = services._rows_write

    def failing(batch_id, outcomes, **kwargs):
        assert Incident.objects.filter(national_reference__startswith="H-").count() == 5  # written, not committed
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "_rows_write", failing)
    with pytest.raises(RuntimeError):
        run_import(batch, contributor)
    monkeypatch.setattr(services, "_rows_write", real)
    batch.refresh_from_db()
    assert batch.status == "failed" and "rolled back" in batch.error
    assert not Incident.objects.filter(national_reference__startswith="H-").exists()
    assert not Incident.history.filter(national_reference__startswith="H-").exists()
    assert ImportRow.objects.filter(batch=batch, outcome="created").count() == 0


def test_nothing_is_half_imported_when_a_change_fails(contributor, monkeypatch):
    # Rows checked again at import (here: changes of existing records), written chunk by chunk.
    monkeypatch.setattr(services, "CHUNK", 2)
    first = run_check(upload(contributor, csv_bytes([good_row(f"H-{i}") for i in range(5)])), contributor, codes=CODES)
    run_import(first, contributor)
    rows = [good_row(f"H-{i}") | {"Migrants": "77"} for i in range(5)] + [good_row(f"H-new-{i}") for i in range(3)]
    batch = run_check(upload(contributor, csv_bytes(rows)), contributor, codes=CODES)
    calls = []
    real = writing.records_update

    def failing(**kwargs):
        if kwargs["updates"]:
            calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return real(**kwargs)

    monkeypatch.setattr(services, "records_update", failing)
    with pytest.raises(RuntimeError):
        run_import(batch, contributor)
    batch.refresh_from_db()
    assert batch.status == "failed" and "rolled back" in batch.error
    assert calls == [1, 1]
    assert set(
        Incident.objects.filter(national_reference__startswith="H-").values_list("migrants_total", flat=True)
    ) != {77}
    assert not Incident.objects.filter(national_reference__startswith="H-new-").exists()
    assert Incident.objects.filter(national_reference__startswith="H-", version=1).count() == 5


def test_bad_files_are_refused_at_upload_and_nothing_is_kept(contributor):
    cases = {
        "empty.csv": b"",
        "header-only.csv": b"Case No,Date detected\r\n",
        "scan.pdf": b"%PDF-1.4\n...",
        "cut.xlsx": xlsx_bytes({"Incidents": [HEADERS, list(good_row("X").values())]})[:600],
    }
    for name, data in cases.items():
        with pytest.raises(ValidationError):
            upload(contributor, data, name)
    assert not ImportBatch.objects.exists()


def test_an_analyst_cannot_import(owner):
    from django.core.exceptions import PermissionDenied

    from accounts.models import Role

    analyst = factories.user(role=Role.ANALYST, participant=owner)
    with pytest.raises(PermissionDenied):
        upload(analyst, csv_bytes([good_row("A-1")]))


def test_records_changed_between_the_dry_run_and_the_import_are_checked_again(contributor, owner):
    from django.db.models import F

    imported(contributor, [good_row("CH-1")])
    batch = run_check(
        upload(contributor, csv_bytes([good_row("CH-1", Migrants="21"), good_row("CH-2")])), contributor, codes=CODES
    )
    # Meanwhile someone edits CH-1 and someone enters CH-2 by hand.
    Incident.objects.filter(national_reference="CH-1").update(version=F("version") + 1, migrants_total=50)
    by_hand = factories.incident_for(owner, months_ago=2, national_reference="CH-2", status=Incident.Status.DRAFT)
    batch = run_import(batch, contributor)
    assert dict(batch.rows.values_list("national_reference", "outcome")) == {"CH-1": "updated", "CH-2": "updated"}
    assert Incident.objects.get(national_reference="CH-1").migrants_total == 21
    assert Incident.objects.filter(national_reference="CH-2").count() == 1  # never a duplicate
    by_hand.refresh_from_db()
    assert by_hand.status == Incident.Status.SUBMITTED and by_hand.version == 2


def test_finished_imports_files_are_deleted_after_the_retention_and_the_batch_stays(contributor):
    import datetime as dt
    from pathlib import Path

    from django.utils import timezone

    done = imported(contributor, [good_row("KEEP-1"), good_row("KEEP-2")])
    pending = run_check(upload(contributor, csv_bytes([good_row("KEEP-3")])), contributor, codes=CODES)
    done_path, pending_path = Path(done.file.path), Path(pending.file.path)
    assert done_path.exists() and not Path(f"{done_path}.checked.json").exists()  # staged rows gone once written
    ImportBatch.objects.update(created_at=timezone.now() - dt.timedelta(days=31))

    assert services.import_files_expire(days=60) == 0 and done_path.exists()
    assert services.import_files_expire(days=30) == 1
    done.refresh_from_db()
    assert not done_path.exists() and not done.file
    assert (done.status, done.rows_imported, done.rows.count()) == ("done", 2, 2)  # the batch and outcomes stay
    assert pending_path.exists()  # a checked batch waiting for its import keeps its file
    assert Incident.objects.filter(national_reference__startswith="KEEP-").count() == 2


def zip_of(files: dict[str, bytes]) -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_breakdown_and_document_csvs_come_together_in_a_zip(contributor):
    import csv
    import io

    def table(rows: list[list]) -> bytes:
        buffer = io.StringIO()
        csv.writer(buffer, delimiter=";").writerows(rows)
        return buffer.getvalue().encode("cp1252")

    data = zip_of(
        {
            "export/Incidents.csv": csv_bytes([good_row("Z-1"), good_row("Z-2", Migrants="2")]),
            "export/breakdowns.csv": table(
                [
                    ["National reference", "Group", "Citizenship", "Sex", "Age group", "Count"],
                    ["Z-1", "migrant", "Sri Lankan", "male", "adult", 12],
                    ["Z-2", "migrant", "LKA", "male", "adult", 5],  # more than Z-2's 2 migrants
                ]
            ),
            "export/documents.csv": table(
                [
                    ["National reference", "Document type", "Kind of fraud", "Issuing country", "Count"],
                    ["Z-1", "passport", "forged", "IDN", 2],
                ]
            ),  # fmt: skip
        }
    )
    batch = upload(contributor, data, "export.zip")
    assert batch.file_format == "zip" and set(batch.headers) == {"incidents", "breakdowns", "documents"}
    assert "Incidents.csv (incidents)" in batch.problems[0]["message"]
    batch = run_check(batch, contributor, codes=CODES)
    found = problems_of(batch)
    assert list(found) == [3] and "more than the total of 2" in found[3][0]
    run_import(batch, contributor)
    incident = Incident.objects.get(national_reference="Z-1")
    assert list(incident.breakdowns.values_list("citizenship", "count")) == [("LKA", 12)]
    assert list(incident.documents.values_list("document_type", "count")) == [("passport", 2)]
    assert not Incident.objects.filter(national_reference="Z-2").exists()


@pytest.mark.parametrize(
    ("files", "words"),
    [
        ({"notes.txt.pdf": b"%PDF"}, "holds no CSV file"),
        ({"incidents.csv": b"a,b\n1,2\n", "people list.csv": b"a\n1\n"}, "“people list.csv” is not one of them"),
        ({"cases.csv": b"a\n1\n", "records.csv": b"a\n1\n"}, "is not one of them"),
    ],
)
def test_a_zip_without_named_csv_files_is_refused_with_a_reason(contributor, files, words):
    with pytest.raises(ValidationError) as refused:
        upload(contributor, zip_of(files), "export.zip")
    assert words in " ".join(refused.value.messages)
    assert not ImportBatch.objects.exists()


def test_a_zip_is_held_to_the_size_limit_once_unpacked(contributor, settings):
    settings.IMPORT_MAX_BYTES = 64 * 1024
    big = csv_bytes([good_row(f"BIG-{i}") for i in range(600)])  # 124 KB of CSV, a few kB zipped
    assert len(big) > settings.IMPORT_MAX_BYTES
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("incidents.csv", big)
    assert len(buffer.getvalue()) < settings.IMPORT_MAX_BYTES
    with pytest.raises(ValidationError, match="it expands to 124 KB, over the 64 KB limit"):
        upload(contributor, buffer.getvalue(), "big.zip")
    assert not ImportBatch.objects.exists()
