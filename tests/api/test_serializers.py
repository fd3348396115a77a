"""The incident output's direct renderings, of an instance (a record's page, write answers) and of
plain values (the list's hot path, `incident_records`), give exactly what DRF's field-by-field
conversion of the declared fields gives: the declared fields stay the contract."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework import serializers

from accounts.models import Agency
from reporting import codes
from reporting.api.serializers import (
    INCIDENT_PREFETCH,
    INCIDENT_RELATED,
    INCIDENT_VALUES,
    IncidentOutputSerializer,
    incident_records,
)
from reporting.models import BorderCrossingPoint, Incident, IncidentDocument, IncidentTransit, PersonBreakdown
from tests import factories

pytestmark = pytest.mark.django_db


def _generic(incident: Incident) -> dict:
    return serializers.Serializer.to_representation(IncidentOutputSerializer(), incident)


def test_the_direct_output_equals_drfs_for_sparse_and_full_records():
    owner = factories.participant()
    sparse = factories.IncidentFactory(participant=owner, status=Incident.Status.DRAFT, categories=[])
    agency = Agency.objects.create(participant=owner, name="Border Force", kind="immigration")
    crossing = BorderCrossingPoint.objects.create(participant=owner, code="BCP-1", name="Reef", mode="sea")
    full = factories.IncidentFactory(
        participant=owner,
        agency=agency,
        border_crossing_point=crossing,
        latitude=Decimal("-12.25"),
        longitude=Decimal("123.04"),
        embargo_until=timezone.localdate() + dt.timedelta(days=9),
        fee_per_person=Decimal("4500"),
        fee_currency="USD",
        fee_usd=Decimal("4500"),
        methods=[codes.Method.FISHING_BOAT],
        abuses=[codes.Abuse.ENDANGERMENT],
        narrative="Fishing vessel intercepted; “quoted” text and ünïcode.",
        migrants_total=8,
        smugglers_total=1,
        submitted_at=timezone.now(),
        validated_at=timezone.now(),
    )
    IncidentTransit.objects.create(incident=full, country="IDN", sequence=1)
    IncidentTransit.objects.create(incident=full, country="MYS", sequence=2)
    PersonBreakdown.objects.create(incident=full, group="migrant", citizenship="LKA", sex="male", count=3)
    PersonBreakdown.objects.create(incident=full, group="migrant", citizenship="LKA", sex="female", count=5)
    PersonBreakdown.objects.create(incident=full, group="smuggler", citizenship="IDN", sex="male", count=1)
    IncidentDocument.objects.create(incident=full, document_type="passport", fraud_type="counterfeit", count=2)
    IncidentDocument.objects.create(incident=full, document_type="visa", fraud_type="forged", count=1)
    records = Incident.objects.select_related(*INCIDENT_RELATED).prefetch_related(*INCIDENT_PREFETCH)
    rows = list(Incident.objects.filter(pk__in=[sparse.pk, full.pk]).order_by("-id").values(*INCIDENT_VALUES))
    from_values = {record["id"]: record for record in incident_records(rows)}
    assert list(from_values) == [full.pk, sparse.pk]  # the rows' order
    for incident in records.filter(pk__in=[sparse.pk, full.pk]):
        direct = IncidentOutputSerializer(incident).data
        assert direct == _generic(incident)
        assert list(direct) == list(_generic(incident))  # the same order of keys too
        assert from_values[incident.pk] == _generic(incident)
        assert list(from_values[incident.pk]) == list(_generic(incident))
    shown = IncidentOutputSerializer(records.get(pk=full.pk)).data
    assert shown["transit_countries"] == ["IDN", "MYS"]  # in sequence
    assert [b["count"] for b in shown["breakdowns"]] == [5, 3, 1]  # by group, then the larger count first
    assert shown["latitude"] == "-12.25000" and shown["fee_usd"] == "4500.00"
    assert shown["created_at"].endswith("Z")
