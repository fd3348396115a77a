"""facts_rebuild and friends against the real database: idempotence, the outbox, ground truth."""

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics.models import (
    FACT_MODELS,
    AbuseFact,
    DocumentFact,
    FactSet,
    FeeFact,
    IncidentFact,
    PeopleFact,
    RoleFact,
    RouteFact,
)
from analytics.services import facts_rebuild, facts_rebuild_all, facts_sweep
from reporting import codes
from reporting.models import Incident, IncidentDocument, IncidentTransit, PersonBreakdown, ReturnOutbox
from reporting.services.outbox import return_mark_dirty
from tests import factories

pytestmark = pytest.mark.django_db

MONTH = factories.months_back(2)


def fact_rows(ret_id: int) -> dict:
    return {
        model.__name__: sorted(
            tuple(v for k, v in row.items() if k != "id") for row in model.objects.filter(ret_id=ret_id).values()
        )
        for model in FACT_MODELS
    }


def incident(owner, **fields):
    fields.setdefault("detection_date", MONTH + dt.timedelta(days=3))
    return factories.IncidentFactory(participant=owner, **fields)


def test_rebuild_twice_gives_the_same_rows():
    owner = factories.participant()
    first = incident(owner, categories=["migrant_smuggling", "irregular_entry"], modes=["sea", "land"])
    incident(owner, smugglers_total=2, smuggler_roles=["organiser", "captain_crew"], fee_usd=1500)
    PersonBreakdown.objects.create(incident=first, group="migrant", citizenship="LKA", sex="male", count=7)
    IncidentTransit.objects.create(incident=first, sequence=1, country="IDN")
    IncidentDocument.objects.create(incident=first, document_type="passport", fraud_type="forged", count=2)
    facts_rebuild(return_id=first.ret_id)
    once = fact_rows(first.ret_id)
    facts_rebuild(return_id=first.ret_id)
    assert fact_rows(first.ret_id) == once
    assert once["IncidentFact"] and once["RouteFact"] and once["PeopleFact"] and once["FeeFact"]
    keys = IncidentFact.objects.filter(ret_id=first.ret_id).values_list("categories", "modes")
    assert ("|irregular_entry|migrant_smuggling|", "|land|sea|") in set(keys)
    assert sorted(RoleFact.objects.values_list("role", flat=True)) == ["captain_crew", "organiser"]


def test_only_validated_records_enter_facts():
    owner = factories.participant()
    kept = incident(owner, migrants_total=4)
    incident(owner, migrants_total=50, status=Incident.Status.DRAFT)
    incident(owner, migrants_total=70, status=Incident.Status.WITHDRAWN)
    fact_set = facts_rebuild(return_id=kept.ret_id)
    assert fact_set.incidents == 1
    assert sum(IncidentFact.objects.values_list("migrants", flat=True)) == 4


def test_rebuild_clears_the_outbox_row_it_covered():
    owner = factories.participant()
    record = incident(owner)
    return_mark_dirty(ret_id=record.ret_id)
    facts_rebuild(return_id=record.ret_id)
    assert not ReturnOutbox.objects.filter(ret_id=record.ret_id).exists()


def test_a_return_marked_again_during_the_build_stays_dirty(monkeypatch):
    owner = factories.participant()
    record = incident(owner)
    return_mark_dirty(ret_id=record.ret_id)
    import analytics.services as services

    original = services._facts_replace

    def insert_then_change(*args):
        records = original(*args)
        # Another transaction marks the return while this build runs (same row, newer mark).
        ReturnOutbox.objects.filter(ret_id=record.ret_id).update(marked_at=timezone.now() + dt.timedelta(seconds=1))
        return records

    monkeypatch.setattr(services, "_facts_replace", insert_then_change)
    facts_rebuild(return_id=record.ret_id)
    assert ReturnOutbox.objects.filter(ret_id=record.ret_id).exists()


def test_sweep_rebuilds_every_dirty_return_and_records_when():
    owner = factories.participant()
    records = [incident(owner, detection_date=factories.months_back(n) + dt.timedelta(days=2)) for n in (2, 3, 4)]
    for record in records:
        return_mark_dirty(ret_id=record.ret_id)
    before = timezone.now()
    result = facts_sweep()
    assert result.rebuilt == 3 and result.failed == 0
    assert not ReturnOutbox.objects.exists()
    assert FactSet.objects.filter(built_at__gte=before).count() == 3


