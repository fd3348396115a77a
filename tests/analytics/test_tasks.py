"""A real Celery worker through Redis builds the facts; a broker outage loses nothing."""

import datetime as dt
import time

import pytest
from django.db import transaction
from django.urls import reverse

from accounts.models import Role
from analytics.models import FactSet, IncidentFact
from analytics.tasks import facts_rebuild_task, facts_sweep_task
from reporting.models import Incident, ReciprocityPolicy, ReturnOutbox
from reporting.services.outbox import return_mark_dirty
from tests import factories
from tests.outage import app_ping, wait_for

MONTH = factories.months_back(2)


@pytest.fixture
def policy(celery_worker):
    """transactional_db empties the tables, the migration's policy row with them: put it back."""
    return ReciprocityPolicy.objects.get_or_create(version=1)[0]


def sea_figure(client) -> str:
    page = client.get(reverse("analytics:dashboard"))
    chart = next(c for c in page.context["dashboard"].charts if c.key == "modes")
    return next((r.labels[0] for r in chart.rows if r.is_total), "0")


def validate(record: Incident) -> None:
    """What the data-entry service does: change the record and mark its return, in one transaction."""
    with transaction.atomic():
        record.status = Incident.Status.VALIDATED
        record.save()
        return_mark_dirty(ret_id=record.ret_id)


# serialized_rollback: the flush after a transactional test would also drop the migration's policy
# row that every later test relies on; this restores it.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.worker
def test_a_validated_record_reaches_the_dashboard_through_a_real_worker(celery_worker, policy, client):
    owner = factories.participant()
    client.force_login(factories.user(role=Role.ANALYST, participant=owner))
    record = factories.IncidentFactory(
        participant=owner, detection_date=MONTH + dt.timedelta(days=1), status=Incident.Status.SUBMITTED
    )
    assert sea_figure(client) == "0"
    validate(record)
    assert wait_for(lambda: FactSet.objects.filter(ret_id=record.ret_id, incidents=1).exists())
    assert wait_for(lambda: not ReturnOutbox.objects.filter(ret_id=record.ret_id).exists())
    assert sea_figure(client) == "1"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.worker
def test_a_change_made_while_redis_is_stopped_is_caught_up_by_the_sweep(
    private_redis, worker_on_private_redis, client, caplog
):
    """Redis really stops (a redis-server of the test's own) while a record is validated: the request
    succeeds, the outbox keeps the work, and once Redis is back the sweep rebuilds the facts."""
    ReciprocityPolicy.objects.get_or_create(version=1)
    owner = factories.participant()
    client.force_login(factories.user(role=Role.ANALYST, participant=owner))
    record = factories.IncidentFactory(
        participant=owner, detection_date=MONTH + dt.timedelta(days=1), status=Incident.Status.SUBMITTED
    )
    private_redis.stop()
    started = time.monotonic()
    validate(record)  # the change commits; queueing fails and is logged, not raised
    request_seconds = time.monotonic() - started
    assert "could not queue facts_rebuild" in caplog.text
    assert request_seconds < 10, f"a broker outage held the request for {request_seconds:.1f} s"
    assert Incident.objects.get(pk=record.pk).status == Incident.Status.VALIDATED
    assert ReturnOutbox.objects.filter(ret_id=record.ret_id).exists()  # nothing lost
    time.sleep(1)
    assert not FactSet.objects.filter(ret_id=record.ret_id).exists()  # no one rebuilt it
    assert sea_figure(client) == "0"

    private_redis.start()  # Redis is back, on the same port, empty
    # The worker reconnects by itself; beat's sweep (sent here instead of waiting a minute) catches up.
    assert wait_for(lambda: bool(app_ping()), timeout=30), "the worker did not reconnect"
    facts_sweep_task.delay()
    assert wait_for(lambda: FactSet.objects.filter(ret_id=record.ret_id, incidents=1).exists(), timeout=30)
    assert not ReturnOutbox.objects.filter(ret_id=record.ret_id).exists()
    assert sea_figure(client) == "1"


@pytest.mark.django_db
def test_the_task_run_twice_gives_the_same_rows():
    owner = factories.participant()
    record = factories.IncidentFactory(participant=owner, detection_date=MONTH + dt.timedelta(days=1))
    facts_rebuild_task.delay(return_id=record.ret_id)  # eager in tests without a worker
    first = sorted(IncidentFact.objects.values_list("incidents", "migrants", "categories", "modes"))
    facts_rebuild_task.delay(return_id=record.ret_id)
    assert sorted(IncidentFact.objects.values_list("incidents", "migrants", "categories", "modes")) == first
    assert first == [(1, 12, "|migrant_smuggling|", "|sea|")]
