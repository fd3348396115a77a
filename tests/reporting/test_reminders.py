"""Reminder e-mails (reporting/reminders.py): Django's locmem backend, frozen time."""

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from accounts.models import ReminderKind, Role, SentReminder
from accounts.services import notification_preferences_set, user_create
from reporting import reminders
from reporting.models import Incident, Return
from reporting.services.incidents import incident_return
from reporting.tasks import reminders_send_task
from tests import factories

pytestmark = pytest.mark.django_db


def _at(day: dt.date):
    return time_machine.travel(dt.datetime.combine(day, dt.time(6, 0), tzinfo=dt.UTC), tick=False)


def _focal(participant, email=None, username=None):
    username = username or f"fp-{participant.code.lower()}-{timezone.now().timestamp()}"
    return user_create(
        username=username,
        password="correct-horse-battery",
        role=Role.FOCAL_POINT,
        participant=participant,
        email=email or f"{username}@example.org",
    )


def _submitted(participant, month, on):
    ret, _ = Return.objects.get_or_create(participant=participant, month=month)
    ret.status, ret.submitted_at = Return.Status.SUBMITTED, timezone.make_aware(dt.datetime.combine(on, dt.time(9)))
    ret.save()


def test_return_due_reminder_goes_once_and_only_in_the_days_before():
    with _at(dt.date(2026, 6, 1)):
        p = factories.participant(joined_on=dt.date(2024, 1, 1))
        fp = _focal(p, email="fp@example.org")
        factories.user(role=Role.ANALYST, participant=p)  # analysts are not reminded
    with _at(dt.date(2026, 6, 9)):  # May's return is due on 15 June: 6 days ahead, too early
        assert reminders.reminders_return_due() == 0
    with _at(dt.date(2026, 6, 10)):
        assert reminders.reminders_return_due() == 1
        assert reminders.reminders_return_due() == 0  # never twice
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["fp@example.org"] and "May 2026" in message.subject and "15 June 2026" in message.body
    assert SentReminder.objects.get().user == fp
    with _at(dt.date(2026, 6, 12)):
        _submitted(p, dt.date(2026, 5, 1), dt.date(2026, 6, 12))
        assert reminders.reminders_return_due() == 0


def test_late_reminder_lists_the_late_months_and_each_month_goes_once():
    with _at(dt.date(2026, 1, 1)):
        p = factories.participant(joined_on=dt.date(2024, 1, 1))
        _focal(p, email="fp@example.org")
    with _at(dt.date(2026, 6, 20)):
        # Window Dec 2025 – May 2026, all past due (May was due 15 June); Jan and Mar submitted.
        _submitted(p, dt.date(2026, 1, 1), dt.date(2026, 2, 3))
        _submitted(p, dt.date(2026, 3, 1), dt.date(2026, 4, 3))
        assert reminders.reminders_return_late() == 1
        body = mail.outbox[0].body
        for month in ("December 2025", "February 2026", "April 2026", "May 2026"):
            assert f"- {month} (" in body
        assert "- January 2026 (" not in body and "- March 2026 (" not in body
        assert f"{settings.SITE_URL}/accounts/notifications/" in body  # where to choose one's reminders
        assert reminders.reminders_return_late() == 0
    with _at(dt.date(2026, 7, 16)):  # June is now late too: only it is new, the mail lists what is late
        assert reminders.reminders_return_late() == 1
        assert "June 2026" in mail.outbox[1].body
    assert SentReminder.objects.filter(kind=ReminderKind.RETURN_LATE).count() == 5


def test_access_lapsing_reminder_names_the_date_and_missing_months():
    with _at(dt.date(2026, 1, 1)):
        p = factories.participant(joined_on=dt.date(2020, 1, 1))
        _focal(p, email="fp@example.org")
    for month in (dt.date(2025, 12, 1), dt.date(2026, 1, 1), dt.date(2026, 2, 1)):
        _submitted(p, month, dt.date(2026, 3, 1))
    with _at(dt.date(2026, 6, 1)):  # holds until 30 June: 29 days, beyond the 21-day notice
        assert reminders.reminders_access_lapsing() == 0
    with _at(dt.date(2026, 6, 12)):
        assert reminders.reminders_access_lapsing() == 1
        assert reminders.reminders_access_lapsing() == 0
    message = mail.outbox[0]
    assert "2026-06-30" in message.subject and "March 2026" in message.body


