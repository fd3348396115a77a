"""A broker outage for tests: a redis-server of the test's own that it can stop and start again,
and the waits that go with it. The fixtures that use them are in tests/conftest.py
(`private_redis`, `worker_on_private_redis`)."""

import shutil
import socket
import subprocess
import time


def wait_for(condition, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def app_ping():
    from config.celery import app

    return app.control.ping(timeout=0.5)


def use_broker(app, url: str) -> None:
    app.conf.broker_url = url
    app._pool = None  # new connections to the new URL
    app.amqp._producer_pool = None


REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


class PrivateRedis:
    """A redis-server of this test's own on a free port, so that stopping it harms no one else's
    tests or services (the shared Redis is never touched)."""

    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        assert wait_for(self.up, timeout=10), "the private redis-server did not start"

    def up(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), 0.2):
                return True
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None
        assert not self.up()
