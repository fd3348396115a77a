"""Incidents over the API: reads follow the rule (404 outside it) and are logged; filters and
cursor pages; creation is idempotent; changes are optimistically locked; the workflow."""

import json

import pytest
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from reporting.models import AccessEvent, Incident
from reporting.reciprocity import visible_incidents
from tests import factories
from tests.api.conftest import session_client, token_client

pytestmark = pytest.mark.django_db


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_every_actor_lists_and_reads_exactly_what_the_rule_allows(story, client_for):
    for actor, user in story.users.items():
        client = client_for(user)
        expected = {story.records[key].pk for key in story.expected_visible(actor)}
        assert ids(client.get("/api/v1/incidents/?page_size=200")) == expected, actor
        for key, record in story.records.items():
            status = client.get(f"/api/v1/incidents/{record.pk}/").status_code
            assert status == (200 if record.pk in expected else 404), (actor, key)


def test_a_record_outside_the_rule_answers_exactly_like_a_missing_one(story):
    client = token_client(story.users["home_analyst"])
    hidden = client.get(f"/api/v1/incidents/{story.records['partner_national'].pk}/")
    missing = client.get("/api/v1/incidents/999999999/")
    assert hidden.status_code == missing.status_code == 404
    assert (
        hidden.json() == missing.json() == {"errors": [{"field": None, "code": "not_found", "message": "Not found."}]}
    )


