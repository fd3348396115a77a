"""Homes as work queues (issue 19): each role's home shows its work, counts link to filtered lists,
and incident counts come through the reciprocity rule."""

import datetime as dt

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from accounts.models import Invitation, Participant, Role
from reporting.models import Incident, IncidentComment, ReciprocityPolicy
from reporting.worklists import records_url
from tests import factories

pytestmark = pytest.mark.django_db

HOME = "/"


@pytest.fixture(autouse=True)
def frozen():
    """20 June 2026: May's return was due on the 15th, June is the current month."""
    with time_machine.travel(dt.datetime(2026, 6, 20, 12, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture(autouse=True)
def policy_v1(frozen, db):
    ReciprocityPolicy.objects.get_or_create(version=1)
    cache.clear()  # the analyst's figures are kept a few minutes


@pytest.fixture
def state():
    home = factories.participant(code="HOM", joined_on=dt.date(2024, 1, 1))
    factories.submitted_returns(home, (2, 3, 4))  # April, March and February 2026: contributing
    return home


def test_contributor_home_lists_drafts_and_returned_records_with_their_comment(client, state):
    contributor = factories.user(role=Role.CONTRIBUTOR, participant=state)
    focal_point = factories.user(role=Role.FOCAL_POINT, participant=state)
    factories.incident_for(state, months_ago=0, submitted_return=False, status=Incident.Status.DRAFT)
    returned = factories.incident_for(state, months_ago=1, submitted_return=False, status=Incident.Status.RETURNED,
                                      national_reference="HOM-RET-1")  # fmt: skip
    IncidentComment.objects.create(
        incident=returned,
        kind=IncidentComment.Kind.RETURNED,
        text="Check the migrant count",
        author=focal_point,
        version=1,
    )
    other = factories.participant(code="OTH")
    factories.incident_for(other, status=Incident.Status.DRAFT)  # another participant's draft: not counted
    client.force_login(contributor)
    response = client.get(HOME)
    work = response.context["work"]
    assert (work.counts["drafts"], work.counts["returned"]) == (1, 1)
    page = response.content.decode()
    assert "HOM-RET-1" in page and "Check the migrant count" in page
    assert f'href="{records_url(status="draft")}"' in page and f'href="{records_url(status="returned")}"' in page
    # The count's link opens the list filtered to the same records.
    listed = client.get(records_url(status="returned")).context["page"].object_list
    assert [i.national_reference for i in listed] == ["HOM-RET-1"]


def test_focal_point_home_shows_validation_queue_returns_due_and_standing(client, state):
    focal_point = factories.user(role=Role.FOCAL_POINT, participant=state)
    factories.incident_for(state, months_ago=1, submitted_return=False, status=Incident.Status.SUBMITTED,
                           national_reference="HOM-SUB-1", submitted_at=timezone.now())  # fmt: skip
    client.force_login(focal_point)
    response = client.get(HOME)
    work = response.context["work"]
    page = response.content.decode()
    assert work.counts["waiting"] == 1 and "HOM-SUB-1" in page
    assert f'href="{records_url(status="submitted")}"' in page
    states = {m.month: m.state for m in work.returns_due}
    assert states[dt.date(2026, 6, 1)] == "current" and states[dt.date(2026, 5, 1)] == "overdue"
    assert "2026-06-15" in page or "Missing (overdue)" in page
    assert work.standing.contributing and "Holds until" in page


def test_analyst_home_counts_only_what_the_rule_lets_it_read(client, state):
    analyst = factories.user(role=Role.ANALYST, participant=state)
    factories.incident_for(state, months_ago=2, migrants_total=10)
    partner = factories.participant(code="PAR", joined_on=dt.date(2024, 1, 1))
    factories.submitted_returns(partner, (2, 3, 4))
    factories.incident_for(partner, months_ago=2, migrants_total=5)
    from reporting import codes

    factories.incident_for(partner, months_ago=2, migrants_total=100, sharing_level=codes.SharingLevel.NATIONAL_ONLY)
    from reporting.reciprocity import reciprocity_sync

    reciprocity_sync(trigger="test")
    client.force_login(analyst)
    work = client.get(HOME).context["work"]
    assert (work.counts["records"], work.counts["own"], work.counts["shared"]) == (2, 1, 1)
    assert work.counts["migrants"] == 15  # the national-only record of the partner is not read
    # Kept a few minutes per participant and day, and the page says as of when.
    factories.incident_for(state, months_ago=2, migrants_total=1000)
    again = client.get(HOME)
    assert again.context["work"].counts["migrants"] == 15 and "As of 12:00 (UTC)." in again.content.decode()


def test_secretariat_home_shows_losing_access_overdue_returns_and_invitations(client, state):
    secretariat = factories.user(role=Role.SECRETARIAT)
    factories.participant(code="LAP", joined_on=dt.date(2024, 1, 1))  # no return at all
    Invitation.objects.create(
        email="new@example.org", role=Role.SECRETARIAT, token_hash="x" * 64, invited_by=secretariat,
        expires_at=timezone.now() + dt.timedelta(days=5),
    )  # fmt: skip
    client.force_login(secretariat)
    response = client.get(HOME)
    work = response.context["work"]
    assert "LAP" in {risk.participant.code for risk in work.at_risk}
    assert {p.code for p, _cell in work.overdue} == {"HOM", "LAP"}  # May's return is due on 15 June
    assert work.counts["invitations"] == 1 and "new@example.org" in response.content.decode()
    assert reverse("reporting:console-coverage") in response.content.decode()


def test_user_without_role_gets_no_queue(client):
    from accounts.models import User

    client.force_login(User.objects.create_user(username="nobody", password="x" * 12))
    assert client.get(HOME).context["work"] is None
    assert Participant.objects.count() == 0
