"""The benchmarks' own PostgreSQL database, `vrs_bench` (or `$BENCH_DB`), on the server of DATABASE_URL.

It is migrated once into a template; `fresh()` re-creates `vrs_bench` from that template (a file
copy, about a second) so each repetition starts from the same empty, migrated schema. Both are
dropped at the end. Must run before django.setup(): it points DATABASE_URL at vrs_bench.
"""

import contextlib
import os
from collections.abc import Iterator
from urllib.parse import urlparse, urlunparse

import psycopg2
from psycopg2 import sql

# BENCH_DB names another pair, so two runs on one server keep apart.
BENCH_DB = os.environ.get("BENCH_DB", "vrs_bench")
TEMPLATE_DB = f"{BENCH_DB}_template"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/vrs"


def _with_database(url: str, name: str) -> str:
    return urlunparse(urlparse(url)._replace(path=f"/{name}"))


def _admin(url: str):
    """An autocommit connection to the server's maintenance database (CREATE/DROP DATABASE)."""
    parsed = urlparse(url)
    connection = psycopg2.connect(
        host=parsed.hostname or "127.0.0.1",
        port=parsed.port or 5432,
        user=parsed.username or "postgres",
        password=parsed.password,
        dbname="postgres",
    )
    connection.autocommit = True
    return connection


class BenchDatabase:
    def __init__(self, url: str):
        self.url = url

    def _run(self, *statements) -> None:
        connection = _admin(self.url)
        try:
            with connection.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement)
        finally:
            connection.close()

    def _drop(self, name: str) -> sql.Composed:
        return sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))

    def create_empty(self) -> None:
        self._run(self._drop(BENCH_DB), self._drop(TEMPLATE_DB), sql.SQL("CREATE DATABASE {}").format(
            sql.Identifier(BENCH_DB)))  # fmt: skip

    def freeze_template(self) -> None:
        """After migrating vrs_bench: keep a copy to reset from."""
        from django.db import connections

        connections.close_all()
        self._run(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(TEMPLATE_DB), sql.Identifier(BENCH_DB))
        )

    def fresh(self) -> None:
        from django.db import connections

        connections.close_all()
        self._run(
            self._drop(BENCH_DB),
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(BENCH_DB), sql.Identifier(TEMPLATE_DB)),
        )

    def drop_all(self) -> None:
        from django.db import connections

        connections.close_all()
        self._run(self._drop(BENCH_DB), self._drop(TEMPLATE_DB))


@contextlib.contextmanager
def bench_database() -> Iterator[BenchDatabase]:
    """Create vrs_bench, point Django at it, migrate, and drop everything at the end."""
    base_url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    if not base_url.startswith("postgres"):
        raise SystemExit("make bench needs PostgreSQL: set DATABASE_URL=postgres://… (any database on the server).")
    database = BenchDatabase(base_url)
    database.create_empty()
    os.environ["DATABASE_URL"] = _with_database(base_url, BENCH_DB)
    try:
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", verbosity=0, skip_checks=True)
        database.freeze_template()
        yield database
    finally:
        database.drop_all()
