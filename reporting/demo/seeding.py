"""demo_seed: the whole synthetic data set, from one seed, in one transaction."""

import contextlib
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection, transaction

from accounts.models import Participant
from reporting.demo import loading, reference
from reporting.demo.catalogue import PARTICIPANTS
from reporting.demo.incidents import Batch, IncidentGenerator
from reporting.demo.people import Credential, demo_users_create
from reporting.demo.plan import plan_build

DEFAULT_SEED = 42
DEFAULT_INCIDENTS = 3000
BATCH_INCIDENTS = 20_000  # incidents per COPY round: bounded memory, few round trips


class DemoDatabaseNotEmpty(Exception):
    """seed_demo fills an empty database only: it never mixes demo records with real ones."""


@dataclass(frozen=True)
class SeedResult:
    skipped: bool = False
    participants: int = 0
    returns: int = 0
    incidents: int = 0
    rows: int = 0  # incidents and their transit, breakdown and document rows
    method: str = ""
    seconds: float = 0.0
    credentials: list[Credential] = field(default_factory=list)


def _rng(seed: int, stream: str) -> random.Random:
    # One stream per part, so a change in one part (say, more routes) leaves the others' draws alone.
    return random.Random(f"{seed}:{stream}")  # noqa: S311 - synthetic demo data, not security


def demo_seed(
    *,
    seed: int = DEFAULT_SEED,
    incidents: int = DEFAULT_INCIDENTS,
    if_empty: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> SeedResult:
    """Build the demo data set. Same seed and day → same figures; passwords are new every run.

    Raises DemoDatabaseNotEmpty when participants exist, unless `if_empty` (then does nothing).
    `progress(done, total)` is called after each batch of incidents.
    """
    if Participant.objects.exists():
        if if_empty:
            return SeedResult(skipped=True)
        raise DemoDatabaseNotEmpty("The database already has participants; seed_demo only fills an empty one.")
    started = time.perf_counter()
    with transaction.atomic():
        result = _seed(seed=seed, incidents=incidents, progress=progress)
    return SeedResult(**{**result.__dict__, "seconds": time.perf_counter() - started})


def _seed(*, seed: int, incidents: int, progress) -> SeedResult:
    now = reference.now_utc()
    plan = plan_build(rng=_rng(seed, "plan"), today=now.date(), incidents=incidents)
    participants = reference.participants_create(plan=plan)
    reference.agencies_and_crossing_points_create(participants=participants)
    credentials = demo_users_create(participants=list(participants.values()))
    users = reference.user_ids_by_role(participants=participants)
    rates = reference.exchange_rates_create(
        rng=_rng(seed, "rates"), first_month=plan.first_month, last_month=now.date().replace(day=1)
    )
    generator = IncidentGenerator(
        rng=_rng(seed, "incidents"),
        now=now,
        participants={
            spec.code: reference.participant_refs(spec=spec, participant=participants[spec.code], users=users)
            for spec in PARTICIPANTS
        },
        rates=rates,
    )
    returns = reference.returns_create(plan=plan, participants=participants, users=users, generator=generator)
    writer = loading.writer_for_connection()
    rows = incidents_load(plan=plan, returns=returns, generator=generator, writer=writer, progress=progress)
    _statistics_refresh()
    _grants_sync()
    return SeedResult(
        participants=len(participants),
        returns=len(returns),
        incidents=incidents,
        rows=rows,
        method=writer.method,
        credentials=credentials,
    )


def incidents_load(*, plan, returns, generator: IncidentGenerator, writer: loading.RowWriter, progress) -> int:
    """Generate every planned return's incidents and write them in batches; returns the rows written."""
    total = sum(p.incidents for p in plan.returns)
    next_id = writer.ids_reserve(total) if total else 0
    done = rows = 0
    guard = loading.breakdown_trigger_disabled() if writer.method == "copy" else contextlib.nullcontext()
    with guard:
        batch = Batch()
        for planned in plan.returns:
            if not planned.incidents:
                continue
            part = generator.batch_for_return(
                planned=planned, ret=returns[(planned.participant.code, planned.month)], first_id=next_id
            )
            next_id += planned.incidents
            _extend(batch, part)
            if len(batch.incidents) >= BATCH_INCIDENTS:
                rows, done = _flush(writer, batch, rows, done, total, progress)
                batch = Batch()
        rows, done = _flush(writer, batch, rows, done, total, progress)
    return rows


def _extend(batch: Batch, part: Batch) -> None:
    batch.incidents.extend(part.incidents)
    batch.transits.extend(part.transits)
    batch.breakdowns.extend(part.breakdowns)
    batch.documents.extend(part.documents)


def _flush(writer, batch: Batch, rows: int, done: int, total: int, progress) -> tuple[int, int]:
    if batch.incidents:
        writer.write(batch)
        rows += batch.rows
        done += len(batch.incidents)
        if progress:
            progress(done, total)
    return rows, done


def _statistics_refresh() -> None:
    # Fresh planner statistics: right after a bulk load autovacuum has not looked at the tables yet.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "ANALYZE reporting_return, reporting_incident, reporting_incidenttransit, "
                "reporting_personbreakdown, reporting_incidentdocument"
            )


def _grants_sync() -> None:
    """Materialise the reciprocity grants for the seeded returns (bulk writes sent no signals)."""
    from reporting.reciprocity import reciprocity_sync

    reciprocity_sync(trigger="seed_demo")
