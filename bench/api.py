"""The REST API under load (issue 6, "Performance"): gunicorn on loopback and 20 concurrent clients
(threads of this process, one keep-alive connection each): the incident list's first page (50 rows,
the rule applied) through DRF against the same page from a bare Django view in the same server
(bench/_api_site.py), and record creation through DRF."""

import contextlib
import datetime as dt
import http.client
import json
import os
import statistics
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from bench._gunicorn import cpu_seconds, gunicorn_serving
from bench.registry import Case, Context, register

FULL_INCIDENTS = 1_000_000
QUICK_INCIDENTS = 20_000
CLIENTS = 20
PAGE = 50
TARGET_RATE = 150  # requests/s of the list target: the paced runs measure latency at it
# ... or at this share of the closed-loop throughput just measured, if that is lower: a pace the
# server cannot keep only measures a queue growing without end.
SUSTAINABLE = 0.8
PACED_SECONDS = 10
CORES = 2  # the machine's (docs/benchmarks.md, "machine")
VIEWER = "aus"  # an analyst of a contributing participant: own records and others' shared ones
DRF_LIST = f"/api/v1/incidents/?page_size={PAGE}"
BARE_LIST = "/bench/incidents/"


@contextlib.contextmanager
def _server(log):
    """gunicorn serving the project (DEBUG off) plus the bare view, on a free loopback port."""
    # The throttle runs on every request as in production, but with a budget this load never
    # reaches: the benchmark measures serving, not refusing.
    env = {"API_THROTTLE_USER": "10000000/minute"}
    with gunicorn_serving(settings="bench._api_settings", env=env, ready_path=BARE_LIST, log=log) as served:
        yield served


Request = Callable[[int], tuple[str, str, bytes | None, dict]]  # client index → method, path, body, headers