def test_preferences_are_respected():
    with _at(dt.date(2026, 6, 1)):
        p = factories.participant(joined_on=dt.date(2024, 1, 1))
        opted_out = _focal(p, email="out@example.org", username="out")
        _focal(p, email="in@example.org", username="in")
        notification_preferences_set(user=opted_out, return_due=False)
    with _at(dt.date(2026, 6, 12)):
        assert reminders.reminders_return_due() == 1
    assert [m.to for m in mail.outbox] == [["in@example.org"]]


def test_record_returned_reaches_its_contributor_once(django_capture_on_commit_callbacks):
    p = factories.participant()
    fp = _focal(p)
    contributor = user_create(
        username="entry", password="correct-horse-battery", role=Role.CONTRIBUTOR, participant=p, email="c@example.org"
    )
    incident = factories.IncidentFactory(participant=p, status=Incident.Status.SUBMITTED, created_by=contributor)
    incident_return(incident=incident, returned_by=fp, comment="The detection date is in the wrong month.")
    assert reminders.reminder_record_returned(incident_id=incident.pk) == 1
    assert reminders.reminder_record_returned(incident_id=incident.pk) == 0
    assert reminders.reminders_records_returned() == 0
    assert mail.outbox[0].to == ["c@example.org"] and "wrong month" in mail.outbox[0].body
    assert incident.national_reference in mail.outbox[0].subject


@override_settings(EMAIL_BACKEND="tests.reporting.test_reminders.FailingBackend")
def test_a_failed_send_is_not_recorded_and_is_retried():
    with _at(dt.date(2026, 6, 1)):
        p = factories.participant(joined_on=dt.date(2024, 1, 1))
        _focal(p)
    with _at(dt.date(2026, 6, 12)):
        assert reminders.reminders_return_due() == 0  # the server is down: logged, nothing recorded
        assert reminders.reminders_return_late() == 0
    assert not SentReminder.objects.exists()
    with _at(dt.date(2026, 6, 12)), override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        assert reminders.reminders_return_due() == 1
        assert reminders.reminders_return_late() == 1


@override_settings(EMAIL_BACKEND="tests.reporting.test_reminders.RefusingBackend")
def test_one_refused_address_does_not_stop_the_others(caplog):
    with _at(dt.date(2026, 6, 1)):
        p = factories.participant(joined_on=dt.date(2024, 1, 1))
        _focal(p, email="refused@example.org", username="refused")
        _focal(p, email="fine@example.org", username="fine")
    with _at(dt.date(2026, 6, 12)):
        assert reminders.reminders_return_due() == 1
    assert [m.to for m in mail.outbox] == [["fine@example.org"]]
    assert SentReminder.objects.get().user.username == "fine"
    assert "refused@example.org" in caplog.text


def test_the_daily_task_runs_every_kind_and_twice_sends_nothing_more():
    with _at(dt.date(2026, 1, 1)):
        p = factories.participant(joined_on=dt.date(2024, 1, 1))
        _focal(p)
    with _at(dt.date(2026, 6, 12)):
        first = reminders_send_task.delay(on="2026-06-12").get()
        assert first == {"return_due": 1, "return_late": 1, "access_lapsing": 0, "record_returned": 0}
        second = reminders_send_task.delay(on="2026-06-12").get()
        assert sum(second.values()) == 0
    assert len(mail.outbox) == 2


