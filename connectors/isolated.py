"""Each pull of a ``files`` (or ``rest``) source in a worker process with a memory limit (issue 19, item 3).

All sources share the collector's process, so before this one source that
needed too much memory (a 200 MB CSV grew to 5.4 GB, a 617 kB workbook to
1.3 GB) could get the whole collector killed by the kernel, and every other
source with it. Size limits (``max_file_mb``, ``max_response_mb``, the
``.xlsx`` guard) stop the known shapes early; this is the bound that holds
whatever the shape:

* the pull runs in a worker forked from a small, single-threaded fork server
  (:mod:`multiprocessing`'s ``forkserver``: the connector modules are
  imported there once, so a worker starts in milliseconds and never inherits
  the collector's threads, locks or database connections);
* the worker's address space may grow by at most ``max_memory_mb`` over what it
  maps when it starts (``RLIMIT_AS``); going past it raises ``MemoryError`` there (or kills the
  worker), which ends that pull as the source's failure, kind ``memory``
  ("muistiraja ylittyi" on ``/sources``), not retried. The collector and
  the other sources go on;
* readings come back over a pipe in batches as the connector yields them,
  so the collector's own memory stays at a batch;
* the pull's deadline (``pull_timeout_seconds``) travels with it, and a
  worker that stops answering is killed when it has passed: the deadline
  becomes hard;
* a files source's worker waits after its pull for the collector's
  :meth:`IsolatedConnector.acknowledge` (or the next pull), so files are
  retired exactly as without a worker: only after the run is committed.

Which kinds: ``files`` by default (``max_memory_mb: 1024``): it takes a
whole file someone else made and parses it in memory (all or nothing), and
a file's shape decides how much that takes. ``rest`` can (set
``max_memory_mb``) but does not by default: its answers are already
bounded by ``max_response_mb`` and parsed as they stream, while a worker
per pull builds its HTTP client and TLS trust store anew each time, which
measured +0.9 s per pull against +0.24 s for files on a loaded machine
(docs/PERFORMANCE.md, section 5). The ``sql`` kind streams rows in chunks
of a fixed size and keeps its database connection between pulls (a worker
per pull would log in on every pull), except for a backlog when
``backlog_worker_mb`` is set (:class:`BacklogConnector`): a first load or a
window of a day or more is pulled in a worker that runs ahead of the
collector, so the query and mapping the rows overlap with the collector
storing and counting them (docs/PERFORMANCE.md, section 5b, session 11);
the ``demo`` kind is the board's own simulator. ``check`` runs in the calling process (``python -m board check``
is a process of its own).
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import pickle
import resource
import signal
import sys
import threading
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from importlib import import_module
from multiprocessing.connection import Connection
from typing import Any

from board.domain.items import Item
from board.domain.reasons import Reason
from connectors.base import CheckResult, Connector
from connectors.deadline import Deadline, current
from connectors.errors import ConnectorError, TransientError

log = logging.getLogger(__name__)

#: A window at least this long is a backlog (:class:`BacklogConnector`).
BACKLOG = timedelta(days=1)
#: Items per message from the worker: large enough that the pipe costs little, small enough to stay a batch.
BATCH = 2000
#: How long past the deadline the collector waits for a silent worker before killing it (it should have
#: stopped itself at the deadline; this covers one that cannot, e.g. stuck in a C call).
GRACE_SECONDS = 5.0
#: How long acknowledging may take in the worker (moving the pull's files).
ACK_SECONDS = 60.0
_PRELOAD = ["connectors.isolated", "connectors.files", "connectors.rest", "connectors.xlsx_guard", "openpyxl"]
# A worker runs the main module again under another name (multiprocessing's way); runpy then warns that it was
# imported already (by the server's preload, on purpose). Nothing is wrong, so the warning is not printed per pull.
warnings.filterwarnings("ignore", message=r".*found in sys\.modules after import of package", category=RuntimeWarning)
_context_lock = threading.Lock()
_context: Any = None


class MemoryLimitExceeded(ConnectorError):
    """The pull needed more than the source's ``max_memory_mb``: the source's failure, not the collector's."""

    kind = "memory"


class WorkerError(ConnectorError):
    """The worker ended with an error that could not be sent back as itself."""


