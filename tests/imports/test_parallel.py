"""The dry run on two cores (reporting/imports/parallel.py) finds exactly what one process finds:
the same outcome and the same problems for every row, the same staged records, and the same import."""

import os
from pathlib import Path

import pytest
from django.db import connection

from reporting.imports import parallel, services
from reporting.imports.validation import RowChecker
from reporting.models import ImportRow, Incident, IncidentDocument, PersonBreakdown
from tests.imports.conftest import upload
from tests.imports.files import HEADERS, good_row, xlsx_bytes

CODES = {"methods": {"BOAT": "fishing_boat"}}
BREAKDOWN_HEADERS = ["National reference", "Group", "Citizenship", "Sex", "Age group", "Count", "Unaccompanied"]


needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the helper process runs on PostgreSQL only (parallel.usable)"
)


def workbook() -> bytes:
    """Valid rows and every kind of problem, spread over chunks of both processes."""
    rows = [good_row(f"P-{i}", Migrants=str(10 + i)) for i in range(40)]
    rows[3]["Migrants"] = "lots"  # not a number
    rows[8]["Date detected"] = "31/02/2025"  # no such day
    rows[11]["Narrative"] = "The captain, born 12/03/1980, gave his email dana@example.org."  # personal data
    rows[17]["Case No"] = "P-2"  # the reference of an earlier row
    rows[25]["Currency"] = ""  # a fee with no currency
    rows[31]["Origin"] = "Atlantis"  # no such country
    breakdowns = [BREAKDOWN_HEADERS] + [
        [f"P-{i}", "migrant", "LKA", "male", "adult", 5 if i != 20 else 500, 0] for i in range(0, 40, 4)
    ]
    documents = [["National reference", "Document type", "Kind of fraud", "Issuing country", "Count"]] + [
        [f"P-{i}", "passport", "forged", "IDN", 1] for i in range(1, 40, 6)
    ]
    incidents = [HEADERS] + [list(row.values()) for row in rows]
    return xlsx_bytes({"Incidents": incidents, "Breakdowns": breakdowns, "Documents": documents})


def checked(user, data: bytes):
    """Upload, map and check; outside a test transaction the start runs the dry run at once
    (tasks run in-process, after commit)."""
    batch = upload(user, data, "book.xlsx")
    services.import_map_columns(
        batch=batch, user=user, column_mapping=batch.column_mapping, date_order=batch.date_order
    )
    services.import_map_codes(batch=batch, user=user, code_mapping=CODES)
    batch.refresh_from_db()
    services.import_check_start(batch=batch, user=user)
    batch.refresh_from_db()
    return batch


def helper_pids(monkeypatch) -> list[int]:
    """The pids of the helper processes started from now on, in a list that fills as they start."""
    pids = []
    real_init = parallel.Helper.__init__

    def counted(self, *args, **kwargs):
        real_init(self, *args, **kwargs)
        pids.append(self.pid)

    monkeypatch.setattr(parallel.Helper, "__init__", counted)
    return pids


def outcomes(batch) -> list[tuple]:
    return list(
        ImportRow.objects.filter(batch=batch).order_by("row_number").values_list("row_number", "outcome", "errors")
    )


@needs_postgresql
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_dry_run_on_two_cores_finds_what_one_process_finds(contributor, monkeypatch):
    monkeypatch.setattr(services, "CHUNK", 7)  # many chunks, each split between the processes
    data = workbook()

    monkeypatch.setattr(parallel, "PARALLEL_ROWS", 10**9)
    one = checked(contributor, data)

    helpers = helper_pids(monkeypatch)
    monkeypatch.setattr(parallel, "PARALLEL_ROWS", 1)
    two = checked(contributor, data)

    assert len(helpers) == 1  # the helper ran, and ended (waited for)
    assert (two.status, two.rows_valid, two.rows_failed) == (one.status, one.rows_valid, one.rows_failed)
    assert one.rows_failed >= 7 and one.rows_valid >= 30
    assert outcomes(two) == outcomes(one)
    assert two.problems == one.problems
    staged_one = Path(f"{one.file.path}.checked.json").read_text()
    staged_two = Path(f"{two.file.path}.checked.json").read_text()
    assert staged_two == staged_one and staged_one.count("P-0\n") == 1  # P-0 staged once, as a new record

    services.import_commit_start(batch=two, user=contributor, mode="valid_only")
    done = type(two).objects.get(pk=two.pk)
    assert (done.status, done.rows_imported) == ("done", one.rows_valid)
    assert Incident.objects.filter(national_reference__startswith="P-").count() == one.rows_valid
    assert PersonBreakdown.objects.filter(incident__national_reference="P-4").count() == 1
    assert IncidentDocument.objects.filter(incident__national_reference="P-7").count() == 1
    assert Incident.history.filter(national_reference__startswith="P-", history_type="+").count() == one.rows_valid


def test_no_helper_inside_a_transaction(contributor, monkeypatch):
    # A forked connection could not see the rows this transaction has not committed: one process.
    monkeypatch.setattr(parallel, "PARALLEL_ROWS", 1)
    assert not parallel.usable(10**6)


@needs_postgresql
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_failing_helper_fails_the_dry_run_and_is_waited_for(contributor, monkeypatch):
    """An error in the helper stops the dry run with its traceback; nothing is kept as checked and
    no helper process is left behind."""
    monkeypatch.setattr(services, "CHUNK", 7)
    monkeypatch.setattr(parallel, "PARALLEL_ROWS", 1)
    worker = os.getpid()
    real_check = RowChecker.check

    def failing(self, row, **kwargs):
        if os.getpid() != worker and row.number > 20:
            raise ZeroDivisionError("the helper's own failure")
        return real_check(self, row, **kwargs)

    monkeypatch.setattr(RowChecker, "check", failing)
    helpers = helper_pids(monkeypatch)
    batch = upload(contributor, workbook(), "book.xlsx")
    services.import_map_columns(
        batch=batch, user=contributor, column_mapping=batch.column_mapping, date_order=batch.date_order
    )
    with pytest.raises(RuntimeError, match="the helper's own failure"):
        services.import_check(batch_id=batch.pk)
    batch.refresh_from_db()
    assert batch.status == "failed" and not ImportRow.objects.filter(batch=batch).exists()
    assert len(helpers) == 1
    with pytest.raises(ChildProcessError):
        os.waitpid(helpers[0], os.WNOHANG)  # the helper is gone, and was waited for


def test_the_share_follows_both_paces():
    helper = parallel.Helper.__new__(parallel.Helper)  # its arithmetic only: no process
    helper.share = 0.62
    # Equal paces (1 ms a row) and 1 s of the worker's other work for 2,000 rows: 75% to the helper,
    # reached halfway from where it was.
    helper.share_next(
        helper_seconds=1.0, helper_rows=1000, own_seconds=1.0, own_rows=1000, other_seconds=1.0, rows=2000
    )
    assert helper.share == pytest.approx((0.62 + 0.75) / 2)
    for _ in range(20):  # a worker with nothing else to do and twice as fast: at least its bound
        helper.share_next(
            helper_seconds=2.0, helper_rows=1000, own_seconds=1.0, own_rows=1000, other_seconds=0.0, rows=2000
        )
    assert helper.share == pytest.approx(max(1 / 3, parallel.SHARE_RANGE[0]), abs=0.01)
    assert helper.split(list(range(10))) == (list(range(7)), list(range(7, 10)))
