"""Coverage grid, timeliness and access at risk (reporting/compliance.py)."""

import datetime as dt
import io

import pytest
import time_machine
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import Participant
from reporting import compliance
from reporting.models import Return
from tests import factories

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 6, 20)


def _submitted(participant, month, *, on: dt.date, nil: bool = False):
    ret, _ = Return.objects.get_or_create(participant=participant, month=month)
    ret.status, ret.is_nil = Return.Status.SUBMITTED, nil
    ret.submitted_at = timezone.make_aware(dt.datetime.combine(on, dt.time(12)))
    ret.save()
    return ret


@time_machine.travel(dt.datetime(2026, 6, 20, 12, tzinfo=dt.UTC), tick=False)
def test_grid_states_and_timeliness():
    p = factories.participant(joined_on=dt.date(2025, 1, 10))
    months = compliance.coverage_months(on=TODAY, count=5)
    assert months == [dt.date(2026, m, 1) for m in (1, 2, 3, 4, 5)]
    _submitted(p, dt.date(2026, 1, 1), on=dt.date(2026, 2, 10))  # on time (due 15 Feb)
    _submitted(p, dt.date(2026, 2, 1), on=dt.date(2026, 3, 25), nil=True)  # 10 days late
    Return.objects.create(participant=p, month=dt.date(2026, 3, 1))  # open, past due → missing
    # April: nothing at all → missing; May: due 15 June, not submitted → missing (today is the 20th)
    [row] = compliance.coverage_grid(months=months, participants=[p], on=TODAY)
    assert [(c.state, c.late, c.days_late) for c in row.cells] == [
        ("data", False, 0),
        ("nil", True, 10),
        ("missing", True, 66),
        ("missing", True, 36),
        ("missing", True, 5),
    ]
    assert (row.due, row.on_time, row.submitted_late, row.missing) == (5, 1, 1, 3)
    assert row.timeliness == pytest.approx(0.2)
    assert row.median_days_late == 10


@time_machine.travel(dt.datetime(2026, 6, 10, 12, tzinfo=dt.UTC), tick=False)
def test_not_yet_due_and_before_joining():
    p = factories.participant(joined_on=dt.date(2026, 5, 3))
    months = compliance.coverage_months(on=dt.date(2026, 6, 10), count=2)
    [row] = compliance.coverage_grid(months=months, participants=[p], on=dt.date(2026, 6, 10))
    assert [c.state for c in row.cells] == ["none", "open"]
    assert row.timeliness is None


def test_grid_takes_two_queries(django_assert_num_queries):
    for _ in range(4):
        factories.participant()
    months = compliance.coverage_months(on=timezone.localdate(), count=12)
    with django_assert_num_queries(2):
        rows = compliance.coverage_grid(months=months)
    assert len(rows) == 4


@time_machine.travel(dt.datetime(2026, 6, 20, 12, tzinfo=dt.UTC), tick=False)
def test_access_at_risk_names_who_and_why():
    # Window on 20 June 2026 (policy 3 of 6): Dec 2025 – May 2026.
    soon = factories.participant(joined_on=dt.date(2020, 1, 1))
    for month in (12, 1, 2):
        _submitted(soon, dt.date(2026 if month < 12 else 2025, month, 1), on=dt.date(2026, 3, 1))
    safe = factories.participant(joined_on=dt.date(2020, 1, 1))
    for month in (3, 4, 5):
        _submitted(safe, dt.date(2026, month, 1), on=dt.date(2026, 6, 1))
    lapsed = factories.participant(joined_on=dt.date(2020, 1, 1))
    factories.participant(status=Participant.Status.SUSPENDED)
    risks = compliance.access_at_risk(on=TODAY, within_days=45)
    by_code = {r.participant.code: r for r in risks}
    assert set(by_code) == {soon.code, lapsed.code}
    # Dec 2025 is the 3rd most recent: it leaves the window at the end of June 2026.
    assert by_code[soon.code].standing.holds_until == dt.date(2026, 6, 30)
    assert by_code[soon.code].days_left == 10
    assert "March 2026" in by_code[soon.code].why
    assert by_code[lapsed.code].days_left is None and "Not contributing" in by_code[lapsed.code].why
    assert risks[0].participant == soon


@time_machine.travel(dt.datetime(2026, 6, 20, 12, tzinfo=dt.UTC), tick=False)
def test_exports_hold_the_same_table():
    p = factories.participant(joined_on=dt.date(2025, 1, 10), code="FJI")
    _submitted(p, dt.date(2026, 5, 1), on=dt.date(2026, 6, 2))
    months = compliance.coverage_months(on=TODAY, count=2)
    rows = compliance.coverage_grid(months=months, on=TODAY)
    text = compliance.coverage_csv(rows=rows, months=months)
    assert text.splitlines()[1].startswith("FJI,Participant FJI,Active,missing,data,2,1,0,1,50")
    sheet = load_workbook(io.BytesIO(compliance.coverage_xlsx(rows=rows, months=months))).active
    assert [c.value for c in sheet[2]][:5] == ["FJI", "Participant FJI", "Active", "missing", "data"]
