"""The token check (accounts/api_tokens.py) reads the token with its user, membership and
participant in one query, for every kind of user."""

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from accounts.api_tokens import api_token_authenticate, api_token_create
from accounts.models import ApiToken, Membership, User
from tests import factories

pytestmark = pytest.mark.django_db


def _token(user: User) -> str:
    expires = timezone.localdate() + dt.timedelta(days=3)
    return api_token_create(user=user, name="system", scope=ApiToken.Scope.READ, expires_on=expires)[1]


def test_the_token_comes_with_its_user_membership_and_participant_loaded(django_assert_num_queries):
    owner = factories.participant()
    analyst = factories.user(role="analyst", participant=owner)
    raw = _token(analyst)
    with django_assert_num_queries(2):  # the token with its lock, and its last use written
        token = api_token_authenticate(raw=raw, client_ip="10.0.0.1")
    with django_assert_num_queries(0):
        assert token.user == analyst and token.user.participant_id == owner.pk
        assert token.user.participant.code == owner.code and token.user.role == "analyst"
        assert token.user.membership.user is token.user
    if connection.vendor == "postgresql":
        # Whether the participant owns records, as the read path takes it from the user (PostgreSQL keeps it).
        assert token.user.membership.participant_owns_records is False
        factories.incident_for(owner)
        token = api_token_authenticate(raw=raw, client_ip="10.0.0.1")
        assert token.user.membership.participant_owns_records is True


def test_a_secretariat_user_and_a_user_without_membership_are_loaded_too(django_assert_num_queries):
    secretariat = factories.user(role="secretariat")
    bare = User.objects.create_user(username="no-membership", password="correct-horse-battery")
    assert not Membership.objects.filter(user=bare).exists()
    for user in (secretariat, bare):
        token = api_token_authenticate(raw=_token(user), client_ip="10.0.0.1")
        with django_assert_num_queries(0):
            assert token.user == user and token.user.participant_id is None and token.user.participant is None
    with django_assert_num_queries(0):
        assert token.user.role is None
