"""The drill-down list ends at the records and exports them (issue 16, item 5): links to each record
page; CSV (streamed) and XLSX of the records the viewer may read, labels beside codes, safe for
spreadsheets, logged in the access log and the audit trail."""

import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import AuditEntry, Role
from analytics.services import facts_rebuild_all
from reporting import codes
from reporting.models import AccessEvent
from reporting.reciprocity import reciprocity_sync
from tests import factories

pytestmark = pytest.mark.django_db

MONTH = factories.months_back(2)


def contributing():
    owner = factories.participant()
    for n in range(1, 7):
        factories.return_for(owner, factories.months_back(n), submitted=True, nil=False)
    return owner


def record(owner, **fields):
    fields.setdefault("detection_date", MONTH + dt.timedelta(days=2))
    return factories.IncidentFactory(participant=owner, **fields)


@pytest.fixture
def region():
    viewer, other = contributing(), contributing()
    mine = record(viewer, narrative='=HYPERLINK("http://x")', modes=[codes.Mode.SEA])
    shared = record(other, modes=[codes.Mode.LAND], origin_country="LKA")
    hidden = record(other, sharing_level=codes.SharingLevel.AGGREGATE_ONLY)
    lapsed = factories.participant()
    reciprocity_sync(trigger="test")
    facts_rebuild_all()
    return viewer, other, lapsed, mine, shared, hidden


def test_every_reference_links_to_its_record_page(client, region):
    viewer, _other, _lapsed, mine, shared, _hidden = region
    client.force_login(factories.user(role=Role.ANALYST, participant=viewer))
    page = client.get(reverse("analytics:records")).content.decode()
    for r in (mine, shared):
        assert reverse("reporting:incident-detail", args=[r.pk]) in page


def test_the_drill_down_exports_the_readable_records_streamed_labelled_safe_and_logged(client, region):
    viewer, other, _lapsed, mine, shared, hidden = region
    analyst = factories.user(role=Role.ANALYST, participant=viewer)
    client.force_login(analyst)
    response = client.get(reverse("analytics:records-export", args=["csv"]))
    assert response.status_code == 200 and response.streaming
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert shared.national_reference in text and mine.national_reference in text
    assert hidden.national_reference not in text  # aggregate-only: in figures, never listed
    assert "land (Land)" in text and "LKA (Sri Lanka)" in text  # labels beside the codes
    assert "'=HYPERLINK" in text  # a formula is written as text
    assert AccessEvent.objects.filter(user=analyst, owner=other, via=AccessEvent.Via.EXPORT, record_count=1).exists()
    assert AuditEntry.objects.filter(action=AuditEntry.Action.EXPORTED, details__subject="Drill-down records").exists()

    xlsx = client.get(reverse("analytics:records-export", args=["xlsx"]), {"mode": "land"})
    rows = list(load_workbook(io.BytesIO(xlsx.content)).active.iter_rows(values_only=True))
    assert [r[2] for r in rows[1:]] == [shared.national_reference]


def test_a_lapsed_analyst_exports_its_own_records_only(client, region):
    _viewer, _other, lapsed, *_records = region
    own = record(lapsed)
    client.force_login(factories.user(role=Role.ANALYST, participant=lapsed))
    text = b"".join(client.get(reverse("analytics:records-export", args=["csv"])).streaming_content).decode()
    assert own.national_reference in text and text.count("\n") == 2  # the header and its one record
    assert client.get(reverse("analytics:records-export", args=["pdf"])).status_code == 404