def test_full_rebuild_equals_per_return_rebuilds():
    a, b = factories.participant(), factories.participant()
    records = [incident(a, migrants_total=3), incident(b, modes=["air"], fee_usd=900)]
    PersonBreakdown.objects.create(incident=records[0], group="migrant", citizenship="AFG", sex="female", count=2)
    for record in records:
        facts_rebuild(return_id=record.ret_id)
    each = {r.ret_id: fact_rows(r.ret_id) for r in records}
    result = facts_rebuild_all()
    assert result.returns >= 2
    assert {r.ret_id: fact_rows(r.ret_id) for r in records} == each


# Ground truth: after any sequence of edits, the facts equal a direct SQL aggregate of the records.

TRUTH_BY_CONTEXT = """
    SELECT i.participant_id, r.month, i.detection_context, count(*), sum(i.migrants_total),
           sum(i.smugglers_total), sum(i.dead), sum(i.missing)
      FROM reporting_incident i JOIN reporting_return r ON r.id = i.ret_id
     WHERE i.status = 'validated'
     GROUP BY 1, 2, 3"""
TRUTH_BY_CATEGORY = """
    SELECT i.participant_id, c, count(*)
      FROM reporting_incident i, jsonb_array_elements_text(i.categories) c
     WHERE i.status = 'validated' GROUP BY 1, 2"""
TRUTH_PEOPLE = """
    SELECT i.participant_id, b."group", b.citizenship, sum(b.count)
      FROM reporting_incident i JOIN reporting_personbreakdown b ON b.incident_id = i.id
     WHERE i.status = 'validated' GROUP BY 1, 2, 3"""


TRUTH_ROUTES = """
    SELECT i.participant_id, i.origin_country, COALESCE((SELECT t.country FROM reporting_incidenttransit t
             WHERE t.incident_id = i.id ORDER BY t.sequence LIMIT 1), ''), i.destination_country, count(*)
      FROM reporting_incident i WHERE i.status = 'validated' GROUP BY 1, 2, 3, 4"""
TRUTH_FEES = """
    SELECT i.participant_id, CAST(round(i.fee_usd) AS integer), count(*)
      FROM reporting_incident i WHERE i.status = 'validated' AND i.fee_usd IS NOT NULL GROUP BY 1, 2"""
TRUTH_ROLES = """
    SELECT i.participant_id, r, count(*), sum(i.smugglers_total)
      FROM reporting_incident i, jsonb_array_elements_text(i.smuggler_roles) r
     WHERE i.status = 'validated' GROUP BY 1, 2"""
TRUTH_ABUSES = """
    SELECT i.participant_id, a, count(*)
      FROM reporting_incident i, jsonb_array_elements_text(i.abuses) a
     WHERE i.status = 'validated' GROUP BY 1, 2"""
# Dead, missing and abuses by route and by mode (the harm and abuse charts): per mode a record counts
# once under each of its modes; "abused" counts records reporting at least one abuse.
TRUTH_HARM_BY_ROUTE = """
    SELECT i.participant_id, i.origin_country, i.destination_country, sum(i.dead), sum(i.missing),
           sum(CASE WHEN jsonb_array_length(i.abuses) > 0 THEN 1 ELSE 0 END)
      FROM reporting_incident i WHERE i.status = 'validated' GROUP BY 1, 2, 3"""
TRUTH_HARM_BY_MODE = """
    SELECT i.participant_id, m, sum(i.dead), sum(i.missing),
           sum(CASE WHEN jsonb_array_length(i.abuses) > 0 THEN 1 ELSE 0 END)
      FROM reporting_incident i, jsonb_array_elements_text(i.modes) m
     WHERE i.status = 'validated' GROUP BY 1, 2"""
TRUTH_ABUSES_BY_ROUTE = """
    SELECT i.participant_id, a, i.origin_country, i.destination_country, count(*)
      FROM reporting_incident i, jsonb_array_elements_text(i.abuses) a
     WHERE i.status = 'validated' GROUP BY 1, 2, 3, 4"""
TRUTH_ABUSES_BY_MODE = """
    SELECT i.participant_id, a, m, count(*)
      FROM reporting_incident i, jsonb_array_elements_text(i.abuses) a, jsonb_array_elements_text(i.modes) m
     WHERE i.status = 'validated' GROUP BY 1, 2, 3"""
