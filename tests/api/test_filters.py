"""The incident list's filters, exactly, and full-text search inside the reciprocity rule: a word
of a record the caller may not read finds nothing."""

import pytest

from reporting import codes
from reporting.models import IncidentTransit
from tests import factories
from tests.api.conftest import token_client

pytestmark = pytest.mark.django_db


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {r["id"] for r in response.json()["results"]}


def test_each_filter_selects_exactly_the_matching_records(story):
    home = story.home
    sea = factories.incident_for(
        home, modes=[codes.Mode.SEA], categories=[codes.ConductCategory.IRREGULAR_ENTRY], origin_country="MMR"
    )
    air = factories.incident_for(
        home,
        modes=[codes.Mode.AIR],
        categories=[codes.ConductCategory.DOCUMENT_FRAUD],
        origin_country="IRN",
        destination_country="NZL",
        months_ago=3,
    )
    IncidentTransit.objects.create(incident=air, country="MYS", sequence=1)
    client = token_client(story.users["home_analyst"])
    url = "/api/v1/incidents/"
    assert ids(client.get(url, {"mode": "air"})) == {air.pk}
    assert ids(client.get(url, {"category": "irregular_entry"})) == {sea.pk}
    assert ids(client.get(url, {"category": "document_fraud", "mode": "sea"})) == set()
    assert ids(client.get(url, {"route_country": "MYS"})) == {air.pk}  # as transit
    assert ids(client.get(url, {"route_country": "NZL"})) == {air.pk}  # as destination
    assert ids(client.get(url, {"route_country": "MMR"})) == {sea.pk}  # as origin
    assert ids(client.get(url, {"transit_country": "MYS", "origin_country": "IRN"})) == {air.pk}
    assert ids(client.get(url, {"month": f"{factories.months_back(3):%Y-%m}", "participant": "hom"})) == {air.pk}
    window = ids(client.get(url, {"month_from": f"{factories.months_back(3):%Y-%m}", "page_size": 200}))
    assert air.pk in window and sea.pk in window
    assert ids(client.get(url, {"month_to": f"{factories.months_back(4):%Y-%m}", "participant": "HOM"})) == set()


def test_search_finds_words_only_in_records_the_rule_lets_the_caller_read(story):
    records = story.records
    partner = story.users["partner_focal_point"]
    factories.incident_for(story.partner, narrative="Speedboat intercepted off the cape", months_ago=2)
    home = token_client(story.users["home_analyst"])
    # Shared partner record: home reads it, and its words find it (several words: all must match).
    assert ids(home.get("/api/v1/incidents/", {"q": "fishing reef"})) == {records["partner_shared"].pk}
    # A word only in a record home may not read finds nothing: search runs on the rule's queryset.
    national = records["partner_national"]
    national.narrative = "Hovercraft landing at dawn"
    national.save(update_fields=["narrative"])
    assert ids(home.get("/api/v1/incidents/", {"q": "hovercraft"})) == set()
    assert ids(token_client(partner).get("/api/v1/incidents/", {"q": "hovercraft"})) == {national.pk}
    # The lapsed participant reads none of the partner's records, searched or not.
    lapsed = token_client(story.users["lapsed_focal_point"])
    assert ids(lapsed.get("/api/v1/incidents/", {"q": "fishing"})) == set()
    # By national reference too.
    reference = records["home_shared"].national_reference
    assert ids(home.get("/api/v1/incidents/", {"q": reference})) == {records["home_shared"].pk}


def test_search_uses_its_gin_index_on_postgresql(story):
    """The filter's expression must stay the indexed one (migration 0008), or every search scans."""
    from django.db import connection

    from reporting.api.filters import _search
    from reporting.models import Incident

    if connection.vendor != "postgresql":
        pytest.skip("the index exists on PostgreSQL only")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = _search(Incident.objects.order_by("-id"), "reef")[:50].explain()
    assert "incident_search" in plan, plan
