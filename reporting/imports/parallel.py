"""The dry run's second core: a forked copy of the worker that checks part of each chunk's new rows.

A row with no record yet is checked by RowChecker.check alone, which depends on the row (and
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
import queue
import signal
import threading
import time
import traceback

from django.db import connection, connections

try:
    import fcntl
except ImportError:  # not a Unix system: no helper is started there anyway (no fork)
    fcntl = None

from reporting.imports.columns import BREAKDOWNS, DOCUMENTS
from reporting.imports.parsing import Row
from reporting.imports.validation import Checked, RowChecker

PARALLEL_ROWS = 20_000
# Share of a chunk's new rows the helper checks at first; then it follows what each side takes
# (share_next): the worker also reads the file, matches references and writes the outcomes.
HELPER_SHARE = 0.62
SHARE_RANGE = (0.3, 0.95)
PIPE_BYTES = 1 << 20

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
    """The forked checker. send() hands it rows to check and returns at once; receive() gives the
    answers of the earliest rows sent, in order; close() ends the helper.

    Two one-way pipes; in the helper a thread reads what the worker sends as it comes, so the worker
    can send the next chunk's rows while the helper is still answering the last (neither waits on
    the other's full pipe)."""

    def __init__(self, checker: RowChecker, linked: dict[str, dict[str, list]]):
        self.checker, self.linked = checker, linked
        self.share = HELPER_SHARE
        requests_in, requests_out = multiprocessing.Pipe(duplex=False)
        answers_in, answers_out = multiprocessing.Pipe(duplex=False)
        for end in (requests_out, answers_out):
            _widen(end)
        pid = os.fork()
        if pid == 0:  # the helper
            code = 0
            try:
                requests_out.close()
                answers_in.close()
                _forget_connections()
                try:
                    _serve(requests_in, answers_out, checker, linked)
                finally:
                    connections.close_all()  # the helper's own connections (the worker's are in _KEPT)
            except BaseException:  # noqa: BLE001 - whatever stops the helper, the worker hears of it
                code = 1
                try:
                    answers_out.send(("error", traceback.format_exc()))
                except Exception:  # noqa: BLE001, S110 - the worker is gone: nothing left to tell
                    pass
            finally:
                os._exit(code)  # no clean-up of what belongs to the worker (its connections, files)
        requests_in.close()
        answers_out.close()
        self.pid, self.requests, self.answers = pid, requests_out, answers_in

    def split(self, rows: list) -> tuple[list, list]:
        """(rows the worker checks, rows the helper checks), at the current share."""
        cut = len(rows) - int(len(rows) * self.share)
        return rows[:cut], rows[cut:]

    def send(self, rows: list) -> None:
        """Rows (row, breakdown rows, document rows, key) for the helper: only what it cannot know
        (number, cells, the cells' problems, the reference's key) crosses the pipe."""
        try:
            self.requests.send([(row.number, row.cells, row.problems or None, key) for row, _b, _d, key in rows])
        except OSError:  # the helper has stopped (a broken pipe): say why, as it told
            self._stopped()

    def receive(self) -> tuple[list[tuple], float]:
        """The answers to the earliest rows sent and not yet answered, [(reference, problems, its lines
        of the staged file or None)], and the seconds the helper spent checking them."""
        try:
            answer = self.answers.recv()
        except (OSError, EOFError):
            self._stopped()
        _raise_if_error(answer)
        return answer

    def _stopped(self) -> None:
        """Raise what stopped the helper: its error, read past the answers it sent before it."""
        try:
            while True:
                _raise_if_error(self.answers.recv())
        except (OSError, EOFError):
            pass
        raise RuntimeError("the import's helper process stopped without saying why")

    def share_next(
        self,
        *,
        helper_seconds: float,
        helper_rows: int,
        own_seconds: float,
        own_rows: int,
        other_seconds: float,
        rows: int,
    ) -> None:
        """The share for the next chunk of `rows` new rows, so that both processes are busy as long:
        the worker's other work (`other_seconds`: reading, matching, writing) plus its rows at its
        pace, against the helper's rows at the helper's pace (each measured on the last chunk)."""
        if helper_rows <= 0 or own_rows <= 0 or rows <= 0:
            return
        helper_pace, own_pace = helper_seconds / helper_rows, own_seconds / own_rows
        if helper_pace + own_pace <= 0:
            return
        wanted = (other_seconds + rows * own_pace) / (rows * (helper_pace + own_pace))
        low, high = SHARE_RANGE
        self.share = min(high, max(low, (self.share + wanted) / 2))  # halfway: one noisy chunk moves it less

    def check_new_many(self, rows: list) -> list[Checked]:
        """check() of each (row, breakdown rows, document rows, key), in order, here and there."""
        mine, theirs = self.split(rows)
        if theirs:
            self.send(theirs)
        out = [self.checker.check(row, breakdown_rows=b, document_rows=d) for row, b, d, _key in mine]
        if theirs:
            answers, _seconds = self.receive()
            for (row, _b, _d, _key), answer in zip(theirs, answers, strict=True):
                out.append(checked_from(row.number, answer))
        return out

    def close(self) -> int:
        """End the helper. Its memory of its own (what it did not share with the worker, in KB) is
        kept in LAST_PRIVATE_KB, for the benchmark to add to the worker's."""
        global LAST_PRIVATE_KB
        try:
            self.requests.send(None)
            LAST_PRIVATE_KB = self.answers.recv()
        except (OSError, EOFError):
            os.kill(self.pid, signal.SIGKILL)
        self.requests.close()
        self.answers.close()
        _pid, status = os.waitpid(self.pid, 0)
        return status

    def kill(self) -> None:
        try:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        self.requests.close()
        self.answers.close()


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


