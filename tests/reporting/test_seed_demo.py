"""seed_demo: repeatable figures, the invariants the database and forms would enforce, working logins."""

import datetime as dt
import hashlib
import io
import json
import os
import random
from concurrent.futures.process import BrokenProcessPool
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Sum
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Participant, Role, User
from reporting import codes, copytext
from reporting.demo import demo_seed, incidents, loading, seeding
from reporting.demo.plan import LAPSED_SINCE, SUSPENDED_SINCE, month_add
from reporting.models import (
    ExchangeRate,
    Incident,
    IncidentComment,
    IncidentDocument,
    IncidentTransit,
    PersonBreakdown,
    Return,
)
from tests.dates import SAMPLE_DATES, frozen_at

pytestmark = pytest.mark.django_db

SMALL = 400  # incidents: enough for every participant and case, fast to load


def figures() -> dict:
    """What a reader of the data set sees, without database ids (sequences differ between loads)."""
    incidents = Incident.objects.order_by("national_reference")
    digest = hashlib.sha256()
    for row in incidents.values_list(
        "national_reference", "participant__code", "detection_date", "status", "sharing_level", "migrants_total",
        "smugglers_total", "fee_per_person", "fee_currency", "fee_usd", "origin_country", "destination_country",
        "categories", "narrative",
    ):  # fmt: skip
        digest.update(repr(row).encode())
    for model, fields in (
        (PersonBreakdown, ("group", "citizenship", "sex", "age_group", "count", "unaccompanied")),
        (IncidentTransit, ("sequence", "country")),
        (IncidentDocument, ("document_type", "fraud_type", "issuing_country", "count")),
    ):
        rows = model.objects.values_list("incident__national_reference", *fields).order_by(
            "incident__national_reference", *fields
        )
        digest.update(repr(list(rows)).encode())
    return {
        "participants": sorted(Participant.objects.values_list("code", "status", "joined_on")),
        "returns": sorted(
            (r.participant.code, r.month, r.status, r.is_nil) for r in Return.objects.select_related("participant")
        ),
        "incidents": incidents.count(),
        "migrants": incidents.aggregate(s=Sum("migrants_total"))["s"],
        "fees_usd": incidents.aggregate(s=Sum("fee_usd"))["s"],
        "breakdown_rows": PersonBreakdown.objects.count(),
        "rates": sorted(ExchangeRate.objects.values_list("currency", "month", "usd_per_unit")),
        "digest": digest.hexdigest(),
    }


def seeded_figures(**kwargs) -> dict:
    """Seed inside a savepoint, read the figures, roll back: the next load starts from empty."""
    with transaction.atomic():
        demo_seed(**kwargs)
        result = figures()
        transaction.set_rollback(True)
    return result


@pytest.fixture
def seeded():
    with frozen_at(SAMPLE_DATES[1]):
        yield demo_seed(seed=42, incidents=SMALL)


@pytest.fixture(params=SAMPLE_DATES, ids=[d.isoformat() for d in SAMPLE_DATES])
def seeded_any_day(request):
    """The demo as loaded on each sample day, the clock left there for the test."""
    with frozen_at(request.param):
        yield demo_seed(seed=42, incidents=SMALL)


def test_same_seed_gives_identical_figures():
    first = seeded_figures(seed=7, incidents=SMALL)
    second = seeded_figures(seed=7, incidents=SMALL)
    assert first == second
    assert first["incidents"] == SMALL


def test_another_seed_gives_other_figures():
    assert seeded_figures(seed=7, incidents=SMALL)["digest"] != seeded_figures(seed=8, incidents=SMALL)["digest"]


def test_bulk_create_path_gives_the_same_figures_as_copy(monkeypatch):
    """The embedded SQLite path (bulk_create) and the PostgreSQL path (COPY) write the same rows."""
    on_this_database = seeded_figures(seed=3, incidents=SMALL)
    monkeypatch.setattr(loading, "writer_for_connection", loading.BulkCreateWriter)
    with_bulk_create = seeded_figures(seed=3, incidents=SMALL)
    assert with_bulk_create == on_this_database


