"""demo_seed: the whole synthetic data set, from one seed, in one transaction."""

import collections
import concurrent.futures
import contextlib
import itertools
import multiprocessing
import os
import queue
import random
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from django.db import connection, transaction

from accounts.models import Participant, Role
from reporting.demo import loading, reference
from reporting.demo.catalogue import PARTICIPANTS
from reporting.demo.context import context_create
from reporting.demo.incidents import Batch, IncidentGenerator
from reporting.demo.links import demo_links_create
from reporting.demo.people import Credential, demo_users_create
from reporting.demo.plan import plan_build
from reporting.demo.reads import demo_reads_create
from reporting.models import Incident, IncidentComment

DEFAULT_SEED = 42
DEFAULT_INCIDENTS = 3000
BATCH_INCIDENTS = 20_000  # incidents per COPY round: bounded memory, few round trips
PARALLEL_FROM = 100_000  # incidents: below this, starting worker processes costs more than it saves
MAX_PROCESSES = 4  # beyond a few preparing processes, COPY on the one connection is the limit


class DemoDatabaseNotEmpty(Exception):
    """seed_demo fills an empty database only: it never mixes demo records with real ones."""


@dataclass(frozen=True)
class SeedResult:
    skipped: bool = False
    participants: int = 0
    returns: int = 0
    incidents: int = 0
    rows: int = 0  # incidents and their transit, breakdown and document rows
    reads: int = 0  # access events: reads of others' records (reporting/demo/reads.py)
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
    return_comments_create(users=users)
    context_create(participants=participants, users=users, today=now.date())
    _statistics_refresh()
    _grants_sync()
    demo_links_create(rng=_rng(seed, "links"), today=now.date())
    reads = demo_reads_create(rng=_rng(seed, "reads"), now=now)
    return SeedResult(
        participants=len(participants),
        returns=len(returns),
        incidents=incidents,
        rows=rows,
        reads=reads,
        method=writer.method,
        credentials=credentials,
    )


def incidents_load(*, plan, returns, generator: IncidentGenerator, writer: loading.RowWriter, progress) -> int:
    """Generate every planned return's incidents and write them in batches; returns the rows written.

    Generating and formatting rows is Python work, about two thirds of the CPU a large load takes;
    loading them is the database server's. The main thread, which owns the database connection,
    only writes: batches are prepared ahead of it by forked worker processes for large COPY loads
    (one per core, up to MAX_PROCESSES), or else by one thread. Neither touches the database. Each
    return's incidents come from their own random stream, so the figures do not depend on which
    path, how many processes or what order prepared them.
    """
    total = sum(p.incidents for p in plan.returns)
    first_id = writer.ids_reserve(total) if total else 0
    chunks = _chunks(plan=plan, returns=returns, first_id=first_id)
    done = rows = 0
    guard = loading.bulk_load_mode() if writer.method == "copy" else contextlib.nullcontext()
    processes = _worker_processes() if writer.method == "copy" and total >= PARALLEL_FROM else 0
    with guard:
        if processes > 1:
            prepared_batches = _in_processes(chunks, generator=generator, writer=writer, processes=processes)
        else:
            prepared_batches = _in_background(_chunk_prepare(chunk, generator, writer) for chunk in chunks)
        for prepared, batch_rows, batch_incidents in prepared_batches:
            writer.write(prepared)
            rows += batch_rows
            done += batch_incidents
            if progress:
                progress(done, total)
    return rows


def _chunks(*, plan, returns, first_id: int) -> list[list[tuple]]:
    """Runs of whole returns of about BATCH_INCIDENTS incidents: (planned, return refs, first id) each,
    with consecutive incident ids from first_id."""
    chunks: list[list[tuple]] = []
    chunk: list[tuple] = []
    size, next_id = 0, first_id
    for planned in plan.returns:
        if not planned.incidents:
            continue
        chunk.append((planned, returns[(planned.participant.code, planned.month)], next_id))
        next_id += planned.incidents
        size += planned.incidents
        if size >= BATCH_INCIDENTS:
            chunks.append(chunk)
            chunk, size = [], 0
    if chunk:
        chunks.append(chunk)
    return chunks


