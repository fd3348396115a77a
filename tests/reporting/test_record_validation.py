"""Record validation (reporting/models.py LoadedKeysTrusted, reporting/fields.py CodeChoiceField):
Django's own checks and messages, CHECK constraints included, without fetching again a foreign key
the record already holds."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reporting.models import Incident, IncidentTransit, PersonBreakdown
from tests import factories

pytestmark = pytest.mark.django_db


def _queries():
    return CaptureQueriesContext(connection)


def test_check_constraints_are_validated_with_their_messages():
    owner = factories.participant(code="AUS")
    ret = factories.return_for(owner, factories.months_back(1))
    incident = Incident(
        participant=owner,
        ret=ret,
        national_reference="Q-3",
        detection_date=ret.month,
        fee_per_person=Decimal("10"),
        latitude=Decimal("91"),
        fee_usd=Decimal("-1"),
    )
    with pytest.raises(ValidationError) as caught:
        incident.validate_constraints()
    assert sorted(caught.value.messages) == sorted(
        [
            "Give the currency of the fee.",
            "Give both latitude (−90 to 90) and longitude (−180 to 180), or neither.",
            "Constraint “incident_fee_usd_not_negative” is violated.",
        ]
    )
    incident.fee_currency, incident.latitude, incident.fee_usd = "USD", None, Decimal("0")
    incident.validate_constraints()
    row = PersonBreakdown(group="migrant", age_group="adult", count=2, unaccompanied=1)
    with pytest.raises(ValidationError) as caught:
        row.validate_constraints(exclude=["incident"])
    assert caught.value.messages == ["Unaccompanied minors are minors, and no more than the row's count."]


def test_validating_a_record_asks_the_database_only_what_it_must():
    owner = factories.participant(code="AUS")
    user = factories.user(participant=owner, role="contributor")
    ret = factories.return_for(owner, factories.months_back(1))
    incident = Incident(
        participant=owner,
        ret=ret,
        created_by=user,
        national_reference="Q-1",
        detection_date=ret.month,
        detection_country="AUS",
        origin_country="LKA",
        fee_per_person=Decimal("10"),
        fee_currency="USD",
    )
    with _queries() as q:
        incident.full_clean()
    # The owner, the return and the author are loaded: none is asked for again.
    asked = " ".join(query["sql"] for query in q.captured_queries)
    assert "national_reference" in asked
    assert 'FROM "accounts_participant"' not in asked and 'FROM "reporting_return"' not in asked


def test_a_wrong_foreign_key_or_code_keeps_djangos_messages():
    owner = factories.participant(code="AUS")
    ret = factories.return_for(owner, factories.months_back(1))
    incident = Incident(
        participant=owner,
        ret=ret,
        national_reference="Q-2",
        detection_date=ret.month,
        detection_country="XXX",
        fee_currency="ZZZ",
        agency_id=999_999,
    )
    with pytest.raises(ValidationError) as caught:
        incident.full_clean()
    errors = caught.value.message_dict
    assert errors["detection_country"] == ["Value 'XXX' is not a valid choice."]
    assert errors["fee_currency"] == ["Value 'ZZZ' is not a valid choice."]
    assert errors["agency"] == ["agency instance with id 999999 is not a valid choice."]  # Django's own
    row = PersonBreakdown(group="migrant", citizenship="QQQ", count=1)
    with pytest.raises(ValidationError) as caught:
        row.full_clean(exclude=["incident"])
    assert caught.value.message_dict == {"citizenship": ["Value 'QQQ' is not a valid choice."]}
    with pytest.raises(ValidationError) as caught:
        IncidentTransit(sequence=1, country="").full_clean(exclude=["incident"])
    assert caught.value.message_dict == {"country": ["This field cannot be blank."]}
