"""Every HTML form, as each role, fed hostile input: no 500.

The pages come from the permission matrix's registry (every route of the site, with its URL
arguments): each is opened as each role, the forms it shows are read from its HTML, and each form
is posted with generated values in every field (long, empty, malformed, out-of-range, bidi
controls, markup, other records' ids). An answer may refuse (400, 403, 404, 405, 409, 413, 429, a
redisplayed form or a redirect) but never be a server error. Each post runs in a savepoint that is
rolled back, so one form's success does not change the next form's page.
"""

from __future__ import annotations

import random
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.db import transaction
from django.test import Client

from tests import factories
from tests.test_permission_matrix import REGISTRY, _url

pytestmark = pytest.mark.django_db

ROLES = ("home_contributor", "home_focal_point", "home_analyst", "secretariat")
POSTS_PER_FORM = 6
HOSTILE = (
    "",
    " ",
    "0",
    "-1",
    "999999999999999999999999",
    "1e309",
    "NaN",
    "2026-13-45",
    "0000-00",
    "x" * 5000,
    "é" * 300,
    "AUS-\u202e2400",
    "\u200b",
    "\x00",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "[" * 2000,
    "{}",
    "P<LKAPERERA<<KAMAL<<<<<<<<<<<<<<<<<<<<<<<<<<<",
    "2024-02-30",
    "on",
)
SKIP_ACTIONS = ("/accounts/logout/", "/i18n/setlang/")


class _Forms(HTMLParser):
    """The POST forms of a page: (action, {field name: [values offered]})."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, dict[str, list[str]]]] = []
        self._current: dict[str, list[str]] | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "get").lower() == "post":
            self._current = {}
            self.forms.append((attrs.get("action") or "", self._current))
        elif self._current is None:
            return
        elif tag in ("input", "textarea", "select") and attrs.get("name"):
            self._current.setdefault(attrs["name"], [])
            if attrs.get("value"):
                self._current[attrs["name"]].append(attrs["value"])
            self._select = attrs["name"] if tag == "select" else None
        elif tag == "option" and self._select and attrs.get("value"):
            self._current[self._select].append(attrs["value"])

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None
        elif tag == "select":
            self._select = None


def _pages(story) -> list[str]:
    urls = []
    for name, route in sorted(REGISTRY.items()):
        if route.api or route.method != "get" or name.startswith("admin:") or route.path:
            continue
        record_pks = [story.records[key].pk for key in route.records[:2]] or [None]
        for pk in record_pks:
            try:
                urls.append(_url(name, route, story, pk))
            except Exception:  # noqa: S112 - a route whose arguments the story cannot give is left out
                continue
    return urls


def _payload(rng: random.Random, fields: dict[str, list[str]], story) -> dict[str, str]:
    other_ids = [str(r.pk) for r in story.records.values()]
    data = {}
    for name, offered in fields.items():
        if name == "csrfmiddlewaretoken":
            continue
        choice = rng.random()
        if offered and choice < 0.3:
            data[name] = rng.choice(offered)  # a value the page offers, so that other fields are reached
        elif choice < 0.4:
            data[name] = rng.choice(other_ids)
        else:
            data[name] = rng.choice(HOSTILE)
    return data


@pytest.mark.parametrize("role", ROLES)
def test_no_form_answers_a_server_error_to_hostile_input(role):
    story = factories.ReciprocityStory()
    client = Client()  # an exception in a view fails the test with its traceback
    client.force_login(story.users[role])
    rng = random.Random(f"fuzz:{role}")  # noqa: S311 - test data
    seen: set[tuple[str, tuple[str, ...]]] = set()
    posted = 0
    for page in _pages(story):
        response = client.get(page)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        parser = _Forms()
        parser.feed(response.content.decode("utf-8", "replace"))
        for action, fields in parser.forms:
            target = urlsplit(urljoin(page, action)).path
            key = (target, tuple(sorted(fields)))
            if key in seen or target.startswith(SKIP_ACTIONS):
                continue
            seen.add(key)
            for _ in range(POSTS_PER_FORM):
                with transaction.atomic():
                    answer = client.post(target, _payload(rng, fields, story))
                    transaction.set_rollback(True)
                assert answer.status_code < 500, f"{role} POST {target}: {answer.status_code}"
                posted += 1
    assert posted >= POSTS_PER_FORM * 3, f"{role}: only {posted} posts: the pages' forms were not found"
