"""API test actors: the reciprocity story's participants and users, signed in by session or by
token (tests/factories.py: ReciprocityStory)."""

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.api_tokens import api_token_create
from accounts.models import ApiToken
from reporting.models import ReciprocityPolicy
from tests import factories


@pytest.fixture(autouse=True)
def policy_v1(db):
    policy, _ = ReciprocityPolicy.objects.get_or_create(version=1)
    return policy


@pytest.fixture
def story(db):
    return factories.ReciprocityStory()


def token_for(user, *, scope: str = ApiToken.Scope.WRITE, days: int = 30) -> str:
    _token, plaintext = api_token_create(
        user=user, name="test system", scope=scope, expires_on=timezone.localdate() + dt.timedelta(days=days)
    )
    return plaintext


def session_client(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def token_client(user, *, scope: str = ApiToken.Scope.WRITE) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_for(user, scope=scope)}")
    return client


@pytest.fixture(params=["session", "token"])
def client_for(request):
    """A client for a user, signed in by session or by a read-and-write token."""
    return session_client if request.param == "session" else token_client
