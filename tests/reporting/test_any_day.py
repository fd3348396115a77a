"""The calendar's edges: standing windows, grace periods, due dates and reminders give the answer
the rule states on every sample day (tests/dates.py), not only on the day the suite happens to run."""

import datetime as dt

import pytest
from django.core import mail
from django.db import connection

from accounts.models import Role
from reporting import reciprocity, reminders
from reporting.models import ReciprocityPolicy, return_due_date
from reporting.reciprocity import month_add, month_end, participant_standing
from tests import factories
from tests.dates import frozen_at, sample_dates
from tests.reporting.test_reciprocity import _contributing_in_sql

pytestmark = pytest.mark.django_db


@pytest.fixture
def policy():
    return ReciprocityPolicy.objects.get_or_create(version=1)[0]


def _returns(participant, months_ago, *, on: dt.date):
    for n in months_ago:
        factories.return_for(participant, month_add(on.replace(day=1), -n), submitted=True)


def _standing_both_ways(participant, on: dt.date) -> bool:
    python = participant_standing(participant, on=on).contributing
    if connection.vendor == "postgresql":
        assert _contributing_in_sql(participant.pk, on=on) is python, f"SQL and Python disagree on {on}"
    return python


@sample_dates
def test_a_standing_holds_until_the_day_it_names_and_not_a_day_more(sample_date, policy):
    with frozen_at(sample_date):
        viewer = factories.participant(joined_on=dt.date(2015, 1, 1))
        _returns(viewer, range(1, policy.min_returns + 1), on=sample_date)
        standing = participant_standing(viewer)
        assert standing.contributing and standing.holds_until is not None
        anchor = month_add(sample_date.replace(day=1), -policy.min_returns)
        assert standing.holds_until == month_end(month_add(anchor, policy.window_months))
    assert _standing_both_ways(viewer, standing.holds_until)
    assert not _standing_both_ways(viewer, standing.holds_until + dt.timedelta(days=1))


@sample_dates
def test_the_current_month_never_counts_and_last_month_does(sample_date, policy):
    with frozen_at(sample_date):
        viewer = factories.participant(joined_on=dt.date(2015, 1, 1))
        _returns(viewer, range(0, policy.min_returns), on=sample_date)  # this month and the ones before
        assert participant_standing(viewer).returns_counted == policy.min_returns - 1
        assert not _standing_both_ways(viewer, sample_date)


@sample_dates
def test_the_grace_period_ends_after_exactly_its_days(sample_date, policy):
    with frozen_at(sample_date):
        inside = factories.participant(joined_on=sample_date - dt.timedelta(days=policy.grace_days - 1))
        over = factories.participant(joined_on=sample_date - dt.timedelta(days=policy.grace_days))
        assert _standing_both_ways(inside, sample_date)
        assert participant_standing(inside).grace_until == sample_date + dt.timedelta(days=1)
        assert not _standing_both_ways(over, sample_date)


@sample_dates
def test_a_return_is_due_on_the_15th_of_the_next_month(sample_date):
    month = sample_date.replace(day=1)
    due = return_due_date(month)
    assert due == month_add(month, 1).replace(day=15)
    assert due > month_end(month)


@sample_dates
def test_the_due_reminder_goes_in_the_days_before_the_15th_only(sample_date, settings):
    with frozen_at(month_add(sample_date.replace(day=1), -3)):
        participant = factories.participant(joined_on=dt.date(2015, 1, 1))
        focal_point = factories.user(role=Role.FOCAL_POINT, participant=participant, username="fp")
        focal_point.email = "fp@example.org"
        focal_point.save()
    with frozen_at(sample_date):
        sent = reminders.reminders_return_due()
    days_to_due = (return_due_date(month_add(sample_date.replace(day=1), -1)) - sample_date).days
    expected = 0 <= days_to_due <= settings.REMINDER_DAYS_BEFORE_DUE
    assert sent == int(expected) and len(mail.outbox) == int(expected)


@sample_dates
def test_the_window_is_the_closed_months_before_the_day(sample_date, policy):
    first, last = reciprocity.closed_window(sample_date, policy.window_months)
    assert last == month_add(sample_date.replace(day=1), -1)
    assert month_add(first, policy.window_months - 1) == last
