"""The incident form over HTTP: bad input reported at once, nothing saved half-way, locking."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from accounts.models import Role
from reporting.forms import country_lookup
from reporting.models import Incident
from reporting.services.incidents import incident_create
from tests import factories
from tests.reporting.test_services_incidents import complete_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner():
    return factories.participant()


@pytest.fixture
def contributor(owner):
    return factories.user(role=Role.CONTRIBUTOR, participant=owner)


def management(prefix: str, total: int) -> dict:
    return {f"{prefix}-TOTAL_FORMS": str(total), f"{prefix}-INITIAL_FORMS": "0"}


def post_data(**overrides) -> dict:
    day = factories.months_back(1) + dt.timedelta(days=4)
    data = {
        "national_reference": "WEB-1",
        "categories": ["migrant_smuggling"],
        "protocol_benefit": "yes",
        "source": "investigation",
        "confidence": "high",
        "detection_date": day.isoformat(),
        "detection_country": "Australia",
        "detection_context": "at_sea",
        "modes": ["sea"],
        "origin_country": "LKA — Sri Lanka",
        "destination_country": "aus",
        "migrants_total": "5",
        "smugglers_total": "0",
        "dead": "0",
        "missing": "0",
        "injured": "0",
        "rescued": "0",
        "narrative": "Five migrants on a small boat.",
        "action": "draft",
        **management("transits", 1),
        "transits-0-country": "Indonesia",
        "transits-0-ORDER": "1",
        **management("breakdowns", 1),
        "breakdowns-0-group": "migrant",
        "breakdowns-0-citizenship": "LKA",
        "breakdowns-0-sex": "male",
        "breakdowns-0-age_group": "adult",
        "breakdowns-0-count": "5",
        "breakdowns-0-unaccompanied": "0",
        **management("documents", 0),
    }
    data.update(overrides)
    return data


def test_country_lookup_takes_iso_names_two_letter_codes_and_no_accents():
    assert [country_lookup(v) for v in ("Viet Nam", "vietnam", "VN", "Turkiye", "  korea,  republic of ")] == [
        "VNM",
        "VNM",
        "VNM",
        "TUR",
        "KOR",
    ]


def test_country_lookup_takes_names_and_codes():
    assert [country_lookup(v) for v in ("LKA", "lka", "Sri Lanka", "LKA — Sri Lanka", "", "Atlantis")] == [
        "LKA",
        "LKA",
        "LKA",
        "LKA",
        "",
        None,
    ]


def test_a_draft_is_saved_with_codes_from_names(client, contributor):
    client.force_login(contributor)
    response = client.post("/records/new/", post_data())
    assert response.status_code == 302
    incident = Incident.objects.get(national_reference="WEB-1")
    assert (incident.detection_country, incident.origin_country, incident.destination_country) == ("AUS", "LKA", "AUS")
    assert list(incident.transits.values_list("country", flat=True)) == ["IDN"]


def test_every_bad_field_is_reported_at_once_and_typed_values_are_kept(client, contributor):
    client.force_login(contributor)
    future = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    response = client.post(
        "/records/new/",
        post_data(
            detection_date=future,
            detection_country="Atlantis",
            migrants_total="-2",
            categories=["piracy"],
            **{"breakdowns-0-count": "0", "transits-0-country": "Narnia"},
            narrative="Kept text 123",
        ),
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert {"detection_date", "detection_country", "migrants_total", "categories"} <= set(form.errors)
    assert "future" in form.errors["detection_date"][0]
    assert "Atlantis" in form.errors["detection_country"][0]
    assert response.context["row_errors"] == 2
    body = response.content.decode()
    assert "Nothing was saved" in body and "Kept text 123" in body
    assert not Incident.objects.exists()


def test_breakdowns_above_totals_are_refused_next_to_the_total(client, contributor):
    client.force_login(contributor)
    response = client.post("/records/new/", post_data(migrants_total="3"))
    assert response.status_code == 400
    assert "more than the total of 3" in response.context["form"].errors["migrants_total"][0]
    assert not Incident.objects.exists()


def test_a_detection_date_outside_the_chosen_month_is_refused(client, contributor):
    client.force_login(contributor)
    month = factories.months_back(2)
    response = client.post(f"/records/new/?month={month:%Y-%m}", post_data(month=month.isoformat()))
    assert response.status_code == 400
    assert "give a detection date in that month" in response.context["form"].errors["detection_date"][0]


def test_a_failed_submit_saves_nothing(client, contributor):
    client.force_login(contributor)
    response = client.post(
        "/records/new/", post_data(action="submit", narrative="Organised by Mr Karim Ali.", source="")
    )
    assert response.status_code == 400
    assert not Incident.objects.exists()
    body = response.content.decode()
    assert '<mark class="pii"' in body and "Mr Karim Ali" in body
    assert "source" in response.context["form"].errors


def test_the_second_of_two_saves_is_refused_and_overwrites_nothing(client, contributor, owner):
    incident = incident_create(
        created_by=contributor, participant=owner, data=complete_data(), transits=[], breakdowns=[], documents=[]
    )
    focal_point = factories.user(role=Role.FOCAL_POINT, participant=owner)
    other = client.__class__()
    other.force_login(focal_point)
    client.force_login(contributor)
    first = other.post(f"/records/{incident.pk}/edit/", post_data(national_reference="CASE-2024-001", version="1"))
    assert first.status_code == 302
    second = client.post(
        f"/records/{incident.pk}/edit/",
        post_data(national_reference="CASE-2024-001", version="1", narrative="Second editor's text"),
    )
    assert second.status_code == 409
    assert "Someone else saved this record" in second.content.decode()
    assert "Second editor&#x27;s text" in second.content.decode()
    fresh = Incident.objects.get(pk=incident.pk)
    assert fresh.version == 2 and fresh.narrative == "Five migrants on a small boat."


def test_another_participants_draft_is_missing(client, owner):
    stranger = factories.user(role=Role.CONTRIBUTOR, participant=factories.participant())
    incident = factories.IncidentFactory(participant=owner, status=Incident.Status.DRAFT)
    client.force_login(stranger)
    assert client.get(f"/records/{incident.pk}/edit/").status_code == 404
    assert client.post(f"/records/{incident.pk}/submit/").status_code == 404


def test_analysts_cannot_enter_records(client, owner):
    client.force_login(factories.user(role=Role.ANALYST, participant=owner))
    assert client.get("/records/new/").status_code == 403


def test_an_untouched_document_row_saves_no_document(client, contributor):
    client.force_login(contributor)
    # The empty row offers no preselected type or kind: a browser posts a preselected first option,
    # which made every saved record gain a document nobody entered.
    page = client.get("/records/new/").content.decode()
    for name in ("documents-0-document_type", "documents-0-fraud_type"):
        select = re.search(rf'<select name="{name}".*?</select>', page, re.S).group(0)
        assert re.findall(r'<option value="([^"]*)"[^>]*selected', select) == [""], name
    # What the browser then posts for the untouched row: blank type and kind, the count's initial 1.
    untouched = {
        **management("documents", 1),
        "documents-0-document_type": "",
        "documents-0-fraud_type": "",
        "documents-0-issuing_country": "",
        "documents-0-count": "1",
    }
    assert client.post("/records/new/", post_data(**untouched)).status_code == 302
    assert not Incident.objects.get(national_reference="WEB-1").documents.exists()


def test_a_document_row_needs_its_type_and_kind_of_fraud(client, contributor):
    client.force_login(contributor)
    half = {
        **management("documents", 1),
        "documents-0-document_type": "passport",
        "documents-0-fraud_type": "",
        "documents-0-issuing_country": "LKA",
        "documents-0-count": "2",
    }
    response = client.post("/records/new/", post_data(**half))
    assert response.status_code == 400
    assert "Choose the kind of fraud." in response.content.decode()
    assert not Incident.objects.exists()


def test_a_screening_hit_blocks_submission_until_the_focal_point_overrides_it(client, contributor, owner):
    client.force_login(contributor)
    flagged = "Crew member Mr Karim Ali was detained."
    refused = client.post("/records/new/", post_data(narrative=flagged))
    assert refused.status_code == 400 and not Incident.objects.exists()  # not even as a draft
    assert "Mr Karim Ali</mark>" in refused.content.decode()
    # A text stored before every save was screened (or caught by a pattern added later).
    assert client.post("/records/new/", post_data()).status_code == 302
    incident = Incident.objects.get(national_reference="WEB-1")
    Incident.objects.filter(pk=incident.pk).update(narrative=flagged)
    # The form shows the hit highlighted; submitting from the record page is refused with the reason.
    page = client.get(f"/records/{incident.pk}/edit/").content.decode()
    assert '<mark class="pii"' in page and "Mr Karim Ali</mark>" in page
    refused = client.post(f"/records/{incident.pk}/submit/", {"version": incident.version}, follow=True)
    assert "personal data" in refused.content.decode()
    assert Incident.objects.get(pk=incident.pk).status == Incident.Status.DRAFT
    # The contributor may not override; the focal point may, with a recorded reason.
    client.post(f"/records/{incident.pk}/override/", {"version": incident.version, "reason": "mine"})
    assert Incident.objects.get(pk=incident.pk).screening_override_reason == ""
    focal_point = factories.user(role=Role.FOCAL_POINT, participant=owner)
    focal = client.__class__()
    focal.force_login(focal_point)
    focal.post(
        f"/records/{incident.pk}/override/", {"version": incident.version, "reason": "A ship's name, not a person."}
    )
    incident.refresh_from_db()
    assert incident.screening_override_reason == "A ship's name, not a person."
    assert incident.screening_override_by == focal_point
    client.post(f"/records/{incident.pk}/submit/", {"version": incident.version})
    assert Incident.objects.get(pk=incident.pk).status == Incident.Status.SUBMITTED


def test_the_record_page_labels_keep_their_capitals(client, contributor):
    client.force_login(contributor)
    client.post("/records/new/", post_data())
    incident = Incident.objects.get(national_reference="WEB-1")
    page = client.get(f"/records/{incident.pk}/").content.decode()
    assert "Fee per person in USD" in page and "Fee per person in usd" not in page
