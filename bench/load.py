"""The whole site under load (issue 9): 50 simulated people, each signed in with a session of their
own, browsing, reading dashboards, entering records and calling the API for 3 minutes against
gunicorn on loopback. The answer that matters: no errors, and the p95 latency and throughput."""

import contextlib
import datetime as dt
import random
import re
import statistics
import threading
import time
import uuid
from collections import defaultdict

import requests

from bench._gunicorn import cpu_seconds, gunicorn_serving
from bench.registry import Case, Context, register

FULL_INCIDENTS = 100_000
QUICK_INCIDENTS = 5_000
USERS = 50
FULL_SECONDS = 180
QUICK_SECONDS = 20
THINK = (0.5, 1.5)  # seconds a person pauses between two actions (uniform)
# keep-alive longer than a person's pause: with gunicorn's default (2 s) a connection the server
# closes just as the client reuses it is reset (a browser retries those; a benchmark counts them).
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@contextlib.contextmanager
def _server(log):
    """gunicorn serving the whole project (DEBUG off, every middleware: CSP, sessions, axes, OTP) on
    a free loopback port, with the bench database: yields its address and master pid."""
    env = {
        "API_THROTTLE_USER": "10000000/minute",  # measured: serving, not refusing
        # Two-factor sign-in is one more request at sign-in; the load is what follows it.
        "OTP_REQUIRED": "false",
    }
    with gunicorn_serving(settings="bench._load_settings", env=env, ready_path="/accounts/login/", log=log) as (
        port,
        master,
    ):
        yield f"http://127.0.0.1:{port}", master


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.errors: list[str] = []
        self.measuring = False
        self.resets = 0

    def reset(self) -> None:
        with self.lock:
            self.resets += 1

    def record(self, kind: str, seconds: float, error: str | None) -> None:
        if not self.measuring:
            return
        with self.lock:
            self.latencies[kind].append(seconds)
            if error:
                self.errors.append(f"{kind}: {error}")


