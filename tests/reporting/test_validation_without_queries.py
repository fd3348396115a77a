"""Record validation without queries (reporting/models.py ValidatedWithoutQueries, reporting/fields.py
CodeChoiceField) decides exactly what Django's own validation decides, with the same messages."""

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.test.utils import CaptureQueriesContext

from reporting.models import (
    Incident,
    IncidentComment,
    IncidentDocument,
    IncidentTransit,
    PersonBreakdown,
)
from tests import factories

pytestmark = pytest.mark.django_db

# Values each field of a CHECK condition takes below, NULL included where the column allows it.
SAMPLES = {
    "fee_per_person": [None, Decimal("0"), Decimal("12.50")],
    "fee_currency": ["", "USD"],
    "latitude": [None, Decimal("-90"), Decimal("45.5"), Decimal("90.00001"), Decimal("-91")],
    "longitude": [None, Decimal("180"), Decimal("-180.5"), Decimal("0")],
    "fee_usd": [None, Decimal("0"), Decimal("-0.01"), Decimal("3")],
    "count": [0, 1, 5],
    "unaccompanied": [0, 1, 6],
    "age_group": ["minor", "adult", "unknown"],
    "text": ["", "why"],
}
MODELS = (Incident, IncidentComment, IncidentTransit, PersonBreakdown, IncidentDocument)


def check_constraints():
    for model in MODELS:
        for constraint in model._meta.constraints:
            if isinstance(constraint, models.CheckConstraint):
                yield model, constraint


def test_every_check_constraint_of_the_records_is_covered_by_the_samples():
    for model, constraint in check_constraints():
        assert constraint.condition.referenced_base_fields <= set(SAMPLES), (model, constraint.name)


@pytest.mark.parametrize(("model", "constraint"), list(check_constraints()), ids=lambda v: getattr(v, "name", ""))
def test_python_checks_agree_with_the_database_on_every_combination(model, constraint):
    names = sorted(constraint.condition.referenced_base_fields)
    combinations = list(itertools.product(*(SAMPLES[name] for name in names)))
    disagreements, failures = [], 0
    for values in combinations:
        instance = model(**dict(zip(names, values, strict=True)))
        in_database = models.Q(constraint.condition).check(
            instance._get_field_expression_map(meta=model._meta), using="default"
        )
        try:
            instance._validate_check(constraint, instance._constraint_values(), set(), model)
            in_python = True
        except ValidationError as error:
            in_python = False
            assert error.messages == [str(constraint.get_violation_error_message())]
        failures += not in_python
        if in_python != in_database:
            disagreements.append(dict(zip(names, values, strict=True)))
    assert not disagreements
    assert 0 < failures < len(combinations)  # the samples reach both outcomes


def _queries():
    return CaptureQueriesContext(connection)


def test_a_condition_python_does_not_evaluate_goes_to_the_database():
    # A transform (`__year`) is not evaluated in Python: the database still decides, and refuses.
    constraint = models.CheckConstraint(
        condition=models.Q(detection_date__year=2020), name="only_2020", violation_error_message="Only 2020."
    )
    incident = Incident(detection_date=dt.date(2026, 3, 2))
    with _queries() as q, pytest.raises(ValidationError) as caught:
        incident._validate_check(constraint, incident._constraint_values(), set(), Incident)
    assert caught.value.messages == ["Only 2020."]
    assert len(q.captured_queries) >= 1
    incident.detection_date = dt.date(2020, 5, 1)
    incident._validate_check(constraint, incident._constraint_values(), set(), Incident)


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
    # The owner, the return and the author are loaded: only the unique reference is asked.
    assert len(q.captured_queries) == 1 and "national_reference" in q.captured_queries[0]["sql"]


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
