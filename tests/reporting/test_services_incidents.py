"""Incident entry and workflow services against the real database."""

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone, translation

from accounts.models import Role
from reporting import codes
from reporting.models import ExchangeRate, Incident, IncidentComment, Return, ReturnOutbox
from reporting.services.incidents import (
    ScreeningBlocked,
    StaleRecord,
    incident_correct,
    incident_create,
    incident_return,
    incident_sharing_set,
    incident_submit,
    incident_update,
    incident_validate,
    incident_withdraw,
)
from reporting.services.returns import return_reopen, return_submit
from tests import factories

pytestmark = pytest.mark.django_db


def last_month_day(day: int = 5) -> dt.date:
    return factories.months_back(1) + dt.timedelta(days=day - 1)


def complete_data(**overrides) -> dict:
    data = {
        "national_reference": "CASE-2024-001",
        "categories": [codes.ConductCategory.MIGRANT_SMUGGLING],
        "protocol_benefit": codes.ProtocolBenefit.YES,
        "source": codes.Source.INVESTIGATION,
        "confidence": codes.Confidence.HIGH,
        "detection_date": last_month_day(),
        "detection_country": "AUS",
        "detection_place": "Ashmore Reef",
        "detection_context": codes.DetectionContext.AT_SEA,
        "modes": [codes.Mode.SEA],
        "methods": [codes.Method.FISHING_BOAT],
        "origin_country": "LKA",
        "destination_country": "AUS",
        "migrants_total": 20,
        "smugglers_total": 2,
        "smuggler_roles": [codes.SmugglerRole.CAPTAIN_CREW],
        "fee_per_person": Decimal("1000"),
        "fee_currency": "LKR",
        "narrative": "A fishing boat with 20 migrants and 2 crew was intercepted 40 nautical miles north.",
    }
    data.update(overrides)
    return data


BREAKDOWNS = [
    {"group": "migrant", "citizenship": "LKA", "sex": "male", "age_group": "adult", "count": 12},
    {"group": "migrant", "citizenship": "LKA", "sex": "female", "age_group": "adult", "count": 5},
    {"group": "migrant", "citizenship": "LKA", "sex": "male", "age_group": "minor", "count": 3, "unaccompanied": 2},
]
DOCUMENTS = [{"document_type": "passport", "fraud_type": "forged", "issuing_country": "LKA", "count": 2}]


@pytest.fixture
def owner():
    return factories.participant()


@pytest.fixture
def contributor(owner):
    return factories.user(role=Role.CONTRIBUTOR, participant=owner)


@pytest.fixture
def focal_point(owner):
    return factories.user(role=Role.FOCAL_POINT, participant=owner)


@pytest.fixture
def draft(contributor, owner):
    return incident_create(
        created_by=contributor,
        participant=owner,
        data=complete_data(),
        transits=["IDN", "TLS"],
        breakdowns=BREAKDOWNS,
        documents=DOCUMENTS,
    )


def test_create_makes_a_draft_in_the_return_of_its_month_with_its_rows(draft, owner):
    assert draft.status == Incident.Status.DRAFT and draft.version == 1
    assert draft.ret.month == last_month_day().replace(day=1) and draft.ret.participant == owner
    assert [t.country for t in draft.transits.order_by("sequence")] == ["IDN", "TLS"]
    assert draft.breakdowns.count() == 3 and draft.documents.count() == 1
    assert draft.history.count() == 1 and draft.history.first().history_user is not None


def test_fee_is_converted_with_the_rate_of_the_detection_month(contributor, owner):
    ExchangeRate.objects.create(currency="LKR", month=last_month_day().replace(day=1), usd_per_unit=Decimal("0.0033"))
    incident = incident_create(
        created_by=contributor, participant=owner, data=complete_data(), transits=[], breakdowns=[], documents=[]
    )
    assert incident.fee_usd == Decimal("3.30")
    other = incident_create(
        created_by=contributor,
        participant=owner,
        data=complete_data(national_reference="X2", fee_currency="THB"),
        transits=[],
        breakdowns=[],
        documents=[],
    )
    assert other.fee_usd is None  # no THB rate: not guessed


