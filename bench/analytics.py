"""Regional analytics at scale (issue 7, "Performance"): the dashboard page against computing its
figures from the incident tables, one return's rebuild, the full rebuild against a raw
INSERT … SELECT … GROUP BY, and freshness through a real Celery worker, over a million incidents."""

# ruff: noqa: S603, S608 - SQL from the fact builder's constant statements; subprocesses of this interpreter

import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.registry import Case, Context, register

FULL_INCIDENTS = 1_000_000
QUICK_INCIDENTS = 20_000
VIEWER = "aus-analyst"  # an analyst of a contributing participant
OTHER = "IDN"  # an owner the viewer reads, whose returns are rebuilt between "after a change" runs
ROOT = Path(__file__).resolve().parent.parent
FRESHNESS_TIMEOUT = 60.0


def _change(ret_id: int):
    """Before each rebuild (not timed): change one validated record of the return, as an edit
    would, a different record and figure each time, so the rebuild has facts to replace."""
    from django.db.models import F

    from reporting.models import Incident

    records = iter(
        list(Incident.objects.filter(ret_id=ret_id, status=Incident.Status.VALIDATED).values_list("pk", flat=True))
    )

    def change() -> None:
        pk = next(records)
        Incident.objects.filter(pk=pk).update(dead=F("dead") + 1, migrants_total=F("migrants_total") + 1)

    return change


def _forget(ret_id: int):
    """Before each rebuild (not timed): delete the return's fact rows, so every row is written."""

    def forget() -> None:
        from django.db import connection

        from analytics.models import FACT_MODELS

        with connection.cursor() as cursor:
            for model in FACT_MODELS:
                cursor.execute(f"DELETE FROM {model._meta.db_table} WHERE ret_id = %s", [ret_id])

    return forget


class _BackendCpu:
    """CPU seconds used by this connection's PostgreSQL backend around an action (from /proc)."""

    def __init__(self) -> None:
        self.seconds: list[float] = []
        self.pid: int | None = None

    def _now(self) -> float | None:
        from django.db import connection

        if self.pid is None:  # asked once, outside the timed part after the first run
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                (self.pid,) = cursor.fetchone()
        pid = self.pid
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def around(self, action):
        def measured():
            before = self._now()
            result = action()
            after = self._now()
            if before is not None and after is not None:
                self.seconds.append(after - before)
            return result

        return measured

    def note(self) -> str:
        if not self.seconds:
            return "backend CPU not measured"
        # Ticks of 10 ms: the mean over the runs is the figure to read.
        return f"PostgreSQL backend CPU {1000 * statistics.mean(self.seconds):.0f} ms a run (mean)"


def _page(client):
    def get():
        response = client.get("/analytics/", HTTP_HOST="127.0.0.1")
        assert response.status_code == 200, response.status_code
        return response

    return get


def _direct_from_incidents(filters) -> int:
    """The figures of the dashboard computed from the incident tables at request time: the fact
    builder's seven SELECT … GROUP BY over the validated records of the period, read by Python.
    (The chart code that turns them into cells is left out, which favours this baseline.)"""
    from django.db import connection

    from analytics.services import _base, _dialect, _inserts

    d = _dialect()
    base = _base(d, "r.month BETWEEN %s AND %s")
    rows = 0
    with connection.cursor() as cursor:
        for insert in _inserts(d):
            select = insert[insert.index("SELECT") :]
            cursor.execute(f"WITH inc AS ({base}) {select}", [filters.month_from, filters.month_to])
            rows += len(cursor.fetchall())
    return rows