class Load:
    """`CLIENTS` threads, one keep-alive connection each. Closed loop (`rate=None`): each client
    sends its next request when the last answer arrives, so the figure is the server's throughput.
    Paced (`rate`): requests are due on a fixed schedule (rate/CLIENTS per client) and latency is
    counted from when each was due, so a slow answer delaying the next request counts against the
    server (no coordinated omission)."""

    def __init__(self, port: int, master: int):
        self.port, self.master = port, master

    def run(self, request: Request, *, count: int, rate: float | None = None) -> dict:
        latencies: list[float] = []
        statuses: dict[int, int] = {}
        lock = threading.Lock()
        issued = iter(range(count))
        cpu_before = cpu_seconds(self.master)
        database_before = _database_cpu()
        client_before = time.process_time()
        started = time.perf_counter()
        interval = CLIENTS / rate if rate else 0.0

        def client(index: int) -> None:
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            n = 0
            while True:
                with lock:
                    item = next(issued, None)
                if item is None:
                    break
                due = started + index * interval / CLIENTS + n * interval if rate else time.perf_counter()
                if rate:
                    pause = due - time.perf_counter()
                    if pause > 0:
                        time.sleep(pause)
                method, path, body, headers = request(index)
                status = 0
                # A keep-alive connection the server closed while idle fails on reuse before
                # anything is processed: sent again once on a new connection, as HTTP clients do.
                for attempt in (1, 2):
                    try:
                        connection.request(method, path, body=body, headers=headers)
                        response = connection.getresponse()
                        response.read()
                        status = response.status
                        if response.getheader("Connection", "").lower() == "close":
                            connection.close()
                        break
                    except (OSError, http.client.HTTPException):
                        connection.close()
                        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                        if attempt == 2:
                            status = 0
                elapsed = time.perf_counter() - due
                with lock:
                    latencies.append(elapsed)
                    statuses[status] = statuses.get(status, 0) + 1
                n += 1
            connection.close()

        threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(CLIENTS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - started
        cpu = cpu_seconds(self.master) - cpu_before
        client_cpu = time.process_time() - client_before
        database_after = _database_cpu()
        database_cpu = sum(t - database_before.get(pid, 0.0) for pid, t in database_after.items())
        ordered = sorted(latencies)
        return {
            "wall": wall,
            "count": len(ordered),
            "p50": statistics.median(ordered),
            "p95": ordered[int(0.95 * (len(ordered) - 1))],
            "p99": ordered[int(0.99 * (len(ordered) - 1))],
            "statuses": statuses,
            "cpu_per_request": cpu / max(1, len(ordered)),
            "client_cpu_per_request": client_cpu / max(1, len(ordered)),
            "database_cpu_per_request": database_cpu / max(1, len(ordered)),
            "rate": rate,
        }


def _database_cpu() -> dict[int, float]:
    """CPU seconds used so far by each PostgreSQL backend serving this benchmark's database (the
    server's connections; this process's own is left out), from /proc: the database's share of a
    request, apart from whatever else the shared server runs."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        pids = [pid for (pid,) in cursor.fetchall()]
    ticks = os.sysconf("SC_CLK_TCK")
    used = {}
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            used[pid] = (int(fields[11]) + int(fields[12])) / ticks
    return used


def _tokens(username: str, count: int) -> list[str]:
    """One token per client, as each national system has its own (throttling is per token)."""
    from django.utils import timezone

    from accounts.api_tokens import api_token_create
    from accounts.models import ApiToken, User

    user = User.objects.get(username=username)
    expires = timezone.localdate() + dt.timedelta(days=7)
    return [
        api_token_create(user=user, name=f"bench {i}", scope=ApiToken.Scope.WRITE, expires_on=expires)[1]
        for i in range(count)
    ]


def _get(path: str, tokens: list[str]) -> Request:
    return lambda i: ("GET", path, None, {"Authorization": f"Bearer {tokens[i]}"})


def _create(tokens: list[str]) -> Request:
    today = dt.datetime.now(dt.UTC).date().isoformat()

    def request(i: int):
        key = uuid.uuid4().hex
        body = {
            "national_reference": f"BENCH-{key[:20]}",
            "detection_date": today,
            "categories": ["migrant_smuggling"],
            "detection_country": "AUS",
            "detection_context": "at_sea",
            "modes": ["sea"],
            "origin_country": "LKA",
            "transit_countries": ["IDN"],
            "destination_country": "AUS",
            "migrants_total": 12,
            "breakdowns": [{"group": "migrant", "citizenship": "LKA", "sex": "male", "age_group": "adult", "count": 9}],
            "narrative": "Fishing vessel intercepted at sea; fee paid for the whole journey.",
        }
        headers = {
            "Authorization": f"Bearer {tokens[i]}",
            "Content-Type": "application/json",
            "Idempotency-Key": key,
        }
        return "POST", "/api/v1/incidents/", json.dumps(body).encode(), headers

    return request


def _note(results: list[dict], ok: int) -> str:
    p50 = statistics.median(r["p50"] for r in results) * 1000
    p95 = statistics.median(r["p95"] for r in results) * 1000
    p99 = statistics.median(r["p99"] for r in results) * 1000
    rate = statistics.median(r["count"] / r["wall"] for r in results)
    paced = [r["rate"] for r in results if r["rate"]]
    pace = f"paced at {statistics.median(paced):,.0f}/s: " if paced else ""
    cpu = statistics.median(r["cpu_per_request"] for r in results) * 1000
    client = statistics.median(r["client_cpu_per_request"] for r in results) * 1000
    database = statistics.median(r["database_cpu_per_request"] for r in results) * 1000
    total = sum(r["count"] for r in results)
    errors = total - sum(r["statuses"].get(ok, 0) for r in results)
    statuses = {}
    for r in results:
        for status, n in r["statuses"].items():
            statuses[status] = statuses.get(status, 0) + n
    return (
        f"{pace}{rate:,.0f} requests/s; latency p50 {p50:.1f} ms, p95 {p95:.1f} ms, p99 {p99:.1f} ms (medians of the "
        f"runs); CPU per request: gunicorn {cpu:.1f} ms, PostgreSQL {database:.1f} ms, the clients {client:.1f} ms "
        f"(at that cost 2 otherwise idle cores serve at most ~{CORES * 1000 / max(cpu + database, 0.1):,.0f}/s); "
        f"{errors} errors in {total:,} requests (statuses {dict(sorted(statuses.items()))})"
    )


@register(name="api", title="The REST API under load: incident list and record creation")
def run(ctx: Context) -> list[Case]:
    """The demo data set (`demo_seed`, a million incidents over 21 participants). gunicorn with
    production's gunicorn.conf.py (4 gthread workers × 4 threads, keep-alive 30 s; docker-compose.yml
    runs the same), DEBUG off, the project's middleware, on loopback,
    and 20 concurrent clients in this process, each with its own token and keep-alive connection
    (raw `http.client`, not `requests`: they cost under 1 ms of CPU per request, measured, a small
    share of the server's). **List**: the first page
    (50 records) of `GET /api/v1/incidents/` as the Australian analyst (own records and, under the
    rule, others' shared ones; the page is access-logged), against the baseline of the same page
    from a bare Django view in the same server (`/bench/incidents/`: the same token check, the
    rule's `visible_incidents` choosing the page, the access log, the same records written as JSON
    by PostgreSQL (`reporting/api/records.py`) and the same orjson encoding, without DRF). Closed
    loop (each client sends again on each answer) gives the throughput; paced at 150 requests/s
    (7.5 per client), or at 80% of the closed-loop throughput just measured when that is lower,
    gives the latency at a load the server can carry, counted from when each
    request was due. **Create**: `POST /api/v1/incidents/` drafts with an Idempotency-Key each,
    closed loop, by the Australian contributor. Targets: list p95 ≤ 50 ms and ≥ 150 requests/s;
    creation ≥ 100 requests/s with 0 errors. Runs interleaved (bare, DRF, …) after a warm-up. The
    clients share the 2 cores with the server, and the machine with whatever else runs (see its
    load average), so each note also gives the CPU one request costs (gunicorn's workers and this
    database's PostgreSQL backends, from /proc) and the rate two idle cores would allow at that
    cost."""
    from reporting.demo import demo_seed
    from reporting.models import Incident

    incidents = QUICK_INCIDENTS if ctx.quick else FULL_INCIDENTS
    started = time.perf_counter()
    demo_seed(incidents=incidents)
    ctx.log(f"  setup: seed_demo --incidents {incidents:,} in {time.perf_counter() - started:.0f} s")
    readers = _tokens(f"{VIEWER}-analyst", CLIENTS)
    writers = _tokens(f"{VIEWER}-contributor", CLIENTS)
    from django.db import connections

    connections.close_all()

    repeat = ctx.repeats(3)
    list_count = 200 if ctx.quick else 600
    create_count = 100 if ctx.quick else 300
    results: dict[str, list[dict]] = {name: [] for name in ("bare", "drf", "bare paced", "drf paced", "create")}
    with _server(ctx.log) as (port, master):
        load = Load(port, master)
        # Warm-up (connections, caches, imports), and a check that the server answers as it should:
        # figures of error pages (e.g. code newer than the database it was migrated with) are none.
        warm = [load.run(_get(path, readers), count=200) for path in (BARE_LIST, DRF_LIST)]
        warm.append(load.run(_create(writers), count=100))
        for result, ok in zip(warm, (200, 200, 201), strict=True):
            if set(result["statuses"]) != {ok}:
                raise RuntimeError(f"warm-up answered {result['statuses']}, not only {ok}: see the gunicorn log")
        for i in range(repeat):
            for name, path in (("bare", BARE_LIST), ("drf", DRF_LIST)):
                closed = load.run(_get(path, readers), count=list_count)
                results[name].append(closed)
                rate = min(TARGET_RATE, SUSTAINABLE * closed["count"] / closed["wall"])
                paced = load.run(_get(path, readers), count=max(CLIENTS, int(rate * PACED_SECONDS)), rate=rate)
                results[f"{name} paced"].append(paced)
            results["create"].append(load.run(_create(writers), count=create_count))
            ctx.log(
                f"    run {i + 1}/{repeat}: "
                + "; ".join(
                    f"{name} {r[-1]['count'] / r[-1]['wall']:.0f}/s p95 {r[-1]['p95'] * 1000:.0f} ms "
                    f"(CPU ms/request: gunicorn {r[-1]['cpu_per_request'] * 1000:.1f}, "
                    f"PostgreSQL {r[-1]['database_cpu_per_request'] * 1000:.1f}, "
                    f"clients {r[-1]['client_cpu_per_request'] * 1000:.1f})"
                    for name, r in results.items()
                )
            )
    created = Incident.objects.filter(national_reference__startswith="BENCH-").count()
    ctx.log(f"  records created: {created:,}")

    def case(name: str, key: str, ok: int, **kwargs) -> Case:
        runs = results[key]
        return Case(name, [r["wall"] for r in runs], rows=runs[0]["count"], note=_note(runs, ok), **kwargs)

    paced = f"paced at {TARGET_RATE}/s or {SUSTAINABLE:.0%} of its closed-loop rate if lower"
    return [
        case(f"list, first page of {PAGE}, bare Django view, closed loop", "bare", 200, baseline=True),
        case(f"list, first page of {PAGE}, DRF API, closed loop", "drf", 200),
        case(f"list, first page of {PAGE}, bare Django view, {paced}", "bare paced", 200),
        case(f"list, first page of {PAGE}, DRF API, {paced}", "drf paced", 200),
        case("create a draft (POST with Idempotency-Key), DRF API, closed loop", "create", 201),
    ]
