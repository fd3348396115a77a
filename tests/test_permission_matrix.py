"""The permission matrix: every URL pattern of the project, every kind of actor, own and others' records.

`test_every_route_is_declared` walks the resolver (admin and API included) and fails when a route is
missing from REGISTRY below. `test_matrix` requests each declared route as each actor and compares
the status with the declaration; for routes about one record it tries records of every kind, and a
record outside the rule must answer 404 with the same body as an id that does not exist.

How to add a route (one entry per URL name):

    "reporting:incident-validate": Route(
        method="post",
        records=RECORDS,                               # a record route: `pk` is each story record
        expect=record_action(ok=302, roles=(FOCAL_POINT,), own_only=True),
    ),
    "analytics:dashboard": Route(expect=by_role(default=200)),   # a page: status per actor
    "api:me": Route(expect=by_role(default=200), api=True),      # API: anonymous 401/403

`expect(actor, record_key)` gives the status when the record is readable by the actor (record routes)
or the status outright (other routes); `kwargs(story)` builds URL kwargs that are not a record id;
`data(story)` the POST body. Each request runs inside a savepoint that is rolled back, so POSTs do
not change the story for the next actor. The story (tests/factories.py: ReciprocityStory) is built
once for the module.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.models import Role
from reporting import reciprocity
from reporting.models import ReciprocityPolicy
from tests import context_factories, factories

pytestmark = pytest.mark.django_db

ACTORS = (
    "anonymous",
    "norole",
    "home_contributor",
    "home_focal_point",
    "home_analyst",
    "lapsed_contributor",
    "lapsed_focal_point",
    "lapsed_analyst",
    "suspended_contributor",
    "suspended_focal_point",
    "suspended_analyst",
    "secretariat",
)
CONTRIBUTOR, FOCAL_POINT, ANALYST, SECRETARIAT = Role.CONTRIBUTOR, Role.FOCAL_POINT, Role.ANALYST, Role.SECRETARIAT
PARTICIPANT_ROLES = (CONTRIBUTOR, FOCAL_POINT, ANALYST)
ALL_ROLES = (*PARTICIPANT_ROLES, SECRETARIAT)
LOGIN = 302  # anonymous visitors of an HTML page are sent to sign in
API_ANONYMOUS = (401, 403)
# Records of every kind the rule tells apart (keys of ReciprocityStory.records).
RECORDS = ("home_shared", "home_draft", "partner_shared", "partner_national", "lapsed_shared", "suspended_shared")
MISSING_PK = 987654321

Status = int | tuple[int, ...]
Expect = Callable[[str, str | None], Status]


def role_of(actor: str) -> str | None:
    if actor in ("anonymous", "norole"):
        return None
    if actor == "secretariat":
        return SECRETARIAT
    return actor.split("_", 1)[1]


def owner_of(record_key: str | None) -> str | None:
    return record_key.split("_", 1)[0] if record_key else None


def by_role(*, default: Status = 403, anonymous: Status = LOGIN, norole: Status = 403, **overrides: Status) -> Expect:
    """Status per actor: `overrides` by actor name (e.g. home_analyst=200) or by role (analyst=200)."""

    def expect(actor: str, record_key: str | None = None) -> Status:
        if actor == "anonymous":
            return anonymous
        if actor == "norole":
            return norole
        if actor in overrides:
            return overrides[actor]
        return overrides.get(role_of(actor), default)

    return expect


def record_action(
    *, ok: Status, roles: tuple[str, ...], own_only: bool = True, anonymous: Status = LOGIN, norole: Status = 403
) -> Expect:
    """A record route: `ok` for the allowed roles (on own records only, if own_only), 403 for a
    readable record and a forbidden action. (Unreadable records: 404, decided by the test.)"""

    def expect(actor: str, record_key: str | None) -> Status:
        if actor == "anonymous":
            return anonymous
        if actor == "norole":
            return norole
        if role_of(actor) not in roles:
            return 403
        if own_only and owner_of(record_key) != actor.split("_", 1)[0]:
            return 403
        return ok

    return expect


def _entry_edit(actor: str, record_key: str | None) -> Status:
    """The edit form: own records only; a contributor edits drafts, the focal point also corrects
    validated records (the story's *_shared records are validated, home_draft is a draft)."""
    status = record_action(ok=200, roles=(CONTRIBUTOR, FOCAL_POINT))(actor, record_key)
    if status == 200 and role_of(actor) == CONTRIBUTOR and not (record_key or "").endswith("draft"):
        return 403
    return status


def _import(ok: Status) -> Expect:
    """An import batch of home: its contributor and focal point get `ok`; other participants' 404."""
    return by_role(home_contributor=ok, home_focal_point=ok, contributor=404, focal_point=404)


@dataclass(frozen=True)
class Route:
    expect: Expect
    method: str = "get"
    records: tuple[str, ...] = ()  # a record route: kwargs {"pk": record.pk} for each key
    kwargs: Callable[[factories.ReciprocityStory], dict] = field(default=lambda story: {})
    data: Callable[[factories.ReciprocityStory], dict] = field(default=lambda story: {})
    api: bool = False
    path: str = ""  # for a route without a name: the path to request
    fresh_client: bool = False  # signs the actor in anew for each request (e.g. logout)


def _admin(expect_secretariat: Status = (200, 302, 403, 404)) -> Route:
    # Django's admin sends anyone who is not staff to its own sign-in page; the secretariat (staff)
    # gets a page, a redirect or 403 according to its model permissions (404 for the made-up object
    # id 1 where it does not exist). The admin holds no
    # incident records (reporting/admin.py registers none), so it is no way around the rule.
    return Route(expect=by_role(default=302, anonymous=302, norole=302, secretariat=expect_secretariat))


# The registry ----------------------------------------------------------------------------------


def _batch_kwargs(story) -> dict:
    return {"pk": factories.matrix_import_batch(story).pk}


REGISTRY: dict[str, Route] = {
    # Site
    "home": Route(expect=by_role(default=200, norole=200)),
    "accounts:login": Route(expect=by_role(default=200, anonymous=200, norole=200)),
    "accounts:logout": Route(method="post", fresh_client=True, expect=by_role(default=302, anonymous=302, norole=302)),
    "set_language": Route(  # the language switcher: everyone, signed in or not (issue 10)
        method="post",
        data=lambda story: {"language": "fr", "next": "/accounts/login/"},  # anonymous: back to sign in
        expect=by_role(default=302, anonymous=302, norole=302),
    ),
    # The API's schema and its docs page describe the interface, not data: public.
    "api-schema": Route(expect=by_role(default=200, norole=200, anonymous=200), api=True),
    "api-docs": Route(expect=by_role(default=200, norole=200, anonymous=200)),
    # Records and sharing (issue #3)
    "reporting:incident-list": Route(expect=by_role(default=200)),
    "reporting:incident-detail": Route(records=RECORDS, expect=record_action(ok=200, roles=ALL_ROLES, own_only=False)),
    "reporting:standing-detail": Route(expect=by_role(default=200, secretariat=403)),
    "reporting:sharing-matrix": Route(expect=by_role(secretariat=200)),
    "reporting:accessevent-list": Route(expect=by_role(focal_point=200)),
    "reporting:exclusion-list": Route(expect=by_role(focal_point=200)),
    # National context (issue 22): everyone reads what the rule allows; the focal point writes its
    # own; home's note is missing (404) for focal points that cannot read it.
    "reporting:context-list": Route(expect=by_role(default=200)),
    "reporting:context-profile": Route(expect=by_role(focal_point=200)),
    "reporting:context-note-create": Route(expect=by_role(focal_point=200)),
    "reporting:context-note-update": Route(
        kwargs=lambda story: {"pk": context_factories.matrix_note(story).pk},
        expect=by_role(home_focal_point=200, focal_point=404),
    ),
    "reporting:context-note-withdraw": Route(
        kwargs=lambda story: {"pk": context_factories.matrix_note(story).pk},
        expect=by_role(home_focal_point=200, focal_point=404),
    ),
    # Data entry, the record workflow and monthly returns (issue #4). Refusals by the service
    # (wrong status, missing reason) come back as a message on a redirect (302).
    "reporting:incident-create": Route(expect=by_role(contributor=200, focal_point=200)),
    "reporting:incident-update": Route(records=RECORDS, expect=_entry_edit),
    "reporting:incident-submit": Route(
        method="post", records=RECORDS, expect=record_action(ok=302, roles=(CONTRIBUTOR, FOCAL_POINT))
    ),
    "reporting:incident-withdraw": Route(
        method="post", records=RECORDS, expect=record_action(ok=302, roles=(CONTRIBUTOR, FOCAL_POINT))
    ),
    "reporting:incident-validate": Route(
        method="post", records=RECORDS, expect=record_action(ok=302, roles=(FOCAL_POINT,))
    ),
    "reporting:incident-return": Route(
        method="post", records=RECORDS, expect=record_action(ok=302, roles=(FOCAL_POINT,))
    ),
    "reporting:incident-override": Route(
        method="post", records=RECORDS, expect=record_action(ok=302, roles=(FOCAL_POINT,))
    ),
    "reporting:incident-redact": Route(  # a text that is not there: refused with a message (302)
        method="post",
        records=RECORDS,
        data=lambda story: {"text": "not in any record"},
        expect=record_action(ok=302, roles=(FOCAL_POINT,)),
    ),
    "reporting:incident-sharing": Route(
        method="post", records=RECORDS, expect=record_action(ok=302, roles=(FOCAL_POINT,))
    ),
    "reporting:glossary": Route(expect=by_role(default=200, norole=200)),
    "reporting:return-list": Route(expect=by_role(contributor=200, focal_point=200, analyst=200)),
    "reporting:return-submit": Route(
        method="post",
        kwargs=lambda story: {"pk": story.records["home_shared"].ret_id},
        expect=by_role(home_focal_point=302, focal_point=404),  # another participant's return is missing
    ),
    "reporting:return-nil": Route(method="post", expect=by_role(focal_point=302)),
    "reporting:return-reopen": Route(
        method="post",
        kwargs=lambda story: {"pk": story.records["home_shared"].ret_id},
        expect=by_role(home_focal_point=302, focal_point=404),
    ),
    # Bulk import (issue 5): the participant's contributors and focal point; another participant's
    # batch looks missing (404), other roles are refused the pages (403). The story's batch is done,
    # so the steps that change it answer with a message on a redirect (or the page again, 400).
    "reporting:import-list": Route(expect=by_role(contributor=200, focal_point=200)),
    "reporting:import-template": Route(expect=by_role(contributor=200, focal_point=200)),
    "reporting:import-detail": Route(kwargs=_batch_kwargs, expect=_import(200)),
    "reporting:import-progress": Route(kwargs=_batch_kwargs, expect=_import(200)),
    "reporting:import-codes": Route(kwargs=_batch_kwargs, expect=_import(302)),
    "reporting:import-columns": Route(method="post", kwargs=_batch_kwargs, expect=_import(400)),
    "reporting:import-check": Route(method="post", kwargs=_batch_kwargs, expect=_import(302)),
    "reporting:import-commit": Route(method="post", kwargs=_batch_kwargs, expect=_import(302)),
    "reporting:import-cancel": Route(method="post", kwargs=_batch_kwargs, expect=_import(302)),
    # The import API (issue 5). This harness posts form data: home's contributor and focal point
    # reach the JSON-only action and get 415; tests/api/test_permission_matrix.py posts JSON.
    "api:import-list": Route(api=True, expect=by_role(default=200, norole=200, anonymous=API_ANONYMOUS)),
    "api:import-detail": Route(
        api=True,
        kwargs=_batch_kwargs,
        expect=by_role(default=404, norole=404, anonymous=API_ANONYMOUS, home_contributor=200, home_focal_point=200),
    ),
    "api:import-action": Route(
        api=True,
        method="post",
        kwargs=lambda story: {"pk": factories.matrix_import_batch(story).pk, "action": "cancel"},
        expect=by_role(
            default=403,
            norole=403,
            anonymous=API_ANONYMOUS,
            home_contributor=415,
            home_focal_point=415,
            contributor=404,
            focal_point=404,
        ),
    ),
    "reporting:import-report": Route(
        kwargs=lambda story: {"pk": MISSING_PK, "fmt": "xlsx"}, expect=by_role(contributor=404, focal_point=404)
    ),
    # Regional dashboards (issue #7): every role but the contributor; figures follow the rule.
    "analytics:dashboard": Route(expect=by_role(default=200, contributor=403)),
    "analytics:records": Route(expect=by_role(default=200, contributor=403)),
    "analytics:chart-export": Route(
        kwargs=lambda story: {"key": "modes", "fmt": "csv"}, expect=by_role(default=200, contributor=403)
    ),
    # The record list's export and the drill-down list's (issue 16): the records the viewer may read,
    # like the lists; contributors enter records and do not export.
    "reporting:incident-export": Route(
        kwargs=lambda story: {"fmt": "csv"}, expect=by_role(default=200, contributor=403)
    ),
    "analytics:records-export": Route(
        kwargs=lambda story: {"fmt": "csv"}, expect=by_role(default=200, contributor=403)
    ),
    # Accounts (issue #2 and the console): pages about one's own account are open to any signed-in
    # user; user management to focal points (their participant) and the secretariat.
    "accounts:notifications": Route(expect=by_role(default=200, norole=200)),
    "accounts:session-list": Route(expect=by_role(default=200, norole=200)),
    "accounts:token-list": Route(expect=by_role(default=200, norole=200)),
    # Two-factor sign-in (issue #9): every signed-in user's own; verify sends a user without an
    # authenticator on to `next`; the POST-only actions answer GET with 405.
    "accounts:otp-overview": Route(expect=by_role(default=200, norole=200)),
    "accounts:otp-setup": Route(expect=by_role(default=200, norole=200)),
    "accounts:otp-verify": Route(expect=by_role(default=302, norole=302)),
    "accounts:otp-recovery": Route(expect=by_role(default=405, norole=405)),
    "accounts:otp-remove": Route(expect=by_role(default=405, norole=405)),
    "accounts:user-list": Route(expect=by_role(focal_point=200, secretariat=200)),
    "accounts:invitation-create": Route(expect=by_role(focal_point=405, secretariat=405)),  # POST only
    # The API (issue #5): anonymous callers get 401; a user without a role gets empty answers.
    "api:me": Route(api=True, expect=by_role(default=200, norole=200, anonymous=API_ANONYMOUS)),
    "api:participant-list": Route(api=True, expect=by_role(default=200, norole=200, anonymous=API_ANONYMOUS)),
    "api:reference-list": Route(api=True, expect=by_role(default=200, norole=200, anonymous=API_ANONYMOUS)),
    "api:return-list": Route(api=True, expect=by_role(default=200, norole=200, anonymous=API_ANONYMOUS)),
    "api:incident-list": Route(api=True, expect=by_role(default=200, norole=200, anonymous=API_ANONYMOUS)),
    "api:incident-detail": Route(
        api=True,
        records=RECORDS,
        expect=record_action(ok=200, roles=ALL_ROLES, own_only=False, anonymous=API_ANONYMOUS, norole=404),
    ),
    # The API (issue #6), the routes not declared above. This harness posts HTML forms: the API
    # reads JSON only, so an allowed POST that needs a body answers 415 here; tests/api/
    # test_permission_matrix.py runs every API route and method with JSON, by session and by token.
    "api:reference-detail": Route(
        api=True,
        kwargs=lambda story: {"name": "mode"},
        expect=by_role(default=200, norole=200, anonymous=API_ANONYMOUS),
    ),
    "api:participant-detail": Route(
        api=True, kwargs=lambda story: {"code": "PAR"}, expect=by_role(default=200, norole=200, anonymous=API_ANONYMOUS)
    ),
    "api:participant-action": Route(
        api=True,
        method="post",
        kwargs=lambda story: {"code": "LAP", "action": "suspend"},
        expect=by_role(default=403, norole=403, anonymous=API_ANONYMOUS, secretariat=415),
    ),
    # The dashboards' aggregates over the API: the roles that read dashboards.
    "api:aggregate-list": Route(api=True, expect=by_role(default=200, contributor=403, anonymous=API_ANONYMOUS)),
    "api:aggregate-detail": Route(
        api=True,
        kwargs=lambda story: {"key": "modes"},
        expect=by_role(default=200, contributor=403, anonymous=API_ANONYMOUS),
    ),
    "api:incident-action": Route(
        api=True,
        method="post",
        records=RECORDS,
        kwargs=lambda story: {"action": "withdraw"},
        expect=record_action(
            ok=415, roles=(CONTRIBUTOR, FOCAL_POINT), own_only=True, anonymous=API_ANONYMOUS, norole=404
        ),
    ),
    # A participant's own return of last month: the story's lapsed participant has none.
    "api:return-detail": Route(
        api=True,
        kwargs=lambda story: {"month": f"{factories.months_back(1):%Y-%m}"},
        expect=by_role(
            default=200,
            norole=404,
            secretariat=404,
            anonymous=API_ANONYMOUS,
            lapsed_contributor=404,
            lapsed_focal_point=404,
            lapsed_analyst=404,
        ),
    ),
    # "Nothing to report" for an empty closed month: every participant's focal point, for its own.
    # National context (issue 22): home's note and profile, read under the rule.
    "api:context-note-list": Route(api=True, expect=by_role(default=200, norole=200, anonymous=API_ANONYMOUS)),
    "api:context-profile-list": Route(api=True, expect=by_role(default=200, norole=200, anonymous=API_ANONYMOUS)),
    "api:context-note-detail": Route(
        api=True,
        kwargs=lambda story: {"pk": context_factories.matrix_note(story).pk},
        expect=by_role(
            default=404,
            norole=404,
            anonymous=API_ANONYMOUS,
            home_analyst=200,
            home_contributor=200,
            home_focal_point=200,
            secretariat=200,
        ),  # fmt: skip
    ),
    "api:context-profile-detail": Route(
        api=True,
        kwargs=lambda story: {"pk": context_factories.matrix_profile(story).pk},
        expect=by_role(
            default=404,
            norole=404,
            anonymous=API_ANONYMOUS,
            home_analyst=200,
            home_contributor=200,
            home_focal_point=200,
            secretariat=200,
        ),  # fmt: skip
    ),
    "api:context-note-action": Route(
        api=True,
        method="post",
        kwargs=lambda story: {"pk": context_factories.matrix_note(story).pk, "action": "withdraw"},
        data=lambda story: {"reason": "matrix"},
        expect=by_role(default=403, norole=403, anonymous=API_ANONYMOUS, home_focal_point=200, focal_point=404),
    ),
    "api:return-action": Route(
        api=True,
        method="post",
        kwargs=lambda story: {"month": f"{factories.months_back(5):%Y-%m}", "action": "nil"},
        expect=by_role(default=403, norole=403, anonymous=API_ANONYMOUS, focal_point=200),
    ),
    # Any other address under /api/v1/: the API's JSON 404, for everyone.
    "api:not-found": Route(
        api=True, kwargs=lambda story: {"path": "nowhere/"}, expect=by_role(default=404, norole=404, anonymous=404)
    ),
    # Linked incidents (issue 22): the link between home's shared record and the partner's. Pages
    # are the focal point's (403 by role first); the API asks the rule first (404 for whoever does
    # not read both records as one of the two sides), then the role (403).
    "reporting:link-list": Route(expect=by_role(focal_point=200)),
    "reporting:link-decide": Route(
        method="post",
        kwargs=lambda story: {"pk": factories.matrix_link(story).pk},
        data=lambda story: {"decision": "confirm"},
        expect=by_role(home_focal_point=302, focal_point=404),
    ),
    "api:link-list": Route(api=True, expect=by_role(focal_point=200, anonymous=API_ANONYMOUS)),
    "api:link-detail": Route(
        api=True,
        kwargs=lambda story: {"pk": factories.matrix_link(story).pk},
        expect=by_role(
            default=404,
            norole=404,
            anonymous=API_ANONYMOUS,
            home_focal_point=200,
            home_analyst=403,
            home_contributor=403,
        ),  # fmt: skip
    ),
    "api:link-decide": Route(
        api=True,
        method="post",
        kwargs=lambda story: {"pk": factories.matrix_link(story).pk, "action": "confirm"},
        expect=by_role(
            default=404,
            norole=404,
            anonymous=API_ANONYMOUS,
            home_focal_point=200,
            home_analyst=403,
            home_contributor=403,
        ),  # fmt: skip
    ),
    "api:incident-links": Route(
        api=True,
        records=RECORDS,
        expect=record_action(ok=200, roles=ALL_ROLES, own_only=False, anonymous=API_ANONYMOUS, norole=404),
    ),
    "accounts:token-revoke": Route(
        method="post", kwargs=lambda story: {"pk": MISSING_PK}, expect=by_role(default=404, norole=404)
    ),
    # The secretariat's console (issue #8)
    "reporting:console-audit": Route(expect=by_role(secretariat=200)),
    "reporting:console-coverage": Route(expect=by_role(secretariat=200)),
    "reporting:console-home": Route(expect=by_role(secretariat=200)),
    "reporting:console-participants": Route(expect=by_role(secretariat=200)),
    "reporting:console-policy": Route(expect=by_role(secretariat=200)),
    "reporting:console-terms": Route(expect=by_role(secretariat=200)),
    "reporting:console-participant": Route(kwargs=lambda story: {"pk": story.home.pk}, expect=by_role(secretariat=200)),
    "reporting:console-participant-step": Route(
        method="post",
        kwargs=lambda story: {"pk": story.lapsed.pk, "step": "suspend"},
        data=lambda story: {"reason": "matrix"},
        expect=by_role(secretariat=302),
    ),
    "reporting:console-terms-accept": Route(  # an empty form: 400 with every problem listed
        method="post", kwargs=lambda story: {"pk": story.home.pk}, expect=by_role(secretariat=400)
    ),
    "reporting:console-codelist": Route(kwargs=lambda story: {"kind": "agencies"}, expect=by_role(secretariat=200)),
    "reporting:console-codelist-edit": Route(
        kwargs=lambda story: {"kind": "exchange-rates", "pk": MISSING_PK}, expect=by_role(secretariat=404)
    ),
    # Users of a participant: its focal point and the secretariat; another participant's focal
    # point gets 404 (the user looks missing), everyone else 403.
    "accounts:user-detail": Route(
        kwargs=lambda story: {"pk": story.users["home_analyst"].pk},
        expect=by_role(secretariat=200, home_focal_point=200, focal_point=404),
    ),
    "accounts:user-role": Route(
        method="post",
        kwargs=lambda story: {"pk": story.users["home_analyst"].pk},
        data=lambda story: {"role": "contributor"},
        expect=by_role(secretariat=302, home_focal_point=302, focal_point=404),
    ),
    "accounts:user-deactivate": Route(
        method="post",
        kwargs=lambda story: {"pk": story.users["home_analyst"].pk},
        data=lambda story: {"reason": "matrix"},
        expect=by_role(secretariat=302, home_focal_point=302, focal_point=404),
    ),
    "accounts:user-reactivate": Route(
        method="post",
        kwargs=lambda story: {"pk": story.users["home_analyst"].pk},
        expect=by_role(secretariat=302, home_focal_point=302, focal_point=404),
    ),
    "accounts:invitation-withdraw": Route(
        method="post", kwargs=lambda story: {"pk": MISSING_PK}, expect=by_role(secretariat=404, focal_point=404)
    ),
    # The invitation link: open to anyone; an unknown, used or expired token answers 410 Gone.
    "accounts:invitation-accept": Route(
        kwargs=lambda story: {"token": "no-such-token"}, expect=by_role(default=410, anonymous=410, norole=410)
    ),
    "accounts:session-end": Route(
        method="post", kwargs=lambda story: {"pk": MISSING_PK}, expect=by_role(default=404, norole=404)
    ),
    # The secretariat's reminders page (issue 19)
    "reporting:console-reminders": Route(expect=by_role(secretariat=200)),
    # Account recovery (issue 19): the reset pages are open to anyone; a bad reset link is gone (410).
    "accounts:password-reset": Route(expect=by_role(default=200, anonymous=200, norole=200)),
    "accounts:password-reset-sent": Route(expect=by_role(default=200, anonymous=200, norole=200)),
    "accounts:password-reset-confirm": Route(
        kwargs=lambda story: {"uidb64": "MQ", "token": "no-such-token"},
        expect=by_role(default=410, anonymous=410, norole=410),
    ),
    "accounts:password-reset-complete": Route(expect=by_role(default=200, anonymous=200, norole=200)),
    "accounts:password-change": Route(expect=by_role(default=200, norole=200)),
    "accounts:user-password-reset": Route(
        method="post",
        kwargs=lambda story: {"pk": story.users["home_analyst"].pk},
        expect=by_role(secretariat=302, home_focal_point=302, focal_point=404),
    ),
    "accounts:invitation-resend": Route(
        method="post", kwargs=lambda story: {"pk": MISSING_PK}, expect=by_role(secretariat=404, focal_point=404)
    ),
}
# Django's admin: every route, the same guard.
ADMIN_KWARGS = {
    "object_id": "1",
    "id": "1",
    "app_label": "accounts",
    "content_type_id": 1,
    "url": "nowhere/",
    "history_id": 1,
    "pk": "1",  # django-otp's admin: an authenticator's QR code page
}


def _declared(name: str) -> Route | None:
    if name in REGISTRY:
        return REGISTRY[name]
    if name.startswith("admin:"):
        if name == "admin:login":
            return Route(expect=by_role(default=(200, 302), anonymous=200, norole=200))
        if name.startswith("admin:<unnamed admin/(?P<url>"):  # the admin's catch-all: a page that does not exist
            expect = by_role(default=302, anonymous=302, norole=302, secretariat=404)
            return Route(path="/admin/nowhere/", expect=expect)
        if name.startswith("admin:<unnamed"):  # an object's bare URL redirects to its change page
            return Route(
                path="/" + project_routes()[name].replace("<path:object_id>", "1"),
                expect=by_role(default=302, anonymous=302, norole=302, secretariat=(302, 404)),
            )
        if name == "admin:logout":
            # Signing out of the admin sends everyone to the admin's front page, signed out.
            return Route(method="post", fresh_client=True, expect=by_role(default=302, anonymous=302, norole=302))
        return _admin()
    return None


# Walking the resolver ----------------------------------------------------------------------------


def project_routes() -> dict[str, str]:
    """{URL name: pattern} for every named route of the project, admin and API included."""
    found: dict[str, str] = {}

    def walk(patterns, prefix: str, namespace: str | None) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = namespace
                if p.namespace:
                    ns = f"{namespace}:{p.namespace}" if namespace else p.namespace
                walk(p.url_patterns, prefix + str(p.pattern), ns)
            elif isinstance(p, URLPattern):
                name = p.name or f"<unnamed {prefix}{p.pattern}>"
                found[f"{namespace}:{name}" if namespace else name] = prefix + str(p.pattern)

    walk(get_resolver().url_patterns, "", None)
    return found


def test_every_route_is_declared():
    missing = sorted(name for name in project_routes() if _declared(name) is None)
    assert not missing, (
        "Routes missing from tests/test_permission_matrix.py REGISTRY (declare who may use them): " + ", ".join(missing)
    )


def test_the_registry_names_only_existing_routes():
    assert not sorted(set(REGISTRY) - set(project_routes()))


# Running the matrix -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def story(django_db_setup, django_db_blocker):
    """The story, built once for the module in its own transaction and removed afterwards."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        ReciprocityPolicy.objects.get_or_create(version=1)
        built = factories.ReciprocityStory()
        try:
            yield built
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _url(name: str, route: Route, story, record_pk: int | None) -> str:
    if route.path:
        return route.path
    kwargs = dict(route.kwargs(story))
    if record_pk is not None:
        kwargs["pk"] = record_pk
    if name.startswith("admin:") and not kwargs:
        pattern = project_routes()[name]
        kwargs = {k: v for k, v in ADMIN_KWARGS.items() if re.search(rf"[<:]{k}>", pattern)}
        if not kwargs and "([^/]+)" in pattern:  # positional groups (simple_history's admin)
            return reverse(name, args=["1"] * pattern.count("([^/]+)"))
    return reverse(name, kwargs=kwargs)


def _request(client: Client, name: str, route: Route, story, record_pk: int | None):
    url = _url(name, route, story, record_pk)
    with transaction.atomic():
        call = getattr(client, route.method)
        response = call(url, route.data(story)) if route.method == "post" else call(url)
        transaction.set_rollback(True)
    return response


def _visible(story, actor: str, policy_reads: bool) -> set[str]:
    if actor in ("anonymous", "norole"):
        return set()
    return story.expected_visible(actor, secretariat_reads_records=policy_reads)


def matrix_violations(story, names: list[str] | None = None) -> list[str]:
    """Every (route, actor, record) whose answer differs from the declaration."""
    routes = project_routes()
    problems: list[str] = []
    clients = {}
    for actor in ACTORS:
        client = Client(raise_request_exception=False)
        if actor != "anonymous":
            client.force_login(story.users[actor])
        clients[actor] = client
    for name in names or sorted(routes):
        route = _declared(name)
        if route is None:
            continue
        for actor in ACTORS:
            client = clients[actor]
            if route.fresh_client:
                client = Client(raise_request_exception=False)
                if actor != "anonymous":
                    client.force_login(story.users[actor])
            if not route.records:
                response = _request(client, name, route, story, None)
                _check(problems, name, actor, None, response, route.expect(actor, None), route)
                continue
            missing = _request(client, name, route, story, MISSING_PK)
            visible = _visible(story, actor, policy_reads=False)
            for key in route.records:
                response = _request(client, name, route, story, story.records[key].pk)
                if actor in ("anonymous", "norole"):
                    expected = route.expect(actor, key)
                elif key in visible:
                    expected = route.expect(actor, key)
                else:
                    expected = 404
                    if response.status_code == 404 and response.content != missing.content:
                        problems.append(f"{name} {actor} {key}: the 404 differs from a missing id's")
                _check(problems, name, actor, key, response, expected, route)
    return problems


def _check(problems, name, actor, key, response, expected: Status, route: Route) -> None:
    allowed = expected if isinstance(expected, tuple) else (expected,)
    if response.status_code not in allowed:
        problems.append(f"{name} as {actor}{f' on {key}' if key else ''}: {response.status_code}, declared {expected}")
        return
    if actor == "anonymous" and response.status_code == 302 and not route.api and "logout" not in name:
        location = response["Location"]
        if not re.search(r"/login/|/accounts/login", location):
            problems.append(f"{name} as anonymous: redirected to {location}, not to sign in")


def test_matrix(story):
    problems = matrix_violations(story)
    assert not problems, "\n".join(problems)


def test_the_matrix_fails_when_the_rule_is_broken(story, monkeypatch):
    """A check that cannot fail proves nothing: grant everyone everything and the matrix objects."""
    from reporting.models import Incident

    def everything(user, *, on=None):
        return Incident.objects.all() if user.is_authenticated else Incident.objects.none()

    monkeypatch.setattr(reciprocity, "visible_incidents", everything)
    problems = matrix_violations(story, names=["reporting:incident-detail", "reporting:incident-list"])
    assert any("reporting:incident-detail as lapsed_analyst on partner_shared: 200" in p for p in problems), problems