def _raw_insert_select() -> None:
    """The baseline of the full rebuild: the same facts by plain INSERT … SELECT … GROUP BY, one per
    fact table, each with its own CTE over the incidents, into empty unlogged copies of the tables;
    no lock, no delete, no fact sets, no outbox."""
    from django.db import connection, transaction

    from analytics.models import FACT_MODELS
    from analytics.services import _base, _dialect, _inserts

    d = _dialect()
    with transaction.atomic(), connection.cursor() as cursor:
        for model in FACT_MODELS:
            table = model._meta.db_table
            cursor.execute(f"DROP TABLE IF EXISTS raw_{table}")
            cursor.execute(f"CREATE UNLOGGED TABLE raw_{table} (LIKE {table} INCLUDING DEFAULTS INCLUDING IDENTITY)")
        for insert in _inserts(d):
            raw = insert.replace("INSERT INTO analytics_", "INSERT INTO raw_analytics_", 1)
            cursor.execute(f"WITH inc AS ({_base(d, '1 = 1')}) {raw}")
    with connection.cursor() as cursor:
        for model in FACT_MODELS:
            cursor.execute(f"DROP TABLE raw_{model._meta.db_table}")


def _rebuild_all_in_a_process(log) -> tuple[float, float]:
    """`manage.py facts_rebuild_all` in its own process, as a worker would run it: (seconds, peak
    resident memory in MB, from /proc while it runs)."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "config.settings.base")}
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "manage.py", "facts_rebuild_all", "--skip-checks"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    peak = 0
    while process.poll() is None:
        peak = max(peak, _peak_kb(process.pid))
        time.sleep(0.2)
    seconds = time.perf_counter() - started
    out = process.stdout.read().strip() if process.stdout else ""
    if process.returncode:
        raise RuntimeError(f"facts_rebuild_all exited with {process.returncode}")
    log(f"    {out} (process: {seconds:.1f} s, peak {peak / 1024:.0f} MB)")
    return seconds, peak / 1024


def _peak_kb(pid: int) -> int:
    """VmHWM (the process's peak resident set) in kB, 0 if it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []


def _worker_start(log):
    """A real `celery worker` on this run's own queue (CELERY_QUEUE, set by bench/__main__.py),
    reading the bench database."""
    from django.conf import settings

    from config.celery import app

    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    env = {
        **os.environ,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "CELERY_QUEUE": queue,
        "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "config.settings.base"),
    }
    node = f"{queue}@localhost"
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--concurrency", "1", "--pool", "prefork",
         "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel", "WARNING",
         "-Q", queue, "-n", node],
        cwd=ROOT,
        env=env,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if app.control.ping(timeout=0.5, destination=[node]):
            log(f"  worker {node} ready (pid {process.pid})")
            return process
        if process.poll() is not None:
            break
    process.terminate()
    raise RuntimeError("the Celery worker did not start")


def _worker_stop(process) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _freshness(ctx: Context, repeat: int) -> tuple[list[float], float]:
    """Seconds from the commit of a record's validation (incident_validate, as the focal point's
    button does) until the viewer's dashboard shows it, with a real worker behind Redis; and the
    worker's peak memory in MB."""
    from django.conf import settings

    from accounts.models import User
    from analytics.facts import DashboardFilters
    from analytics.selectors import dashboard_get
    from config.celery import app
    from reporting.models import Incident
    from reporting.services.incidents import incident_validate

    viewer = User.objects.get(username=VIEWER)
    focal = User.objects.get(username=VIEWER.replace("-analyst", "-focal"))
    current = Incident.objects.filter(participant=viewer.participant, status=Incident.Status.SUBMITTED)
    current = current.order_by("-ret__month", "id")
    month = current.first().ret.month
    filters = DashboardFilters(month_from=month, month_to=month)

    def total() -> int | None:
        charts = dashboard_get(user=viewer, filters=filters).charts
        modes = next(c for c in charts if c.key == "modes")
        return next((r.values[0] for r in modes.rows if r.is_total), 0)

    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.task_always_eager = False
    worker = _worker_start(ctx.log)
    seconds: list[float] = []
    try:
        candidates = iter(list(current.filter(ret__month=month)[: repeat * 3]))
        while len(seconds) < repeat:
            record = next(candidates)
            before = total()
            started = time.perf_counter()
            try:
                incident_validate(incident=record, validated_by=focal)
            except Exception as error:  # noqa: BLE001 - a demo record that fails the checks: take the next
                ctx.log(f"    record {record.pk} not validated ({error.__class__.__name__}); next one")
                continue
            while total() == before:
                if time.perf_counter() - started > FRESHNESS_TIMEOUT:
                    raise RuntimeError(f"record {record.pk} did not reach the dashboard in {FRESHNESS_TIMEOUT:.0f} s")
                time.sleep(0.05)
            seconds.append(time.perf_counter() - started)
            ctx.log(f"    run {len(seconds)}/{repeat}: {seconds[-1]:.2f} s ({before} → {total()} detections)")
        peak = max([_peak_kb(worker.pid), *(_peak_kb(c) for c in _children(worker.pid))]) / 1024
    finally:
        _worker_stop(worker)
        app.conf.task_always_eager = True
        settings.CELERY_TASK_ALWAYS_EAGER = True
    return seconds, peak