def isolation_limit(source: Any, has_for_source: bool) -> int:
    """The memory limit in MB to isolate ``source`` with, or 0 to pull it in the collector's process."""
    if has_for_source:  # built from the whole settings (the demo): not a kind this isolates
        return 0
    return int(getattr(source, "max_memory_mb", 0) or 0)


class BacklogConnector:
    """A ``sql`` source whose backlog — a first load, or a window of at least :data:`BACKLOG` — is pulled in a
    worker that runs ahead of the collector (``backlog_worker_mb``), every other pull in the collector's process.

    Why: on a first load the pull (the query, fetching and mapping the rows) and the collector's own part
    (storing, counting, writing the figures) took about a third and two thirds of a year's load one after the
    other, on one core of two. In a worker the pull runs on the other core: the collector's part of it is
    reading the batches, and :meth:`prefetch` lets the collector start the next source's backlog while it
    stores and counts this one's (board/collector.py, ``run_once``). An incremental pull stays in the
    collector's process, keeping its database connection (a worker would log in on every pull).
    """

    def __init__(self, local: Any, isolated: IsolatedConnector) -> None:
        self.name = local.name
        self.local = local
        self.isolated = isolated
        self.backfill = timedelta(days=getattr(local.source, "backfill_days", 0))

    def backlog(self, since: datetime | None, until: datetime) -> bool:
        """Whether the window is a backlog: a first load (``since`` None: ``backfill_days``) or a long window."""
        return (until - since if since is not None else self.backfill) >= BACKLOG

    def prefetch(self, since: datetime | None, until: datetime, wait: float = 0.0) -> bool:
        """Start a backlog's pull now (see :meth:`IsolatedConnector.start_ahead`); False: not a backlog."""
        return self.backlog(since, until) and self.isolated.start_ahead(since, until, wait)

    def pull(self, since: datetime | None, until: datetime) -> Iterator[Any]:
        if self.backlog(since, until):
            return self.isolated.pull(since, until)
        return self.local.pull(since, until)  # type: ignore[no-any-return]

    def check(self, until: datetime) -> CheckResult:
        return self.local.check(until)  # type: ignore[no-any-return]

    def acknowledge(self) -> None:
        self.isolated.acknowledge()

    def end_workers(self) -> None:
        """End a worker started ahead or waiting for an acknowledgement (:meth:`IsolatedConnector.end_workers`)."""
        self.isolated.end_workers()

    def close(self) -> None:
        self.isolated.close()
        close = getattr(self.local, "close", None)
        if close is not None:
            close()


