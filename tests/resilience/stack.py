"""Private services for fault injection: a PostgreSQL cluster, a Redis server, gunicorn and a Celery
worker of their own, on free loopback ports, so a test may stop, kill and restart them without
touching the machine's shared PostgreSQL and Redis (which other people and CI are using).

Every process is started in its own session and ended by its own pid (or process group).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from glob import glob
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = "tests.resilience.stack_settings"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(check, *, timeout: float, what: str, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            result = check()
            if result:
                return result
        except Exception as error:  # noqa: BLE001 - keep polling until the deadline
            last = error
        time.sleep(interval)
    raise TimeoutError(f"{what} not ready within {timeout} s (last error: {last!r})")


def _stop(process: subprocess.Popen | None, *, group: bool = True, sig=signal.SIGTERM, timeout: float = 15) -> None:
    if process is None or process.poll() is not None:
        return
    try:
        os.killpg(process.pid, sig) if group else process.send_signal(sig)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL) if group else process.kill()
        process.wait(timeout=10)


def pg_bin(name: str) -> str:
    found = sorted(glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if found:
        return found[-1]
    if shutil.which(name):
        return shutil.which(name)
    raise FileNotFoundError(f"{name} (PostgreSQL server binaries) not found")


@dataclass
class PrivatePostgres:
    """A throwaway cluster: initdb into a temp dir, trust auth on 127.0.0.1, fsync off.

    Commits stay synchronous: a crash of the server process (stop "immediate") keeps every commit it
    acknowledged, as a real server does. With synchronous_commit off it may drop the last ones, and the
    "none lost" check of the restart test failed on the test's own set-up (78 of 80 in one CI run).
    fsync off only risks data when the operating system itself crashes, which no test does."""

    port: int = field(default_factory=free_port)
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="vrs-pg-")))
    # The server's log outlives the cluster, for a failed test's post-mortem (deadlocks, crashes).
    log: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="vrs-pg-log-")) / "postgresql.log")

    def _as_owner(self, argv: list[str]) -> list[str]:
        # initdb and postgres refuse to run as root: run them as the postgres user there.
        if os.geteuid() == 0:
            return ["runuser", "-u", "postgres", "--", *argv]
        return argv

    @property
    def data(self) -> Path:
        return self.root / "data"

    def init(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres")
            shutil.chown(self.log.parent, "postgres")
        subprocess.run(
            self._as_owner([pg_bin("initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync"]),
            check=True,
            capture_output=True,
        )

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=on -c full_page_writes=off -c max_connections=60"
        )
        subprocess.run(
            self._as_owner([pg_bin("pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(self.log), "-w", "start"]),
            check=True,
            capture_output=True,
            timeout=60,
        )

    def stop(self, mode: str = "fast") -> None:
        subprocess.run(
            self._as_owner([pg_bin("pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop"]),
            capture_output=True,
            timeout=60,
        )

    def url(self, db: str = "vrs") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{db}"

    def psql(self, sql: str, db: str = "vrs") -> str:
        import psycopg2

        with psycopg2.connect(self.url(db)) as conn, conn.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchall() if cursor.description else []

    def createdb(self, name: str = "vrs") -> None:
        import psycopg2

        conn = psycopg2.connect(self.url("postgres"))
        conn.autocommit = True
        with conn.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
        conn.close()

    def destroy(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


@dataclass
class PrivateRedis:
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                shutil.which("redis-server") or "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )

        def up():
            with socket.create_connection(("127.0.0.1", self.port), 0.5) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")

        wait_for(up, timeout=10, what="redis-server")

    def stop(self) -> None:
        _stop(self.process)
        self.process = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"


@dataclass
class Stack:
    """The system under test: gunicorn and (when asked) a Celery worker on the private services."""

    pg: PrivatePostgres
    redis: PrivateRedis
    queue: str = field(default_factory=lambda: f"vrs-resilience-{os.getpid()}")
    web_port: int = field(default_factory=free_port)
    web: subprocess.Popen | None = None
    worker: subprocess.Popen | None = None
    logs: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="vrs-stack-")))

    def env(self) -> dict:
        return {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": SETTINGS,
            "DATABASE_URL": self.pg.url(),
            "REDIS_URL": self.redis.url,
            "CELERY_QUEUE": self.queue,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "REQUIRE_SERVICES": "",
            "API_THROTTLE_USER": "100000/minute",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "PYTHONUNBUFFERED": "1",
        }

    def manage(self, *args: str, timeout: float = 300) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if done.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args[:1])} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def shell(self, code: str, timeout: float = 120):
        """Run Python with Django set up on the private database; returns the JSON it prints last."""
        out = self.manage("shell", "-c", code, timeout=timeout)
        return json.loads(out.strip().splitlines()[-1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    def start_web(self, workers: int = 3) -> None:
        self.web = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi",
                "--bind",
                f"127.0.0.1:{self.web_port}",
                "--workers",
                str(workers),
                "--timeout",
                "60",
                "--graceful-timeout",
                "5",
            ],
            cwd=ROOT,
            env=self.env(),
            stdout=open(self.logs / "web.log", "ab"),  # noqa: SIM115 - the process owns it
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for(
            lambda: requests.get(f"{self.url}/accounts/login/", timeout=2).status_code == 200,
            timeout=60,
            what="gunicorn",
            interval=0.3,
        )

    def start_worker(self) -> None:
        self.stop_worker()  # one worker at a time: a test that failed may have left its own
        self.mark_worker_log()
        self.worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--concurrency",
                "1",
                "--pool",
                "prefork",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel",
                "INFO",
                "-Q",
                self.queue,
                "-n",
                f"{self.queue}-{time.monotonic_ns()}@localhost",
            ],
            cwd=ROOT,
            env=self.env(),
            stdout=open(self.logs / "worker.log", "ab"),  # noqa: SIM115 - the process owns it
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for(
            lambda: b"ready." in (self.logs / "worker.log").read_bytes().split(b"--- new worker ---")[-1],
            timeout=60,
            what="celery worker",
            interval=0.2,
        )

    def mark_worker_log(self) -> None:
        with open(self.logs / "worker.log", "ab") as log:
            log.write(b"\n--- new worker ---\n")

    def stop_worker(self, sig=signal.SIGTERM) -> None:
        _stop(self.worker, sig=sig)
        self.worker = None

    def stop_web(self) -> None:
        _stop(self.web)
        self.web = None

    def tail(self, name: str, lines: int = 40) -> str:
        path = self.logs / name
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""