def test_a_draft_may_be_incomplete_but_needs_a_reference_and_a_date(contributor, owner):
    incident = incident_create(
        created_by=contributor,
        participant=owner,
        data={"national_reference": "MIN-1", "detection_date": last_month_day()},
        transits=[],
        breakdowns=[],
        documents=[],
    )
    assert incident.pk
    with pytest.raises(ValidationError) as caught:
        incident_create(created_by=contributor, participant=owner, data={}, transits=[], breakdowns=[], documents=[])
    assert {"national_reference", "detection_date"} <= set(caught.value.message_dict)


def test_every_problem_is_reported_at_once_and_nothing_is_saved(contributor, owner):
    future = timezone.localdate() + dt.timedelta(days=10)
    with pytest.raises(ValidationError) as caught:
        incident_create(
            created_by=contributor,
            participant=owner,
            data=complete_data(detection_date=future, detection_country="XXX", migrants_total=-3, dead=-1),
            transits=["IDN", "ZZZ"],
            breakdowns=[{"group": "migrant", "citizenship": "LKA", "count": 0}],
            documents=[{"document_type": "scroll", "fraud_type": "forged", "count": 1}],
        )
    errors = caught.value.message_dict
    assert {
        "detection_date",
        "detection_country",
        "migrants_total",
        "dead",
        "transits",
        "breakdowns",
        "documents",
    } <= set(errors)
    assert any("future" in m for m in errors["detection_date"])
    assert any(m.startswith("Row 2") for m in errors["transits"])
    assert not Incident.objects.exists() and not Return.objects.exists()


def test_a_linked_rows_problem_is_said_with_its_field_in_the_readers_language(contributor, owner):
    """Checked with no language active (as an import checks), a linked row's problem keeps its field's
    label and its message as text and parameters, so the French and Arabic pages say them whole."""
    from reporting.imports.messages import as_message, render_parts

    with translation.override(None), pytest.raises(ValidationError) as caught:
        incident_create(
            created_by=contributor,
            participant=owner,
            data=complete_data(),
            transits=[],
            breakdowns=[{"group": "migrant", "citizenship": "LKA", "count": 0}],
            documents=[],
        )
    (problem,) = caught.value.error_dict["breakdowns"]
    parts = as_message(problem).parts
    with translation.override("en"):
        assert render_parts(parts) == "Row 1, count: Ensure this value is greater than or equal to 1."
    with translation.override("fr"):
        french = render_parts(parts)
    assert french.startswith("Ligne 1, nombre : ") and "Ensure" not in french and "count" not in french
    with translation.override("ar"):
        arabic = render_parts(parts)
    assert arabic.startswith("الصف 1، العدد: ") and "Ensure" not in arabic


def test_breakdowns_above_the_totals_are_refused(contributor, owner):
    with pytest.raises(ValidationError) as caught:
        incident_create(
            created_by=contributor,
            participant=owner,
            data=complete_data(migrants_total=10),
            transits=[],
            breakdowns=BREAKDOWNS,
            documents=[],
        )
    assert "more than the total of 10" in caught.value.message_dict["migrants_total"][0]


def test_only_the_owners_entry_roles_create(owner):
    analyst = factories.user(role=Role.ANALYST, participant=owner)
    stranger = factories.user(role=Role.CONTRIBUTOR, participant=factories.participant())
    for user in (analyst, stranger):
        with pytest.raises(PermissionDenied):
            incident_create(
                created_by=user, participant=owner, data=complete_data(), transits=[], breakdowns=[], documents=[]
            )


def test_update_with_a_stale_version_changes_nothing(draft, contributor, focal_point):
    first = incident_update(
        incident=Incident.objects.get(pk=draft.pk),
        updated_by=focal_point,
        expected_version=1,
        data={"migrants_total": 25},
        transits=["IDN"],
        breakdowns=BREAKDOWNS,
        documents=DOCUMENTS,
    )
    assert first.version == 2
    with pytest.raises(StaleRecord) as caught:
        incident_update(
            incident=Incident.objects.get(pk=draft.pk),
            updated_by=contributor,
            expected_version=1,
            data={"migrants_total": 30, "narrative": "changed"},
            transits=[],
            breakdowns=[],
            documents=[],
        )
    assert "Someone else saved this record" in str(caught.value)
    fresh = Incident.objects.get(pk=draft.pk)
    assert (fresh.version, fresh.migrants_total, fresh.transits.count(), fresh.breakdowns.count()) == (2, 25, 1, 3)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # keeps the migrated policy row
