"""The incident output's direct renderings, of an instance (a record's page, write answers) and of
plain values (the list's hot path, `incident_records`), give exactly what DRF's field-by-field
conversion of the declared fields gives: the declared fields stay the contract."""

import pytest
from rest_framework import serializers

from reporting.api.serializers import (
    INCIDENT_PREFETCH,
    INCIDENT_RELATED,
    INCIDENT_VALUES,
    IncidentOutputSerializer,
    incident_records,
)
from reporting.models import Incident
from tests import factories

pytestmark = pytest.mark.django_db


def _generic(incident: Incident) -> dict:
    return serializers.Serializer.to_representation(IncidentOutputSerializer(), incident)


def test_the_direct_output_equals_drfs_for_sparse_and_full_records():
    sparse, full = factories.sparse_and_full_incidents()
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