TRUTH_DOCUMENTS = """
    SELECT i.participant_id, d.document_type, d.fraud_type, d.issuing_country, sum(d.count)
      FROM reporting_incident i JOIN reporting_incidentdocument d ON d.incident_id = i.id
     WHERE i.status = 'validated' GROUP BY 1, 2, 3, 4"""


def summed(model, dims: tuple[str, ...], measures: tuple[str, ...]) -> set:
    rows: dict = {}
    for row in model.objects.values(*dims, *measures):
        key = tuple(row[d] for d in dims)
        acc = rows.setdefault(key, [0] * len(measures))
        for i, m in enumerate(measures):
            acc[i] += row[m]
    return {(*k, *v) for k, v in rows.items()}


def truth(sql: str) -> set:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return {tuple(row) for row in cursor.fetchall()}


def facts_by_context() -> set:
    rows: dict = {}
    for f in IncidentFact.objects.all():
        key = (f.participant_id, f.month, f.detection_context)
        acc = rows.setdefault(key, [0, 0, 0, 0, 0])
        for i, value in enumerate((f.incidents, f.migrants, f.smugglers, f.dead, f.missing)):
            acc[i] += value
    return {(*k, *v) for k, v in rows.items()}


def facts_by_category() -> set:
    rows: dict = {}
    for f in IncidentFact.objects.all():
        for code in f.categories.strip("|").split("|"):
            rows[(f.participant_id, code)] = rows.get((f.participant_id, code), 0) + f.incidents
    return {(*k, v) for k, v in rows.items()}


def by_mode(model, dims: tuple[str, ...], measures: tuple[str, ...]) -> set:
    """Fact rows summed per (participant, *dims, mode), a row counting under each of its modes."""
    rows: dict = {}
    for row in model.objects.values("participant_id", "modes", *dims, *measures):
        for mode in row["modes"].strip("|").split("|"):
            if mode:
                key = (row["participant_id"], *(row[d] for d in dims), mode)
                acc = rows.setdefault(key, [0] * len(measures))
                for i, m in enumerate(measures):
                    acc[i] += row[m]
    return {(*k, *v) for k, v in rows.items()}


def facts_people() -> set:
    rows: dict = {}
    for f in PeopleFact.objects.all():
        key = (f.participant_id, f.group, f.citizenship)
        rows[key] = rows.get(key, 0) + f.persons
    return {(*k, v) for k, v in rows.items()}


