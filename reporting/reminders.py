"""Reminder e-mails (issue #8): a return due soon, a return late, access about to lapse, a record
returned for correction. Run by Celery beat (reporting/tasks.py, config/celery.py).

Each reminder is sent at most once: a SentReminder row with a unique (kind, user, key) is written in
the same transaction as the sending; if the mail server fails the row is rolled back and the next
run tries again. Each user chooses which kinds they receive (NotificationPreference; all by default).
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from collections.abc import Iterator

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.language import month_label
from accounts.models import NotificationPreference, Participant, ReminderKind, Role, SentReminder, User
from reporting.models import Incident, IncidentComment, Return, return_due_date
from reporting.reciprocity import closed_window, current_policy, month_add, month_end, standings

logger = logging.getLogger(__name__)

# A mail server that is down or refuses one address must not stop the other reminders of the run:
# the failed one is logged, not recorded as sent, and tried again by the next run.
MAIL_ERRORS = (OSError, smtplib.SMTPException)


def _link(name: str) -> str:
    try:
        return settings.SITE_URL.rstrip("/") + reverse(name)
    except Exception:  # noqa: BLE001 - a page of another area not built yet: send the site's address
        return settings.SITE_URL


def _wants(users: list[User], kind: str) -> Iterator[User]:
    """The users who want this reminder, each in turn with their own language active (User.language),
    so that the loop body renders the subject and the e-mail in it."""
    preferences = {p.user_id: p for p in NotificationPreference.objects.filter(user__in=users)}
    for user in [u for u in users if u.email and (u.pk not in preferences or preferences[u.pk].wants(kind))]:
        with translation.override(user.language or settings.LANGUAGE_CODE):
            yield user


def _focal_points(participant_ids) -> dict[int, list[User]]:
    users = User.objects.filter(
        is_active=True, membership__role=Role.FOCAL_POINT, membership__participant_id__in=list(participant_ids)
    ).select_related("membership")
    by_participant: dict[int, list[User]] = {}
    for user in users:
        by_participant.setdefault(user.membership.participant_id, []).append(user)
    return by_participant


def _send(*, kind: str, user: User, key: str, subject: str, template: str, context: dict) -> bool:
    """Send one reminder unless it was already sent; True when it went out now."""
    try:
        with transaction.atomic():
            _row, created = SentReminder.objects.get_or_create(kind=kind, user=user, key=key)
            if not created:
                return False
            body = render_to_string(template, {**context, "user": user, "site_url": settings.SITE_URL})
            send_mail(subject, body, None, [user.email])
    except IntegrityError:  # a concurrent run sent it first
        return False
    except MAIL_ERRORS:
        logger.exception("reminder %s to %s not sent; the next run tries again", kind, user.email)
        return False
    return True


def _unsubmitted(participants: list[Participant], months: list[dt.date]) -> set[tuple[int, dt.date]]:
    submitted = set(
        Return.objects.filter(
            participant__in=participants, month__in=months, status=Return.Status.SUBMITTED
        ).values_list("participant_id", "month")
    )
    return {
        (p.pk, m)
        for p in participants
        for m in months
        if (p.pk, m) not in submitted and p.joined_on is not None and p.joined_on <= month_end(m)
    }


def reminders_return_due(*, on: dt.date | None = None) -> int:
    """Focal points whose last month's return is not submitted, within REMINDER_DAYS_BEFORE_DUE days of its due date."""
    on = on or timezone.localdate()
    month = month_add(on.replace(day=1), -1)
    due = return_due_date(month)
    if not 0 <= (due - on).days <= settings.REMINDER_DAYS_BEFORE_DUE:
        return 0
    participants = list(Participant.objects.active())
    pending = _unsubmitted(participants, [month])
    focal = _focal_points(pid for pid, _m in pending)
    by_id = {p.pk: p for p in participants}
    sent = 0
    for pid, m in sorted(pending):
        for user in _wants(focal.get(pid, []), ReminderKind.RETURN_DUE):
            sent += _send(
                kind=ReminderKind.RETURN_DUE,
                user=user,
                key=f"{pid}:{m:%Y-%m}",
                subject=_("VRS: the return for %(month)s is due on %(due)s")
                % {"month": month_label(m), "due": due.isoformat()},
                template="emails/reminder_return_due.txt",
                context={"participant": by_id[pid], "month": m, "due": due, "link": _link("reporting:return-list")},
            )
    return sent


