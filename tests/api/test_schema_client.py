"""The schema-driven client (tests/api/schema_client.py) pushes records to a running server over
HTTP and reads them back."""

import pytest

from reporting.models import Incident
from tests import factories
from tests.api.conftest import token_for
from tests.api.schema_client import SchemaClient, push_and_read_back

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_client_written_from_the_schema_pushes_records_and_reads_them_back(live_server):
    from reporting.models import ReciprocityPolicy

    ReciprocityPolicy.objects.get_or_create(version=1)
    home = factories.participant(code="SCH")
    contributor = factories.user(role="contributor", participant=home)
    client = SchemaClient(live_server.url, token_for(contributor))
    records = push_and_read_back(client, count=3, prefix="SCHEMA")
    assert len(records) == 3
    assert Incident.objects.filter(participant=home).count() == 3  # the retried create added nothing
    with pytest.raises(ValueError, match="Idempotency-Key"):
        client.call("incidents_create", body={})
