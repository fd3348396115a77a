"""The permission matrix of every API route and method, for session and token sign-in.

Actors come from the reciprocity story (tests/factories.py): the rule decides what a user may read
(404 outside it, never 403); the role decides what a user may do with what it reads (403).
Every route of the API must have a row here: a new route without one fails the last test.
"""

import datetime as dt

import pytest
from django.db import transaction
from django.urls import URLPattern, get_resolver
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ApiToken
from tests import context_factories, factories
from tests.api.conftest import token_for

pytestmark = pytest.mark.django_db

ACTORS = (
    "anonymous",
    "norole",
    "home_analyst",
    "home_contributor",
    "home_focal_point",
    "lapsed_focal_point",
    "suspended_analyst",
    "partner_focal_point",
    "secretariat",
)
METHODS = ("get", "post", "put", "patch", "delete")
HOME_ENTRY = {"home_contributor", "home_focal_point"}


def _everyone(status: int) -> dict[str, int]:
    return {actor: status for actor in ACTORS if actor != "anonymous"}


def _only(allowed: dict[str, int], otherwise: int) -> dict[str, int]:
    return {actor: allowed.get(actor, otherwise) for actor in ACTORS if actor != "anonymous"}


# Changing home's draft: the rule first (404 for whoever cannot read it, whatever the role), then
# the role and the owner (403); home's own contributor and focal point succeed.
CHANGE_DRAFT = {
    actor: 200 if actor in HOME_ENTRY else 403 if actor == "home_analyst" else 404
    for actor in ACTORS
    if actor != "anonymous"
}


FOCAL_POINTS = ("home_focal_point", "lapsed_focal_point", "partner_focal_point")
NOTE_BODY = {"month_from": "2026-03", "month_to": "2026-03", "text": "Matrix note", "language": "en"}
PROFILE_BODY = {"valid_from": "2026-01-01", "agencies": "Police", "territory": "All", "irregular_stay": "no",
                "incident_unit": "One group", "language": "en"}  # fmt: skip
HOME_CONTEXT_READERS = _only(
    dict.fromkeys(["home_analyst", "home_contributor", "home_focal_point", "partner_focal_point", "secretariat"], 200),
    404,
)
# Changing home's note: the role first (403 for those who never write context), then the rule
# (404 for a focal point that cannot read it), then ownership (403 for the partner).
CHANGE_HOME_CONTEXT = _only({"home_focal_point": 200, "partner_focal_point": 403, "lapsed_focal_point": 404}, 403)


def incident_body() -> dict:
    return {"national_reference": "MATRIX-1", "detection_date": timezone.localdate().isoformat()}


