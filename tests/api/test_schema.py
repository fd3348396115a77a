"""The published OpenAPI schema: it validates, and every operation, fed generated input by
schemathesis against the Django app, never answers 5xx and answers as the schema says."""

import pytest
import schemathesis
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis import checks
from schemathesis.specs.openapi import checks as openapi_checks

from accounts.models import ApiToken
from config.wsgi import application
from tests import factories
from tests.api.conftest import token_for

pytestmark = [pytest.mark.django_db, pytest.mark.schema]


def test_the_schema_validates_without_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    text = (tmp_path / "schema.yaml").read_text()
    for path in ("/api/v1/incidents/", "/api/v1/returns/", "/api/v1/me/", "/api/v1/reference/"):
        assert f"{path}:" in text


@pytest.fixture
def story(db):
    story = factories.ReciprocityStory()
    # Requests go straight into the WSGI app, inside this test's transaction: keep Django from
    # closing the connection at the end of each request (its test client does the same).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield story
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def bearer(story):
    return token_for(story.users["home_focal_point"], scope=ApiToken.Scope.WRITE)


# Loaded the way a client would: GET /api/schema/ (the schema view reads no database). The lazy
# from_fixture() loader does not work with pytest 9 (schemathesis 4.32 sets a removed attribute).
schema = schemathesis.openapi.from_wsgi("/api/schema/", application)

CHECKS = [
    checks.not_a_server_error,
    openapi_checks.status_code_conformance,
    openapi_checks.content_type_conformance,
    openapi_checks.response_schema_conformance,
    openapi_checks.response_headers_conformance,
]


@schema.parametrize()
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_every_operation_answers_as_documented_and_never_5xx(case, bearer):
    case.call_and_validate(headers={"Authorization": f"Bearer {bearer}"}, checks=CHECKS)
