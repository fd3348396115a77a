"""Redaction: the focal point's action and the rescan command take personal data out of a record,
every version of its history and its comments; versions keep who and when; audited without the text."""

import io

import pytest
from django.core.management import call_command

from accounts.models import AuditEntry, Role
from reporting.models import Incident, IncidentComment
from reporting.screening import REDACTED
from reporting.services.incidents import incident_create, incident_update
from reporting.services.redaction import incident_redact, leaks_find
from tests import factories
from tests.reporting.test_services_incidents import complete_data

pytestmark = pytest.mark.django_db

LEAK = "Organiser Mr Kamal Perera, passport N1234567, phone +94 77 123 4567."


@pytest.fixture
def owner():
    return factories.participant()


@pytest.fixture
def contributor(owner):
    return factories.user(role=Role.CONTRIBUTOR, participant=owner)


@pytest.fixture
def focal_point(owner):
    return factories.user(role=Role.FOCAL_POINT, participant=owner)


def leaked_record(contributor, owner) -> Incident:
    """A record whose history holds personal data from before every save was screened: written
    straight into a version, then cleaned by an edit, as issue 18 found them."""
    incident = incident_create(
        created_by=contributor, participant=owner, data=complete_data(), transits=[], breakdowns=[], documents=[]
    )
    Incident.history.filter(id=incident.pk).update(narrative=LEAK)
    Incident.objects.filter(pk=incident.pk).update(narrative=LEAK)
    incident.refresh_from_db()
    IncidentComment.objects.create(
        incident=incident, author=contributor, kind=IncidentComment.Kind.NOTE, text="Ask Mr Kamal Perera.", version=1
    )
    return incident_update(
        incident=incident,
        updated_by=contributor,
        expected_version=incident.version,
        data={"narrative": "Organiser known; see the national file."},
        transits=[],
        breakdowns=[],
        documents=[],
    )


def texts_of(incident) -> str:
    versions = Incident.history.filter(id=incident.pk).values_list("narrative", "history_change_reason")
    comments = IncidentComment.objects.filter(incident=incident).values_list("text", flat=True)
    live = Incident.objects.filter(pk=incident.pk).values_list("narrative", flat=True)
    return repr([*versions, *comments, *live])


def test_the_focal_point_redacts_a_text_from_every_version_and_comment(contributor, focal_point, owner):
    incident = leaked_record(contributor, owner)
    before = list(Incident.history.filter(id=incident.pk).values_list("history_id", "history_date", "history_user"))
    assert "Kamal Perera" in texts_of(incident)
    done = incident_redact(incident=incident, redacted_by=focal_point, text="Mr Kamal Perera")
    assert (done.versions, done.comments, done.record) == (1, 1, False)
    assert "Kamal Perera" not in texts_of(incident) and f"Organiser {REDACTED}, passport" in texts_of(incident)
    # The versions keep that a change happened, who and when.
    after = list(Incident.history.filter(id=incident.pk).values_list("history_id", "history_date", "history_user"))
    assert after == before
    entry = AuditEntry.objects.get(action=AuditEntry.Action.RECORD_REDACTED)
    assert entry.actor == focal_point and entry.participant == owner
    assert entry.details["versions"] == 1 and entry.details["kinds"] == ["name"]
    assert "Perera" not in entry.summary and "Perera" not in repr(entry.details)


def test_only_the_owners_focal_point_redacts_and_the_text_must_be_there(contributor, focal_point, owner):
    from django.core.exceptions import PermissionDenied, ValidationError

    incident = leaked_record(contributor, owner)
    other_focal = factories.user(role=Role.FOCAL_POINT, participant=factories.participant())
    for user in (contributor, other_focal):
        with pytest.raises(PermissionDenied):
            incident_redact(incident=incident, redacted_by=user, text="Mr Kamal Perera")
    with pytest.raises(ValidationError):
        incident_redact(incident=incident, redacted_by=focal_point, text="Mr Nobody Here")
    with pytest.raises(ValidationError):
        incident_redact(incident=incident, redacted_by=focal_point, text="Mr")
    assert "Kamal Perera" in texts_of(incident)
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.RECORD_REDACTED).exists()


def test_the_record_page_shows_redacted_text_as_such(client, contributor, focal_point, owner):
    incident = leaked_record(contributor, owner)
    client.force_login(focal_point)
    page = client.get(f"/records/{incident.pk}/").content.decode()
    assert "Kamal Perera" in page  # the leak, before
    response = client.post(f"/records/{incident.pk}/redact/", {"text": "Mr Kamal Perera"}, follow=True)
    page = response.content.decode()
    assert "Redacted from 1 version(s)" in page
    assert "Kamal Perera" not in page
    assert '<span class="redacted">[redacted]</span>' in page


def test_the_rescan_reports_then_redacts_seeded_leaks(contributor, focal_point, owner):
    incident = leaked_record(contributor, owner)
    clean = incident_create(
        created_by=contributor,
        participant=owner,
        data=complete_data(national_reference="CLEAN-1", narrative="43 migrants on a 12 m boat off Kupang."),
        transits=[],
        breakdowns=[],
        documents=[],
    )
    overridden = incident_create(
        created_by=focal_point,
        participant=owner,
        data=complete_data(national_reference="OVR-1", detection_place="Jalan Dr Sutomo"),
        transits=[],
        breakdowns=[],
        documents=[],
        screening_override="A street named after a national hero.",
    )
    out = io.StringIO()
    call_command("rescan_personal_data", stdout=out)
    report = out.getvalue()
    assert "Perera" not in report and "N1234567" not in report  # where and what, never the text
    assert f"record {incident.pk}, version" in report and f"record {incident.pk}, comment" in report
    assert f"record {clean.pk}" not in report
    assert f"record {overridden.pk}, record {overridden.pk}, detection_place" in report
    assert "(under an override)" in report and "Nothing changed" in report
    assert "Kamal Perera" in texts_of(incident)  # a report only

    out = io.StringIO()
    call_command("rescan_personal_data", "--redact", stdout=out)
    assert "Redacted 1 record(s)" in out.getvalue()
    assert not [leak for leak in leaks_find() if not leak.overridden]
    for secret in ("Kamal Perera", "N1234567", "+94 77 123 4567"):
        assert secret not in texts_of(incident)
    assert Incident.objects.get(pk=overridden.pk).detection_place == "Jalan Dr Sutomo"  # the override stands
    entry = AuditEntry.objects.get(action=AuditEntry.Action.RECORD_REDACTED)
    assert entry.actor is None and entry.details["how"] == "rescan"
    assert entry.details["kinds"] == ["document_number", "name", "phone"]
