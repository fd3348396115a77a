"""National context over the API (issue 22): notes and profiles read under the rule, written by the
focal point with optimistic locking; aggregates carry their footnotes."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from analytics.services import facts_rebuild_all
from reporting.context.models import PeriodNote
from tests import context_factories, factories
from tests.api.conftest import session_client, token_client

pytestmark = pytest.mark.django_db

NOTE = {"month_from": "2026-03", "month_to": "2026-04", "text": "New maritime patrol from March", "language": "en"}


def test_the_focal_point_writes_changes_and_withdraws_a_note(story):
    client = token_client(story.users["home_focal_point"])
    created = client.post(reverse("api:context-note-list"), NOTE, format="json")
    assert created.status_code == 201, created.json()
    note = created.json()
    assert note["participant"] == "HOM" and note["month_from"] == "2026-03" and note["version"] == 1
    url = reverse("api:context-note-detail", kwargs={"pk": note["id"]})
    changed = client.patch(url, {"text": "Patrol from April"}, format="json", HTTP_IF_MATCH='"1"')
    assert changed.status_code == 200 and changed.json()["text"] == "Patrol from April"
    assert changed.json()["month_to"] == "2026-04"  # what was not sent is kept
    assert client.patch(url, {"text": "x"}, format="json", HTTP_IF_MATCH='"1"').status_code == 412
    assert client.patch(url, {"text": "x", "version": 1}, format="json").status_code == 409
    assert client.patch(url, {"text": "x"}, format="json").status_code == 428
    withdrawn = client.post(reverse("api:context-note-action", kwargs={"pk": note["id"], "action": "withdraw"}),
                            {"reason": "Entered twice"}, format="json")  # fmt: skip
    assert withdrawn.json()["status"] == "withdrawn"
    listed = session_client(story.users["home_analyst"]).get(reverse("api:context-note-list")).json()
    assert note["id"] not in [n["id"] for n in listed["results"]]


def test_bad_notes_get_every_problem_at_once(story):
    client = token_client(story.users["home_focal_point"])
    bad = {"month_from": "2026-05", "month_to": "2026-04", "text": "Passport no. A1234567 seen", "language": "de"}
    response = client.post(reverse("api:context-note-list"), bad, format="json")
    assert response.status_code == 400
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"month_to", "text", "language"}
    assert "A1234567" not in response.content.decode()  # says what was found, never the text
    assert not PeriodNote.objects.exists()


def test_notes_outside_the_rule_are_missing(story):
    suspended = context_factories.matrix_note(story, "suspended")
    withholding = context_factories.matrix_note(story, "withholding")
    client = session_client(story.users["home_analyst"])
    for note in (suspended, withholding):
        assert client.get(reverse("api:context-note-detail", kwargs={"pk": note.pk})).status_code == 404
    codes = {n["participant"] for n in client.get(reverse("api:context-note-list")).json()["results"]}
    assert codes == set()
    partner = context_factories.matrix_note(story, "partner")
    codes = {n["participant"] for n in client.get(reverse("api:context-note-list")).json()["results"]}
    assert codes == {"PAR"}
    assert client.get(reverse("api:context-note-list"), {"participant": "SUS"}).json()["results"] == []
    assert partner.pk


def test_aggregates_carry_the_footnotes(story):
    facts_rebuild_all()
    context_factories.matrix_note(story, "partner")
    context_factories.matrix_note(story, "suspended")
    period = {"month_from": f"{factories.months_back(12):%Y-%m}", "month_to": f"{factories.months_back(1):%Y-%m}"}
    body = session_client(story.users["home_analyst"]).get(reverse("api:aggregate-list"), period).json()
    series = next(a for a in body["aggregates"] if a["key"] == "series")
    assert {(f["participant"], f["kind"], f["text"]) for f in series["footnotes"]} == {
        ("PAR", "note", "Matrix note of partner")
    }
    coverage = next(a for a in body["aggregates"] if a["key"] == "coverage")
    assert coverage["footnotes"] == []


@pytest.mark.parametrize("value", ["\x00", "A\x00B", "x" * 5000, "é"])
def test_a_participant_filter_no_code_can_be_lists_nothing(value):
    """A NUL, an overlong or a strange code is no participant's: refused or an empty list, never a
    server error."""
    user = factories.user(role="analyst", participant=factories.participant())
    client = APIClient()
    client.force_authenticate(user)
    for url in ("/api/v1/context/profiles/", "/api/v1/context/notes/"):
        answer = client.get(url, {"participant": value})
        assert answer.status_code in (200, 400), answer.content[:200]
        assert answer.status_code == 400 or answer.json()["results"] == []
