"""The token check's hand-written query (accounts/api_tokens.py), prepared once per connection
(accounts/prepared.py): it loads what select_related loaded, for every kind of user, and the
statement is planned once per connection."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.api_tokens import api_token_authenticate, api_token_create
from accounts.models import ApiToken, Membership, User
from accounts.prepared import execute_prepared
from tests import factories

pytestmark = pytest.mark.django_db


def _token(user: User) -> str:
    expires = timezone.localdate() + dt.timedelta(days=3)
    return api_token_create(user=user, name="system", scope=ApiToken.Scope.READ, expires_on=expires)[1]


def test_the_token_comes_with_its_user_membership_and_participant_loaded(django_assert_num_queries):
    owner = factories.participant()
    analyst = factories.user(role="analyst", participant=owner)
    raw = _token(analyst)
    token = api_token_authenticate(raw=raw, client_ip="10.0.0.1")
    with django_assert_num_queries(0):
        assert token.user == analyst and token.user.participant_id == owner.pk
        assert token.user.participant.code == owner.code and token.user.role == "analyst"
        assert token.user.membership.user is token.user
    # Whether the participant owns records is reporting's: the read path asks it (reciprocity._owns_records).
    assert getattr(token.user.membership, "participant_owns_records", None) is None


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


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")
def test_the_statement_is_prepared_once_per_connection():
    user = factories.user(role="analyst", participant=factories.participant())
    raw = _token(user)
    api_token_authenticate(raw=raw, client_ip="10.0.0.1")  # prepared here, if not before
    with CaptureQueriesContext(connection) as queries:
        api_token_authenticate(raw=raw, client_ip="10.0.0.1")
    assert [q["sql"] for q in queries.captured_queries if "vrs_api_token" in q["sql"]] == [
        next(q["sql"] for q in queries.captured_queries if q["sql"].startswith("EXECUTE vrs_api_token"))
    ]
    with connection.cursor() as cursor:
        execute_prepared(
            cursor, name="vrs_test_sum", sql="SELECT %s::int + %s::int", types=("int", "int"), params=[2, 3]
        )
        assert cursor.fetchone() == (5,)
        execute_prepared(
            cursor, name="vrs_test_sum", sql="SELECT %s::int + %s::int", types=("int", "int"), params=[4, 5]
        )
        assert cursor.fetchone() == (9,)
    with pytest.raises(ValueError, match="lower-case"):
        with connection.cursor() as cursor:
            execute_prepared(cursor, name="x; DROP", sql="SELECT 1", types=(), params=[])