@pytest.mark.skipif(connection.vendor != "postgresql", reason="worker processes prepare COPY text only")
def test_forked_workers_give_the_same_figures_as_one_thread(monkeypatch):
    """Large loads prepare batches in forked processes; each return has its own random stream, so
    the figures do not depend on the path, and the parent's connection and transaction survive."""
    one_thread = seeded_figures(seed=5, incidents=SMALL)
    monkeypatch.setattr(seeding, "PARALLEL_FROM", 0)
    monkeypatch.setattr(seeding, "BATCH_INCIDENTS", 50)  # several chunks in flight at once
    monkeypatch.setattr(seeding, "_worker_processes", lambda: 2)
    started = []
    real = seeding._in_processes
    monkeypatch.setattr(seeding, "_in_processes", lambda *a, **k: started.append(1) or real(*a, **k))
    assert seeded_figures(seed=5, incidents=SMALL) == one_thread
    assert started, "the forked path ran"
    assert Participant.objects.count() == 0  # the rolled-back load left nothing, on a connection still usable


@pytest.mark.skipif(connection.vendor != "postgresql", reason="worker processes prepare COPY text only")
def test_a_worker_that_dies_fails_the_load_instead_of_hanging_it(monkeypatch):
    monkeypatch.setattr(seeding, "PARALLEL_FROM", 0)
    monkeypatch.setattr(seeding, "_worker_processes", lambda: 2)
    # In the workers only (forked after the patch): each dies as if killed.
    monkeypatch.setattr(seeding.IncidentGenerator, "batch_for_return", lambda self, **_: os._exit(3))
    with pytest.raises(BrokenProcessPool):
        demo_seed(seed=5, incidents=SMALL)
    assert not Participant.objects.exists() and not Incident.objects.exists()  # nothing half-written


def test_breakdowns_never_exceed_totals(seeded):
    sums = PersonBreakdown.objects.values("incident_id", "group").annotate(counted=Sum("count"))
    totals = {i.pk: i for i in Incident.objects.only("migrants_total", "smugglers_total")}
    assert sums, "the demo has breakdown rows"
    for row in sums:
        incident = totals[row["incident_id"]]
        total = incident.migrants_total if row["group"] == codes.PersonGroup.MIGRANT else incident.smugglers_total
        assert row["counted"] <= total
    assert not PersonBreakdown.objects.filter(unaccompanied__gt=0).exclude(age_group=codes.AgeGroup.MINOR).exists()


def test_detection_dates_fall_in_their_return_month_and_not_in_the_future(seeded_any_day):
    today = timezone.localdate()
    for detection_date, month, ret_participant, participant in Incident.objects.values_list(
        "detection_date", "ret__month", "ret__participant_id", "participant_id"
    ):
        assert (detection_date.year, detection_date.month) == (month.year, month.month)
        assert detection_date <= today
        assert ret_participant == participant


def test_validated_records_sit_in_submitted_returns_and_open_returns_hold_work_in_progress(seeded_any_day):
    validated = Incident.objects.filter(status=Incident.Status.VALIDATED)
    assert validated.exists()
    assert not validated.exclude(ret__status=Return.Status.SUBMITTED).exists()
    assert not Incident.objects.filter(ret__status=Return.Status.SUBMITTED).exclude(status="validated").exists()
    in_open = set(Incident.objects.filter(ret__status=Return.Status.OPEN).values_list("status", flat=True))
    assert in_open == {Incident.Status.DRAFT, Incident.Status.SUBMITTED, Incident.Status.RETURNED}  # every step shows
    assert not validated.filter(validated_at__isnull=True).exists()
    returned = Incident.objects.filter(status=Incident.Status.RETURNED)
    assert returned.exists()
    for incident in returned:
        comment = incident.comments.get()
        assert (comment.kind, comment.text) == (IncidentComment.Kind.RETURNED, incident.review_comment)
        assert comment.author.membership.role == Role.FOCAL_POINT


def test_nil_returns_have_no_incidents_and_data_returns_have_some(seeded_any_day):
    returns = Return.objects.annotate(n=Count("incidents"))
    assert returns.filter(is_nil=True).exists()
    assert not returns.filter(is_nil=True, n__gt=0).exists()
    assert not returns.filter(status=Return.Status.SUBMITTED, is_nil=False, n=0).exists()
    assert not returns.filter(status=Return.Status.SUBMITTED, submitted_at__isnull=True).exists()


