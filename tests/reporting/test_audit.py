"""The audit trail's search (reporting/console/audit.py): the newest acts of every source, merged."""

import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import AuditEntry, Role
from accounts.services import audit_record, participation_step
from reporting.console.audit import KINDS, audit_search
from reporting.models import AccessEvent, GrantChange
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def history():
    """Acts of four sources, interleaved in time, one minute apart."""
    secretariat = factories.user(role=Role.SECRETARIAT)
    a, b = factories.participant(code="AAA"), factories.participant(code="BBB")
    reader = factories.user(role=Role.ANALYST, participant=a)
    start = timezone.now() - dt.timedelta(days=1)
    for i in range(40):
        at = start + dt.timedelta(minutes=i)
        match i % 4:
            case 0:
                AccessEvent.objects.create(user=reader, viewer=a, owner=b, record_count=i, via="list", at=at)
            case 1:
                GrantChange.objects.create(kind="granted", owner=b, viewer=a, policy_version=1, trigger=f"t{i}", at=at)
            case 2:
                AuditEntry.objects.filter(
                    pk=audit_record(actor=secretariat, action="exported", summary=f"x{i}").pk
                ).update(at=at)
            case 3:
                AuditEntry.objects.filter(
                    pk=audit_record(actor=secretariat, action="role_changed", summary=f"r{i}").pk
                ).update(at=at)
    participation_step(participant=b, step="suspend", changed_by=secretariat, reason="late")  # now: the newest
    return secretariat


def test_a_short_page_is_the_head_of_the_long_one(history):
    everything = audit_search(limit=1000)
    assert len(everything) > 40
    for limit in (1, 5, 13, 40):
        assert audit_search(limit=limit) == everything[:limit]
    assert everything[0].kind == "participation"
    assert [r.at for r in everything] == sorted((r.at for r in everything), reverse=True)


def test_filters_still_apply_with_a_short_page(history):
    page = audit_search(limit=7, kinds=["grants", "access"])
    assert len(page) == 7 and {r.kind for r in page} == {"grants", "access"}
    assert audit_search(limit=3, text="r3") == [r for r in audit_search(limit=1000) if "r3" in r.what][:3]


def test_two_queries_per_source(history, django_assert_max_num_queries):
    with django_assert_max_num_queries(2 * len(KINDS)):
        audit_search(limit=20)
