"""Hand-written queries run on every API request, prepared once per PostgreSQL connection.

PostgreSQL plans a query each time it receives it. For the few queries every API request runs
with the same shape (the token check, the list's records), planning cost more CPU than running
them; a statement prepared on a connection is planned once and reused while the connection lives
(connections are kept, CONN_MAX_AGE). A prepared statement belongs to the session: a rolled-back
transaction keeps it, and a new connection (after a restart or a failed health check) is a new
key here, so it is prepared again. (A pooler in front of PostgreSQL must then keep sessions, as a
direct connection does: PgBouncer's transaction mode would hand the statement to other sessions.)
"""

import re
import weakref

from django.db import connection

# psycopg2 connection → names of the statements prepared on it.
_PREPARED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_NAME = re.compile(r"^[a-z_]+$")


def execute_prepared(cursor, *, name: str, sql: str, types: tuple[str, ...], params: list) -> None:
    """Run `sql` (with %s placeholders, one per item of `types`, and no other %) on `cursor` as
    the prepared statement `name`, preparing it first if this connection has not yet."""
    if not _NAME.match(name):
        raise ValueError(f"statement names are lower-case words: {name!r}")
    names = _PREPARED.setdefault(connection.connection, set())
    if name not in names:
        numbered = iter(range(1, len(types) + 1))
        body = re.sub("%s", lambda _match: f"${next(numbered)}", sql)
        cursor.execute(f"PREPARE {name}({', '.join(types)}) AS {body}")
        names.add(name)
    cursor.execute(f"EXECUTE {name}({', '.join(['%s'] * len(params))})", params)
