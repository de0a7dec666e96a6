"""The demo connector: the simulator behind the ordinary connector contract.

It emits one reading per metric per station on a fixed grid: every
``live_step_seconds`` for the newest day, every ``history_step_minutes`` for
older days plus each day's last minute (so daily totals are exact).

It hands them over as :class:`~board.domain.reading.ReadingBlock` objects, a
block per station and chunk of days, newest chunk first: today alone, then
the simulator's 28-day periods backwards. So on a first start the wall has
today's numbers within seconds while the history is still loading, and a
year's backfill (about 10 million readings for 30 stations) needs no Python
object per reading.

A long pull (a backfill) simulates in worker processes, ahead of the
collector: the simulation is pure CPU, a pure function of (seed, station,
day), and on a machine with two cores it then runs beside the store writes
instead of before them. Short pulls (every turn of a running collector)
simulate in this process.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import date, datetime, timedelta

import numpy as np

from board.domain.item_arrays import MINUTE, micros
from board.domain.items import ItemType
from board.domain.reading import PullItem, ReadingBlock, Rejected, RowsRead
from board.domain.timeutil import UTC, day_bounds, ensure_utc, local_date
from board.settings import DemoSource, Settings, Station
from connectors import demo_managers
from connectors.base import CheckResult
from connectors.demo_items import Record
from connectors.simulator import COLUMNS, Simulator, StationProfile, period_of

log = logging.getLogger(__name__)

DEFAULT_POPULATION = 5000
#: A pull covering at least this many station-days simulates in worker processes (about 1 ms of CPU per
#: simulated day; starting a worker costs about half a second).
POOL_MIN_STATION_DAYS = 1000
#: At most this many worker processes, and never more than the machine's cores less one (the collector's).
MAX_WORKERS = 4
#: Station-periods a worker keeps (each ~2.9 MB): a task needs one (tests/test_demo.py bounds the memory).
WORKER_CACHE_PERIODS = 2

#: ``deliver: items`` reads this many days before a pull's window, for the items still open when it began.
ITEM_DAYS_BEFORE = 7

#: One chunk of simulation work: a station, and the days of one simulator period with their grid step (s).
Task = tuple[str, tuple[tuple[date, int], ...]]


class DemoConnector:
    @classmethod
    def for_source(cls, source: DemoSource, settings: Settings) -> DemoConnector:
        """The registry's hook (board/source_settings.py): the demo needs the stations themselves."""
        return cls(source, settings.stations_of(source), settings)

    def __init__(self, source: DemoSource, stations: list[Station], settings: Settings) -> None:
        self.name = source.name
        self.source = source
        self.profiles = [
            StationProfile(s.code, s.population or DEFAULT_POPULATION, settings.opening_hours(s.code))
            for s in stations
        ]
        self.sim = Simulator(source.seed, self.profiles)
        self.codes = [p.code for p in self.profiles]
        #: Worker processes for a long pull (0: always simulate in this process).
        self.workers = min(MAX_WORKERS, (os.cpu_count() or 1) - 1)

    def pull(self, since: datetime | None, until: datetime) -> Iterator[PullItem]:
        until = ensure_utc(until)
        if since is None:
            since = until - timedelta(days=self.source.backfill_days)
        since = ensure_utc(since)
        if since > until:
            return
        if self.source.deliver == "items":
            yield from self._items(since, until)
            return
        tasks = self._tasks(since, until)
        station_days = sum(len(days) for _, days in tasks)
        results = (self._in_pool(tasks, since, until) if self.workers > 0 and station_days >= POOL_MIN_STATION_DAYS
                   else (_simulate_chunk(self.sim, code, days, since, until) for code, days in tasks))
        instants: dict[int, datetime] = {}  # stations share their grid: one datetime per instant
        for (code, _), (seconds, values) in zip(tasks, results, strict=True):
            if not seconds:
                continue
            times = []
            for s in seconds:
                ts = instants.get(s)
                if ts is None:
                    ts = instants[s] = datetime.fromtimestamp(s, UTC)
                times.append(ts)
            yield ReadingBlock(code, COLUMNS, tuple(times), values)
            yield RowsRead(len(times))  # the run ledger: one row per instant of the block
        # the managers' daily figures (access to care, employee NPS): stated once a day, at its last minute
        for block in demo_managers.blocks(self.source.seed, self.profiles, since, until):
            yield block
            yield RowsRead(len(block.times))

    def _items(self, since: datetime, until: datetime) -> Iterator[PullItem]:
        """``deliver: items``: the simulated items whose state changed in ``[since, until]``, as they stand at
        ``until`` (connectors/demo_items.py); each counts as one row of the run ledger.

        The simulator's records stay tuples until the latest state of each id is known and told: an item told
        again on a later day, or not told at all, never becomes an ``Item`` (nor has its id hashed)."""
        from connectors.demo_items import station_records, to_item

        key = self.source.id_key.get_secret_value().encode("utf-8")  # type: ignore[union-attr]
        # a week before the window too: what was still open when the window began is told as well
        first, last = local_date(since) - timedelta(days=ITEM_DAYS_BEFORE), local_date(until)
        days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
        first_minute = -(-micros(since) // MINUTE)  # the first minute >= since
        instants: dict[int, datetime] = {}
        for code in self.codes:
            latest: dict[str, Record] = {}  # an item handled on a later day is told again: its latest state counts
            for record in station_records(self.sim, code, days, until):
                latest[record[1]] = record
            told = [to_item(key, code, r, instants) for r in latest.values()
                    if (r[3] if r[3] is not None else r[2]) >= first_minute or (r[3] is None and _waits(r))]
            yield from told
            yield RowsRead(len(told))

    def _tasks(self, since: datetime, until: datetime) -> list[Task]:
        """The window's work, newest first: today alone, then each simulator period's days (oldest first within)."""
        newest = local_date(until)
        live = int(self.source.live_step_seconds)
        history = int(self.source.history_step_minutes) * 60
        chunks: list[tuple[tuple[date, int], ...]] = [((newest, live),)]
        day, oldest = newest - timedelta(days=1), local_date(since)
        while day >= oldest:
            first = max(oldest, period_of(day)[1])
            chunks.append(tuple((first + timedelta(days=i), history) for i in range((day - first).days + 1)))
            day = first - timedelta(days=1)
        return [(code, chunk) for chunk in chunks for code in self.codes]

    def _in_pool(self, tasks: list[Task], since: datetime, until: datetime) -> Iterator[tuple[list[int], np.ndarray]]:
        """The tasks' results in order, simulated by worker processes a few tasks ahead of the consumer.

        ``spawn``, not ``fork``: a running collector has a thread per source,
        and a forked child could inherit a lock another thread holds. If the
        workers cannot run (a main script without the ``__main__`` guard that
        ``spawn`` needs, say), the rest is simulated here: the same numbers, only slower.
        """
        ahead = 4 * self.workers
        done = 0
        context = multiprocessing.get_context("spawn")
        later = _same_period_as_today(tasks)
        try:
            with ProcessPoolExecutor(self.workers, mp_context=context, initializer=_start_worker,
                                     initargs=(self.source.seed, self.profiles, os.getpid())) as pool:
                # (a job's future, which of its results): a task simulated with an earlier one waits in `held`
                pending: deque[tuple[Future[list[Chunk | None]], int]] = deque()
                held: dict[int, Future[list[Chunk | None]]] = {}
                try:
                    for i, (code, days) in enumerate(tasks):
                        if i in held:
                            pending.append((held.pop(i), 1))
                        elif i in later:
                            future = pool.submit(_simulate_in_worker, code, (days, tasks[later[i]][1]), since, until)
                            held[later[i]] = future
                            pending.append((future, 0))
                        else:
                            pending.append((pool.submit(_simulate_in_worker, code, (days,), since, until), 0))
                        if len(pending) >= ahead:
                            yield _take(pending.popleft())
                            done += 1
                    while pending:
                        yield _take(pending.popleft())
                        done += 1
                finally:  # the consumer stopped early (an error, a stop): drop what is not needed
                    for future, _ in pending:
                        future.cancel()
        except BrokenProcessPool as e:
            log.warning("demo %s: simulator workers failed (%s); simulating in this process", self.name, e)
            for code, days in tasks[done:]:
                yield _simulate_chunk(self.sim, code, days, since, until)

    def check(self, until: datetime) -> CheckResult:
        try:
            first = next(iter(self.pull(until - timedelta(minutes=5), until)), None)
        except Exception as e:  # pragma: no cover - the simulator has no failure modes worth a test
            return CheckResult(False, "error", f"simulator failed: {e}")
        if first is None:
            return CheckResult(False, "data", "the simulator produced no readings for the last 5 minutes")
        return CheckResult(True, "ok", f"simulating {len(self.codes)} stations (seed {self.source.seed})")


#: One task's result: the epoch seconds of its instants, and their values (a row per instant).
Chunk = tuple[list[int], np.ndarray]


def _same_period_as_today(tasks: list[Task]) -> dict[int, int]:
    """For each station, its today task and its first history task when that lies in today's simulator period:
    ``{today's index: the history task's index}``.

    A worker simulates the two together. Today's chain runs through every earlier day of the period, so the
    history days come with it; simulated apart (the history task comes a whole round of stations later,
    and a worker keeps only a few periods), the same chain would be simulated twice — or, as before, every
    station's period kept in each worker until then: ~2.9 MB a station, ~4.5 GB at 900 stations."""
    first: dict[str, int] = {}
    pairs: dict[int, int] = {}
    for i, (code, days) in enumerate(tasks):
        if code not in first:
            first[code] = i
        elif first[code] >= 0:
            j, first[code] = first[code], -1
            today, newest = tasks[j][1][-1][0], days[-1][0]
            if len(tasks[j][1]) == 1 and period_of(today)[0] == period_of(newest)[0]:
                pairs[j] = i
    return pairs


def _take(entry: tuple[Future[list[Chunk | None]], int]) -> Chunk:
    """A task's result from its job, let go of in the job's list once taken (a held job keeps the rest)."""
    future, which = entry
    results = future.result()
    chunk = results[which]
    results[which] = None
    assert chunk is not None
    return chunk


def _waits(record: Record) -> bool:
    """:attr:`Item.waits` of a record: callbacks, messages, and feedback needing a reaction."""
    kind = record[0]
    return kind is ItemType.CALLBACKS or kind is ItemType.MESSAGES or (kind is ItemType.FEEDBACK and record[6])


def _simulate_chunk(sim: Simulator, code: str, days: tuple[tuple[date, int], ...], since: datetime,
                    until: datetime) -> tuple[list[int], np.ndarray]:
    """One station's grid over ``days`` within ``[since, until]``: epoch seconds, and values (a row per instant)."""
    seconds: list[int] = []
    parts: list[np.ndarray] = []
    for day, step in days:
        start, end = day_bounds(day)
        lo, hi = max(start, since), min(end - timedelta(minutes=1), until)
        if lo > hi:
            continue
        # Grid points aligned to the day start, plus the day's last minute.
        day_start = int(start.timestamp())
        first = day_start + step * -(-int((lo - start).total_seconds()) // step)
        last_minute = int((end - timedelta(minutes=1)).timestamp())
        stamps = list(range(first, int(hi.timestamp()) + 1, step))
        if lo <= end - timedelta(minutes=1) <= hi and (not stamps or stamps[-1] != last_minute):
            stamps.append(last_minute)
        if not stamps:
            continue
        minutes = (np.asarray(stamps, dtype=np.int64) - day_start) // 60
        parts.append(sim.day(code, day).values[minutes])
        seconds.extend(stamps)
    values = np.concatenate(parts) if parts else np.empty((0, len(COLUMNS)), dtype=np.float32)
    return seconds, values


_WORKER_SIM: list[Simulator] = []


def _start_worker(seed: int, profiles: list[StationProfile], parent: int) -> None:
    _exit_with_parent(parent)
    # Each of a backfill's tasks asks for one station-period (a today task with its history, together): a
    # worker needs no period kept from one task to the next.
    _WORKER_SIM[:] = [Simulator(seed, profiles, cache_periods=WORKER_CACHE_PERIODS)]


def _exit_with_parent(parent: int, every: float = 0.5) -> None:
    """End this worker when the collector that started it is gone.

    A collector that stops cleanly shuts its pool down; one killed with
    SIGKILL (or by the out-of-memory killer) cannot, and its workers used to
    stay, orphaned, each holding a simulator's memory. A worker is re-parented
    when its parent dies, so a watcher thread that sees another parent exits.
    (``PR_SET_PDEATHSIG`` would follow the *thread* that started the worker,
    which in a pool is not always alive as long as the collector.) The
    collector's pid comes from the collector itself: a worker that starts
    after the collector died has been re-parented already.
    """
    import threading
    import time

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(every)
        os._exit(0)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def _simulate_in_worker(code: str, chunks: tuple[tuple[tuple[date, int], ...], ...], since: datetime,
                        until: datetime) -> list[Chunk | None]:
    return [_simulate_chunk(_WORKER_SIM[0], code, days, since, until) for days in chunks]


__all__ = ["DemoConnector", "Rejected"]