class IsolatedConnector:
    """A connector (``module:Class`` of the source's kind) whose pulls run in a memory-limited worker."""

    def __init__(self, source: Any, connector_path: str, stations: list[str] | Mapping[str, Sequence[str]],
                 max_memory_mb: int, ahead: bool = False, setting: str = "max_memory_mb") -> None:
        self.name = source.name
        self.source = source
        self.connector_path = connector_path
        self.stations = stations if isinstance(stations, Mapping) else list(stations)
        self.max_memory_mb = max_memory_mb
        #: The setting ``max_memory_mb`` came from, as an administrator finds it in sources.yaml.
        self.setting = setting
        #: Whether the worker pulls ahead of the collector (up to :func:`ahead_bytes` of batches it has not
        #: read yet): a backlog's pull then overlaps with the collector's own work (:meth:`start_ahead`).
        self.ahead = ahead
        self._local: Connector | None = None  # for check(), built on first use
        self._waiting: tuple[Any, Connection] | None = None  # a finished pull's worker, until acknowledge
        #: A pull started by :meth:`start_ahead`: its window, worker and pipe, until :meth:`pull` asks for it.
        self._started: tuple[datetime | None, datetime, Any, Connection] | None = None
        #: What the connector remembers from one pull to the next (``carried()``/``carry_on()``, e.g. the files
        #: kind's watch on files retired lately), handed from each worker to the next.
        self._carried: Any = None
        #: CPU seconds the workers' pulls took (their own processes: not in the collector's CPU time).
        self.worker_cpu = 0.0

    # -- the contract
    def start_ahead(self, since: datetime | None, until: datetime, wait: float = 0.0) -> bool:
        """Start the pull of ``since``..``until`` now, ahead of :meth:`pull` for the same window (which then
        reads what the worker has pulled meanwhile; :meth:`BacklogConnector.prefetch`).

        ``wait``: at most how long until :meth:`pull` begins (the run before it: its ``pull_timeout_seconds``).
        The worker's own deadline is ``pull_timeout_seconds`` past that: counted from now, the run before took
        part of this source's time, and a backlog that needed all of it was cancelled in the worker midway
        through its own turn. The collector still holds the run to ``pull_timeout_seconds`` from its turn
        (:meth:`pull` reads by its own deadline and ends the worker past it)."""
        self._end_waiting()
        self._end_started()
        deadline = Deadline(self.source.pull_timeout_seconds + max(wait, 0.0), f"the pull of {self.name}")
        worker, ours = self._start(since, until, deadline)
        self._started = (since, until, worker, ours)
        return True

    def pull(self, since: datetime | None, until: datetime) -> Iterator[Any]:
        self._end_waiting()  # an unacknowledged pull was not committed: its worker just ends
        deadline = current() or Deadline(self.source.pull_timeout_seconds, f"the pull of {self.name}")
        started, self._started = self._started, None
        if started is not None and started[:2] == (since, until):
            worker, ours = started[2], started[3]
        else:
            if started is not None:  # prefetched for another window: not this pull's
                _stop(started[2], started[3])
            worker, ours = self._start(since, until, deadline)
        finished = False
        # poll() bounds the wait for a message to begin, not the read of the rest of it: a worker that stopped
        # halfway through one (frozen, or its sending thread starved by a call holding the interpreter) held
        # the collector inside recv() for good. So the worker is ended at the same moment wherever we wait.
        ended = threading.Event()

        def end() -> None:
            ended.set()
            worker.kill()

        disarm = Deadline(max(deadline.remaining(), 0.0) + GRACE_SECONDS, deadline.what).arm(end)
        try:
            while True:
                if not ours.poll(max(deadline.remaining(), 0.0) + GRACE_SECONDS):
                    raise deadline.exceeded()
                try:
                    message = ours.recv()
                except (EOFError, OSError):
                    if ended.is_set():  # our kill at the deadline, not a worker that died (nor a memory limit)
                        raise deadline.exceeded() from None
                    raise self._died(worker) from None
                if message[0] == "items":
                    yield from message[1]
                elif message[0] == "packed":
                    yield from _unpack(message[1])
                elif message[0] == "done":
                    self.worker_cpu += message[1] if len(message) > 1 else 0.0
                    finished = True
                    self._waiting = (worker, ours)
                    return
                elif message[0] == "memory":
                    raise self._over_limit()
                else:  # "error"
                    raise _error_from(message[1])
        finally:
            disarm()
            if not finished:
                _stop(worker, ours)

    def _start(self, since: datetime | None, until: datetime, deadline: Deadline) -> tuple[Any, Connection]:
        ours, theirs = _ctx().Pipe(duplex=True)
        worker = _ctx().Process(
            target=_work, name=f"pull-{self.name}", daemon=True,
            args=(theirs, self.connector_path, self.source, self.stations, since, until,
                  max(deadline.remaining(), 0.0), deadline.what, self.max_memory_mb, _process_state(),
                  self._carried, ahead_bytes(self.max_memory_mb) if self.ahead else 0))
        worker.start()
        theirs.close()
        return worker, ours

    def acknowledge(self) -> None:
        """The collector committed the last pull: the worker retires what it read (files), then ends."""
        waiting, self._waiting = self._waiting, None
        if waiting is None:
            return
        worker, conn = waiting
        try:
            conn.send(("ack",))
            if conn.poll(ACK_SECONDS):
                reply = conn.recv()
                if reply[0] == "acked":
                    self._carried = reply[1]
                elif reply[0] == "error":
                    log.warning("source %s: acknowledging the pull failed: %s", self.name, _error_from(reply[1]))
            else:
                log.warning("source %s: acknowledging the pull took longer than %g s", self.name, ACK_SECONDS)
        except (EOFError, OSError):
            log.warning("source %s: the pull's worker ended before it could acknowledge; the input is read "
                        "again next time", self.name)
        finally:
            _stop(worker, conn)

    def check(self, until: datetime) -> CheckResult:
        if self._local is None:
            self._local = _build(self.connector_path, self.source, self.stations)
        return self._local.check(until)

    def end_workers(self) -> None:
        """End this connector's workers: a pull started ahead that no run will read, and a finished pull that was
        not acknowledged (not committed). The collector calls it when a run ends, however it ends: a run that
        raised (the store could not be written) left them running until the source's next pull, or for good.
        The connector stays usable: the next pull starts a worker of its own."""
        self._end_waiting()
        self._end_started()

    def close(self) -> None:
        self.end_workers()

    # -- pieces
    def _end_waiting(self) -> None:
        waiting, self._waiting = self._waiting, None
        if waiting is not None:
            _stop(*waiting)

    def _end_started(self) -> None:
        started, self._started = self._started, None
        if started is not None:
            _stop(started[2], started[3])

    def _over_limit(self) -> MemoryLimitExceeded:
        return MemoryLimitExceeded(Reason(
            "pull_memory", f"the pull of {self.name} needed more memory than {self.setting} ({self.max_memory_mb} MB) "
            "and was stopped; the other sources were not affected (make the input smaller, e.g. split the file or "
            f"page the API, or raise {self.setting} in sources.yaml); the next run asks for the same window again",
            source=self.name, mb=self.max_memory_mb, setting=self.setting))

    def _died(self, worker: Any) -> ConnectorError:
        worker.join(5)
        code = worker.exitcode
        if code is not None and code < 0:
            # Killed by a signal: with the address space capped, an allocation that failed where Python could
            # not raise MemoryError (inside a C library) ends this way.
            name = signal.Signals(-code).name if -code in signal.Signals._value2member_map_ else str(-code)
            error = self._over_limit()
            said = error.args[0]
            error.args = (Reason(said.code, f"{said} (the worker ended with {name})", **said.params),)
            return error
        return WorkerError(f"the worker pulling {self.name} ended unexpectedly (exit code {code})")