def test_two_simultaneous_saves_of_one_version_let_exactly_one_through(owner, contributor, focal_point):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    incident = incident_create(
        created_by=contributor, participant=owner, data=complete_data(), transits=[], breakdowns=[], documents=[]
    )
    outcomes = []
    barrier = threading.Barrier(2)

    def save(user, total):
        barrier.wait()
        try:
            incident_update(
                incident=Incident.objects.get(pk=incident.pk),
                updated_by=user,
                expected_version=1,
                data={"migrants_total": total},
                transits=[],
                breakdowns=[],
                documents=[],
            )
            outcomes.append(("saved", total))
        except StaleRecord:
            outcomes.append(("stale", total))
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(u, t)) for u, t in ((contributor, 31), (focal_point, 32))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(o[0] for o in outcomes) == ["saved", "stale"]
    winner = next(t for kind, t in outcomes if kind == "saved")
    fresh = Incident.objects.get(pk=incident.pk)
    assert (fresh.version, fresh.migrants_total) == (2, winner)


def test_the_whole_workflow_with_return_and_resubmission(draft, contributor, focal_point):
    submitted = incident_submit(incident=draft, submitted_by=contributor, expected_version=1)
    assert submitted.status == Incident.Status.SUBMITTED and submitted.version == 2
    with pytest.raises(PermissionDenied):
        incident_validate(incident=submitted, validated_by=contributor)
    with pytest.raises(ValidationError):
        incident_return(incident=submitted, returned_by=focal_point, comment="  ")
    returned = incident_return(incident=submitted, returned_by=focal_point, comment="Give the fee scope.")
    assert returned.status == Incident.Status.RETURNED and returned.review_comment == "Give the fee scope."
    assert IncidentComment.objects.get(incident=returned).kind == IncidentComment.Kind.RETURNED
    fixed = incident_update(
        incident=returned,
        updated_by=contributor,
        expected_version=returned.version,
        data={"fee_scope": codes.FeeScope.FULL_PACKAGE},
        transits=["IDN", "TLS"],
        breakdowns=BREAKDOWNS,
        documents=DOCUMENTS,
    )
    again = incident_submit(incident=fixed, submitted_by=contributor)
    assert not ReturnOutbox.objects.filter(ret_id=draft.ret_id).exists()  # nothing validated yet
    validated = incident_validate(incident=again, validated_by=focal_point)
    assert validated.status == Incident.Status.VALIDATED and validated.validated_by == focal_point
    assert validated.review_comment == ""
    assert ReturnOutbox.objects.filter(ret_id=draft.ret_id).exists()
    with pytest.raises(ValidationError):
        incident_submit(incident=validated, submitted_by=contributor)


def test_submit_requires_a_complete_record(contributor, owner):
    incident = incident_create(
        created_by=contributor,
        participant=owner,
        data={"national_reference": "MIN-2", "detection_date": last_month_day()},
        transits=[],
        breakdowns=[],
        documents=[],
    )
    with pytest.raises(ValidationError) as caught:
        incident_submit(incident=incident, submitted_by=contributor)
    assert {"categories", "source", "confidence", "detection_country", "detection_context", "modes"} <= set(
        caught.value.message_dict
    )
    assert Incident.objects.get(pk=incident.pk).status == Incident.Status.DRAFT


def test_personal_data_refuses_every_save_until_the_focal_point_overrides(contributor, focal_point, owner):
    def create(by, **override):
        return incident_create(
            created_by=by,
            participant=owner,
            data=complete_data(narrative="The organiser Mr Rahman Ali collected the fees."),
            transits=[],
            breakdowns=[],
            documents=[],
            **override,
        )

    with pytest.raises(ScreeningBlocked) as caught:
        create(contributor)  # a draft too
    assert caught.value.hits["narrative"][0].text == "Mr Rahman Ali"
    assert caught.value.message_dict["narrative"] == [
        "This looks like personal data: a person's name (characters 15–27). Remove it, or ask your focal point "
        "to override."
    ]
    with pytest.raises(ValidationError) as caught:
        create(contributor, screening_override="fine")
    assert "Only the focal point" in caught.value.message_dict["screening_override"][0]
    with pytest.raises(ValidationError) as caught:
        create(focal_point, screening_override="Mr Perera says so, +94 77 123 4567.")  # the reason is screened too
    assert "personal data" in caught.value.message_dict["screening_override"][0]
    assert not Incident.objects.exists()
    # The reason may quote what it overrides, nothing else.
    incident = create(focal_point, screening_override="“Mr Rahman Ali” is the name of a vessel.")
    assert incident.screening_override_reason == "“Mr Rahman Ali” is the name of a vessel."
    assert incident.screening_override_by == focal_point
    assert incident.comments.get().kind == IncidentComment.Kind.SCREENING_OVERRIDE
    assert incident_submit(incident=incident, submitted_by=contributor).status == Incident.Status.SUBMITTED