def test_fees_are_converted_at_the_detection_month_rate(seeded):
    rates = {(r.currency, r.month): r.usd_per_unit for r in ExchangeRate.objects.all()}
    with_fee = Incident.objects.exclude(fee_per_person=None)
    assert with_fee.count() > SMALL // 4
    for incident in with_fee:
        rate = rates[(incident.fee_currency, incident.detection_date.replace(day=1))]
        expected = (incident.fee_per_person * rate).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        assert incident.fee_usd == expected


def test_transits_are_ordered_from_one(seeded):
    sequences: dict[int, list[int]] = {}
    for incident_id, sequence in IncidentTransit.objects.values_list("incident_id", "sequence"):
        sequences.setdefault(incident_id, []).append(sequence)
    assert sequences
    assert all(sorted(s) == list(range(1, len(s) + 1)) for s in sequences.values())


def test_every_participation_case_is_present(seeded_any_day):
    """One participant for each case of the reciprocity rule, as the demo promises."""
    current = timezone.localdate().replace(day=1)
    by_code = {p.code: p for p in Participant.objects.all()}
    assert by_code["AFG"].status == Participant.Status.INVITED
    assert not Return.objects.filter(participant__code="AFG").exists()
    assert by_code["MMR"].status == Participant.Status.SUSPENDED
    assert not Return.objects.filter(participant__code="MMR", month__gt=month_add(current, -SUSPENDED_SINCE)).exists()
    assert by_code["IND"].status == Participant.Status.ACTIVE
    assert not Return.objects.filter(participant__code="IND", month__gt=month_add(current, -LAPSED_SINCE)).exists()
    assert by_code["TLS"].joined_on > timezone.localdate() - dt.timedelta(days=90)
    assert by_code["HKG"].kind == Participant.Kind.TERRITORY
    assert by_code["PIDC"].kind == Participant.Kind.ORGANISATION
    open_now = set(Return.objects.filter(month=current, status=Return.Status.OPEN).values_list("participant__code"))
    active = set(Participant.objects.filter(status=Participant.Status.ACTIVE).values_list("code"))
    assert open_now == active - {("IND",)}  # every active participant but the lapsed one is at work
    levels = set(Incident.objects.values_list("sharing_level", flat=True))
    assert levels == set(codes.SharingLevel.values)


def test_every_participant_that_joined_accepted_the_terms_on_joining(seeded):
    from accounts.models import TermsAcceptance, TermsVersion

    terms = TermsVersion.objects.get()
    accepted = {a.participant.code: a.accepted_on for a in TermsAcceptance.objects.select_related("participant")}
    joined = {p.code: p.joined_on for p in Participant.objects.exclude(status=Participant.Status.INVITED)}
    assert accepted == joined and "AFG" not in accepted  # the invited participant has not yet
    assert terms.published_on == min(joined.values())


def test_seeded_records_have_no_history_rows(seeded):
    assert Incident.objects.exists()
    assert not Incident.history.exists()
    assert not Return.history.exists()


def test_each_participant_has_one_user_per_role(seeded):
    for participant in Participant.objects.all():
        roles = sorted(participant.memberships.values_list("role", flat=True))
        assert roles == sorted([Role.CONTRIBUTOR, Role.FOCAL_POINT, Role.ANALYST])
    assert User.objects.filter(membership__role=Role.SECRETARIAT, is_staff=True).count() == 2


def test_credentials_file_logs_in(tmp_path):
    path = tmp_path / "demo-credentials.json"
    call_command("seed_demo", incidents=50, credentials=path, stdout=io.StringIO())
    credentials = json.loads(path.read_text())
    assert {c["role"] for c in credentials} == set(Role.values)
    assert len(credentials) == 3 * Participant.objects.count() + 2
    for credential in credentials:
        client = Client()
        response = client.post(
            reverse("accounts:login"), {"username": credential["username"], "password": credential["password"]}
        )
        assert response.status_code == 302, credential["username"]
        assert client.session.get("_auth_user_id")
    assert not Client().login(username=credentials[0]["username"], password="wrong-password-123")
    # Every account its own password (issue 19): one participant's printout opens no other account.
    assert len({c["password"] for c in credentials}) == len(credentials)


def test_demo_hashes_are_cheap_and_raised_to_the_full_count_at_first_sign_in(settings):
    from django.contrib.auth.hashers import check_password, get_hasher

    from reporting.demo import people

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    encoded = people.passwords_hash({"x": "vrs-secret"})["x"]
    assert encoded.split("$")[1] == str(people.DEMO_ITERATIONS)
    upgraded = []
    assert check_password("vrs-secret", encoded, setter=upgraded.append)
    assert upgraded == ["vrs-secret"] and get_hasher().must_update(encoded)