# route name → method → (how to build the request, {actor: status}). Methods not listed: 405.
# `setup(story)` returns (url kwargs, body) for the request.
MATRIX = {
    "me": {"get": (lambda s: ({}, None), _everyone(200))},
    "reference-list": {"get": (lambda s: ({}, None), _everyone(200))},
    "reference-detail": {"get": (lambda s: ({"name": "mode"}, None), _everyone(200))},
    "participant-list": {
        "get": (lambda s: ({}, None), _everyone(200)),
        # Inviting a participant is the secretariat's (the console's own service and checks).
        "post": (
            lambda s: ({}, {"code": "NEW", "name": "New organisation", "kind": "organisation", "region": "other"}),
            _only({"secretariat": 201}, 403),
        ),
    },
    "participant-detail": {"get": (lambda s: ({"code": "PAR"}, None), _everyone(200))},
    "participant-action": {
        "post": (
            lambda s: ({"code": "LAP", "action": "suspend"}, {"reason": "matrix"}),
            _only({"secretariat": 200}, 403),
        )
    },
    # The dashboards' aggregates: every role that reads dashboards (not contributors, not no-role),
    # whatever its standing: the figures themselves follow the rule and disclosure control.
    "aggregate-list": {
        "get": (lambda s: ({}, None), _only({"norole": 403, "home_contributor": 403}, 200)),
    },
    "aggregate-detail": {
        "get": (lambda s: ({"key": "series"}, None), _only({"norole": 403, "home_contributor": 403}, 200)),
    },
    "incident-list": {
        "get": (lambda s: ({}, None), _everyone(200)),
        # Contributors and focal points enter records for their own participant; no one else does.
        "post": (
            lambda s: ({}, incident_body()),
            _only(dict.fromkeys([*HOME_ENTRY, "lapsed_focal_point", "partner_focal_point"], 201), 403),
        ),
    },
    "incident-detail": {
        # home's shared record: its own users read it; the contributing partner too; no one else.
        "get": (
            lambda s: ({"pk": s.records["home_shared"].pk}, None),
            _only(
                {"home_analyst": 200, "home_contributor": 200, "home_focal_point": 200, "partner_focal_point": 200}, 404
            ),
        ),
        # home's draft: only home's users see it; of them, only those who enter records change it.
        "patch": (
            lambda s: ({"pk": s.records["home_draft"].pk}, {"version": s.records["home_draft"].version, "dead": 1}),
            CHANGE_DRAFT,
        ),
    },
    "incident-action": {
        "post": (
            lambda s: (
                {"pk": s.records["home_draft"].pk, "action": "withdraw"},
                {"version": s.records["home_draft"].version, "reason": "matrix"},
            ),
            CHANGE_DRAFT,
        )
    },
    "return-list": {"get": (lambda s: ({}, None), _everyone(200))},
    # Imports (issue 5): a participant's own batches. Uploading needs a file (multipart): this JSON
    # body without one answers 400 to those who may import, 403 to the rest.
    "import-list": {
        "get": (lambda s: ({}, None), _everyone(200)),
        "post": (
            lambda s: ({}, {"mode": "dry_run"}),
            _only(dict.fromkeys([*HOME_ENTRY, "lapsed_focal_point", "partner_focal_point"], 400), 403),
        ),
    },
    "import-detail": {
        "get": (
            lambda s: ({"pk": factories.matrix_import_batch(s).pk}, None),
            _only(dict.fromkeys(HOME_ENTRY, 200), 404),
        ),
    },
    # home's batch is done: home's contributor and focal point are told it cannot be cancelled (400).
    "import-action": {
        "post": (
            lambda s: ({"pk": factories.matrix_import_batch(s).pk, "action": "cancel"}, {}),
            _only(
                {
                    **dict.fromkeys(HOME_ENTRY, 400),
                    "lapsed_focal_point": 404,
                    "partner_focal_point": 404,
                },
                403,
            ),
        )
    },
    # Any other address under /api/v1/: a JSON 404 for everyone, signed in or not.
    "not-found": {
        method: (lambda s: ({"path": "nowhere/"}, None), {**_everyone(404), "anonymous": 404}) for method in METHODS
    },
    "return-detail": {
        "get": (
            lambda s: ({"month": f"{factories.months_back(1):%Y-%m}"}, None),
            # Each participant's own return of last month; the secretariat and no-role have none.
            _only({"norole": 404, "secretariat": 404, "lapsed_focal_point": 404}, 200),
        )
    },
    "return-action": {
        "post": (
            lambda s: ({"month": f"{factories.months_back(5):%Y-%m}", "action": "nil"}, {}),
            # Every focal point may say "nothing to report" for its own participant's empty month.
            _only({"home_focal_point": 200, "lapsed_focal_point": 200, "partner_focal_point": 200}, 403),
        )
    },
    # National context (issue 22): anyone signed in lists what the rule lets it read; focal points
    # write for their own participant. home's note and profile: readable by home's users, the
    # contributing partner and the secretariat; 404 for the rest (the rule first, then the role).
    "context-note-list": {
        "get": (lambda s: ({}, None), _everyone(200)),
        "post": (lambda s: ({}, NOTE_BODY), _only(dict.fromkeys(FOCAL_POINTS, 201), 403)),
    },
    "context-note-detail": {
        "get": (lambda s: ({"pk": context_factories.matrix_note(s).pk}, None), HOME_CONTEXT_READERS),
        "patch": (
            lambda s: ({"pk": context_factories.matrix_note(s).pk}, {"version": 1, "text": "Changed"}),
            CHANGE_HOME_CONTEXT,
        ),  # fmt: skip
    },
    "context-note-action": {
        "post": (
            lambda s: ({"pk": context_factories.matrix_note(s).pk, "action": "withdraw"}, {"reason": "matrix"}),
            CHANGE_HOME_CONTEXT,
        )
    },
    "context-profile-list": {
        "get": (lambda s: ({}, None), _everyone(200)),
        "post": (lambda s: ({}, PROFILE_BODY), _only(dict.fromkeys(FOCAL_POINTS, 201), 403)),
    },
    "context-profile-detail": {
        "get": (lambda s: ({"pk": context_factories.matrix_profile(s).pk}, None), HOME_CONTEXT_READERS),
    },
}

