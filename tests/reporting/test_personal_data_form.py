"""The web form refuses personal data on every save, drafts included, with every other problem."""

import pytest

from accounts.models import Role
from reporting.models import Incident, IncidentComment
from tests import factories
from tests.reporting.test_forms import post_data

pytestmark = pytest.mark.django_db

MRZ = "P<LKAPERERA<<KAMAL<<<<<<<<<<<<<<<<<<<<<<<<<<"


@pytest.fixture
def owner():
    return factories.participant()


def test_a_draft_with_a_machine_readable_line_is_refused_with_the_field_errors(client, owner):
    client.force_login(factories.user(role=Role.CONTRIBUTOR, participant=owner))
    response = client.post("/records/new/", post_data(narrative=f"Scan: {MRZ}", migrants_total="-3"))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "migrants_total" in errors  # a field error does not hide the screening, nor the other way round
    assert errors["narrative"] == [
        "This looks like personal data: a passport machine-readable line (characters 7–50). Remove it, or ask "
        "your focal point to override."
    ]
    assert f'<mark class="pii" title="a passport machine-readable line">{MRZ.replace("<", "&lt;")}</mark>' in (
        response.content.decode()
    )
    assert 'name="screening_override"' not in response.content.decode()  # the contributor cannot override
    assert not Incident.objects.exists()
    # With the field fixed, the screening still refuses the draft (now from the service).
    again = client.post("/records/new/", post_data(narrative=f"Scan: {MRZ}"))
    assert again.status_code == 400 and "narrative" in again.context["form"].errors
    assert not Incident.objects.exists()


def test_the_focal_point_saves_flagged_text_with_a_reason(client, owner):
    focal_point = factories.user(role=Role.FOCAL_POINT, participant=owner)
    client.force_login(focal_point)
    flagged = post_data(detection_place="Jalan Dr Sutomo")
    offered = client.post("/records/new/", flagged)
    assert offered.status_code == 400 and 'name="screening_override"' in offered.content.decode()
    saved = client.post("/records/new/", {**flagged, "screening_override": "A street named after a hero."})
    assert saved.status_code == 302
    incident = Incident.objects.get()
    assert (incident.screening_override_reason, incident.screening_override_by) == (
        "A street named after a hero.",
        focal_point,
    )
    assert incident.comments.get().kind == IncidentComment.Kind.SCREENING_OVERRIDE
    # Saved again unchanged, the override in force lets the text through.
    page = client.get(f"/records/{incident.pk}/edit/")
    assert page.status_code == 200
    again = client.post(f"/records/{incident.pk}/edit/", {**flagged, "version": incident.version})
    assert again.status_code == 302
