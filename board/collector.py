"""The collector: pulls every source on its schedule into the store.

For each run of a source it

1. hands the connector the window ``[bookmark - lookback, started]`` (the
   connector keeps no state; the first run has no bookmark and gets the
   source's backfill; the lookback re-reads rows that arrive out of order),
2. validates each reading (:mod:`board.pull_checks`: known station and metric, finite value within
   the metric's range, not in the future) and skips bad ones with a counted reason,
   keeping the run ledger: every data row the connector read is stored,
   refused or ignored, or, when the run fails before its write commits, not written
   (:mod:`board.domain.ledger`),
3. upserts in batches, one transaction per batch, so a long backfill becomes
   visible while it loads and a crash loses at most one batch,
4. records the run and only then moves the bookmark to the newest reading
   it stored (never past the moment the pull began, never backwards: see
   :meth:`Collector._next_bookmark`); a re-pulled overlap is harmless because
   the store's key de-duplicates it.

Transient errors are retried with backoff within the run; configuration
errors are not. Whatever one source does, the others still run.
"""

from __future__ import annotations

import logging
import math
import os
import socket
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from board import retention
from board.alerts.evaluator import Evaluator
from board.domain.ledger import Ledger, RowLedger
from board.domain.reading import Duplicate, Ignored, PullItem, Reading, ReadingBlock, Rejected, RowsRead
from board.domain.runs import Run
from board.domain.timeutil import day_start, local_date, utcnow
from board.gc_pause import cycles_paused
from board.item_collect import ItemRun
from board.pull_checks import (
    Reasons,
    all_refused,
    block_ok,
    describe,
    ledger_line,
    reject_reason,
    valid_readings,
)
from board.reports.sender import ReportSender
from board.settings import Settings
from board.store import Store
from connectors import Connector, build_connector
from connectors.deadline import Deadline
from connectors.errors import ConnectorError, TransientError

log = logging.getLogger(__name__)

BATCH_SIZE = 20_000
MAX_ATTEMPTS = 3
BACKOFF_SECONDS = 1.0
#: The longest wait a source may ask for (Retry-After) that the run waits out; a longer one leaves it to the
#: next run at the source's interval (the run fails as transient, saying how long the source asked for).
MAX_RETRY_AFTER = 120.0
FUTURE_TOLERANCE = timedelta(minutes=5)
RUN_RETENTION = timedelta(days=30)


@dataclass
class RunOutcome:
    source: str
    ok: bool
    rows: int
    rejected: int
    seconds: float
    error: str | None = None
    rejects: dict[str, int] = field(default_factory=dict)
    #: The run as recorded (with its ledger); None only for outcomes made outside :meth:`Collector.run_source`.
    run: Run | None = None