def _chunk_prepare(chunk: list[tuple], generator: IncidentGenerator, writer: loading.RowWriter) -> tuple:
    """(the writer's prepared rows, rows, incidents) of one chunk. CPU only: no database access."""
    batch = Batch()
    for planned, ret, first in chunk:
        part = generator.batch_for_return(planned=planned, ret=ret, first_id=first)
        batch.incidents.extend(part.incidents)
        batch.transits.extend(part.transits)
        batch.breakdowns.extend(part.breakdowns)
        batch.documents.extend(part.documents)
    return writer.prepare(batch), batch.rows, len(batch.incidents)


def _worker_processes() -> int:
    """Worker processes for preparing batches: one per usable core, none where fork is missing (the
    workers inherit the generator rather than receive it)."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return 0
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return min(MAX_PROCESSES, cores)


_FORKED_WORK: tuple | None = None  # (generator, writer), as the forked workers find them


def _forked_chunk_prepare(chunk: list[tuple]) -> tuple:
    generator, writer = _FORKED_WORK
    return _chunk_prepare(chunk, generator, writer)


def _worker_start() -> None:
    # A forked worker inherits the parent's signal handlers (a benchmark turns TERM into SystemExit);
    # it must die plainly if the pool is torn down, never run the parent's cleanup.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle


def _in_processes(chunks: list[list[tuple]], *, generator, writer, processes: int, ahead: int = 2) -> Iterator:
    """Prepared chunks, in order, from `processes` forked workers, at most `ahead` per worker in flight.

    The workers get the generator by fork and never use the database connection they inherit. They
    are started before any thread of the pool exists, end normally once the work is done, and a
    worker that dies makes the load fail (BrokenProcessPool) instead of waiting for it forever.
    """
    global _FORKED_WORK
    _FORKED_WORK = (generator, writer)
    executor = concurrent.futures.ProcessPoolExecutor(
        max_workers=processes, mp_context=multiprocessing.get_context("fork"), initializer=_worker_start
    )
    try:
        pending: collections.deque = collections.deque()
        remaining = iter(chunks)
        for chunk in itertools.islice(remaining, processes * ahead):
            pending.append(executor.submit(_forked_chunk_prepare, chunk))
        while pending:
            prepared = pending.popleft().result()
            for chunk in itertools.islice(remaining, 1):
                pending.append(executor.submit(_forked_chunk_prepare, chunk))
            yield prepared
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
        _FORKED_WORK = None


_DONE = object()


def _in_background(items: Iterable, *, ahead: int = 2) -> Iterator:
    """Iterate `items` in a worker thread, at most `ahead` items in advance; re-raise its errors here."""
    slots: queue.Queue = queue.Queue(maxsize=ahead)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                if stop.is_set():
                    return
                slots.put(item)
            slots.put(_DONE)
        except BaseException as error:  # handed to the consumer, which re-raises it
            slots.put(error)

    worker = threading.Thread(target=produce, name="seed-demo-generator", daemon=True)
    worker.start()
    try:
        while (item := slots.get()) is not _DONE:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while worker.is_alive():  # unblock a producer waiting on a full queue
            with contextlib.suppress(queue.Empty):
                slots.get(timeout=0.1)
        worker.join()


def return_comments_create(*, users: dict[tuple[str, str], int]) -> None:
    """Each returned record gets the focal point's comment, as the workflow writes one when it returns
    a record (bulk_create: no history; there are only a few, in the open months)."""
    returned = Incident.objects.filter(status=Incident.Status.RETURNED).values_list(
        "pk", "participant__code", "review_comment", "version", "updated_at"
    )
    IncidentComment.objects.bulk_create(
        IncidentComment(
            incident_id=pk,
            author_id=users[(code, Role.FOCAL_POINT)],
            kind=IncidentComment.Kind.RETURNED,
            text=text,
            version=version,
            created_at=at,
        )
        for pk, code, text, version, at in returned
    )


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