def test_changing_the_text_needs_a_new_override(contributor, focal_point, owner):
    incident = incident_create(
        created_by=focal_point,
        participant=owner,
        data=complete_data(narrative="Met at Dr Chen Road."),
        transits=[],
        breakdowns=[],
        documents=[],
        screening_override="a street name",
    )
    # Other changes keep the override: it is for this very text.
    incident = incident_update(
        incident=incident,
        updated_by=contributor,
        expected_version=incident.version,
        data={"migrants_total": 9},
        transits=[],
        breakdowns=[],
        documents=[],
    )
    assert incident.screening_override_reason == "a street name"
    with pytest.raises(ScreeningBlocked):
        incident_update(
            incident=incident,
            updated_by=contributor,
            expected_version=incident.version,
            data={"narrative": "Met at Dr Chen Road and Mrs Wong."},
            transits=[],
            breakdowns=[],
            documents=[],
        )
    stored = Incident.objects.get(pk=incident.pk)
    assert stored.narrative == "Met at Dr Chen Road." and stored.screening_override_reason == "a street name"


def test_comments_and_reasons_are_screened(contributor, focal_point, owner):
    incident = incident_create(
        created_by=contributor, participant=owner, data=complete_data(), transits=[], breakdowns=[], documents=[]
    )
    incident = incident_submit(incident=incident, submitted_by=contributor)
    with pytest.raises(ScreeningBlocked) as caught:
        incident_return(incident=incident, returned_by=focal_point, comment="Ask Mr Perera on +94 77 123 4567.")
    assert [h.kind for h in caught.value.hits["comment"]] == ["name", "phone"]
    with pytest.raises(ScreeningBlocked):
        incident_withdraw(incident=incident, withdrawn_by=focal_point, reason="Duplicate of NIC 912345678V.")
    assert Incident.objects.get(pk=incident.pk).status == Incident.Status.SUBMITTED


def _validated(draft, contributor, focal_point):
    return incident_validate(
        incident=incident_submit(incident=draft, submitted_by=contributor), validated_by=focal_point
    )


def test_correction_makes_a_new_version_and_keeps_history(draft, contributor, focal_point):
    validated = _validated(draft, contributor, focal_point)
    ReturnOutbox.objects.all().delete()
    with pytest.raises(ValidationError):
        incident_update(
            incident=validated,
            updated_by=focal_point,
            expected_version=validated.version,
            data={},
            transits=[],
            breakdowns=[],
            documents=[],
        )
    with pytest.raises(PermissionDenied):
        incident_correct(
            incident=validated,
            corrected_by=contributor,
            expected_version=validated.version,
            data={"dead": 1},
            transits=[],
            breakdowns=[],
            documents=[],
            reason="x",
        )
    corrected = incident_correct(
        incident=validated,
        corrected_by=focal_point,
        expected_version=validated.version,
        data={"migrants_total": 21},
        transits=["IDN", "TLS"],
        breakdowns=BREAKDOWNS,
        documents=DOCUMENTS,
        reason="One more migrant found on the boat.",
    )
    assert corrected.status == Incident.Status.VALIDATED and corrected.migrants_total == 21
    history = list(corrected.history.order_by("history_date"))
    assert [h.migrants_total for h in history][-2:] == [20, 21]
    assert history[-1].history_change_reason == "One more migrant found on the boat."
    assert ReturnOutbox.objects.filter(ret_id=corrected.ret_id).exists()


def test_a_validated_record_cannot_move_to_another_month(draft, contributor, focal_point):
    validated = _validated(draft, contributor, focal_point)
    with pytest.raises(ValidationError) as caught:
        incident_correct(
            incident=validated,
            corrected_by=focal_point,
            expected_version=validated.version,
            data={"detection_date": factories.months_back(2) + dt.timedelta(days=3)},
            transits=[],
            breakdowns=[],
            documents=[],
            reason="wrong month",
        )
    assert "stays in its month" in caught.value.message_dict["detection_date"][0]


