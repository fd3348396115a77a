"""The console's account services: participation lifecycle, terms, invitations, roles, sessions."""

import datetime as dt

import pytest
import time_machine
from django.contrib.sessions.backends.db import SessionStore
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts import services
from accounts.models import AuditEntry, Invitation, Participant, ParticipantStatusChange, Role, UserSession
from reporting.reciprocity import current_grants, readable_owner_ids
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def secretariat():
    return factories.user(role=Role.SECRETARIAT)


@pytest.fixture
def terms(secretariat):
    return services.terms_publish(
        title="Terms of participation",
        text="Share non-nominal data…",
        published_on=timezone.localdate() - dt.timedelta(days=30),
        created_by=secretariat,
    )


def _accept(participant, terms, by):
    return services.terms_accept(
        participant=participant, terms=terms, accepted_on=timezone.localdate(), signed_by="Director", recorded_by=by
    )


def test_activation_needs_the_current_terms_accepted(secretariat, terms):
    invited = services.participant_invite(
        code="fji", name="Fiji", kind="state", region="pacific", country="FJI", invited_by=secretariat
    )
    assert invited.code == "FJI" and invited.status == Participant.Status.INVITED
    with pytest.raises(ValidationError) as error:
        services.participation_step(participant=invited, step="activate", changed_by=secretariat)
    assert "terms of participation" in str(error.value)
    _accept(invited, terms, secretariat)
    active = services.participation_step(participant=invited, step="activate", changed_by=secretariat)
    assert active.status == Participant.Status.ACTIVE and active.joined_on == timezone.localdate()


def test_new_terms_must_be_accepted_again_before_reinstatement(secretariat, terms):
    p = factories.participant()
    _accept(p, terms, secretariat)
    services.participation_step(participant=p, step="suspend", changed_by=secretariat, reason="No returns for a year")
    services.terms_publish(title="v2", text="…", published_on=timezone.localdate(), created_by=secretariat)
    with pytest.raises(ValidationError):
        services.participation_step(participant=p, step="reinstate", changed_by=secretariat)
    _accept(p, services.terms_current(), secretariat)
    assert services.participation_step(participant=p, step="reinstate", changed_by=secretariat).status == "active"


def test_suspension_without_reason_and_from_wrong_status_reports_every_problem(secretariat):
    p = factories.participant(status=Participant.Status.INVITED)
    with pytest.raises(ValidationError) as error:
        services.participation_step(
            participant=p,
            step="suspend",
            changed_by=secretariat,
            reason="  ",
            effective_on=timezone.localdate() + dt.timedelta(days=3),
        )
    fields = error.value.message_dict
    assert set(fields) == {"__all__", "reason", "effective_on"}
    p.refresh_from_db()
    assert p.status == Participant.Status.INVITED


def test_each_step_is_dated_attributed_and_in_the_history(secretariat, terms):
    p = factories.participant(status=Participant.Status.INVITED)
    _accept(p, terms, secretariat)
    for step, reason in [("activate", ""), ("suspend", "Breach"), ("reinstate", "Resolved"), ("withdraw", "Left")]:
        services.participation_step(participant=p, step=step, changed_by=secretariat, reason=reason)
    history = list(ParticipantStatusChange.objects.filter(participant=p).order_by("id"))
    assert [(h.from_status, h.to_status) for h in history] == [
        ("", "invited"),
        ("invited", "active"),
        ("active", "suspended"),
        ("suspended", "active"),
        ("active", "withdrawn"),
    ]
    assert all(h.changed_by == secretariat for h in history[1:])
    assert history[2].reason == "Breach"
    with pytest.raises(ValidationError):  # withdrawal is final
        services.participation_step(participant=p, step="reinstate", changed_by=secretariat)


def test_suspension_and_reinstatement_run_the_reciprocity_sync(secretariat, terms, django_capture_on_commit_callbacks):
    a = factories.participant()
    b = factories.participant()
    for participant in (a, b):
        for n in (1, 2, 3):
            factories.return_for(participant, factories.months_back(n), submitted=True)
    _accept(a, terms, secretariat)
    with django_capture_on_commit_callbacks(execute=True):
        from reporting.reciprocity import reciprocity_sync

        reciprocity_sync(trigger="test setup")
    assert {(a.pk, b.pk), (b.pk, a.pk)} <= current_grants()
    with django_capture_on_commit_callbacks(execute=True):
        services.participation_step(participant=a, step="suspend", changed_by=secretariat, reason="Breach")
    grants = current_grants()
    assert (a.pk, b.pk) not in grants and (b.pk, a.pk) not in grants
    reader = factories.user(participant=b)
    assert a.pk not in readable_owner_ids(reader)
    with django_capture_on_commit_callbacks(execute=True):
        services.participation_step(participant=a, step="reinstate", changed_by=secretariat, reason="Resolved")
    assert {(a.pk, b.pk), (b.pk, a.pk)} <= current_grants()
    assert a.pk in readable_owner_ids(reader)


