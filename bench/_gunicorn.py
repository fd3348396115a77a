"""The project served by gunicorn on a free loopback port, for the benchmarks that measure it through
HTTP (`api`, `load`), and the CPU its workers use."""

import contextlib
import http.client
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Production's settings (gunicorn.conf.py, read from the working directory: 4 gthread workers × 4
# threads, keep-alive 30 s), with its defaults: the sizes of the environment are not the benchmark's.
PRODUCTION = ROOT / "gunicorn.conf.py"
SIZES = {"WEB_CONCURRENCY": "4", "WEB_THREADS": "4"}
GUNICORN = ["--config", str(PRODUCTION)]


@contextlib.contextmanager
def gunicorn_serving(*, settings: str, env: dict[str, str], ready_path: str, log) -> Iterator[tuple[int, int]]:
    """(port, master pid) of a gunicorn running `settings` with `env` added to this process's
    environment, once `ready_path` answers; stopped on exit. Its log file is named in the output."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    environment = {**os.environ, **SIZES, "DJANGO_SETTINGS_MODULE": settings, "PYTHONPATH": str(ROOT), **env}
    errors = tempfile.NamedTemporaryFile(prefix="bench-gunicorn-", suffix=".log", delete=False)  # noqa: SIM115
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen(  # noqa: S603 - our own venv's gunicorn, fixed arguments
        [str(gunicorn), "config.wsgi:application", "--bind", f"127.0.0.1:{port}", *GUNICORN, "--log-level", "warning"],
        cwd=ROOT,
        env=environment,
        stdout=errors,
        stderr=errors,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                connection.request("GET", ready_path)
                connection.getresponse().read()
                connection.close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn did not start; see {errors.name}") from None
                time.sleep(0.3)
        log(
            f"  gunicorn with {PRODUCTION.name} ({SIZES['WEB_CONCURRENCY']} gthread workers × {SIZES['WEB_THREADS']} "
            f"threads) on 127.0.0.1:{port} (log: {errors.name})"
        )
        yield port, process.pid
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def cpu_seconds(master: int) -> float:
    """CPU seconds (user + system) used so far by gunicorn's workers (Linux /proc): the server's own
    cost per request, which the machine's other load does not inflate as it does latency."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    with contextlib.suppress(OSError):
        for pid in Path(f"/proc/{master}/task/{master}/children").read_text().split():
            with contextlib.suppress(OSError):
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += (int(fields[11]) + int(fields[12])) / ticks
    return total
