"""Creating a record over the API: the answer is rendered from the record as validated and written
(no read back), so it must be what reading the record gives; and the create writes what saving
one row at a time wrote (every row and its first version in history), in a fixed number of queries."""

import pytest
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from reporting.models import Incident, IncidentDocument, IncidentTransit, PersonBreakdown
from tests.api.conftest import token_client

pytestmark = pytest.mark.django_db


def full_payload(**extra) -> dict:
    day = timezone.localdate()
    return {
        "national_reference": "  API-ANSWER-1 ",
        "detection_date": day.isoformat(),
        "categories": ["migrant_smuggling", "document_fraud"],
        "source": "investigation",
        "confidence": "high",
        "detection_country": "AUS",
        "detection_place": "  Ashmore Reef ",
        "latitude": "-12.25",
        "longitude": "123.04",
        "detection_context": "at_sea",
        "modes": ["sea"],
        "methods": ["fishing_boat"],
        "origin_country": "LKA",
        "transit_countries": ["IDN", "MYS", "IDN"],
        "destination_country": "AUS",
        "migrants_total": 40,
        "smugglers_total": 3,
        "smuggler_roles": ["captain_crew"],
        # Not in reading order (group, then count downwards): the answer must be.
        "breakdowns": [
            {"group": "smuggler", "citizenship": "IDN", "sex": "male", "age_group": "adult", "count": 3},
            {"group": "migrant", "citizenship": "LKA", "sex": "male", "age_group": "adult", "count": 9},
            {
                "group": "migrant",
                "citizenship": "LKA",
                "sex": "female",
                "age_group": "minor",
                "count": 12,
                "unaccompanied": 2,
            },
            {"group": "migrant", "citizenship": "", "count": 9},
        ],
        "fee_per_person": "4500",
        "fee_currency": "USD",
        "fee_scope": "full_package",
        "documents": [
            {"document_type": "passport", "fraud_type": "counterfeit", "issuing_country": "AUS", "count": 2},
            {"document_type": "visa", "fraud_type": "forged", "count": 1},
        ],
        "dead": 1,
        "cause_of_death": "drowning",
        "abuses": ["endangerment_of_life"],
        "narrative": "Wooden vessel; fee covering the whole journey.  ",
        **extra,
    }


def test_the_create_answer_is_the_record_as_read_back(story):
    client = token_client(story.users["home_contributor"])
    created = client.post("/api/v1/incidents/", full_payload(), format="json", HTTP_IDEMPOTENCY_KEY="answer-1")
    assert created.status_code == 201, created.content
    read = client.get(f"/api/v1/incidents/{created.json()['id']}/")
    assert read.status_code == 200
    assert created.json() == read.json()
    assert created["ETag"] == read["ETag"]
    body = created.json()
    assert body["national_reference"] == "API-ANSWER-1" and body["latitude"] == "-12.25000"
    assert [row["count"] for row in body["breakdowns"]] == [12, 9, 9, 3]
    # A page of the list renders the record the same way.
    listed = client.get("/api/v1/incidents/?page_size=200").json()["results"]
    assert next(row for row in listed if row["id"] == body["id"]) == body


def test_a_create_writes_every_row_and_its_history_in_a_fixed_number_of_queries(story):
    from django.db import connection

    user = story.users["home_contributor"]
    client = token_client(user)
    client.post("/api/v1/incidents/", full_payload(national_reference="WARM"), format="json", HTTP_IDEMPOTENCY_KEY="w")
    with CaptureQueriesContext(connection) as queries:
        created = client.post("/api/v1/incidents/", full_payload(), format="json", HTTP_IDEMPOTENCY_KEY="answer-2")
    assert created.status_code == 201, created.content
    incident = Incident.objects.get(pk=created.json()["id"])
    # Token, key, agency, unique reference, return, then the record, its three kinds of rows and the
    # history of each (one INSERT per table), the key's answer, and the transaction's own statements.
    assert len(queries.captured_queries) <= 17, [q["sql"][:80] for q in queries.captured_queries]
    versions = incident.history.all()
    assert [(v.history_type, v.history_user_id, v.version) for v in versions] == [("+", user.pk, 1)]
    for model, count in ((IncidentTransit, 3), (PersonBreakdown, 4), (IncidentDocument, 2)):
        rows = model.objects.filter(incident=incident)
        assert rows.count() == count
        history = model.history.filter(incident_id=incident.pk)
        assert sorted(h.id for h in history) == sorted(r.pk for r in rows)
        assert {(h.history_type, h.history_user_id, h.history_change_reason) for h in history} == {("+", user.pk, None)}
        assert all(h.history_date == versions[0].history_date for h in history)