def test_credentials_are_printed_as_a_table(capsys):
    call_command("seed_demo", incidents=20)
    out = capsys.readouterr().out
    user = User.objects.get(username="aus-focal")
    line = next(line for line in out.splitlines() if line.startswith("aus-focal "))
    password, role, participant = line.split()[1:]
    assert (role, participant) == (Role.FOCAL_POINT, "AUS")
    assert user.check_password(password)


def test_the_command_builds_the_dashboards_facts_unless_told_not_to():
    """The load writes rows past the outbox, so the command builds the facts: the dashboards of a
    fresh `make run` show the demo, not "no facts built yet". reporting does not import analytics:
    the command sends `demo_seeded` and analytics' receiver builds them, its line printed."""
    from analytics.models import FactSet, IncidentFact

    out = io.StringIO()
    call_command("seed_demo", incidents=200, stdout=out)
    assert f"Dashboard facts built for {Return.objects.count()} returns" in out.getvalue()
    validated = Incident.objects.filter(status=Incident.Status.VALIDATED).count()
    assert validated > 0
    assert FactSet.objects.count() == Return.objects.count()
    assert IncidentFact.objects.aggregate(n=Sum("incidents"))["n"] == validated


def test_no_facts_leaves_the_fact_tables_empty():
    from analytics.models import FactSet

    call_command("seed_demo", incidents=50, no_facts=True, stdout=io.StringIO())
    assert Incident.objects.exists() and not FactSet.objects.exists()


def test_if_empty_is_idempotent(capsys):
    call_command("seed_demo", incidents=30, if_empty=True)
    before = (Participant.objects.count(), User.objects.count(), Incident.objects.count())
    call_command("seed_demo", incidents=30, if_empty=True)
    assert "already exist" in capsys.readouterr().out
    assert (Participant.objects.count(), User.objects.count(), Incident.objects.count()) == before
    with pytest.raises(CommandError):
        call_command("seed_demo", incidents=30)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is the PostgreSQL path")
class TestPostgresFastPath:
    def test_uses_copy_and_leaves_the_sequence_past_the_loaded_ids(self):
        result = demo_seed(incidents=SMALL)
        assert result.method == "copy"
        top = Incident.objects.order_by("-id").values_list("id", flat=True).first()
        seeded = Incident.objects.first()
        seeded.pk = None
        seeded.national_reference = "AFTER-SEED-1"
        seeded.save()  # the sequence hands out a fresh id, no collision with COPY's explicit ids
        assert seeded.pk > top

    def test_breakdown_trigger_is_back_on_after_the_load(self):
        demo_seed(incidents=50)
        with connection.cursor() as cursor:
            cursor.execute("SELECT tgenabled FROM pg_trigger WHERE tgname = %s", [loading.BREAKDOWN_TRIGGER])
            assert cursor.fetchone() == ("O",)  # O: enabled (origin)
        incident = Incident.objects.filter(migrants_total__gt=0).first()
        PersonBreakdown.objects.filter(incident=incident).delete()
        with pytest.raises(IntegrityError), transaction.atomic():
            PersonBreakdown.objects.create(
                incident=incident, group=codes.PersonGroup.MIGRANT, count=incident.migrants_total + 1
            )
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")

    def test_indexes_and_foreign_keys_are_rebuilt_after_the_load(self):
        tables = [model._meta.db_table for model in loading.LOADED_MODELS]

        def schema():
            with connection.cursor() as cursor:
                return loading._secondary_indexes(cursor, tables), loading._foreign_keys(cursor, tables)

        before = schema()
        assert before[0] and before[1]
        demo_seed(incidents=50)
        assert schema() == before
        with pytest.raises(IntegrityError), transaction.atomic():
            IncidentTransit.objects.create(incident_id=10**9, sequence=1, country="THA")
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")

    def test_a_failed_load_leaves_nothing_behind(self, monkeypatch):
        def broken_write(self, prepared):
            raise RuntimeError("disk full")

        monkeypatch.setattr(loading.PostgresCopyWriter, "write", broken_write)
        tables = [model._meta.db_table for model in loading.LOADED_MODELS]
        with connection.cursor() as cursor:
            indexes = loading._secondary_indexes(cursor, tables)
        with pytest.raises(RuntimeError):
            demo_seed(incidents=50)
        assert not Participant.objects.exists()
        with connection.cursor() as cursor:
            assert loading._secondary_indexes(cursor, tables) == indexes
        with connection.cursor() as cursor:
            cursor.execute("SELECT tgenabled FROM pg_trigger WHERE tgname = %s", [loading.BREAKDOWN_TRIGGER])
            assert cursor.fetchone() == ("O",)