class RefusingBackend:
    """Delivers to the locmem outbox, except to one address, which the 'server' refuses."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        import smtplib

        for message in messages:
            if "refused@example.org" in message.to:
                raise smtplib.SMTPRecipientsRefused({"refused@example.org": (550, b"no such user")})
            mail.outbox.append(message)
        return len(messages)


class FailingBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionError("mail server down")


def test_reminders_go_out_through_a_real_smtp_server():
    """Production's backend: Django's SMTP backend, configured by the EMAIL_* settings, talking to a
    real (local, in-process) SMTP server."""
    import threading
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import asyncore
        import smtpd

    received = []

    class Server(smtpd.SMTPServer):
        def process_message(self, peer, mailfrom, rcpttos, data, **kwargs):
            received.append((mailfrom, rcpttos, data.decode() if isinstance(data, bytes) else data))

    server = Server(("127.0.0.1", 0), None, decode_data=False)
    port = server.socket.getsockname()[1]
    loop = threading.Thread(target=asyncore.loop, kwargs={"timeout": 0.1, "use_poll": True}, daemon=True)
    loop.start()
    try:
        with _at(dt.date(2026, 6, 1)):
            p = factories.participant(joined_on=dt.date(2024, 1, 1))
            _focal(p, email="fp@example.org")
        smtp = {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": port,
            "EMAIL_USE_TLS": False,
            "DEFAULT_FROM_EMAIL": "vrs@example.org",
        }
        with _at(dt.date(2026, 6, 12)), override_settings(**smtp):
            assert reminders.reminders_return_due() == 1
    finally:
        server.close()
        loop.join(timeout=5)
    assert len(received) == 1
    mailfrom, to, data = received[0]
    assert (mailfrom, to) == ("vrs@example.org", ["fp@example.org"]) and "May 2026" in data


def test_beat_runs_the_reminder_tasks():
    from config.celery import app

    app.loader.import_default_modules()  # what a worker does on start: import every app's tasks
    schedule = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert {"reporting.tasks.reminders_send_task", "reporting.tasks.reminders_records_returned_task"} <= schedule
    assert schedule <= set(app.tasks)  # every scheduled name is a registered task


@pytest.mark.worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_daily_task_in_a_real_worker_records_what_it_sent(celery_worker):
    p = factories.participant(joined_on=dt.date(2024, 1, 1))
    _focal(p, email="fp@example.org")
    # The worker's clock is not frozen: the day is the task's argument, as beat would pass none.
    counts = reminders_send_task.delay(on="2026-06-12").get(timeout=30)
    assert counts["return_due"] == 1 and counts["return_late"] == 1
    assert set(SentReminder.objects.values_list("kind", flat=True)) == {"return_due", "return_late"}
    assert sum(reminders_send_task.delay(on="2026-06-12").get(timeout=30).values()) == 0


@pytest.mark.parametrize("kind", ["due", "late", "lapsing", "returned"])
def test_every_reminder_says_where_to_choose_and_links_to_the_site(kind, django_capture_on_commit_callbacks):
    with _at(dt.date(2026, 1, 1)):
        p = factories.participant(joined_on=dt.date(2024, 1, 1))
        fp = _focal(p, email="fp@example.org")
    for month in (dt.date(2026, 3, 1), dt.date(2026, 4, 1), dt.date(2026, 5, 1)):
        _submitted(p, month, dt.date(2026, 6, 1))
    with _at(dt.date(2026, 6, 12)):
        if kind == "due":
            p2 = factories.participant(joined_on=dt.date(2024, 1, 1))
            _focal(p2, email="fp2@example.org", username="fp2")
            assert reminders.reminders_return_due() >= 1
        elif kind == "late":
            assert reminders.reminders_return_late() == 1
        elif kind == "lapsing":
            with _at(dt.date(2026, 9, 15)):  # holds until 30 September
                assert reminders.reminders_access_lapsing() == 1
        else:
            incident = factories.IncidentFactory(participant=p, status=Incident.Status.SUBMITTED, created_by=fp)
            incident_return(incident=incident, returned_by=fp, comment="Check the date.")
            assert reminders.reminder_record_returned(incident_id=incident.pk) == 1
    body = mail.outbox[-1].body
    assert f"{settings.SITE_URL}/accounts/notifications/" in body
    assert settings.SITE_URL in body.replace(f"{settings.SITE_URL}/accounts/notifications/", "")