# ---------------------------------------------------------------- in the worker
def _work(conn: Connection, connector_path: str, source: Any, stations: Any, since: datetime | None,
          until: datetime, seconds: float, what: str, max_memory_mb: int, state: dict[str, Any],
          carried: Any = None, ahead: int = 0) -> None:
    """The worker: cap the address space, pull, send the items in batches, then wait for acknowledge.

    With ``ahead`` (bytes), the batches are sent by a thread of the worker's own (:class:`_Ahead`): the pull
    goes on while up to ``ahead`` bytes of them wait for the collector to read them."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the collector, which ends its workers
    _adopt(state)
    # The pull may grow the worker by max_memory_mb: what the worker maps before it starts (the interpreter,
    # the preloaded modules, their thread pools' reservations) differs between machines by hundreds of MB of
    # address space and is not the pull's doing; capping the absolute size refused a 2 kB file on one of them.
    limit = _address_space() + max_memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    connector: Any = None
    out: _Ahead | None = None
    try:
        out = _Ahead(conn, ahead) if ahead else None
        send: Any = out.send if out is not None else conn.send
        connector = _build(connector_path, source, stations)
        if carried is not None and hasattr(connector, "carry_on"):
            connector.carry_on(carried)
        batch: list[Any] = []
        with Deadline(seconds, what).active() as deadline:
            for item in connector.pull(since, until):
                batch.append(item)
                if len(batch) >= BATCH:
                    send(("packed", _pack(batch)) if out is not None else ("items", batch))
                    batch = []
                    deadline.check()
            if batch:
                send(("packed", _pack(batch)) if out is not None else ("items", batch))
        batch = []
        used = resource.getrusage(resource.RUSAGE_SELF)
        send(("done", used.ru_utime + used.ru_stime))
        if out is not None:
            out.flush()
    except MemoryError:
        batch = []  # (free what can be freed before saying so)
        _out_of_memory(conn, out)
        return
    except BaseException as e:  # everything else goes back to the collector as itself
        if out is not None:
            out.finish(("error", _portable(e)))
        else:
            _send(conn, ("error", _portable(e)))
        return
    _serve_acknowledge(conn, connector)


class _Ahead:
    """The worker's messages sent by a thread of their own, at most ``limit`` bytes of them waiting.

    A backlog's pull (``ahead``) then goes on while the collector is busy with something else — the previous
    source's figures, or this pull's items — instead of stopping when the pipe's buffer (64 kB) is full. Each
    message is pickled here, in the pulling thread, and sent as it is; ``recv`` reads it as any message."""

    def __init__(self, conn: Connection, limit: int) -> None:
        self.conn = conn
        self.limit = limit
        self.waiting: list[bytes | None] = []
        self.held = 0
        self.failed: BaseException | None = None
        self.cond = threading.Condition()
        self.thread = threading.Thread(target=self._run, name="pull-send", daemon=True)
        self.thread.start()

    def send(self, message: tuple[Any, ...]) -> None:
        data = pickle.dumps(message, pickle.HIGHEST_PROTOCOL)
        with self.cond:
            while self.held and self.held + len(data) > self.limit and self.failed is None:
                self.cond.wait()
            if self.failed is not None:  # the collector stopped reading (the pull ended early): stop pulling
                raise self.failed
            self.waiting.append(data)
            self.held += len(data)
            self.cond.notify_all()

    def flush(self) -> None:
        """Wait until everything is sent; raise what stopped the sending."""
        with self.cond:
            self.waiting.append(None)
            self.cond.notify_all()
        self.thread.join()
        if self.failed is not None:
            raise self.failed

    def finish(self, message: tuple[Any, ...]) -> None:
        """Send ``message`` after what is waiting, as the last one (an error), and wait until it is sent."""
        with contextlib.suppress(BaseException):
            self.send(message)
            self.flush()

    def abandon(self, last: tuple[Any, ...]) -> None:
        """Drop what is waiting (out of memory), send ``last`` after the message being sent, and stop the thread.

        ``last`` goes through this thread like every message: sent by the pulling thread instead, it could
        land inside a large message still being written (the collector busy with the run before, the pipe
        full), and the collector read neither."""
        with contextlib.suppress(BaseException):  # (nothing to say it with: the collector sees the worker end)
            data = pickle.dumps(last, pickle.HIGHEST_PROTOCOL)
            with self.cond:
                self.waiting = [data, None]
                self.held = 0
                self.cond.notify_all()
            self.thread.join()  # until the collector reads it, or ends the pull (the send then fails)

    def _run(self) -> None:
        while True:
            with self.cond:
                while not self.waiting:
                    self.cond.wait()
                data = self.waiting.pop(0)
            if data is None:
                return
            try:
                self.conn.send_bytes(data)
            except BaseException as e:
                with self.cond:
                    self.failed = e
                    self.waiting, self.held = [], 0
                    self.cond.notify_all()
                return
            with self.cond:
                self.held -= len(data)
                self.cond.notify_all()


def _out_of_memory(conn: Connection, out: _Ahead | None) -> None:
    """Tell the collector the pull ran out of memory (what was waiting to be sent is dropped)."""
    if out is not None:
        out.abandon(("memory",))
    else:
        _send(conn, ("memory",))


def _pack(batch: list[Any]) -> list[Any]:
    """A batch with each item as the tuple of its fields: pickled and read back in a third of the time of the
    items themselves (a year's load sends 1.7 million). Every other record goes as itself."""
    return [(r.type, r.key, r.station, r.start, r.end, r.channel, r.score, r.needs_reaction, r.outcome, r.updated)
            if type(r) is Item else r for r in batch]


def _unpack(batch: list[Any]) -> list[Any]:
    """:func:`_pack` undone: no record a connector yields is a plain tuple."""
    return [Item(*r) if type(r) is tuple else r for r in batch]


def ahead_bytes(max_memory_mb: int) -> int:
    """How much of a pull a worker pulling ahead keeps waiting for the collector: a quarter of its memory limit
    (the rest is the pull's own), at most 256 MB."""
    return min(max_memory_mb * 1024 * 1024 // 4, 256 * 1024 * 1024)


def _serve_acknowledge(conn: Connection, connector: Any) -> None:
    try:
        message = conn.recv()
    except (EOFError, OSError):
        return  # the collector moved on (a failed run, a new pull): nothing to retire
    if message[0] != "ack":
        return
    try:
        ack = getattr(connector, "acknowledge", None)
        if ack is not None:
            ack()
        carried = getattr(connector, "carried", None)
        _send(conn, ("acked", carried() if carried is not None else None))
    except BaseException as e:
        _send(conn, ("error", _portable(e)))


def _address_space() -> int:
    """This process's mapped address space in bytes now (what ``RLIMIT_AS`` counts)."""
    with open("/proc/self/statm", encoding="ascii") as f:
        return int(f.read().split()[0]) * resource.getpagesize()


def _process_state() -> dict[str, Any]:
    """What a worker must share with the collector: the known secrets (every message masks them) and how it logs.

    The fork server never loaded the settings, so without this a worker would neither mask a secret quoted
    by a file (``env.csv`` holding ``DW_PASSWORD=…``) nor write its log lines as the collector does.
    """
    from board import secrets

    with secrets._lock:
        known = sorted(secrets._known)
    root = logging.getLogger()
    formats = [h.formatter._fmt for h in root.handlers if h.formatter is not None and h.formatter._fmt]
    return {"secrets": known, "level": root.level, "format": formats[0] if formats else None}


def _adopt(state: dict[str, Any]) -> None:
    from board.secrets import install_log_redaction, register

    for value in state["secrets"]:
        register(value)
    if state["format"]:
        logging.basicConfig(level=state["level"], format=state["format"])
    else:
        logging.getLogger().setLevel(state["level"])
    install_log_redaction()


def _send(conn: Connection, message: tuple[Any, ...]) -> None:
    with contextlib.suppress(OSError, ValueError):
        conn.send(message)


def _portable(error: BaseException) -> BaseException:
    """The error itself when it survives pickling (the connectors' errors do), else its type and message."""
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:
        text = str(error).strip().splitlines()[0] if str(error).strip() else ""
        return WorkerError(f"{type(error).__name__}: {text}" if text else type(error).__name__)
    return error


# ---------------------------------------------------------------- shared
def _build(connector_path: str, source: Any, stations: list[str]) -> Any:
    module, _, name = connector_path.partition(":")
    return getattr(import_module(module), name)(source, stations)


def _error_from(error: BaseException) -> BaseException:
    if isinstance(error, MemoryError):
        return MemoryLimitExceeded(str(error))
    return error if isinstance(error, BaseException) else TransientError(str(error))


def _stop(worker: Any, conn: Connection) -> None:
    """End a worker: close its pipe (it exits by itself when waiting), then make sure."""
    with contextlib.suppress(OSError):
        conn.close()
    worker.join(0.5)
    if worker.is_alive():
        worker.kill()
        worker.join(5)
    with contextlib.suppress(ValueError):
        worker.close()


def start_workers(sources: Iterable[Any]) -> None:
    """Start the fork server now if any source pulls in a worker, so its start (importing the connector
    modules, a second or two) is not paid inside the first pull's ``pull_timeout_seconds``: a pull with a memory
    limit, or a ``sql`` backlog (``backlog_worker_mb``)."""
    if any(isolation_limit(s, False) or getattr(s, "backlog_worker_mb", 0) for s in sources):
        warm = _ctx().Process(target=_noop, name="pull-warm-up", daemon=True)
        warm.start()  # (the server imports its modules before it forks this one: waiting for it waits for them)
        warm.join(120)


def _noop() -> None:
    """A worker that does nothing: its start proves the fork server ready."""


def _ctx() -> Any:
    """The fork server, started once per process with the connector modules already imported."""
    global _context
    with _context_lock:
        if _context is None:
            context = multiprocessing.get_context("forkserver")
            # Each worker runs the main module again (as __mp_main__, as multiprocessing does); with what it
            # imports already imported in the server, that costs nothing (else ~4 s a pull under `-m board`).
            main = getattr(getattr(sys.modules.get("__main__"), "__spec__", None), "name", None)
            context.set_forkserver_preload([*_PRELOAD, *([main] if main else [])])
            _context = context
        return _context


__all__ = ["BacklogConnector", "IsolatedConnector", "MemoryLimitExceeded", "isolation_limit", "start_workers"]