def test_an_address_matching_no_route_answers_the_same_json_404_even_with_a_line_break(story):
    """Found by schemathesis: an id with an encoded line break slipped past the catch-all route and got
    Django's HTML page."""
    client = token_client(story.users["home_analyst"])
    for path in ("/api/v1/no-such-thing/", "/api/v1/imports/null/x%0Ay/cancel/", "/api/v1/incidents/1%0A/"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response["Content-Type"] == "application/json", path
        assert response.json() == {"errors": [{"field": None, "code": "not_found", "message": "Not found."}]}


def test_reading_others_records_is_logged_for_their_owner_and_own_reads_are_not(story):
    client = session_client(story.users["home_analyst"])
    client.get("/api/v1/incidents/?page_size=200")
    client.get(f"/api/v1/incidents/{story.records['partner_shared'].pk}/")
    client.get(f"/api/v1/incidents/{story.records['home_shared'].pk}/")
    events = AccessEvent.objects.filter(user=story.users["home_analyst"], via=AccessEvent.Via.API)
    assert sorted((e.owner.code, e.record_count) for e in events) == [("LAP", 1), ("PAR", 1), ("PAR", 1)]
    assert not events.filter(owner=story.home).exists()


def test_the_list_shows_each_record_exactly_as_its_own_page_does(story):
    """The list's records are written by PostgreSQL (reporting/api/records.py), a record's page by
    the serializer: the same JSON, rows and all."""
    for actor in ("home_analyst", "home_focal_point"):
        client = token_client(story.users[actor])
        listed = client.get("/api/v1/incidents/?page_size=200").json()["results"]
        assert listed
        for record in listed:
            assert client.get(f"/api/v1/incidents/{record['id']}/").json() == record, (actor, record["id"])


def test_where_postgresql_does_not_write_the_records_the_list_renders_them_as_each_page_does(story):
    """Outside UTC (or off PostgreSQL) the list renders its records with the serializer."""
    from reporting.api.records import records_in_sql

    client = token_client(story.users["home_analyst"])
    with timezone.override("Asia/Tokyo"):
        assert not records_in_sql()
        listed = client.get("/api/v1/incidents/?page_size=200").json()["results"]
        assert listed and all(record["created_at"].endswith("+09:00") for record in listed)
        for record in listed:
            assert client.get(f"/api/v1/incidents/{record['id']}/").json() == record


def test_the_detail_carries_an_etag_with_the_version(story):
    record = story.records["home_shared"]
    response = session_client(story.users["home_analyst"]).get(f"/api/v1/incidents/{record.pk}/")
    assert response["ETag"] == f'"{record.version}"'
    assert response.json()["version"] == record.version


def test_filters_narrow_within_the_rule_and_bad_values_are_all_reported(story):
    home = story.home
    factories.incident_for(home, narrative="Truck container at the northern crossing", months_ago=4)
    client = session_client(story.users["home_focal_point"])
    truck = ids(client.get("/api/v1/incidents/?q=container"))
    assert {Incident.objects.get(pk=i).narrative for i in truck} == {"Truck container at the northern crossing"}
    assert ids(client.get("/api/v1/incidents/?participant=PAR")) == {story.records["partner_shared"].pk}
    assert ids(client.get("/api/v1/incidents/?status=draft")) == {story.records["home_draft"].pk}
    everything = ids(client.get("/api/v1/incidents/?page_size=200"))
    assert ids(client.get("/api/v1/incidents/?route_country=LKA&mode=sea&category=migrant_smuggling")) <= everything
    month = Incident.objects.get(pk=story.records["home_shared"].pk).ret.month
    in_month = ids(client.get(f"/api/v1/incidents/?month={month:%Y-%m}"))
    assert story.records["home_shared"].pk in in_month
    assert all(Incident.objects.get(pk=i).ret.month == month for i in in_month)
    bad = client.get("/api/v1/incidents/?month=2025-13&mode=rocket&route_country=XXX")
    assert bad.status_code == 400
    assert {e["field"] for e in bad.json()["errors"]} == {"month", "mode", "route_country"}


def test_cursor_pages_cover_every_record_once_and_the_page_size_is_capped(story):
    for n in range(7):
        factories.incident_for(story.home, narrative=f"page filler {n}")
    client = session_client(story.users["home_analyst"])
    seen, url, pages = [], "/api/v1/incidents/?page_size=3", 0
    while url:
        body = client.get(url).json()
        seen += [row["id"] for row in body["results"]]
        url, pages = body["next"], pages + 1
        assert len(body["results"]) <= 3
    assert len(seen) == len(set(seen)) == len(ids(client.get("/api/v1/incidents/?page_size=200")))
    assert pages >= 4
    with override_settings(API_MAX_PAGE_SIZE=2):
        assert len(client.get("/api/v1/incidents/?page_size=1000").json()["results"]) == 2


def test_list_queries_do_not_grow_with_the_page(story, django_assert_max_num_queries):
    for n in range(30):
        factories.incident_for(story.home, narrative=f"bulk {n}")
    user = story.users["home_analyst"]
    client = token_client(user)
    expected = min(40, visible_incidents(user).count())
    assert expected > 30
    # Auth (the token with its user, participant and any lockout: one), the rule's standing and
    # grants, the page, its three kinds of rows, the access log: a fixed number, whatever the page
    # holds (7 when this was written; 9 on other databases, where the policy and the standing are
    # queries of their own before the page).
    with django_assert_max_num_queries(8 if connection.vendor == "postgresql" else 9):
        assert len(client.get("/api/v1/incidents/?page_size=40").json()["results"]) == expected


def payload(**extra) -> dict:
    day = timezone.localdate()  # this month's return is still open (the story submitted earlier months)
    return {
        "national_reference": "API-0001",
        "detection_date": day.isoformat(),
        "categories": ["migrant_smuggling"],
        "source": "investigation",
        "confidence": "high",
        "detection_country": "AUS",
        "detection_context": "at_sea",
        "modes": ["sea"],
        "origin_country": "LKA",
        "transit_countries": ["IDN", "MYS"],
        "destination_country": "AUS",
        "migrants_total": 12,
        "breakdowns": [{"group": "migrant", "citizenship": "LKA", "count": 10}],
        **extra,
    }


def create(client, body, key="key-1"):
    return client.post("/api/v1/incidents/", body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_create_returns_the_record_with_location_and_etag(story, client_for):
    client = client_for(story.users["home_contributor"])
    response = create(client, payload())
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "draft" and body["participant"] == "HOM"
    assert body["transit_countries"] == ["IDN", "MYS"]
    assert body["breakdowns"][0]["count"] == 10
    assert response["Location"].endswith(f"/api/v1/incidents/{body['id']}/")
    assert response["ETag"] == '"1"'


def test_a_retried_create_returns_the_first_answer_and_creates_nothing_more(story):
    client = token_client(story.users["home_contributor"])
    first = create(client, payload())
    second = create(client, payload())
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert second["Idempotent-Replayed"] == "true"
    assert Incident.objects.filter(national_reference="API-0001").count() == 1


def test_the_same_key_with_another_body_is_422_and_creates_nothing(story):
    client = token_client(story.users["home_contributor"])
    create(client, payload())
    response = create(client, payload(national_reference="API-0002"))
    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "idempotency_key_reused"
    assert not Incident.objects.filter(national_reference="API-0002").exists()


def test_keys_belong_to_their_user_and_a_failed_request_leaves_the_key_free(story):
    home = token_client(story.users["home_contributor"])
    assert create(home, payload(migrants_total=1), key="shared").status_code == 400  # breakdown above total
    assert create(home, payload(), key="shared").status_code == 201
    other = token_client(story.users["home_focal_point"])
    assert create(other, payload(national_reference="API-0009"), key="shared").status_code == 201


def test_a_create_without_a_key_is_refused(story):
    response = token_client(story.users["home_contributor"]).post("/api/v1/incidents/", payload(), format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "Idempotency-Key"


def test_bad_input_lists_every_problem_with_its_field_and_saves_nothing(story):
    body = payload(
        categories=["kidnapping"],
        migrants_total=-1,
        breakdowns=[{"group": "migrant", "count": 0}],
        detection_country="ZZZ",
    )
    response = create(token_client(story.users["home_contributor"]), body)
    assert response.status_code == 400
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"categories.0", "migrants_total", "breakdowns.0.count", "detection_country"} <= fields
    assert all(e["message"] and e["code"] for e in response.json()["errors"])
    assert not Incident.objects.filter(national_reference="API-0001").exists()


def test_a_number_where_text_is_asked_is_refused_not_kept_as_its_digits(story):
    body = payload(national_reference=12345, detection_place=7, narrative=["a list"])
    response = create(token_client(story.users["home_contributor"]), body)
    assert response.status_code == 400
    errors = {e["field"]: e for e in response.json()["errors"]}
    assert {"national_reference", "detection_place", "narrative"} <= set(errors)
    assert errors["national_reference"]["code"] == "not_text"
    assert not Incident.objects.filter(national_reference="12345").exists()


def test_service_rules_come_back_as_field_errors(story):
    body = payload(migrants_total=5)  # the breakdown counts 10
    response = create(token_client(story.users["home_contributor"]), body)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "migrants_total"


def test_an_analyst_or_the_secretariat_cannot_create(story):
    assert create(token_client(story.users["home_analyst"]), payload()).status_code == 403
    assert create(token_client(story.users["secretariat"]), payload()).status_code == 403


@override_settings(API_MAX_BODY_BYTES=2000)
def test_a_body_over_the_limit_is_413(story):
    body = payload(narrative="x" * 5000)
    response = create(token_client(story.users["home_contributor"]), body)
    assert response.status_code == 413
    assert response.json()["errors"][0]["code"] == "too_large"


@pytest.fixture
def draft(story):
    client = token_client(story.users["home_focal_point"])
    return client, create(client, payload()).json()


def test_a_change_with_the_current_version_saves_and_bumps_the_etag(draft):
    client, record = draft
    response = client.patch(
        f"/api/v1/incidents/{record['id']}/", {"migrants_total": 15}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert response.status_code == 200, response.content
    assert response.json()["migrants_total"] == 15 and response["ETag"] == '"2"'
    assert response.json()["transit_countries"] == ["IDN", "MYS"]  # rows not sent are kept


def test_a_stale_if_match_is_412_and_changes_nothing(draft):
    client, record = draft
    client.patch(f"/api/v1/incidents/{record['id']}/", {"migrants_total": 15}, format="json", HTTP_IF_MATCH='"1"')
    stale = client.patch(
        f"/api/v1/incidents/{record['id']}/", {"migrants_total": 99}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert stale.status_code == 412
    assert stale.json()["errors"][0]["code"] == "stale_record"
    assert Incident.objects.get(pk=record["id"]).migrants_total == 15


def test_a_stale_version_in_the_body_is_409_and_none_at_all_is_428(draft):
    client, record = draft
    url = f"/api/v1/incidents/{record['id']}/"
    assert client.patch(url, {"migrants_total": 15, "version": 1}, format="json").status_code == 200
    assert client.patch(url, {"migrants_total": 99, "version": 1}, format="json").status_code == 409
    assert client.patch(url, {"migrants_total": 99}, format="json").status_code == 428
    assert Incident.objects.get(pk=record["id"]).migrants_total == 15


def test_the_workflow_submit_validate_and_withdraw_with_locking(story, draft):
    client, record = draft
    url = f"/api/v1/incidents/{record['id']}"
    submitted = client.post(f"{url}/submit/", {"version": 1}, format="json")
    assert submitted.status_code == 200, submitted.content
    assert submitted.json()["status"] == "submitted"
    assert client.post(f"{url}/validate/", {"version": 1}, format="json").status_code == 409
    validated = client.post(f"{url}/validate/", {}, format="json", HTTP_IF_MATCH=submitted["ETag"])
    assert validated.json()["status"] == "validated"
    no_reason = client.post(f"{url}/withdraw/", {"version": validated.json()["version"]}, format="json")
    assert no_reason.status_code == 400 and no_reason.json()["errors"][0]["field"] == "reason"
    withdrawn = client.post(
        f"{url}/withdraw/", {"version": validated.json()["version"], "reason": "Entered twice."}, format="json"
    )
    assert withdrawn.json()["status"] == "withdrawn"
    assert Incident.objects.filter(pk=record["id"]).exists()  # never deleted


def test_a_contributor_cannot_validate_and_a_partner_cannot_change_what_it_reads(story):
    contributor = token_client(story.users["home_contributor"])
    record = create(contributor, payload()).json()
    contributor.post(f"/api/v1/incidents/{record['id']}/submit/", {"version": 1}, format="json")
    assert (
        contributor.post(f"/api/v1/incidents/{record['id']}/validate/", {"version": 2}, format="json").status_code
        == 403
    )
    partner = token_client(story.users["partner_focal_point"])
    shared = story.records["home_shared"]
    assert partner.get(f"/api/v1/incidents/{shared.pk}/").status_code == 200
    change = partner.patch(f"/api/v1/incidents/{shared.pk}/", {"version": shared.version, "dead": 3}, format="json")
    assert change.status_code == 403
    hidden = story.records["home_national"]
    assert partner.patch(f"/api/v1/incidents/{hidden.pk}/", {"version": 1}, format="json").status_code == 404


def test_a_focal_point_returns_a_record_with_a_comment(story):
    contributor = token_client(story.users["home_contributor"])
    record = create(contributor, payload()).json()
    contributor.post(f"/api/v1/incidents/{record['id']}/submit/", {"version": 1}, format="json")
    focal = token_client(story.users["home_focal_point"])
    back = focal.post(
        f"/api/v1/incidents/{record['id']}/return/", {"version": 2, "comment": "Say where it happened."}, format="json"
    )
    assert back.json()["status"] == "returned"
    assert back.json()["review_comment"] == "Say where it happened."


def test_unknown_actions_are_404(draft):
    client, record = draft
    assert client.post(f"/api/v1/incidents/{record['id']}/delete/", {"version": 1}, format="json").status_code == 404


def test_error_bodies_are_json_with_field_code_and_message(story):
    response = token_client(story.users["home_contributor"]).post(
        "/api/v1/incidents/", "{not json", content_type="application/json", HTTP_IDEMPOTENCY_KEY="x"
    )
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert set(error) == {"field", "code", "message"}
    assert json.dumps(error)