def test_a_draft_moves_to_the_return_of_its_new_month(draft, contributor):
    moved = incident_update(
        incident=draft,
        updated_by=contributor,
        expected_version=1,
        data={"detection_date": factories.months_back(2) + dt.timedelta(days=3)},
        transits=[],
        breakdowns=[],
        documents=[],
    )
    assert moved.ret.month == factories.months_back(2)


def test_withdraw_never_deletes_and_needs_a_reason(draft, contributor, focal_point):
    with pytest.raises(ValidationError):
        incident_withdraw(incident=draft, withdrawn_by=contributor, reason="")
    withdrawn = incident_withdraw(incident=draft, withdrawn_by=contributor, reason="Entered twice.")
    assert Incident.objects.get(pk=draft.pk).status == Incident.Status.WITHDRAWN
    assert withdrawn.comments.get().text == "Entered twice."
    with pytest.raises(ValidationError):
        incident_withdraw(incident=withdrawn, withdrawn_by=focal_point, reason="again")


def test_contributors_cannot_withdraw_validated_records(draft, contributor, focal_point):
    validated = _validated(draft, contributor, focal_point)
    with pytest.raises(ValidationError):
        incident_withdraw(incident=validated, withdrawn_by=contributor, reason="no")
    assert incident_withdraw(incident=validated, withdrawn_by=focal_point, reason="duplicate").status == "withdrawn"


def test_the_last_validated_record_of_a_submitted_return_needs_reopening(draft, contributor, focal_point):
    validated = _validated(draft, contributor, focal_point)
    return_submit(ret=validated.ret, submitted_by=focal_point)
    with pytest.raises(ValidationError) as caught:
        incident_withdraw(incident=validated, withdrawn_by=focal_point, reason="duplicate")
    assert "Reopen the return first" in caught.value.messages[0]
    return_reopen(ret=validated.ret, reopened_by=focal_point, reason="A duplicate to withdraw.")
    assert incident_withdraw(incident=validated, withdrawn_by=focal_point, reason="duplicate").status == "withdrawn"


def test_validation_needs_an_open_return(draft, contributor, focal_point, owner):
    other = incident_create(
        created_by=contributor,
        participant=owner,
        data=complete_data(national_reference="CASE-2"),
        transits=[],
        breakdowns=[],
        documents=[],
    )
    _validated(draft, contributor, focal_point)
    other = incident_submit(incident=other, submitted_by=contributor)
    incident_return(incident=other, returned_by=focal_point, comment="check")
    return_submit(ret=draft.ret, submitted_by=focal_point)
    other = incident_submit(incident=Incident.objects.get(pk=other.pk), submitted_by=contributor)
    with pytest.raises(ValidationError) as caught:
        incident_validate(incident=other, validated_by=focal_point)
    assert "Reopen it" in caught.value.messages[0]


def test_sharing_is_set_by_the_focal_point_only(draft, contributor, focal_point):
    with pytest.raises(PermissionDenied):
        incident_sharing_set(incident=draft, changed_by=contributor, sharing_level="national_only", embargo_until=None)
    with pytest.raises(PermissionDenied):
        incident_update(
            incident=draft,
            updated_by=contributor,
            expected_version=1,
            data={"sharing_level": "national_only"},
            transits=[],
            breakdowns=[],
            documents=[],
        )
    with pytest.raises(ValidationError):
        incident_sharing_set(
            incident=draft,
            changed_by=focal_point,
            sharing_level="shared",
            embargo_until=timezone.localdate() - dt.timedelta(days=1),
        )
    later = timezone.localdate() + dt.timedelta(days=60)
    shared = incident_sharing_set(
        incident=draft, changed_by=focal_point, sharing_level="aggregate_only", embargo_until=later, expected_version=1
    )
    assert (shared.sharing_level, shared.embargo_until, shared.version) == ("aggregate_only", later, 2)


def test_transitions_with_a_stale_version_are_refused(draft, contributor, focal_point):
    incident_update(
        incident=draft,
        updated_by=focal_point,
        expected_version=1,
        data={"dead": 0},
        transits=[],
        breakdowns=[],
        documents=[],
    )
    with pytest.raises(StaleRecord):
        incident_submit(incident=draft, submitted_by=contributor, expected_version=1)
