"""The incident output as the serializer renders it: rows in their reading order, numbers and
times in the contract's formats."""

import pytest

from reporting.api.serializers import INCIDENT_PREFETCH, INCIDENT_RELATED, IncidentOutputSerializer
from reporting.models import Incident
from tests import factories

pytestmark = pytest.mark.django_db


def test_the_output_writes_rows_in_order_and_values_in_the_contracts_formats(django_assert_num_queries):
    sparse, full = factories.sparse_and_full_incidents()
    records = Incident.objects.select_related(*INCIDENT_RELATED).prefetch_related(*INCIDENT_PREFETCH)
    shown = IncidentOutputSerializer(records.get(pk=full.pk)).data
    assert shown["transit_countries"] == ["IDN", "MYS"]  # in sequence
    assert [b["count"] for b in shown["breakdowns"]] == [5, 3, 1]  # by group, then the larger count first
    assert shown["latitude"] == "-12.25000" and shown["fee_usd"] == "4500.00"
    assert shown["created_at"].endswith("Z")
    loaded = records.get(pk=sparse.pk)
    with django_assert_num_queries(0):  # what it reads is what INCIDENT_RELATED and INCIDENT_PREFETCH load
        empty = IncidentOutputSerializer(loaded).data
    assert empty["breakdowns"] == [] and empty["agency"] is None