def _raise_if_error(answer) -> None:
    if isinstance(answer, tuple) and answer[0] == "error":
        raise RuntimeError(f"the import's helper process failed:\n{answer[1]}")


def checked_from(number: int, answer: tuple) -> Checked:
    """The helper's answer for row `number`, (reference, problems, its staged lines or None), as the
    worker's own check gives it."""
    reference, problems, staged_text = answer
    return Checked(number=number, reference=reference, problems=problems, staged_text=staged_text)


def _widen(end) -> None:
    """A pipe that holds a whole chunk's rows or answers (Linux: up to its pipe-max-size), so that
    neither process waits on the other to drain it mid-message."""
    try:
        fcntl.fcntl(end.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    except (AttributeError, OSError):
        pass  # another system, or a smaller limit: the threads below still keep both going


def _serve(requests, answers, checker: RowChecker, linked: dict[str, dict[str, list]]) -> None:
    """The helper's loop. A thread takes the worker's requests off the pipe as they come and another
    sends the answers, so this one only checks: neither process waits on the other's full pipe."""
    waiting: queue.SimpleQueue = queue.SimpleQueue()
    outgoing: queue.SimpleQueue = queue.SimpleQueue()

    def read() -> None:
        try:
            while True:
                rows = requests.recv()
                waiting.put(rows)
                if rows is None:
                    return
        except (OSError, EOFError):
            waiting.put(None)

    def write() -> None:
        while (answer := outgoing.get()) is not None:
            answers.send(answer)

    threading.Thread(target=read, daemon=True).start()
    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    from reporting.imports.services import _staged_text as staged_text  # the staged file's format is the service's

    breakdowns_of = linked.get(BREAKDOWNS)
    documents_of = linked.get(DOCUMENTS)
    try:
        while True:
            rows = waiting.get()
            if rows is None:
                break
            started = time.perf_counter()
            answer = []
            for number, cells, problems, key in rows:
                row = Row(number, cells, problems or {})
                checked = checker.check(
                    row,
                    breakdown_rows=breakdowns_of.get(key, []) if breakdowns_of is not None else None,
                    document_rows=documents_of.get(key, []) if documents_of is not None else None,
                    objects=False,  # the worker gets the problems and the staged text only
                )
                answer.append(
                    (checked.reference, checked.problems, staged_text(checked) if checked.staged is not None else None)
                )
            outgoing.put((answer, time.perf_counter() - started))
    finally:
        outgoing.put(None)
        writer.join()
    answers.send(_private_kb())
