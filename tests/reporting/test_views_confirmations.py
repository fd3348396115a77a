"""Confirmation with a summary before acts that cannot be undone or go out to others (issue 19):
submitting a return, withdrawing a record, withdrawing a participant."""

import pytest
from django.urls import reverse

from accounts.models import Participant
from reporting import codes
from reporting.models import Incident, ReciprocityPolicy, Return
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def policy_v1(db):
    ReciprocityPolicy.objects.get_or_create(version=1)


@pytest.fixture
def story():
    return factories.ReciprocityStory()


def test_return_submission_shows_what_becomes_readable_by_whom_and_when(client, story):
    month = factories.months_back(5)
    ret = factories.return_for(story.home, month)
    for level in (codes.SharingLevel.SHARED, codes.SharingLevel.SHARED, codes.SharingLevel.AGGREGATE_ONLY):
        factories.incident_for(story.home, months_ago=5, submitted_return=False, sharing_level=level)
    factories.incident_for(story.home, months_ago=5, submitted_return=False, status=Incident.Status.DRAFT)
    url = reverse("reporting:return-submit", args=[ret.pk])
    client.force_login(story.users["home_focal_point"])
    page = client.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert "3 records: Validated" in body and "1 record: Draft" in body
    # Partner and withholding contribute and read home's shared records; the rule says so, not the page.
    assert "2 shared records become readable, record by record, as soon as you submit, by the 2 participants" in body
    assert "1 aggregate-only record reaches others only inside totals" in body
    assert Return.objects.get(pk=ret.pk).status == Return.Status.OPEN  # asking changed nothing
    client.post(url)
    assert Return.objects.get(pk=ret.pk).status == Return.Status.SUBMITTED


def test_return_confirmation_is_the_focal_points_own(client, story):
    ret = factories.return_for(story.partner, factories.months_back(5))
    client.force_login(story.users["home_focal_point"])
    assert client.get(reverse("reporting:return-submit", args=[ret.pk])).status_code == 404
    client.force_login(story.users["home_analyst"])
    own = factories.return_for(story.home, factories.months_back(5))
    assert client.get(reverse("reporting:return-submit", args=[own.pk])).status_code == 403


def test_record_withdrawal_asks_first_and_says_who_reads_it(client, story):
    record = story.records["home_shared"]
    url = reverse("reporting:incident-withdraw", args=[record.pk])
    client.force_login(story.users["home_focal_point"])
    body = client.get(url).content.decode()
    assert "2 other participants read it today; from now on, no one else does." in body
    assert 'name="reason"' in body
    assert Incident.objects.get(pk=record.pk).status == Incident.Status.VALIDATED
    detail = client.get(reverse("reporting:incident-detail", args=[record.pk])).content.decode()
    assert f'href="{url}"' in detail  # the record's page leads to the question, not straight to the act
    client.post(url, {"reason": "Entered twice", "version": record.version})
    assert Incident.objects.get(pk=record.pk).status == Incident.Status.WITHDRAWN
    # Another participant's record answers as if missing; a readable one not theirs to change, 403.
    client.force_login(story.users["home_focal_point"])
    assert (
        client.get(reverse("reporting:incident-withdraw", args=[story.records["partner_national"].pk])).status_code
        == 404
    )
    assert (
        client.get(reverse("reporting:incident-withdraw", args=[story.records["partner_shared"].pk])).status_code == 403
    )
    # Other actions stay POST only.
    assert client.get(reverse("reporting:incident-validate", args=[record.pk])).status_code == 405


def test_participant_withdrawal_asks_with_a_summary_then_needs_a_reason(client, story):
    url = reverse("reporting:console-participant-step", args=[story.partner.pk, "withdraw"])
    client.force_login(story.users["secretariat"])
    body = client.get(url).content.decode()
    assert "This is final" in body
    # Home and withholding contribute and read the partner's shared records today.
    assert "2 participants read its shared records today and stop at once." in body
    refused = client.post(url, {"reason": ""})
    assert refused.status_code == 400 and "This is final" in refused.content.decode()
    assert Participant.objects.get(pk=story.partner.pk).status == Participant.Status.ACTIVE
    client.post(url, {"reason": "Left the process"})
    assert Participant.objects.get(pk=story.partner.pk).status == Participant.Status.WITHDRAWN
    assert client.get(reverse("reporting:console-participant-step", args=[story.home.pk, "suspend"])).status_code == 404
    client.force_login(story.users["home_focal_point"])
    assert client.get(url).status_code == 403