class Person:
    """One simulated user: a requests.Session (cookies, keep-alive), a token for the API."""

    def __init__(self, base: str, credential, token: str, recorder: Recorder, rng: random.Random):
        self.base, self.credential, self.token = base, credential, token
        self.recorder, self.rng = recorder, rng
        self.http = requests.Session()
        self.api_headers = {"Authorization": f"Bearer {token}"}
        self.record_ids: list[int] = []

    def _call(self, kind: str, method: str, path: str, *, expect=(200,), **kwargs):
        started = time.perf_counter()
        error = None
        response = None
        try:
            try:
                response = self.http.request(method, self.base + path, timeout=60, allow_redirects=False, **kwargs)
            except requests.ConnectionError:
                # A reused keep-alive connection reset by the server: a browser sends a GET again at
                # once, and so does a person here (counted apart); anything else is an error.
                if method != "GET":
                    raise
                self.recorder.reset()
                response = self.http.request(method, self.base + path, timeout=60, allow_redirects=False, **kwargs)
            if response.status_code not in expect:
                error = f"{method} {path} → {response.status_code} {response.text[:120]!r}"
        except Exception as exc:  # noqa: BLE001 - every failure counts as an error of the run
            error = f"{method} {path} → {exc!r}"
        self.recorder.record(kind, time.perf_counter() - started, error)
        return response

    def sign_in(self) -> None:
        page = self._call("sign-in", "GET", "/accounts/login/")
        token = CSRF.search(page.text).group(1)
        data = {
            "username": self.credential.username,
            "password": self.credential.password,
            "csrfmiddlewaretoken": token,
        }
        self._call("sign-in", "POST", "/accounts/login/", data=data, expect=(302,))
        listed = self._call("api", "GET", "/api/v1/incidents/?page_size=50", headers=self.api_headers)
        if listed is not None and listed.status_code == 200:
            self.record_ids = [row["id"] for row in listed.json()["results"]]

    # Actions: each is what one click or one API call of a person does.
    def browse(self) -> None:
        self._call("browse", "GET", self.rng.choice(["/", "/records/", "/records/?sort=-detection_date&page=2"]))
        if self.record_ids:
            self._call("browse", "GET", f"/records/{self.rng.choice(self.record_ids)}/")

    def returns(self) -> None:
        self._call("browse", "GET", self.rng.choice(["/records/returns/", "/records/standing/"]))

    def dashboards(self) -> None:
        query = self.rng.choice(["", "?mode=sea", "?category=migrant_smuggling", "?mode=air"])
        self._call("dashboards", "GET", f"/analytics/{query}")

    def aggregates(self) -> None:
        key = self.rng.choice(["modes", "series", "routes", "fees", "coverage"])
        self._call("api", "GET", f"/api/v1/aggregates/{key}/", headers=self.api_headers)

    def api_reads(self) -> None:
        self._call("api", "GET", "/api/v1/incidents/?page_size=50", headers=self.api_headers)
        if self.record_ids:
            self._call("api", "GET", f"/api/v1/incidents/{self.rng.choice(self.record_ids)}/", headers=self.api_headers)

    def entry(self) -> None:
        """A record entered (draft, with an Idempotency-Key) and submitted for validation."""
        self._call("entry", "GET", "/records/new/")
        key = uuid.uuid4().hex
        day = dt.datetime.now(dt.UTC).date().isoformat()
        body = {
            "national_reference": f"LOAD-{key[:20]}",
            "detection_date": day,
            "categories": ["migrant_smuggling"],
            "source": "investigation",
            "confidence": "high",
            "detection_country": "AUS",
            "detection_context": "at_sea",
            "modes": ["sea"],
            "origin_country": "LKA",
            "transit_countries": ["IDN"],
            "destination_country": "AUS",
            "migrants_total": 12,
            "breakdowns": [{"group": "migrant", "citizenship": "LKA", "sex": "male", "age_group": "adult", "count": 9}],
        }
        headers = {**self.api_headers, "Idempotency-Key": key}
        created = self._call("entry", "POST", "/api/v1/incidents/", json=body, headers=headers, expect=(201,))
        if created is not None and created.status_code == 201:
            record = created.json()
            self._call(
                "entry",
                "POST",
                f"/api/v1/incidents/{record['id']}/submit/",
                json={"version": record["version"]},
                headers=self.api_headers,
            )

    def console(self) -> None:
        path = self.rng.choice(
            ["/records/console/", "/records/console/coverage/", "/records/sharing/", "/records/console/participants/"]
        )
        self._call("browse", "GET", path)

    def plan(self):
        """The actions of this person's role, with how often each is chosen."""
        return {
            "contributor": [(self.browse, 4), (self.entry, 3), (self.api_reads, 2)],
            "focal_point": [
                (self.browse, 3),
                (self.returns, 1),
                (self.dashboards, 2),
                (self.entry, 2),
                (self.api_reads, 1),
            ],
            "analyst": [(self.dashboards, 3), (self.aggregates, 2), (self.browse, 2), (self.api_reads, 2)],
            "secretariat": [(self.console, 3), (self.dashboards, 2), (self.aggregates, 1)],
        }[self.credential.role]

    def run(self, until: float) -> None:
        actions, weights = zip(*self.plan(), strict=True)
        while time.monotonic() < until:
            self.rng.choice([a for a, w in zip(actions, weights, strict=True) for _ in range(w)])()
            time.sleep(self.rng.uniform(*THINK))


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * (len(ordered) - 1)))]