# Linked incidents (issue 22): home's shared record and the partner's, proposed once per story. The
# rule first (404 for whoever does not read both records as one of the two sides), then the role:
# only focal points list and decide links (403).
LINK_SIDES = {"home_focal_point": 200, "partner_focal_point": 200, "home_analyst": 403, "home_contributor": 403}
MATRIX.update(
    {
        "link-list": {
            "get": (
                lambda s: ({}, None),
                _only(dict.fromkeys(["home_focal_point", "lapsed_focal_point", "partner_focal_point"], 200), 403),
            )
        },
        "link-detail": {"get": (lambda s: ({"pk": factories.matrix_link(s).pk}, None), _only(LINK_SIDES, 404))},
        "link-decide": {
            "post": (lambda s: ({"pk": factories.matrix_link(s).pk, "action": "confirm"}, {}), _only(LINK_SIDES, 404))
        },
        "incident-links": {
            "get": (
                lambda s: ({"pk": s.records["home_shared"].pk}, None),
                _only(
                    {
                        **dict.fromkeys(["home_analyst", "home_contributor", "home_focal_point"], 200),
                        "partner_focal_point": 200,
                    },
                    404,
                ),  # fmt: skip
            )
        },
    }
)


def _clients(story) -> dict[tuple[str, str], APIClient]:
    clients = {("anonymous", "session"): APIClient(), ("anonymous", "token"): APIClient()}
    for actor in ACTORS[1:]:
        user = story.users[actor]
        session = APIClient()
        session.force_login(user)
        token = APIClient()
        token.credentials(HTTP_AUTHORIZATION=f"Bearer {token_for(user, scope=ApiToken.Scope.WRITE)}")
        clients[(actor, "session")], clients[(actor, "token")] = session, token
    return clients


def _call(client: APIClient, method: str, url: str, body):
    return getattr(client, method)(url, body or {}, format="json", HTTP_IDEMPOTENCY_KEY=f"matrix-{method}-{url}")


@pytest.mark.parametrize("auth", ["session", "token"])
@pytest.mark.parametrize("route", sorted(MATRIX))
def test_every_actor_and_method_gets_the_expected_status(story, route, auth):
    from django.urls import reverse

    clients = _clients(story)
    problems = []
    for method in METHODS:
        setup, expected = MATRIX[route].get(method, (MATRIX[route][next(iter(MATRIX[route]))][0], None))
        kwargs, body = setup(story)
        url = reverse(f"api:{route}", kwargs=kwargs)
        for actor in ACTORS:
            want = expected.get(actor, 401) if expected else (401 if actor == "anonymous" else 405)
            with transaction.atomic():
                got = _call(clients[(actor, auth)], method, url, body).status_code
                transaction.set_rollback(True)
            if got != want:
                problems.append(f"{method.upper()} {url} as {actor}: {got}, expected {want}")
    assert not problems, "\n".join(problems)


def test_a_read_only_token_is_refused_every_write_with_403_and_reads_as_a_session_does(story):
    user = story.users["home_focal_point"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_for(user, scope=ApiToken.Scope.READ)}")
    from django.urls import reverse

    for route, methods in MATRIX.items():
        for method, (setup, expected) in methods.items():
            kwargs, body = setup(story)
            got = _call(client, method, reverse(f"api:{route}", kwargs=kwargs), body).status_code
            want = expected["home_focal_point"] if method == "get" or route == "not-found" else 403
            assert got == want, (route, method, got)


def test_every_api_route_is_in_the_matrix():
    resolver = get_resolver()
    (api,) = [p for p in resolver.url_patterns if getattr(p, "namespace", None) == "api"]
    names = {p.name for p in api.url_patterns if isinstance(p, URLPattern)}
    assert names == set(MATRIX), f"routes missing from the matrix: {names - set(MATRIX)}"


def test_expired_tokens_are_401_on_every_route(story):
    from django.urls import reverse

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_for(story.users['home_focal_point'], days=1)}")
    later = dt.timedelta(days=2)
    import time_machine

    with time_machine.travel(timezone.now() + later):
        for route, methods in MATRIX.items():
            for method, (setup, _expected) in methods.items():
                kwargs, body = setup(story)
                want = 404 if route == "not-found" else 401
                assert _call(client, method, reverse(f"api:{route}", kwargs=kwargs), body).status_code == want