def reminders_return_late(*, on: dt.date | None = None) -> int:
    """Focal points of active participants with returns past their due date inside the policy's
    window: one e-mail listing the late months, each month reminded once."""
    on = on or timezone.localdate()
    window_months = current_policy().window_months
    first, _last = closed_window(on, window_months)
    months = [m for m in (month_add(first, i) for i in range(window_months)) if return_due_date(m) < on]
    participants = list(Participant.objects.active())
    late: dict[int, list[dt.date]] = {}
    for pid, m in _unsubmitted(participants, months):
        late.setdefault(pid, []).append(m)
    focal = _focal_points(late)
    by_id = {p.pk: p for p in participants}
    sent = 0
    for pid, late_months in sorted(late.items()):
        late_months.sort()
        for user in _wants(focal.get(pid, []), ReminderKind.RETURN_LATE):
            already = set(
                SentReminder.objects.filter(kind=ReminderKind.RETURN_LATE, user=user).values_list("key", flat=True)
            )
            fresh = [m for m in late_months if f"{pid}:{m:%Y-%m}" not in already]
            if not fresh:
                continue
            try:
                with transaction.atomic():
                    SentReminder.objects.bulk_create(
                        [SentReminder(kind=ReminderKind.RETURN_LATE, user=user, key=f"{pid}:{m:%Y-%m}") for m in fresh]
                    )
                    send_mail(
                        *_late_mail(user=user, participant=by_id[pid], late_months=late_months), None, [user.email]
                    )
            except IntegrityError:
                continue
            except MAIL_ERRORS:
                logger.exception("late-return reminder to %s not sent; the next run tries again", user.email)
                continue
            sent += 1
    return sent


def _late_mail(*, user: User, participant: Participant, late_months: list[dt.date]) -> tuple[str, str]:
    """The late-returns e-mail's subject and body, in the active language."""
    body = render_to_string(
        "emails/reminder_return_late.txt",
        {
            "user": user,
            "site_url": settings.SITE_URL,
            "participant": participant,
            "months": [(m, return_due_date(m)) for m in late_months],
            "link": _link("reporting:return-list"),
        },
    )
    subject = _("VRS: %(count)d monthly return(s) of %(name)s are late") % {
        "count": len(late_months),
        "name": participant.local_name,
    }
    return subject, body


def late_months_of(*, participant: Participant, on: dt.date) -> list[dt.date]:
    """The participant's months in the policy's window whose return is past due and not submitted."""
    window_months = current_policy().window_months
    first, _last = closed_window(on, window_months)
    months = [m for m in (month_add(first, i) for i in range(window_months)) if return_due_date(m) < on]
    return sorted(m for _pid, m in _unsubmitted([participant], months))


def reminders_send_now(*, participant: Participant, on: dt.date | None = None) -> int:
    """The secretariat's "send now": its focal points get the late-returns e-mail at once, whatever
    the schedule and whether or not it went before (each recorded as sent, under a key of its own).
    Focal points who turned these reminders off are left out. Returns how many e-mails went."""
    on = on or timezone.localdate()
    late = late_months_of(participant=participant, on=on)
    if not late:
        return 0
    sent = 0
    stamp = timezone.now().isoformat(timespec="seconds")
    for user in _wants(_focal_points([participant.pk]).get(participant.pk, []), ReminderKind.RETURN_LATE):
        try:
            with transaction.atomic():
                SentReminder.objects.create(
                    kind=ReminderKind.RETURN_LATE, user=user, key=f"now:{participant.pk}:{stamp}"
                )
                send_mail(*_late_mail(user=user, participant=participant, late_months=late), None, [user.email])
        except (IntegrityError, *MAIL_ERRORS):
            logger.exception("reminder to %s not sent now", user.email)
            continue
        sent += 1
    return sent


def reminders_access_lapsing(*, on: dt.date | None = None) -> int:
    """Focal points of contributing participants whose standing ends within REMINDER_DAYS_BEFORE_LAPSE
    days unless they submit another return."""
    on = on or timezone.localdate()
    participants = list(Participant.objects.active())
    lapsing = {
        pid: s
        for pid, s in standings(participants, on=on).items()
        if s.contributing
        and s.holds_until is not None
        and (s.holds_until - on).days <= settings.REMINDER_DAYS_BEFORE_LAPSE
    }
    focal = _focal_points(lapsing)
    by_id = {p.pk: p for p in participants}
    sent = 0
    for pid, standing in sorted(lapsing.items()):
        for user in _wants(focal.get(pid, []), ReminderKind.ACCESS_LAPSING):
            sent += _send(
                kind=ReminderKind.ACCESS_LAPSING,
                user=user,
                key=f"{pid}:{standing.holds_until.isoformat()}",
                subject=_("VRS: your access to partners' data ends on %(date)s")
                % {"date": standing.holds_until.isoformat()},
                template="emails/reminder_access_lapsing.txt",
                context={
                    "participant": by_id[pid],
                    "standing": standing,
                    "missing": [month_label(m) for m in standing.missing_months],
                    "link": _link("reporting:return-list"),
                },
            )
    return sent


