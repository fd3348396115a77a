"""The API refuses personal data on every write, with the field checks, naming field and kind."""

import pytest

from reporting.models import Incident, IncidentComment
from tests.api.conftest import token_client
from tests.api.test_incidents import create, payload

pytestmark = pytest.mark.django_db

MRZ = "P<LKAPERERA<<KAMAL<<<<<<<<<<<<<<<<<<<<<<<<<<"


def test_a_machine_readable_line_is_refused_on_a_draft_with_every_other_problem(story):
    client = token_client(story.users["home_contributor"])
    response = create(client, payload(narrative=f"Scan: {MRZ}", migrants_total=-1, detection_country="ZZZ"))
    assert response.status_code == 400
    errors = {e["field"]: e for e in response.json()["errors"]}
    assert {"narrative", "migrants_total", "detection_country"} <= set(errors)
    assert errors["narrative"]["code"] == "personal_data"
    assert errors["narrative"]["message"] == (
        "This looks like personal data: a passport machine-readable line (characters 7–50). Remove it, or ask "
        "your focal point to override."
    )
    assert "PERERA" not in response.content.decode()  # the answer (kept by its idempotency key) holds none
    assert not Incident.objects.filter(national_reference="API-0001").exists()


def test_only_the_focal_point_overrides_and_the_reason_is_kept(story):
    body = payload(detection_place="Jalan Dr Sutomo", narrative="Picked up at the jetty.")
    contributor = token_client(story.users["home_contributor"])
    refused = create(contributor, {**body, "screening_override": "A street name."})
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["field"] == "screening_override"
    focal = token_client(story.users["home_focal_point"])
    created = create(focal, {**body, "screening_override": "A street name."}, key="key-2")
    assert created.status_code == 201, created.content
    incident = Incident.objects.get(pk=created.json()["id"])
    assert incident.screening_override_reason == "A street name."
    assert incident.comments.get().kind == IncidentComment.Kind.SCREENING_OVERRIDE
    # A later change of other fields keeps it; a new text must pass again.
    url = f"/api/v1/incidents/{incident.pk}/"
    kept = contributor.patch(url, {"version": incident.version, "migrants_total": 13}, format="json")
    assert kept.status_code == 200, kept.content
    changed = contributor.patch(
        url, {"version": incident.version + 1, "detection_place": "Jalan Dr Sutomo 5, Mr Ali's house"}, format="json"
    )
    assert changed.status_code == 400
    assert changed.json()["errors"][0]["code"] == "personal_data"


def test_a_patch_refuses_personal_data_in_a_draft(story):
    client = token_client(story.users["home_contributor"])
    incident = Incident.objects.get(pk=create(client, payload()).json()["id"])
    response = client.patch(
        f"/api/v1/incidents/{incident.pk}/",
        {"version": incident.version, "narrative": "Organiser: kamal.perera@gmail.com, +94 77 123 4567"},
        format="json",
    )
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["narrative"]
    assert "an e-mail address" in response.json()["errors"][0]["message"]
    assert "a phone number" in response.json()["errors"][0]["message"]
    assert Incident.objects.get(pk=incident.pk).narrative == ""
    assert not incident.history.filter(narrative__contains="perera").exists()


def test_a_return_comment_with_personal_data_is_refused(story):
    client = token_client(story.users["home_contributor"])
    incident = Incident.objects.get(pk=create(client, payload()).json()["id"])
    submitted = client.post(f"/api/v1/incidents/{incident.pk}/submit/", {"version": incident.version}, format="json")
    assert submitted.status_code == 200, submitted.content
    focal = token_client(story.users["home_focal_point"])
    response = focal.post(
        f"/api/v1/incidents/{incident.pk}/return/",
        {"version": incident.version + 1, "comment": "Ask Mr Perera for the date of birth."},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"][0] == {
        "field": "comment",
        "code": "personal_data",
        "message": "This looks like personal data: a person's name (characters 5–13). Remove it, or ask your "
        "focal point to override.",
    }