def test_generator_errors_reach_the_caller(monkeypatch):
    """The generating thread's exceptions are raised in the caller, not lost in the thread."""

    def broken(*args, **kwargs):
        raise ValueError("bad route")

    monkeypatch.setattr(seeding.IncidentGenerator, "batch_for_return", broken)
    with pytest.raises(ValueError, match="bad route"):
        demo_seed(incidents=50)


def test_the_compiled_copy_line_matches_the_column_by_column_text():
    """The one-f-string formatter writes what the per-column formatters would: escapes in free text,
    NULLs, JSON code lists, and the model default of a column the row leaves out."""
    at = dt.datetime(2025, 3, 4, 5, 6, 7, tzinfo=dt.UTC)
    row = {
        "id": 7,
        "participant_id": 2,
        "ret_id": 3,
        "agency_id": None,
        "national_reference": "A\tB\\C",
        "status": Incident.Status.VALIDATED,
        "categories": [codes.ConductCategory.MIGRANT_SMUGGLING, codes.ConductCategory.DOCUMENT_FRAUD],
        "modes": [],
        "narrative": "line one\nline two\r",
        "detection_date": dt.date(2025, 3, 1),
        "latitude": -10.5,
        "fee_usd": Decimal("12.50"),
        "embargo_until": None,
        "created_at": at,
        "updated_at": at,
    }
    line = loading.incident_line_formatter(row)(row)
    fields = Incident._meta.concrete_fields
    expected = [copytext.column_formatter(f)(row.get(f.attname, f.get_default())) for f in fields]
    assert line.endswith("\n") and line[:-1].split("\t") == [
        text.replace("T05:06:07", " 05:06:07")
        for text in expected  # str() of a datetime, as COPY reads it
    ]
    assert "A\\tB\\\\C" in line and "line one\\nline two\\r" in line
    assert '["migrant_smuggling","document_fraud"]' in line


def test_ordered_samples_keep_the_catalogue_order_and_their_bounds():
    draws = incidents.Draws(random.Random(1))  # noqa: S311 - a test
    options = tuple("abcdef")
    for _ in range(500):
        sample = draws.ordered_sample(options, 1, 3)
        assert 1 <= len(sample) <= 3 and list(sample) == sorted(sample) and len(set(sample)) == len(sample)
    assert draws.ordered_sample(("x",), 1, 3) == ["x"]
    assert {draws.between(2, 4) for _ in range(300)} == {2, 3, 4}


def test_the_demo_logs_reads_of_others_records_that_the_rule_allows(seeded_any_day):
    from reporting.models import AccessEvent
    from reporting.reciprocity import visible_incidents

    events = list(AccessEvent.objects.select_related("user", "viewer", "owner"))
    assert seeded_any_day.reads == len(events) > 0
    assert {e.via for e in events} == {"list", "detail", "export"}
    now = timezone.now()
    for event in events:
        assert event.viewer_id == event.user.participant_id != event.owner_id
        assert now - dt.timedelta(days=28) <= event.at <= now
        readable = visible_incidents(event.user).filter(participant_id=event.owner_id)
        if event.incident_id:
            assert readable.filter(pk=event.incident_id, updated_at__lte=event.at).exists()
        assert readable.count() >= event.record_count
    # Participants not contributing (suspended, lapsed, invited) read nothing; the secretariat is not in it.
    assert not AccessEvent.objects.filter(viewer__code__in=["MMR", "IND", "AFG"]).exists()
    assert not AccessEvent.objects.filter(viewer__isnull=True).exists()


def test_a_focal_point_of_the_demo_sees_who_read_its_data(seeded):
    client = Client()
    client.force_login(User.objects.get(username="aus-focal"))
    response = client.get(reverse("reporting:accessevent-list"))
    assert response.status_code == 200
    assert response.context["page"].object_list
    assert "No one outside your participant has read your records yet." not in response.content.decode()