def _record_returned(comment: IncidentComment) -> int:
    incident = comment.incident
    recipients = []
    creator = incident.created_by
    if creator is not None and creator.is_active and creator.participant_id == incident.participant_id:
        recipients = [creator]
    else:
        recipients = _focal_points([incident.participant_id]).get(incident.participant_id, [])
    sent = 0
    for user in _wants(recipients, ReminderKind.RECORD_RETURNED):
        sent += _send(
            kind=ReminderKind.RECORD_RETURNED,
            user=user,
            key=f"comment:{comment.pk}",
            subject=_("VRS: record %(ref)s was returned for correction") % {"ref": incident.national_reference},
            template="emails/reminder_record_returned.txt",
            context={
                "incident": incident,
                "comment": comment,
                "link": settings.SITE_URL.rstrip("/") + reverse("reporting:incident-detail", args=[incident.pk]),
            },
        )
    return sent


def reminder_record_returned(*, incident_id: int) -> int:
    """Tell whoever entered the record (or, if they are gone, the focal points) that it was returned,
    with the focal point's comment. Safe to call more than once: each return is told once."""
    comment = (
        IncidentComment.objects.filter(incident_id=incident_id, kind=IncidentComment.Kind.RETURNED)
        .select_related("incident__created_by__membership")
        .order_by("-created_at", "-id")
        .first()
    )
    if comment is None or comment.incident.status != Incident.Status.RETURNED:
        return 0
    return _record_returned(comment)


def reminders_records_returned(*, since: dt.timedelta = dt.timedelta(days=7)) -> int:
    """Sweep: every record returned in the last week and still waiting for correction."""
    comments = IncidentComment.objects.filter(
        kind=IncidentComment.Kind.RETURNED,
        created_at__gte=timezone.now() - since,
        incident__status=Incident.Status.RETURNED,
    ).select_related("incident__created_by__membership")
    return sum(_record_returned(c) for c in comments)


def reminders_send(*, on: dt.date | None = None) -> dict[str, int]:
    """The daily run: every kind of reminder, each at most once per user and subject."""
    return {
        ReminderKind.RETURN_DUE: reminders_return_due(on=on),
        ReminderKind.RETURN_LATE: reminders_return_late(on=on),
        ReminderKind.ACCESS_LAPSING: reminders_access_lapsing(on=on),
        ReminderKind.RECORD_RETURNED: reminders_records_returned(),
    }


# The secretariat's reminders page: previews and the schedule ----------------------------------------


def reminder_previews(*, user: User, participant: Participant, on: dt.date | None = None) -> list[tuple[str, str]]:
    """Each kind of reminder as `participant`'s focal point would read it today, addressed to `user`
    and in the active language: (kind's label, text). Nothing is sent or recorded."""
    on = on or timezone.localdate()
    last_month = month_add(on.replace(day=1), -1)
    standing = standings([participant], on=on)[participant.pk]
    common = {"user": user, "site_url": settings.SITE_URL, "participant": participant}
    late = late_months_of(participant=participant, on=on) or [last_month]
    example_record = Incident(national_reference=f"{participant.code}-{on:%Y%m}-000001")
    example_comment = IncidentComment(incident=example_record, author=user, text=_("Please check the migrant count."))
    texts = [
        (ReminderKind.RETURN_DUE, "emails/reminder_return_due.txt",
         {"month": last_month, "due": return_due_date(last_month), "link": _link("reporting:return-list")}),
        (ReminderKind.RETURN_LATE, "emails/reminder_return_late.txt",
         {"months": [(m, return_due_date(m)) for m in late], "link": _link("reporting:return-list")}),
        (ReminderKind.ACCESS_LAPSING, "emails/reminder_access_lapsing.txt",
         {"standing": standing, "missing": [month_label(m) for m in standing.missing_months],
          "link": _link("reporting:return-list")}),
        (ReminderKind.RECORD_RETURNED, "emails/reminder_record_returned.txt",
         {"incident": example_record, "comment": example_comment, "link": _link("reporting:incident-list")}),
    ]  # fmt: skip
    labels = dict(ReminderKind.choices)
    return [(str(labels[kind]), render_to_string(template, {**common, **context})) for kind, template, context in texts]


def reminder_schedule() -> list[tuple[str, str]]:
    """When the reminders go out, from Celery beat's schedule (config/celery.py) and the settings."""
    from celery import current_app

    return [
        (name, _when(entry["schedule"]))
        for name, entry in sorted(current_app.conf.beat_schedule.items())
        if name.startswith("reminders")
    ]


def _when(schedule) -> str:
    """A beat schedule in words: "every day at 06:00 (UTC)", "every 10 minutes"."""
    minute, hour = str(getattr(schedule, "_orig_minute", "")), str(getattr(schedule, "_orig_hour", ""))
    if minute.isdigit() and hour.isdigit():
        return _("every day at %(time)s (UTC)") % {"time": f"{int(hour):02d}:{int(minute):02d}"}
    if minute.startswith("*/") and hour == "*":
        return _("every %(n)s minutes") % {"n": minute[2:]}
    return str(schedule)