@register(name="load", title="The whole site under load: 50 people for 3 minutes")
def run(ctx: Context) -> list[Case]:
    """The demo data set (`demo_seed --incidents 100000`, 21 participants). gunicorn (4 gthread
    workers × 4 threads, DEBUG off, every middleware of production: CSP, sessions, lockout,
    two-factor check, idle expiry; keep-alive 30 s) on loopback, and 50 simulated people (threads of this process),
    each signed in through the login page with a session of their own and an API token, pausing
    0.5–1.5 s between actions, for 3 minutes (`--quick`: 5,000 incidents, 20 s). Contributors browse
    the record list and records, enter records (the form page, then a draft created through the API
    with an Idempotency-Key and submitted) and read the API; focal points also open returns,
    standing and the dashboards; analysts read the dashboards (the full page, every chart) and the
    aggregates API; the secretariat its console and the dashboards. Each row is one kind of request:
    its count, median, and in the notes p95, p99, throughput and errors (any status other than the
    expected one, or no answer; a GET on a kept-alive connection the server reset is sent once more,
    as a browser does, and counted apart), and gunicorn's CPU per request, which the machine's other
    load does not inflate as it does latency. Target: 0 errors. Tasks run in the web process (as in
    `make run`)."""
    from django.utils import timezone

    from accounts.api_tokens import api_token_create
    from accounts.models import ApiToken, User
    from reporting.demo import demo_seed

    incidents = QUICK_INCIDENTS if ctx.quick else FULL_INCIDENTS
    seconds = QUICK_SECONDS if ctx.quick else FULL_SECONDS
    started = time.perf_counter()
    seeded = demo_seed(incidents=incidents)
    ctx.log(f"  setup: seed_demo --incidents {incidents:,} in {time.perf_counter() - started:.0f} s")

    # People: the demo's logins, round-robin over participants, weighted towards the roles that are
    # most numerous in practice (2 contributors and 2 analysts for each focal point).
    by_role = defaultdict(list)
    for credential in seeded.credentials:
        by_role[credential.role].append(credential)
    pattern = ["contributor", "analyst", "focal_point", "contributor", "analyst"]
    chosen = [by_role["secretariat"][0]]
    while len(chosen) < USERS:
        role = pattern[len(chosen) % len(pattern)]
        pool = by_role[role]
        chosen.append(pool[(len(chosen) // len(pattern)) % len(pool)])
    expires = timezone.localdate() + dt.timedelta(days=7)
    tokens = [
        api_token_create(
            user=User.objects.get(username=c.username), name=f"load {i}", scope=ApiToken.Scope.WRITE, expires_on=expires
        )[1]
        for i, c in enumerate(chosen)
    ]

    recorder = Recorder()
    with _server(ctx.log) as (base, master):
        people = [
            Person(base, c, t, recorder, random.Random(i))  # noqa: S311 - repeatable choices, not secrets
            for i, (c, t) in enumerate(zip(chosen, tokens, strict=True))
        ]
        recorder.measuring = True
        for person in people:  # sign-ins are measured too: PBKDF2 and the lockout check on each
            person.sign_in()
        cpu_before = cpu_seconds(master)
        window_start = time.monotonic()
        until = window_start + seconds
        threads = [threading.Thread(target=p.run, args=(until,), daemon=True) for p in people]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=seconds + 120)
        window = time.monotonic() - window_start
        cpu = cpu_seconds(master) - cpu_before
        recorder.measuring = False

    everything = [s for kind, values in recorder.latencies.items() if kind != "sign-in" for s in values]
    errors = recorder.errors
    for line in errors[:10]:
        ctx.log(f"    error: {line}")
    ctx.log(f"  gunicorn CPU {cpu:.0f} s over the window ({cpu / max(1, len(everything)) * 1000:.0f} ms per request)")
    ctx.log(
        f"  {len(everything):,} requests in {window:.0f} s ({len(everything) / window:.1f}/s), {len(errors)} errors"
    )

    def note(values: list[float], *, rate: bool = True) -> str:
        parts = [f"p95 {_percentile(values, 0.95) * 1000:.0f} ms", f"p99 {_percentile(values, 0.99) * 1000:.0f} ms"]
        if rate:
            parts.append(f"{len(values) / window:.1f} requests/s")
        return ", ".join(parts)

    total = len(everything) + len(recorder.latencies["sign-in"])
    cases = [
        Case(
            f"all requests ({USERS} people, {seconds} s)",
            everything,
            baseline=True,
            note=(
                f"{note(everything)}; {len(errors)} errors in {total:,} requests; "
                f"median of all requests {statistics.median(everything) * 1000:.0f} ms; gunicorn CPU "
                f"{cpu / max(1, len(everything)) * 1000:.0f} ms per request (PostgreSQL's not counted), "
                f"{cpu / window:.2f} cores busy on average; {recorder.resets} GETs sent again after the "
                "server reset a kept-alive connection"
            ),
        )
    ]
    for kind in ("browse", "dashboards", "entry", "api", "sign-in"):
        values = recorder.latencies.get(kind, [])
        if values:
            kind_errors = sum(1 for e in errors if e.startswith(f"{kind}:"))
            cases.append(Case(kind, values, note=f"{note(values, rate=kind != 'sign-in')}; {kind_errors} errors"))
    return cases
