"""A record's participant and return, checked by one composite database key since reporting 0020
(participant, ret) -> the return's (participant, id): what it refuses."""

import pytest
from django.db import IntegrityError, connection, transaction

from reporting.models import Incident, Return
from tests import factories

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the composite key is PostgreSQL's"),
]


def _check_now() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_a_record_in_another_participants_return_is_refused():
    record = factories.incident_for(factories.participant())
    other = factories.return_for(factories.participant(), record.ret.month)
    with pytest.raises(IntegrityError), transaction.atomic():
        Incident.objects.filter(pk=record.pk).update(ret=other)
        _check_now()


def test_a_record_with_no_such_return_or_participant_is_refused():
    record = factories.incident_for(factories.participant())
    with pytest.raises(IntegrityError), transaction.atomic():
        Incident.objects.filter(pk=record.pk).update(ret_id=10**9)
        _check_now()
    with pytest.raises(IntegrityError), transaction.atomic():
        Incident.objects.filter(pk=record.pk).update(participant_id=10**9)
        _check_now()


def test_a_return_with_records_keeps_its_participant():
    record = factories.incident_for(factories.participant())
    other = factories.participant()
    with pytest.raises(IntegrityError), transaction.atomic():
        Return.objects.filter(pk=record.ret_id).update(participant=other)
        _check_now()


def test_a_record_in_its_participants_return_is_accepted():
    record = factories.incident_for(factories.participant())
    later = factories.return_for(record.participant, factories.months_back(1))
    with transaction.atomic():
        Incident.objects.filter(pk=record.pk).update(ret=later)
        _check_now()