edit = st.one_of(
    st.tuples(
        st.just("create"),
        st.integers(0, 1),  # owner
        st.integers(2, 4),  # months back
        st.lists(st.sampled_from(list(codes.ConductCategory.values)), min_size=1, max_size=3, unique=True),
        st.sampled_from(list(codes.DetectionContext.values)),
        st.integers(0, 40),  # migrants
        st.integers(0, 3),  # dead
        st.lists(st.sampled_from(list(codes.Mode.values)), min_size=1, max_size=2, unique=True),
        st.sampled_from([("LKA", "AUS"), ("AFG", "AUS"), ("", "NZL")]),  # origin, destination
        st.integers(0, 2),  # missing
    ),
    st.tuples(st.just("status"), st.integers(0, 50), st.sampled_from(list(Incident.Status.values))),
    st.tuples(st.just("count"), st.integers(0, 50), st.integers(0, 60)),
    st.tuples(st.just("move"), st.integers(0, 50), st.integers(2, 4)),
    st.tuples(st.just("breakdown"), st.integers(0, 50), st.sampled_from(["LKA", "AFG", "IRN", ""]), st.integers(1, 5)),
    st.tuples(
        st.just("extras"),
        st.integers(0, 50),
        st.one_of(st.none(), st.floats(0, 20000, allow_nan=False).map(lambda f: round(f, 2))),  # fee in USD
        st.lists(st.sampled_from(list(codes.SmugglerRole.values)), max_size=3, unique=True),
        st.lists(st.sampled_from(list(codes.Abuse.values)), max_size=2, unique=True),
        st.lists(st.sampled_from(["THA", "MYS", "IDN"]), max_size=2, unique=True),  # transit countries, in order
        st.sampled_from(["", "LKA", "PAK"]),  # issuer of a forged passport, "" for none
    ),
)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the truth is PostgreSQL SQL (jsonb_array_elements_text)")
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=st.lists(edit, min_size=1, max_size=12))
def test_facts_equal_a_direct_sql_aggregate_after_random_edits(edits):
    owners = [factories.participant(), factories.participant()]
    for op in edits:
        records = list(Incident.objects.filter(participant__in=owners).order_by("pk"))
        touched: set[int] = set()
        if op[0] == "create":
            _, who, back, cats, context, migrants, dead, modes, (origin, destination), missing = op
            record = incident(
                owners[who],
                detection_date=factories.months_back(back) + dt.timedelta(days=1),
                categories=cats,
                detection_context=context,
                migrants_total=migrants,
                dead=dead,
                missing=missing,
                modes=modes,
                origin_country=origin,
                destination_country=destination,
            )
            touched.add(record.ret_id)
        elif records:
            record = records[op[1] % len(records)]
            touched.add(record.ret_id)
            if op[0] == "status":
                record.status = op[2]
            elif op[0] == "count":
                record.migrants_total = op[2]
                record.breakdowns.all().delete()
            elif op[0] == "move":
                month = factories.months_back(op[2])
                record.ret = factories.return_for(record.participant, month)
                record.detection_date = month + dt.timedelta(days=5)
                touched.add(record.ret_id)
            elif op[0] == "extras":
                _, _i, fee, roles, abuses, transits, issuer = op
                record.fee_usd, record.smuggler_roles, record.abuses = fee, roles, abuses
                record.transits.all().delete()
                for n, country in enumerate(transits, start=1):
                    IncidentTransit.objects.create(incident=record, sequence=n, country=country)
                if issuer:
                    IncidentDocument.objects.create(
                        incident=record, document_type="passport", fraud_type="forged", issuing_country=issuer, count=2
                    )
            elif op[0] == "breakdown":
                used = sum(record.breakdowns.values_list("count", flat=True))
                if used + op[3] <= record.migrants_total:
                    PersonBreakdown.objects.update_or_create(
                        incident=record,
                        group="migrant",
                        citizenship=op[2],
                        sex="unknown",
                        age_group="unknown",
                        defaults={"count": op[3]},
                    )
            record.save()
        for ret_id in touched:
            return_mark_dirty(ret_id=ret_id)
        facts_sweep()
    assert not ReturnOutbox.objects.exists()
    assert facts_by_context() == truth(TRUTH_BY_CONTEXT)
    assert facts_by_category() == truth(TRUTH_BY_CATEGORY)
    assert facts_people() == truth(TRUTH_PEOPLE)
    assert summed(RouteFact, ("participant_id", "origin", "transit", "destination"), ("incidents",)) == truth(
        TRUTH_ROUTES
    )
    assert summed(FeeFact, ("participant_id", "fee_usd"), ("incidents",)) == truth(TRUTH_FEES)
    assert summed(RoleFact, ("participant_id", "role"), ("incidents", "smugglers")) == truth(TRUTH_ROLES)
    assert summed(AbuseFact, ("participant_id", "abuse"), ("incidents",)) == truth(TRUTH_ABUSES)
    documents = ("participant_id", "document_type", "fraud_type", "issuing_country")
    assert summed(DocumentFact, documents, ("documents",)) == truth(TRUTH_DOCUMENTS)
    harm = ("dead", "missing", "abused")
    route = ("participant_id", "origin", "destination")
    assert summed(IncidentFact, route, harm) == truth(TRUTH_HARM_BY_ROUTE)
    assert by_mode(IncidentFact, (), harm) == truth(TRUTH_HARM_BY_MODE)
    assert summed(AbuseFact, ("participant_id", "abuse", "origin", "destination"), ("incidents",)) == truth(
        TRUTH_ABUSES_BY_ROUTE
    )
    assert by_mode(AbuseFact, ("abuse",), ("incidents",)) == truth(TRUTH_ABUSES_BY_MODE)


def test_route_facts_take_the_first_transit_country():
    record = incident(factories.participant(), origin_country="LKA", destination_country="AUS")
    IncidentTransit.objects.create(incident=record, sequence=2, country="IDN")
    IncidentTransit.objects.create(incident=record, sequence=1, country="MYS")
    facts_rebuild(return_id=record.ret_id)
    assert list(RouteFact.objects.values_list("origin", "transit", "destination")) == [("LKA", "MYS", "AUS")]
