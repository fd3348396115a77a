"""Monthly return services: submit, nil return, reopening; each re-runs the reciprocity sync."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from accounts.models import Role
from reporting.models import GrantChange, Incident, Return, ReturnOutbox, StandingDecision, return_due_date
from reporting.reciprocity import participant_standing
from reporting.services.incidents import incident_create, incident_submit, incident_validate
from reporting.services.returns import return_reopen, return_submit, return_submit_nil
from tests import factories
from tests.reporting.test_services_incidents import complete_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner():
    # Joined long ago: its standing depends on its returns alone.
    return factories.participant()


@pytest.fixture
def contributor(owner):
    return factories.user(role=Role.CONTRIBUTOR, participant=owner)


@pytest.fixture
def focal_point(owner):
    return factories.user(role=Role.FOCAL_POINT, participant=owner)


def validated_in(month, contributor, focal_point, owner, reference="R-1") -> Incident:
    incident = incident_create(
        created_by=contributor,
        participant=owner,
        data=complete_data(national_reference=reference, detection_date=month + dt.timedelta(days=2)),
        transits=[],
        breakdowns=[],
        documents=[],
    )
    return incident_validate(
        incident=incident_submit(incident=incident, submitted_by=contributor), validated_by=focal_point
    )


def test_due_date_is_the_15th_of_the_following_month():
    assert return_due_date(dt.date(2024, 1, 1)) == dt.date(2024, 2, 15)
    assert return_due_date(dt.date(2024, 12, 1)) == dt.date(2025, 1, 15)
    assert Return(month=dt.date(2024, 6, 1)).due_on == dt.date(2024, 7, 15)


def test_submitting_a_return_with_validated_records(contributor, focal_point, owner):
    month = factories.months_back(1)
    incident = validated_in(month, contributor, focal_point, owner)
    ReturnOutbox.objects.all().delete()
    with pytest.raises(PermissionDenied):
        return_submit(ret=incident.ret, submitted_by=contributor)
    ret = return_submit(ret=incident.ret, submitted_by=focal_point)
    assert (ret.status, ret.is_nil, ret.submitted_by) == (Return.Status.SUBMITTED, False, focal_point)
    assert ReturnOutbox.objects.filter(ret=ret).exists()
    with pytest.raises(ValidationError):
        return_submit(ret=ret, submitted_by=focal_point)


def test_an_empty_month_must_be_a_nil_return(contributor, focal_point, owner):
    month = factories.months_back(1)
    draft = incident_create(
        created_by=contributor,
        participant=owner,
        data=complete_data(detection_date=month + dt.timedelta(days=1)),
        transits=[],
        breakdowns=[],
        documents=[],
    )
    with pytest.raises(ValidationError) as caught:
        return_submit(ret=draft.ret, submitted_by=focal_point)
    assert "nil return" in caught.value.messages[0]
    ret = return_submit_nil(participant=owner, month=month, submitted_by=focal_point)
    assert ret.is_nil and ret.status == Return.Status.SUBMITTED


def test_a_nil_return_is_refused_when_the_month_has_validated_records(contributor, focal_point, owner):
    month = factories.months_back(1)
    validated_in(month, contributor, focal_point, owner)
    with pytest.raises(ValidationError) as caught:
        return_submit_nil(participant=owner, month=month, submitted_by=focal_point)
    assert "1 validated record" in caught.value.messages[0]
    assert Return.objects.get(participant=owner, month=month).status == Return.Status.OPEN


def test_records_waiting_for_validation_hold_the_return(contributor, focal_point, owner):
    month = factories.months_back(1)
    validated_in(month, contributor, focal_point, owner)
    waiting = incident_create(
        created_by=contributor,
        participant=owner,
        data=complete_data(national_reference="R-2", detection_date=month + dt.timedelta(days=3)),
        transits=[],
        breakdowns=[],
        documents=[],
    )
    incident_submit(incident=waiting, submitted_by=contributor)
    with pytest.raises(ValidationError) as caught:
        return_submit(ret=waiting.ret, submitted_by=focal_point)
    assert "wait for validation" in caught.value.messages[0]


def test_the_current_month_cannot_be_submitted_yet(focal_point, owner):
    with pytest.raises(ValidationError) as caught:
        return_submit_nil(participant=owner, month=factories.months_back(0), submitted_by=focal_point)
    assert "can be submitted from" in caught.value.messages[0]


def test_no_nil_return_for_a_month_before_joining(focal_point, owner):
    owner.joined_on = factories.months_back(2) + dt.timedelta(days=10)
    owner.save(update_fields=["joined_on"])
    with pytest.raises(ValidationError) as caught:
        return_submit_nil(participant=owner, month=factories.months_back(3), submitted_by=focal_point)
    assert caught.value.code == "before_joining" and "before" in caught.value.messages[0]
    assert not Return.objects.filter(participant=owner, month=factories.months_back(3)).exists()
    # The month it joined in is a month of membership.
    assert return_submit_nil(participant=owner, month=factories.months_back(2), submitted_by=focal_point).is_nil


def test_a_refusal_names_the_month_in_the_readers_language(focal_point, owner):
    month = factories.months_back(0)
    with translation.override("fr"), pytest.raises(ValidationError) as caught:
        return_submit_nil(participant=owner, month=month, submitted_by=focal_point)
    message = caught.value.messages[0]
    assert f"{_FRENCH_MONTHS[month.month - 1]} {month.year}" in message, message
    assert month.strftime("%B") not in message


_FRENCH_MONTHS = "janvier février mars avril mai juin juillet août septembre octobre novembre décembre".split()


def test_reopening_is_audited_with_a_reason(focal_point, owner):
    ret = return_submit_nil(participant=owner, month=factories.months_back(1), submitted_by=focal_point)
    with pytest.raises(ValidationError):
        return_reopen(ret=ret, reopened_by=focal_point, reason=" ")
    reopened = return_reopen(ret=ret, reopened_by=focal_point, reason="A late detection came in.")
    assert (reopened.status, reopened.is_nil, reopened.submitted_at) == (Return.Status.OPEN, False, None)
    latest = reopened.history.order_by("-history_date").first()
    assert latest.history_change_reason == "A late detection came in." and latest.history_user == focal_point
    with pytest.raises(ValidationError):
        return_reopen(ret=reopened, reopened_by=focal_point, reason="again")


def test_returns_drive_the_reciprocity_sync(focal_point, owner, django_capture_on_commit_callbacks):
    # Old participant, no returns: not contributing. Three nil returns make it contributing, and
    # the sync that runs on commit (eagerly in tests) grants it the other participants' data.
    partner = factories.participant()
    assert not participant_standing(owner).contributing
    for n in (1, 2, 3):
        with django_capture_on_commit_callbacks(execute=True):
            return_submit_nil(participant=owner, month=factories.months_back(n), submitted_by=focal_point)
    assert participant_standing(owner).contributing
    assert GrantChange.objects.filter(kind="granted", owner=partner, viewer=owner).exists()
    assert StandingDecision.objects.filter(participant=owner, contributing=True).exists()
    ret = Return.objects.get(participant=owner, month=factories.months_back(1))
    with django_capture_on_commit_callbacks(execute=True):
        return_reopen(ret=ret, reopened_by=focal_point, reason="Correction")
    assert not participant_standing(owner).contributing
    assert GrantChange.objects.filter(kind="revoked", owner=partner, viewer=owner).exists()
