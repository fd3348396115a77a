"""Account recovery (issue 19): reset by e-mail, password change, and a manager's reset link and
resent invitation."""

import re

import pytest
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from accounts import views
from accounts.models import AuditEntry, Invitation, Role, User
from tests import factories

# Transactions really commit, so the e-mails sent after commit go out during the request.
pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct-horse-battery"
NEW_PASSWORD = "a-new-Long-passphrase-42"


@pytest.fixture(autouse=True)
def _fresh_counters():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def state():
    return factories.participant()


@pytest.fixture
def contributor(state):
    user = factories.user(role=Role.CONTRIBUTOR, participant=state)
    user.email = "claire@example.org"
    user.save(update_fields=["email"])
    return user


def _link(message) -> str:
    return re.search(r"http\S+/accounts/password-reset/\S+/\S+/", message.body).group(0)


def test_same_answer_for_known_and_unknown_addresses_and_a_mail_only_to_the_known(client, contributor):
    known = client.post(reverse("accounts:password-reset"), {"email": "CLAIRE@example.org"})
    unknown = client.post(reverse("accounts:password-reset"), {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == reverse("accounts:password-reset-sent")
    assert [m.to for m in mail.outbox] == [["claire@example.org"]]
    assert contributor.username in mail.outbox[0].body
    assert (
        AuditEntry.objects.filter(action=AuditEntry.Action.PASSWORD_RESET_SENT, subject_user=contributor).count() == 1
    )


def test_the_link_sets_a_new_password_once_and_then_is_gone(client, contributor):
    client.post(reverse("accounts:password-reset"), {"email": contributor.email})
    link = _link(mail.outbox[0]).replace("http://testserver", "").split("://", 1)[-1]
    path = link[link.index("/accounts/") :]
    form = client.get(path, follow=True)  # Django moves the token into the session, then shows the form
    assert form.status_code == 200 and "new_password1" in form.content.decode()
    done = client.post(form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302 and done["Location"] == reverse("accounts:password-reset-complete")
    assert User.objects.get(pk=contributor.pk).check_password(NEW_PASSWORD)
    assert AuditEntry.objects.filter(action=AuditEntry.Action.PASSWORD_CHANGED, subject_user=contributor).exists()
    again = Client().get(path)
    assert again.status_code == 410 and "no longer valid" in again.content.decode()


def test_reset_requests_are_rate_limited(client, contributor, monkeypatch):
    monkeypatch.setattr(views, "RESET_LIMIT_PER_CLIENT", 4)
    for _ in range(4):
        assert client.post(reverse("accounts:password-reset"), {"email": contributor.email}).status_code == 302
    # Three mails to one address in the hour, then the same answer and no more mail.
    assert len(mail.outbox) == views.RESET_LIMIT_PER_EMAIL
    refused = client.post(reverse("accounts:password-reset"), {"email": "nobody@example.org"})
    assert refused.status_code == 429 and refused["Retry-After"] == str(views.RESET_WINDOW_SECONDS)
    assert "Wait an hour" in refused.content.decode()


def test_signed_in_user_changes_password_and_other_sessions_end(client, contributor):
    other = Client()
    other.force_login(contributor)
    client.force_login(contributor)
    wrong = client.post(
        reverse("accounts:password-change"),
        {"old_password": "nope", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert wrong.status_code == 200 and "old_password" in wrong.content.decode()
    response = client.post(
        reverse("accounts:password-change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert User.objects.get(pk=contributor.pk).check_password(NEW_PASSWORD)
    assert SESSION_KEY in client.session  # this session stays signed in
    assert other.get(reverse("home")).status_code == 302  # the other one is signed out


def test_focal_point_sends_a_reset_link_to_its_user_not_to_others(client, state, contributor):
    focal_point = factories.user(role=Role.FOCAL_POINT, participant=state)
    stranger = factories.user(role=Role.CONTRIBUTOR, participant=factories.participant())
    client.force_login(focal_point)
    response = client.post(reverse("accounts:user-password-reset", args=[contributor.pk]))
    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [[contributor.email]]
    assert focal_point.username in mail.outbox[0].body
    entry = AuditEntry.objects.get(action=AuditEntry.Action.PASSWORD_RESET_SENT)
    assert entry.actor == focal_point and entry.subject_user == contributor
    assert client.post(reverse("accounts:user-password-reset", args=[stranger.pk])).status_code == 404
    peer = factories.user(role=Role.FOCAL_POINT, participant=state)
    client.post(reverse("accounts:user-password-reset", args=[peer.pk]))
    assert len(mail.outbox) == 1  # another focal point is not one it manages
    analyst = factories.user(role=Role.ANALYST, participant=state)
    client.force_login(analyst)
    assert client.post(reverse("accounts:user-password-reset", args=[contributor.pk])).status_code == 403


def test_focal_point_resends_an_invitation_and_the_old_link_stops(client, state):
    focal_point = factories.user(role=Role.FOCAL_POINT, participant=state)
    client.force_login(focal_point)
    client.post(
        reverse("accounts:invitation-create"),
        {"email": "new@example.org", "role": Role.ANALYST, "participant": state.pk},
    )
    old = Invitation.objects.get()
    old_link = re.search(r"/accounts/invitation/\S+/", mail.outbox[0].body).group(0)
    response = client.post(reverse("accounts:invitation-resend", args=[old.pk]))
    assert response.status_code == 302
    assert len(mail.outbox) == 2 and mail.outbox[1].to == ["new@example.org"]
    new_link = re.search(r"/accounts/invitation/\S+/", mail.outbox[1].body).group(0)
    assert Client().get(old_link).status_code == 410
    assert Client().get(new_link).status_code == 200
    fresh = Invitation.objects.exclude(pk=old.pk).get()
    assert (fresh.role, fresh.participant, fresh.email) == (Role.ANALYST, state, "new@example.org")
    other = factories.user(role=Role.FOCAL_POINT, participant=factories.participant())
    client.force_login(other)
    assert client.post(reverse("accounts:invitation-resend", args=[fresh.pk])).status_code == 404


def test_pages_link_to_recovery(client, contributor):
    assert reverse("accounts:password-reset") in client.get(reverse("accounts:login")).content.decode()
    client.force_login(contributor)
    assert reverse("accounts:password-change") in client.get(reverse("home")).content.decode()