class Collector:
    def __init__(
        self,
        settings: Settings,
        store: Store,
        connectors: dict[str, Connector] | None = None,
        clock: Callable[[], datetime] = utcnow,
        sleep: Callable[[float], None] = time.sleep,
        backoff_seconds: float = BACKOFF_SECONDS,
    ) -> None:
        self.settings = settings
        self.store = store
        self.clock = clock
        self.sleep = sleep
        self.backoff_seconds = backoff_seconds
        self.sources = {s.name: s for s in settings.sources if s.enabled}
        self.connectors: dict[str, Connector] = dict(connectors or {})
        self._last_prune: datetime | None = None
        self._evaluator: Evaluator | None = None
        self._reports: ReportSender | None = None
        #: Set to stop: a running pull ends after its current batch (what it wrote stays, the bookmark stays).
        self.stop = threading.Event()
        #: This process among collectors sharing a store (recorded with each run).
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        #: run_forever pulls a source only while holding its lease; run_once (a manual run) does not ask.
        self.use_leases = False

    def connector(self, name: str) -> Connector:
        if name not in self.connectors:
            self.connectors[name] = build_connector(self.sources[name], self.settings)
        return self.connectors[name]

    # ------------------------------------------------------------------
    def run_once(self, only: str | None = None, since: datetime | None = None) -> list[RunOutcome]:
        """One cycle over every enabled source (or just ``only``)."""
        if only is not None and only not in self.sources:
            raise KeyError(f"unknown or disabled source {only!r}; enabled: {', '.join(self.sources) or 'none'}")
        if only is not None and not self.sources[only].is_pulled():
            raise KeyError(f"{only!r} is a push source: the board does not pull it (its sender posts to /push/{only})")
        names = [only] if only else self.pulled()
        outcomes = []
        planned: dict[str, tuple[datetime | None, datetime | None]] = {}
        try:
            for i, name in enumerate(names):
                if i + 1 < len(names) and (ahead := self._prefetch(names[i + 1], since, name)) is not None:
                    planned[names[i + 1]] = ahead  # the next source's backlog pulled meanwhile, in its worker
                outcomes.append(self.run_source(name, since_override=since, ahead=planned.pop(name, None)))
        finally:  # a run raised (the store): the next source's pull started ahead is read by no run, so it ends
            for name in planned:
                self._end_workers(name)
        self._prune()
        if only is None:
            self.evaluate_alerts()
            self.send_reports()
        return outcomes

    def pulled(self) -> list[str]:
        """The sources the collector pulls on their schedules (a push source's runs are its pushes: board/push.py)."""
        return [name for name, source in self.sources.items() if source.is_pulled()]

    @property
    def evaluator(self) -> Evaluator:
        if self._evaluator is None:
            self._evaluator = Evaluator(self.settings, self.store, self.holder, clock=self.clock)
        return self._evaluator

    def evaluate_alerts(self) -> None:
        """One turn of projections and alert rules (board/alerts/evaluator.py); never raises."""
        try:
            self.evaluator.turn()
        except Exception:
            log.exception("alerts: the evaluation failed; trying again on the next turn")

    def send_reports(self) -> None:
        """The weekly report by e-mail when it is due (board/reports/sender.py); never raises."""
        try:
            if self._reports is None:
                self._reports = ReportSender(self.settings, self.store, self.holder, clock=self.clock)
            self._reports.turn()
        except Exception:
            log.exception("weekly report: the turn failed; trying again on the next one")

    def _prefetch(self, name: str, since_override: datetime | None, before: str
                  ) -> tuple[datetime | None, datetime | None] | None:
        """Start ``name``'s pull now if its connector can run it ahead (a ``sql`` source's backlog in a worker,
        connectors/isolated.py): it then overlaps with the run of ``before``, whose ``pull_timeout_seconds``
        the worker's deadline allows for on top of its own. The window's start, and the moment
        the pull began if it did (else None): :meth:`run_source` pulls that window. None: the connector runs
        nothing ahead. Never raises: the run itself tries again."""
        try:
            prefetch = getattr(self.connector(name), "prefetch", None)
            if prefetch is None:
                return None
            now = self.clock()
            since = since_override or self._window_start(name)
            return since, (now if prefetch(since, now, float(self.sources[before].pull_timeout_seconds)) else None)
        except Exception:
            log.warning("source %s: could not start its pull ahead; it is pulled in its turn", name, exc_info=True)
            return None

    def run_source(self, name: str, since_override: datetime | None = None,
                   ahead: tuple[datetime | None, datetime | None] | None = None) -> RunOutcome:
        """Pull one source once; never raises for anything the source does.

        It does raise when the store itself cannot be written; :meth:`run_forever`
        catches that and tries again on the source's next turn. ``ahead``: the window's start as
        :meth:`_prefetch` read it, and the moment its pull began ahead of its turn (None: now).
        However the run ends, the source's pull workers end with it (:meth:`_end_workers`).
        """
        try:
            return self._run_source(name, since_override, ahead)
        finally:
            self._end_workers(name)

    def _run_source(self, name: str, since_override: datetime | None,
                    ahead: tuple[datetime | None, datetime | None] | None) -> RunOutcome:
        if ahead is not None:
            since, began = ahead
            started = began or self.clock()
        else:
            started = self.clock()
            since = since_override or self._window_start(name)
        attempts = 0
        progress = _Progress()
        error: ConnectorError | Exception | None = None
        self.store.start_pull(name, started, self.holder)  # /sources shows it, and for how long, until it ends
        # One deadline for the whole run, retries included: a slow or stalled source never holds it longer.
        deadline = Deadline(self.sources[name].pull_timeout_seconds, f"the pull of {name}")
        with deadline.active():
            while True:
                attempts += 1
                # a retry re-pulls the whole window
                progress.rows, progress.rejects, progress.newest, error = 0, Reasons(), None, None
                progress.ledger = RowLedger()
                try:
                    connector = self.connector(name)
                    self._load(name, connector.pull(since, started), started, progress, deadline)
                except TransientError as e:
                    error = deadline.exceeded() if deadline.expired() else e
                    backoff = self.backoff_seconds * 2 ** (attempts - 1)
                    if e.retry_after is not None:  # the source said how long (HTTP 429/503 Retry-After)
                        backoff = max(backoff, e.retry_after) if e.retry_after <= MAX_RETRY_AFTER else math.inf
                    if attempts < MAX_ATTEMPTS and deadline.remaining() > backoff:
                        log.warning("source %s: %s (attempt %d, retrying)", name, e, attempts)
                        self.sleep(backoff)
                        continue
                except Exception as e:  # a broken source must never stop the collector
                    error = e
                break

        finished = self.clock()
        # (A files run refuses whole files, which go back to whoever made them: a refused file is not a failed run.)
        if error is None and progress.rows == 0 and progress.rejects and self.sources[name].type != "files":
            error = all_refused(progress.rejects)
        ok = error is None
        message = None if ok else describe(error)
        kind = getattr(error, "kind", "error") if error is not None else None
        rows, rejects = progress.rows, progress.rejects
        # A failed run's rows that passed the checks after its last committed write are "not written", never
        # "stored" (board/domain/ledger.py): the next run reads them again (no bookmark moved, no file acknowledged).
        ledger: Ledger = progress.ledger.finish(written=ok)
        run = Run(source=name, started_at=started, finished_at=finished, window_since=since, rows=rows,
                  rejected=sum(rejects.values()), attempts=attempts, ok=ok, error_kind=kind, error=message,
                  holder=self.holder, rows_read=ledger.rows_read, rows_stored=ledger.rows_stored,
                  rows_refused=ledger.rows_refused, rows_ignored=ledger.rows_ignored, duplicates=ledger.duplicates,
                  rows_unwritten=ledger.rows_unwritten)
        bookmark = self._next_bookmark(name, progress.newest, started) if ok else None
        self.store.finish_run(run, dict(rejects), bookmark=bookmark)  # one transaction
        if ok:
            self._acknowledge(name)
            if rows and (since is None or since < day_start(local_date(started))):
                self._history_stored()
            log.info("source %s: %d readings, %d rejected, %.2f s; %s", name, rows, run.rejected,
                     run.duration_seconds, ledger_line(run))
            if run.unaccounted:
                log.warning("source %s: the rows do not add up (%s): the connector lost count of %d row(s)",
                            name, ledger_line(run), run.unaccounted)
        else:
            log.error("source %s failed: %s; %s", name, message, ledger_line(run))  # "… · not written 6 · …"
        return RunOutcome(name, ok, rows, run.rejected, run.duration_seconds, message, dict(rejects), run)

    def _history_stored(self) -> None:
        """A pull whose window began before today stored readings: the projections' usual days found missing are
        looked for again at the next alert turn (board/alerts/projections.py, ``Projector.history_arrived``). An
        evaluator not made yet will read the history when it is."""
        if self._evaluator is not None:
            self._evaluator.projector.history_arrived()

    def _next_bookmark(self, name: str, newest: datetime | None, started: datetime) -> datetime | None:
        """Where the next pull starts (before the lookback): the newest reading stored, never past the pull's start,
        never backwards. ``None``: leave the bookmark as it is.

        Why from the data (as Singer's and dlt's incremental state keep the largest replication key seen) and
        not the collector's clock: a source whose rows become visible 180 s after their timestamp had, at each
        pull, nothing newer than 180 s back; a clock bookmark moved on to the pull's start and the next window
        (start less the 120-s lookback) began after those rows: all 60 rows of the test were lost, each run
        "OK". The newest row actually read is where the source really is, so rows arriving late but in order
        are read however late they are. ``lookback_seconds`` remains the guard for rows arriving *out of
        order*: stamped earlier than rows already read, by up to that much.

        Capped at the pull's start, so one station whose clock runs ahead cannot carry the bookmark past
        another station's rows; never moved backwards, so a collector clock stepped back an hour neither
        re-reads nor loses anything (its pulls then read an empty window until the clock is right again).
        A run that read nothing keeps the bookmark where it was.
        """
        if newest is None:
            return None
        candidate = min(newest, started)
        previous = self.store.bookmark(name)
        if previous is not None and candidate <= previous:
            return None
        return candidate

    def _window_start(self, name: str) -> datetime | None:
        """Where a scheduled pull starts: the bookmark less the source's ``lookback_seconds`` (None: backfill).

        The bookmark is the moment the last good pull began; a row stamped
        just before it but committed by the source just after was not there to
        be read. Starting a little earlier reads it next time; the store's key
        makes the overlap harmless.
        """
        bookmark = self.store.bookmark(name)
        if bookmark is None:
            return None
        return bookmark - timedelta(seconds=self.sources[name].lookback_seconds)

    def _end_workers(self, name: str) -> None:
        """End the worker processes ``name``'s connector still has (connectors/isolated.py): one started ahead
        that no run will read, one whose pull was not committed. A committed pull's worker has ended already
        (acknowledged). Why here: a run that raised left them running, holding their memory and their
        source's database connection, until the source's next pull, or to the end of the process."""
        end = getattr(self.connectors.get(name), "end_workers", None)
        if end is None:
            return
        try:
            end()
        except Exception:
            log.warning("source %s: could not end its pull's worker", name, exc_info=True)

    def _acknowledge(self, name: str) -> None:
        """Tell a connector that keeps a tally outside the store (the files drop folder) that the run is committed.

        Called only after the readings and the bookmark are committed; if the
        process dies before this, the next run reads the same input again,
        which the store's key makes harmless.
        """
        ack = getattr(self.connectors.get(name), "acknowledge", None)
        if ack is None:
            return
        try:
            ack()
        except Exception:
            log.exception("source %s: could not acknowledge the committed run", name)

    def _load(self, name: str, items: Iterable[PullItem], started: datetime,
              progress: _Progress, deadline: Deadline | None = None) -> None:
        """Validate and write in batches; ``progress.rows`` counts what is committed, even if a later batch fails.

        The deadline is checked between the items the connector yields: a source that keeps producing (slowly)
        stops there; one that blocks inside a read is stopped by the connector's own use of the deadline.
        """
        batch: list[Reading | ReadingBlock] = []
        size = 0  # readings in the batch (a block counts as its readings)
        if deadline is not None:
            items = _until(deadline, items)
        if self.sources[name].delivers_items():  # items: stored, then counted into figures (board/item_collect.py)
            self._load_items(name, items, started, progress)  # each record read is a row of the ledger there
            return
        for item in self._validated(name, items, started, progress.rejects, progress.ledger):
            newest = max(item.times) if isinstance(item, ReadingBlock) else item.ts
            if progress.newest is None or newest > progress.newest:
                progress.newest = newest
            batch.append(item)
            size += len(item) if isinstance(item, ReadingBlock) else 1
            if size >= BATCH_SIZE:
                progress.rows += self._write(name, batch)
                progress.ledger.committed()  # the rows settled so far are in the store (a later failure: not theirs)
                size = 0
                if self.use_leases and not self._renew(name):
                    raise Interrupted(f"another collector took over {name} after {progress.rows} readings")
                if self.stop.is_set():
                    raise Interrupted(f"stopped after {progress.rows} readings; the next run pulls the same window "
                                      "again (what was written is not counted twice)")
        if batch:
            progress.rows += self._write(name, batch)
        progress.ledger.committed()

    def _load_items(self, name: str, items: Iterable[Any], started: datetime, progress: _Progress) -> None:
        """A source that delivers items: they are stored, and the figures counted from them are validated and
        written here like any readings; the bookmark follows the newest ``updated`` time read."""
        source = self.sources[name]
        stations = [s.code for s in self.settings.stations_of(source)]

        def write(blocks: list[ReadingBlock]) -> int:
            valid: list[Reading | ReadingBlock] = list(self._validated(name, blocks, started, progress.rejects))
            return self._write(name, valid) if valid else 0

        def check() -> None:
            if self.stop.is_set():
                raise Interrupted("stopped; the next run pulls the same window again (stored items are not "
                                  "counted twice)")

        run = ItemRun(self.store, source, stations, started, progress.rejects, write, progress.ledger,
                      coarse=retention.coarse_before(self.settings.board.retention, started))
        try:
            with cycles_paused():  # the run holds the pull's items: nothing of them is garbage until it ends
                run.store_items(items, check, reject_reason)
                if run.accepted == 0 and run.refused:
                    raise all_refused(progress.rejects)  # nothing usable: the figures are not written as if fresh
                progress.rows += run.write_figures()
        except BaseException:
            if run.first_load:
                self._undo_first_load(name)
            raise
        progress.ledger.committed()  # an item's row is stored once the item and the figures counted from it are
        progress.newest = run.newest

    def _undo_first_load(self, name: str) -> None:
        """A first load of an items source failed (its items' or its figures' write, a stop): delete the items it
        stored, so that the next run is a first load again and counts the figures of the whole history.

        Why: the items commit before the figures counted from them. Kept, the next run found them unchanged, so it
        counted only its own moment: a failed backfill's history figures were never written (6 feedback answers
        of the last six hours: 10 readings instead of 40). If this delete fails too (the store is gone) the loss
        stays as before; the log says so."""
        try:
            dropped = self.store.drop_items(name)
        except Exception:
            log.exception("source %s: its failed first load's items could not be removed; figures before the next "
                          "run may stay missing", name)
            return
        if dropped:
            log.warning("source %s: the first load failed before its figures were written; its %d item(s) were "
                        "removed so that the next run loads them again, with their history", name, dropped)

    def _write(self, name: str, batch: list[Reading | ReadingBlock]) -> int:
        n = self.store.write_readings(batch, source=name, now=self.clock())
        batch.clear()
        return n

    def _validated(self, name: str, items: Iterable[PullItem], started: datetime,
                   rejects: Counter[str], ledger: RowLedger | None = None) -> Iterator[Reading | ReadingBlock]:
        """The items that pass the checks; every refusal counted under its reason, and every row in ``ledger``."""
        source = self.sources[name]
        allowed = {s.code for s in self.settings.stations_of(source)}
        latest_ok = started + FUTURE_TOLERANCE
        ledger = ledger if ledger is not None else RowLedger()
        for item in items:
            if isinstance(item, RowsRead):
                ledger.rows_read(item.rows)
            elif isinstance(item, Ignored):
                ledger.ignored(item.rows, duplicate=isinstance(item, Duplicate))
            elif isinstance(item, Rejected):
                rejects[reject_reason(item.reason)] += 1
                ledger.refused(item.rows)
            elif isinstance(item, ReadingBlock):
                if block_ok(item, allowed, latest_ok):
                    ledger.readings(len(item))
                    yield item
                else:  # something in it is wrong: the readings one by one, each problem counted with its reason
                    good = 0
                    for reading in valid_readings(item.readings(), allowed, latest_ok, rejects):
                        good += 1
                        yield reading
                    ledger.readings(good, len(item) - good)
            else:
                passed = False
                for reading in valid_readings((item,), allowed, latest_ok, rejects):
                    passed = True
                    yield reading
                ledger.readings(int(passed), int(not passed))

    def _prune(self) -> None:
        now = self.clock()
        if self._last_prune and now - self._last_prune < timedelta(hours=1):
            return
        self._last_prune = now
        self.store.prune_runs(now - RUN_RETENTION)

    # ------------------------------------------------------------------
    def run_forever(self) -> None:
        """Run every source in a thread of its own, each on its own interval, until :attr:`stop` is set.

        Collectors on several servers may share one store: each source is
        pulled only by the collector holding its lease (``source_leases``),
        renewed every turn and batch; if that collector dies, another takes
        the source over when the lease expires (:meth:`lease_seconds`).

        A thread per source, because sources are independent: a SQL warehouse
        that takes 40 s to answer must not make the queue system's numbers
        40 s late. Each thread owns its connector, so connectors need not be
        thread-safe.
        """
        log.info("collector started: %s", ", ".join(f"{n} every {self.sources[n].interval_seconds} s"
                                                    for n in self.pulled()) or "no sources to pull")
        self.use_leases = True
        threads = [threading.Thread(target=self._source_loop, args=(name,), name=f"source-{name}", daemon=True)
                   for name in self.pulled()]
        threads.append(threading.Thread(target=self._alerts_loop, name="alerts", daemon=True))
        for thread in threads:
            thread.start()
        next_thin = 0.0
        while not self.stop.is_set():
            try:
                self._prune()
            except Exception:
                log.exception("could not prune old run records")
            more = False
            if time.monotonic() >= next_thin:
                try:
                    more = retention.thin(self.store, self.settings.board.retention, self.clock(), self.holder)
                except Exception:
                    log.exception("could not thin old readings (retention); trying again later")
                # Catching up (e.g. after a year's backfill): keep going; otherwise look again in an hour.
                next_thin = time.monotonic() + (0 if more else 3600)
            self.stop.wait(0.2 if more else 5.0)
        for thread in threads:
            thread.join(timeout=60)
        try:
            self.store.release_leases(self.holder)  # a clean stop hands the sources over at once
        except Exception:
            log.warning("could not release this collector's leases; they expire by themselves", exc_info=True)

    def lease_seconds(self, name: str) -> float:
        """How long a lease lasts without renewal: three missed turns, at least 30 s.

        ``BOARD_LEASE_SECONDS`` overrides it: the longest a dead collector's
        sources wait before another collector takes them over.
        """
        override = self.settings.environment.lease_seconds
        if override is not None:
            return override
        return max(30.0, 3.0 * self.sources[name].interval_seconds)

    def _renew(self, name: str) -> bool:
        return self.store.take_lease(name, self.holder, self.clock(), self.lease_seconds(name))

    def _alerts_loop(self) -> None:
        """Projections and alert rules once per collector cycle, here, so no browser needs to be open."""
        interval = self.evaluator.interval_seconds
        log.info("alerts: %d rule(s), evaluated every %g s", len(self.settings.alerts.rules), interval)
        while not self.stop.is_set():
            started = time.monotonic()
            self.evaluate_alerts()
            self.send_reports()
            self.stop.wait(max(0.0, interval - (time.monotonic() - started)))

    def _source_loop(self, name: str) -> None:
        interval = self.sources[name].interval_seconds
        holding: bool | None = None  # unknown until the first turn
        while not self.stop.is_set():
            started = time.monotonic()
            try:
                if self._renew(name):
                    if not holding:
                        log.info("source %s: this collector (%s) pulls it", name, self.holder)
                    holding = True
                    self.run_source(name)
                elif holding is not False:
                    holding = False
                    log.info("source %s: another collector holds it; standing by", name)
            except Exception:  # the store itself failed: log, wait for the next turn, keep running
                log.exception("source %s: could not record the run (is the store reachable?)", name)
            # Start to start: a run that took longer than the interval is followed at once by the next.
            self.stop.wait(max(0.0, interval - (time.monotonic() - started)))


def _until(deadline: Deadline, items: Iterable[PullItem]
           ) -> Iterator[PullItem]:
    """``items``, with the deadline checked before each (:meth:`Deadline.check`, inlined: a year's load of items
    from four ``sql`` sources passes 3.5 million records here)."""
    remaining, exceeded = deadline.remaining, deadline.exceeded
    try:
        for item in items:
            if remaining() <= 0:
                raise exceeded()
            yield item
    finally:  # stopped early: let the connector close its connection now, not when garbage-collected
        close = getattr(items, "close", None)
        if close is not None:
            close()


class Interrupted(Exception):
    """The collector was asked to stop in the middle of a pull."""

    kind = "stopped"


@dataclass
class _Progress:
    rows: int = 0
    rejects: Reasons = field(default_factory=lambda: Reasons())
    #: What became of every data row read (the run ledger).
    ledger: RowLedger = field(default_factory=RowLedger)
    #: The newest reading time that passed validation (the data-derived bookmark).
    newest: datetime | None = None
