"""The console's account pages: users and roles, invitations, own sessions and reminder choices."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import Invitation, NotificationPreference, Role, User, UserSession
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def state():
    return factories.participant()


@pytest.fixture
def focal_point(client, state):
    user = factories.user(role=Role.FOCAL_POINT, participant=state)
    client.force_login(user)
    return user


def test_user_pages_need_a_managing_role(client, state):
    url = reverse("accounts:user-list")
    assert client.get(url).status_code == 302
    client.force_login(factories.user(role=Role.ANALYST, participant=state))
    assert client.get(url).status_code == 403
    client.force_login(factories.user(role=Role.SECRETARIAT))
    assert client.get(url).status_code == 200


def test_focal_point_sees_own_users_and_another_participants_user_is_missing(client, state, focal_point):
    own = factories.user(role=Role.ANALYST, participant=state)
    other = factories.user(role=Role.ANALYST, participant=factories.participant())
    listing = client.get(reverse("accounts:user-list")).content.decode()
    assert own.username in listing and other.username not in listing
    assert client.get(reverse("accounts:user-detail", args=[own.pk])).status_code == 200
    assert client.get(reverse("accounts:user-detail", args=[other.pk])).status_code == 404
    response = client.post(reverse("accounts:user-role", args=[other.pk]), {"role": Role.CONTRIBUTOR})
    assert response.status_code == 404
    response = client.post(reverse("accounts:user-deactivate", args=[other.pk]), {"reason": "x"})
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.is_active and other.role == Role.ANALYST


def test_role_form_offers_only_roles_below_and_refuses_others(client, state, focal_point):
    analyst = factories.user(role=Role.ANALYST, participant=state)
    page = client.get(reverse("accounts:user-detail", args=[analyst.pk])).content.decode()
    assert 'value="contributor"' in page and 'value="focal_point"' not in page
    response = client.post(reverse("accounts:user-role", args=[analyst.pk]), {"role": Role.FOCAL_POINT})
    assert response.status_code == 400
    response = client.post(reverse("accounts:user-role", args=[analyst.pk]), {"role": Role.CONTRIBUTOR})
    assert response.status_code == 302
    analyst.refresh_from_db()
    assert analyst.role == Role.CONTRIBUTOR


def test_invitation_by_page_and_link(client, state, focal_point, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("accounts:invitation-create"), {"email": "new@example.org", "role": Role.CONTRIBUTOR}
        )
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert invitation.participant == state and invitation.invited_by == focal_point
    link = re.search(r"http\S+/accounts/invitation/\S+/", mail.outbox[0].body).group(0)
    path = link.split("127.0.0.1:8000", 1)[1]
    client.logout()
    assert client.get(path).status_code == 200
    bad = client.post(path, {"username": "new", "password": "short", "password_again": "other"})
    assert bad.status_code == 400 and {"password_again"} <= set(bad.context["form"].errors)
    ok = client.post(
        path, {"username": "newcomer", "password": "a-long-enough-pass", "password_again": "a-long-enough-pass"}
    )
    assert ok.status_code == 302
    assert User.objects.get(username="newcomer").role == Role.CONTRIBUTOR
    assert client.get(path).status_code == 410


def test_invitation_form_shows_every_problem(client, state, focal_point):
    factories.user(role=Role.ANALYST, participant=state)
    User.objects.filter(membership__participant=state, membership__role=Role.ANALYST).update(email="taken@example.org")
    response = client.post(
        reverse("accounts:invitation-create"), {"email": "taken@example.org", "role": Role.SECRETARIAT}
    )
    assert response.status_code == 400
    assert {"email", "role"} <= set(response.context["form"].errors)


def test_sign_in_is_tracked_and_a_session_can_be_ended(client, state):
    user = factories.user(participant=state, username="reader")
    client.post(reverse("accounts:login"), {"username": "reader", "password": "correct-horse-battery"})
    tracked = UserSession.objects.get(user=user)
    page = client.get(reverse("accounts:session-list")).content.decode()
    assert "this browser" in page
    other = factories.user(participant=state)
    assert client.post(reverse("accounts:session-end", args=[999999])).status_code == 404
    client.force_login(other)
    assert client.post(reverse("accounts:session-end", args=[tracked.pk])).status_code == 404
    client.force_login(user)
    client.post(reverse("accounts:session-end", args=[tracked.pk]))
    assert not UserSession.objects.filter(pk=tracked.pk).exists()


def test_notification_choices_are_saved(client, state, focal_point):
    url = reverse("accounts:notifications")
    assert client.get(url).status_code == 200
    client.post(url, {"return_due": "on", "record_returned": "on"})
    preference = NotificationPreference.objects.get(user=focal_point)
    assert (preference.return_due, preference.return_late, preference.access_lapsing) == (True, False, False)


def test_secretariat_filters_users_by_participant_and_role(client, state):
    other = factories.participant()
    mine = factories.user(role=Role.ANALYST, participant=state)
    theirs = factories.user(role=Role.ANALYST, participant=other)
    focal = factories.user(role=Role.FOCAL_POINT, participant=state)
    client.force_login(factories.user(role=Role.SECRETARIAT))
    url = reverse("accounts:user-list")
    shown = set(client.get(url, {"participant": state.pk}).context["users"])
    assert mine in shown and focal in shown and theirs not in shown
    assert set(client.get(url, {"participant": state.pk, "role": Role.ANALYST}).context["users"]) == {mine}


def test_a_focal_point_cannot_list_another_participants_users_by_filter(client, state, focal_point):
    other = factories.participant()
    theirs = factories.user(role=Role.ANALYST, participant=other)
    response = client.get(reverse("accounts:user-list"), {"participant": other.pk})
    assert response.status_code == 200 and theirs not in set(response.context["users"])
    assert "participant" not in response.context["filters"].fields


def test_user_page_ids_are_unique(client, state, focal_point):
    html = client.get(reverse("accounts:user-list")).content.decode()
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert ids and len(ids) == len(set(ids))