@register(name="analytics", title="Regional analytics over 1M incidents: dashboard, rebuilds, freshness")
def run(ctx: Context) -> list[Case]:
    """The demo data set (`demo_seed`, a million incidents over 21 participants), facts built once by
    `facts_rebuild_all`. **Dashboard**: `GET /analytics/` (every chart, the whole request: middleware,
    rule, selectors, template) for the AUS analyst (contributing) with no filters, through Django's test
    client; three states of the cache: *warm* (nothing changed since the last view), *after a change*
    (a return of another owner rebuilt before each run, so its sums and the viewer's charts are
    recomputed) and *cold* (cache emptied before each run). Baseline: the same figures computed from the
    incident tables at request time (the fact builder's SELECT … GROUP BY over the period's validated
    records). Targets: warm ≤ 150 ms and ≥ 20× faster than the baseline. **One return**:
    `facts_rebuild()` of the viewer's median-sized return after one of its records changed (a
    different record before each run, untimed; target ≤ 200 ms), of its largest likewise, and of the
    median one with its fact rows deleted first (every row written). **Full rebuild**:
    `manage.py facts_rebuild_all` in its own process against the baseline of the same facts by raw
    INSERT … SELECT … GROUP BY (target ≤ 2×, peak memory < 500 MB). **Freshness**: a submitted record
    validated with `incident_validate`, until the viewer's dashboard shows it, through Redis and a real
    worker on the run's own queue (target < 10 s)."""
    from django.conf import settings
    from django.core.cache import caches
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import override_settings
    from django.urls import get_resolver

    from accounts.models import User
    from analytics.facts import default_filters
    from analytics.services import facts_rebuild
    from reporting.demo import demo_seed
    from reporting.models import Incident, Return

    # Import the whole request path (URLconf, views, forms) before the long seed: code edited in the
    # work tree during the run must not meet modules already loaded from the older version.
    get_resolver().url_patterns  # noqa: B018 - loading is the point

    incidents = QUICK_INCIDENTS if ctx.quick else FULL_INCIDENTS
    started = time.perf_counter()
    demo_seed(incidents=incidents)
    ctx.log(f"  setup: seed_demo --incidents {incidents:,} in {time.perf_counter() - started:.0f} s")

    repeat_build = ctx.repeats(1 if not ctx.quick else 2)
    ctx.log(f"  raw INSERT … SELECT … GROUP BY of every fact table, {repeat_build} runs")
    raw = ctx.measure(_raw_insert_select, repeat=repeat_build)
    ctx.log(f"  manage.py facts_rebuild_all in its own process, {repeat_build} runs")
    full, peaks = [], []
    for _ in range(repeat_build):
        seconds, peak = _rebuild_all_in_a_process(ctx.log)
        full.append(seconds)
        peaks.append(peak)

    # No collectstatic here: plain static storage instead of the manifest (a dict look-up either way).
    storage = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    plain = override_settings(STORAGES={**settings.STORAGES, "staticfiles": storage})
    plain.enable()
    viewer = User.objects.get(username=VIEWER)
    filters = default_filters()
    client = Client()
    client.force_login(viewer)
    page = _page(client)
    repeat = ctx.repeats(5 if ctx.quick else 15)
    ctx.log("  baseline: the dashboard's figures from the incident tables")
    # Minutes per run at full size: one run is enough to compare with a figure in milliseconds.
    direct = ctx.measure(lambda: _direct_from_incidents(filters), repeat=ctx.repeats(3 if ctx.quick else 1))
    ctx.log("  dashboard page, cold cache, 3 runs")
    cold = ctx.measure(page, repeat=ctx.repeats(3), before=caches["analytics"].clear)
    others = list(
        Return.objects.filter(participant__code=OTHER, status=Return.Status.SUBMITTED).values_list("pk", flat=True)
    )
    rebuilt = iter(others * 5)
    ctx.log(f"  dashboard page after another owner's return was rebuilt, {repeat} runs")
    changed = ctx.measure(page, repeat=repeat, before=lambda: facts_rebuild(return_id=next(rebuilt)))
    page()
    ctx.log(f"  dashboard page, warm cache, {repeat} runs")
    warm = ctx.measure(page, repeat=repeat)

    sizes = list(
        Incident.objects.filter(participant=viewer.participant, status=Incident.Status.VALIDATED)
        .values_list("ret_id")
        .annotate(n=Count("id"))
        .order_by("n")
    )
    typical, largest = sizes[len(sizes) // 2], sizes[-1]
    ctx.log(f"  facts_rebuild() of a median-sized return {typical[0]} ({typical[1]:,} records), {repeat} runs")
    one_cpu = _BackendCpu()
    one = ctx.measure(
        one_cpu.around(lambda: facts_rebuild(return_id=typical[0])), repeat=repeat, before=_change(typical[0])
    )
    ctx.log(f"  facts_rebuild() of the largest return {largest[0]} ({largest[1]:,} records), {repeat} runs")
    big = ctx.measure(lambda: facts_rebuild(return_id=largest[0]), repeat=repeat, before=_change(largest[0]))
    ctx.log(f"  facts_rebuild() of the median-sized return with its facts deleted first, {repeat} runs")
    empty = ctx.measure(lambda: facts_rebuild(return_id=typical[0]), repeat=repeat, before=_forget(typical[0]))

    fresh_repeat = ctx.repeats(5)
    ctx.log(f"  freshness through Redis and a real worker, {fresh_repeat} records")
    fresh, worker_peak = _freshness(ctx, fresh_repeat)
    plain.disable()

    ratio = statistics.median(direct) / statistics.median(warm)
    return [
        Case("dashboard figures computed from the incident tables", direct, baseline=True),
        Case(
            "GET /analytics/, warm cache",
            warm,
            note=f"{ratio:.0f}× faster than the baseline; target ≤ 150 ms and ≥ 20×",
        ),
        Case("GET /analytics/ after another owner's return was rebuilt", changed),
        Case("GET /analytics/, cold cache", cold),
        Case(
            f"facts_rebuild() of a median-sized return of the viewer ({typical[1]:,} records)",
            one,
            rows=typical[1],
            note=f"one record changed before each run; {one_cpu.note()}; returns hold "
            f"{incidents // max(1, Return.objects.count()):,} records on average; target ≤ 200 ms",
        ),
        Case(f"facts_rebuild() of the viewer's largest return ({largest[1]:,} records)", big, rows=largest[1]),
        Case(
            "facts_rebuild() of the median-sized return, every fact row new",
            empty,
            rows=typical[1],
            note="its fact rows deleted before each run: the first build of a return, or a change to all its records",
        ),
        Case("raw INSERT … SELECT … GROUP BY of every fact table", raw, rows=incidents),
        Case(
            "manage.py facts_rebuild_all (own process)",
            full,
            rows=incidents,
            note=f"{statistics.median(full) / statistics.median(raw):.2f}× the raw INSERT … SELECT; "
            f"peak memory {max(peaks):.0f} MB; target ≤ 2× and < 500 MB",
        ),
        Case(
            "freshness: validated → on the dashboard (real worker)",
            fresh,
            note=f"worker peak memory {worker_peak:.0f} MB; target < 10 s",
        ),
    ]
