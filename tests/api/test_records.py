"""The incident list's records as PostgreSQL writes them (reporting/api/records.py) equal DRF's
field-by-field rendering of the declared output fields, key order included; and the API's orjson
renderer writes what DRF's JSONRenderer writes."""

import datetime as dt
import json
import uuid
from decimal import Decimal

import orjson
import pytest
from django.utils.translation import gettext_lazy
from rest_framework.exceptions import ErrorDetail
from rest_framework.renderers import JSONRenderer

from reporting.api.records import incident_record_texts, records_in_sql
from reporting.api.renderers import FastJSONRenderer
from reporting.api.serializers import INCIDENT_PREFETCH, INCIDENT_RELATED, IncidentOutputSerializer
from reporting.models import Incident
from tests import factories

pytestmark = pytest.mark.django_db


def _generic(incident: Incident) -> dict:
    return IncidentOutputSerializer(incident).data


@pytest.mark.skipif(not records_in_sql(), reason="PostgreSQL writes the records' JSON only on PostgreSQL")
def test_records_written_by_postgresql_equal_drfs_rendering():
    sparse, full = factories.sparse_and_full_incidents(
        agency_name="Border “Force”",
        longitude=Decimal("0"),
        fee_per_person=Decimal("4500.5"),
        fee_usd=Decimal("0.01"),
        narrative='Fishing vessel intercepted; "quoted" text, a\\backslash, a tab\there,\nünïcode and \u2028.',
        # A time with microseconds and one without: DRF writes the fraction only when there is one.
        submitted_at=dt.datetime(2026, 3, 4, 5, 6, 7, 89, tzinfo=dt.UTC),
        validated_at=dt.datetime(2026, 3, 5, 0, 0, 0, tzinfo=dt.UTC),
    )

    ids = [full.pk, sparse.pk]
    texts = incident_record_texts(ids)
    records = Incident.objects.select_related(*INCIDENT_RELATED).prefetch_related(*INCIDENT_PREFETCH)
    for pk, text in zip(ids, texts, strict=True):  # in the order asked for
        written = json.loads(text)
        expected = _generic(records.get(pk=pk))
        assert written == expected
        assert list(written) == list(expected)  # the same order of keys too
    written = json.loads(texts[0])
    assert written["transit_countries"] == ["IDN", "MYS"]
    assert [b["count"] for b in written["breakdowns"]] == [5, 3, 1]
    assert written["submitted_at"] == "2026-03-04T05:06:07.000089Z"
    assert written["validated_at"] == "2026-03-05T00:00:00Z"
    assert written["longitude"] == "0.00000" and written["fee_usd"] == "0.01"
    assert json.loads(texts[1])["breakdowns"] == [] and json.loads(texts[1])["agency"] is None
    assert incident_record_texts([]) == []


def test_the_orjson_renderer_writes_what_drfs_writes():
    data = {
        "text": "ünïcode “quoted” \u2028 \u2029 </script>",
        "lazy": gettext_lazy("This field is required."),
        "error": ErrorDetail("Not valid.", code="invalid"),
        "moment": dt.datetime(2026, 3, 4, 5, 6, 7, 891011, tzinfo=dt.UTC),
        "whole": dt.datetime(2026, 3, 4, 5, 6, 7, tzinfo=dt.UTC),
        "day": dt.date(2026, 3, 4),
        "amount": Decimal("12.50"),
        "id": uuid.UUID(int=7),
        "nested": [{"a": 1, "b": None, "c": True}, (1.5, "x")],
        3: "an integer key",
    }
    assert FastJSONRenderer().render(data) == JSONRenderer().render(data)
    assert FastJSONRenderer().render(None) == b""


def test_the_renderer_puts_written_json_as_it_is():
    page = {"next": None, "results": [orjson.Fragment(b'{"id" : 1, "x" : [1, 2]}')]}
    assert json.loads(FastJSONRenderer().render(page)) == {"next": None, "results": [{"id": 1, "x": [1, 2]}]}
