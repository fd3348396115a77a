"""The secretariat's reminders page (issue 19): what was sent to whom and when, a preview of each
text, the schedule, and "send now" for one participant."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from accounts.models import ReminderKind, Role, SentReminder
from reporting.models import ReciprocityPolicy
from tests import factories

pytestmark = pytest.mark.django_db
URL = "/records/console/reminders/"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(dt.datetime(2026, 6, 20, 12, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture(autouse=True)
def policy_v1(frozen, db):
    ReciprocityPolicy.objects.get_or_create(version=1)


@pytest.fixture
def late_participant():
    state = factories.participant(code="FJI", joined_on=dt.date(2024, 1, 1))
    factories.submitted_returns(state, (3, 4))  # March and February; April and May are late
    focal_point = factories.user(role=Role.FOCAL_POINT, participant=state)
    focal_point.email = "fp@fiji.example"
    focal_point.save(update_fields=["email"])
    return state, focal_point


def test_page_lists_sent_reminders_previews_and_schedule(client, late_participant):
    state, focal_point = late_participant
    SentReminder.objects.create(kind=ReminderKind.RETURN_DUE, user=focal_point, key=f"{state.pk}:2026-05")
    client.force_login(factories.user(role=Role.SECRETARIAT))
    assert reverse("reporting:console-reminders") == URL
    body = client.get(URL, {"participant": state.pk}).content.decode()
    assert "fp@fiji.example" in body and "A monthly return is due soon" in body
    assert "reminders-daily" in body and "every day at 06:00 (UTC)" in body  # the schedule, from Celery beat
    assert "April 2026" in body and "May 2026" in body  # the late-returns preview lists the late months
    assert "Please check the migrant count." in body  # every kind has its preview
    assert not mail.outbox and SentReminder.objects.count() == 1  # previews send nothing


def test_send_now_mails_the_focal_points_and_records_it(client, late_participant):
    state, _focal_point = late_participant
    client.force_login(factories.user(role=Role.SECRETARIAT))
    response = client.post(URL, {"participant": state.pk})
    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [["fp@fiji.example"]]
    assert "April 2026" in mail.outbox[0].body
    assert SentReminder.objects.filter(kind=ReminderKind.RETURN_LATE, key__startswith=f"now:{state.pk}:").count() == 1
    assert client.post(URL, {}).status_code == 400


def test_only_the_secretariat(client, late_participant):
    _state, focal_point = late_participant
    client.force_login(focal_point)
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"participant": _state.pk}).status_code == 403
    assert not mail.outbox
