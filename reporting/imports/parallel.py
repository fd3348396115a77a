"""The dry run's second core: a forked copy of the worker that checks part of each chunk's new rows.

A row with no record yet is checked by RowChecker.check_new alone, which depends on the row (and
its linked rows) and on the checker's settings, never on other rows: so the rows of a chunk can be
split between two processes and the outcomes put back in row order, the same as one process
checking them all (tests/imports/test_parallel.py compares the two). Everything that spans rows
(duplicate references, existing records, outcomes, the staged file) stays in the worker.

The helper is a fork taken once the file is read, so it shares the checker, the linked sheets and
the translations already active; it opens a database connection of its own (the exchange rates and
code lists its checks read) and never touches the worker's, which it inherited and must not close.
It is used only where it can be: PostgreSQL, a system with fork, more than one core, a file of at
least PARALLEL_ROWS rows, and no transaction open in the worker (a forked connection could not see
its uncommitted rows)."""

from __future__ import annotations

import multiprocessing.connection
import os
import signal
import traceback

from django.db import connection, connections

from reporting.imports.columns import BREAKDOWNS, DOCUMENTS
from reporting.imports.validation import Checked, RowChecker

PARALLEL_ROWS = 20_000
# Share of a chunk's new rows the helper checks: the worker also reads the file, matches
# references and writes the outcomes, so it keeps the smaller part.
HELPER_SHARE = 0.62

# The worker's connections, kept open (unused) in the helper: closing one would end the worker's session.
_KEPT: list = []
LAST_PRIVATE_KB = 0  # the last helper's memory of its own, as it ended


def usable(rows: int) -> bool:
    return (
        rows >= PARALLEL_ROWS
        and connection.vendor == "postgresql"
        and hasattr(os, "fork")
        and (os.cpu_count() or 1) > 1
        and not connection.in_atomic_block
    )


class Helper:
    """The forked checker. check_new_many() checks rows here and there; close() ends the helper."""

    def __init__(self, checker: RowChecker, linked: dict[str, dict[str, list]]):
        self.checker, self.linked = checker, linked
        here, there = multiprocessing.Pipe()
        pid = os.fork()
        if pid == 0:  # the helper
            code = 0
            try:
                here.close()
                _forget_connections()
                try:
                    _serve(there, checker, linked)
                finally:
                    connections.close_all()  # the helper's own connections (the worker's are in _KEPT)
            except BaseException:  # noqa: BLE001 - whatever stops the helper, the worker hears of it
                code = 1
                try:
                    there.send(("error", traceback.format_exc()))
                except Exception:  # noqa: BLE001, S110 - the worker is gone: nothing left to tell
                    pass
            finally:
                os._exit(code)  # no clean-up of what belongs to the worker (its connections, files)
        there.close()
        self.pid, self.pipe = pid, here

    def check_new_many(self, rows: list) -> list[Checked]:
        """check_new() of each (row, breakdown rows, document rows, key), in order."""
        split = len(rows) - int(len(rows) * HELPER_SHARE)
        mine, theirs = rows[:split], rows[split:]
        if theirs:
            self.pipe.send([(row, key) for row, _b, _d, key in theirs])
        out = [self.checker.check_new(row, breakdown_rows=b, document_rows=d) for row, b, d, _key in mine]
        if theirs:
            answer = self.pipe.recv()
            if isinstance(answer, tuple) and answer[0] == "error":
                raise RuntimeError(f"the import's helper process failed:\n{answer[1]}")
            for (row, _b, _d, _key), (reference, problems, staged) in zip(theirs, answer, strict=True):
                checked = Checked(number=row.number, reference=reference, problems=problems)
                checked.staged = staged
                out.append(checked)
        return out

    def close(self) -> int:
        """End the helper. Its memory of its own (what it did not share with the worker, in KB) is
        kept in LAST_PRIVATE_KB, for the benchmark to add to the worker's."""
        global LAST_PRIVATE_KB
        try:
            self.pipe.send(None)
            LAST_PRIVATE_KB = self.pipe.recv()
        except (OSError, EOFError):
            os.kill(self.pid, signal.SIGKILL)
        self.pipe.close()
        _pid, status = os.waitpid(self.pid, 0)
        return status

    def kill(self) -> None:
        try:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        self.pipe.close()


def _forget_connections() -> None:
    """In the helper: let Django open connections of its own, keeping the worker's objects alive
    and unclosed (a closed copy would end the worker's session on the server)."""
    for conn in connections.all(initialized_only=True):
        if conn.connection is not None:
            _KEPT.append(conn.connection)
            conn.connection = None


def _private_kb() -> int:
    """This process's memory that is its own (not shared with the worker it was forked from)."""
    try:
        with open("/proc/self/smaps_rollup") as handle:
            return sum(int(line.split()[1]) for line in handle if line.startswith(("Private_Clean", "Private_Dirty")))
    except OSError:
        return 0


def _serve(pipe, checker: RowChecker, linked: dict[str, dict[str, list]]) -> None:
    while True:
        rows = pipe.recv()
        if rows is None:
            pipe.send(_private_kb())
            return
        answer = []
        for row, key in rows:
            breakdowns = linked[BREAKDOWNS].get(key, []) if BREAKDOWNS in linked else None
            documents = linked[DOCUMENTS].get(key, []) if DOCUMENTS in linked else None
            checked = checker.check_new(row, breakdown_rows=breakdowns, document_rows=documents)
            answer.append((checked.reference, checked.problems, checked.staged))
        pipe.send(answer)