def test_invitation_link_creates_the_account_once(secretariat, django_capture_on_commit_callbacks):
    p = factories.participant()
    with django_capture_on_commit_callbacks(execute=True):
        invitation, token = services.invitation_create(
            invited_by=secretariat, email="FP@example.org", role=Role.FOCAL_POINT, participant=p
        )
    assert len(mail.outbox) == 1 and token in mail.outbox[0].body and mail.outbox[0].to == ["fp@example.org"]
    assert token not in invitation.token_hash
    user = services.invitation_accept(token=token, username="fp-fji", password="a-long-enough-passphrase")
    assert user.role == Role.FOCAL_POINT and user.participant == p and user.email == "fp@example.org"
    with pytest.raises(ValidationError):
        services.invitation_accept(token=token, username="again", password="a-long-enough-passphrase")
    assert AuditEntry.objects.filter(action=AuditEntry.Action.INVITATION_ACCEPTED, subject_user=user).exists()


def test_invitation_expires(secretariat):
    p = factories.participant()
    with time_machine.travel(timezone.now() - dt.timedelta(days=8)):
        _invitation, token = services.invitation_create(
            invited_by=secretariat, email="late@example.org", role=Role.ANALYST, participant=p
        )
    assert services.invitation_for_token(token=token) is None
    with pytest.raises(ValidationError, match="expired"):
        services.invitation_accept(token=token, username="late", password="a-long-enough-passphrase")


def test_bad_password_and_taken_name_are_reported_together(secretariat):
    p = factories.participant()
    factories.user(participant=p, username="taken")
    _invitation, token = services.invitation_create(
        invited_by=secretariat, email="x@example.org", role=Role.ANALYST, participant=p
    )
    with pytest.raises(ValidationError) as error:
        services.invitation_accept(token=token, username="taken", password="123")
    assert set(error.value.message_dict) == {"username", "password"}
    assert Invitation.objects.get().accepted_at is None


def test_focal_point_cannot_give_a_role_above_its_own_nor_invite_elsewhere():
    p, other = factories.participant(), factories.participant()
    fp = factories.user(role=Role.FOCAL_POINT, participant=p)
    with pytest.raises(ValidationError) as error:
        services.invitation_create(invited_by=fp, email="a@example.org", role=Role.SECRETARIAT, participant=p)
    assert "role" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.invitation_create(invited_by=fp, email="b@example.org", role=Role.FOCAL_POINT, participant=p)
    assert "role" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.invitation_create(invited_by=fp, email="c@example.org", role=Role.ANALYST, participant=other)
    assert "participant" in error.value.message_dict
    invitation, _token = services.invitation_create(
        invited_by=fp, email="d@example.org", role=Role.CONTRIBUTOR, participant=p
    )
    assert invitation.participant == p


def test_role_changes_follow_the_role_order():
    p = factories.participant()
    fp = factories.user(role=Role.FOCAL_POINT, participant=p)
    other_fp = factories.user(role=Role.FOCAL_POINT, participant=p)
    analyst = factories.user(role=Role.ANALYST, participant=p)
    services.user_role_change(user=analyst, role=Role.CONTRIBUTOR, changed_by=fp)
    analyst.refresh_from_db()
    assert analyst.role == Role.CONTRIBUTOR
    with pytest.raises(ValidationError):
        services.user_role_change(user=analyst, role=Role.FOCAL_POINT, changed_by=fp)
    with pytest.raises(ValidationError):  # a focal point does not demote a peer
        services.user_role_change(user=other_fp, role=Role.ANALYST, changed_by=fp)
    with pytest.raises(ValidationError):  # nor changes itself
        services.user_role_change(user=fp, role=Role.ANALYST, changed_by=fp)
    entry = AuditEntry.objects.get(action=AuditEntry.Action.ROLE_CHANGED)
    assert entry.actor == fp and entry.details == {"from": "analyst", "to": "contributor", "agency": None}


def test_secretariat_appoints_a_focal_point(secretariat):
    p = factories.participant()
    analyst = factories.user(role=Role.ANALYST, participant=p)
    services.user_role_change(user=analyst, role=Role.FOCAL_POINT, changed_by=secretariat)
    analyst.refresh_from_db()
    assert analyst.role == Role.FOCAL_POINT


def test_deactivation_ends_every_session_and_keeps_the_user(secretariat):
    p = factories.participant()
    fp = factories.user(role=Role.FOCAL_POINT, participant=p)
    analyst = factories.user(role=Role.ANALYST, participant=p)
    session = SessionStore()
    session["_auth_user_id"] = str(analyst.pk)
    session.create()
    services.session_track(user=analyst, session_key=session.session_key, ip_address="10.0.0.1", user_agent="UA")
    with pytest.raises(ValidationError, match="reason"):
        services.user_active_set(user=analyst, active=False, changed_by=fp)
    services.user_active_set(user=analyst, active=False, changed_by=fp, reason="Left the agency")
    analyst.refresh_from_db()
    assert not analyst.is_active
    assert not SessionStore().exists(session.session_key)
    assert not UserSession.objects.filter(user=analyst).exists()


def test_a_user_ends_only_their_own_sessions():
    p = factories.participant()
    a, b = factories.user(participant=p), factories.user(participant=p)
    session = SessionStore()
    session.create()
    tracked = services.session_track(user=a, session_key=session.session_key, ip_address=None, user_agent="")
    with pytest.raises(UserSession.DoesNotExist):
        services.session_end(user=b, session_id=tracked.pk)
    services.session_end(user=a, session_id=tracked.pk)
    assert not SessionStore().exists(session.session_key)
