"""The collector, instrumented: where the time of a load goes.

A run of :class:`board.collector.Collector` is split into

* **pull**: time spent waiting for the connector's generator (for the demo
  source: the simulator and turning its rows into blocks of readings; with
  the simulator in worker processes, only the wait for them);
* **write**: :meth:`Collector._write`, one transaction per batch (the store's
  upsert: SQLite's ``executemany``, PostgreSQL's binary ``COPY``; the daily
  roll-up; the commit);
* **collector**: the rest (validation, batching, the run record, the bookmark).

The upsert talks to the DBAPI cursor directly, past SQLAlchemy's events, so
:class:`DbTimer` (used for the pages' reads) does not see it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, event

from board.collector import Collector
from board.domain.reading import ReadingBlock
from board.domain.timeutil import local_date
from board.settings import Settings
from board.store import Store
from connectors import build_connector

_END = object()


class TimedConnector:
    """A connector whose pulls are timed: the time spent waiting for each item of the real generator.

    For the demo source that is the simulator, or, when it simulates in
    worker processes ahead of the collector, only what the collector waits for them.
    """

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.name = inner.name
        self.seconds = 0.0
        #: The process's CPU time spent inside the pull (the demo makes its items in this process).
        self.cpu = 0.0

    def pull(self, since: datetime | None, until: datetime) -> Iterator[Any]:
        clock, cpu = time.perf_counter, time.process_time
        t, c = clock(), cpu()
        it = iter(self.inner.pull(since, until))
        self.seconds += clock() - t
        self.cpu += cpu() - c
        while True:
            t, c = clock(), cpu()
            item = next(it, _END)
            self.seconds += clock() - t
            self.cpu += cpu() - c
            if item is _END:
                return
            yield item

    def check(self, until: datetime) -> Any:
        return self.inner.check(until)

    def __getattr__(self, name: str) -> Any:  # acknowledge() and friends
        return getattr(self.inner, name)


@dataclass(frozen=True)
class Batch:
    """One batch written: when it ended, its readings, its write time, and the CPU clocks at its end."""

    end: float  # perf_counter
    readings: int
    write: float
    cpu: float  # this process's process_time
    server_cpu: float | None  # a private PostgreSQL cluster's CPU (bench.common.server_cpu_seconds), else None
    #: The items handed to the write (a block of readings counts once): how the readings came, not how many.
    items: int = 0
    #: The (station, metric, Helsinki day) summaries its items touch: the rows its roll-up and newest merges write.
    #: Readings per such key is what sets a batch's cost per reading apart from the store's size (:meth:`Load.alike`).
    keys: int = 0


def day_keys(batch: list[Any]) -> int:
    """The (station, metric, Helsinki day) summaries ``batch`` touches, as its blocks span days (a single reading:
    one); two time zone conversions a block, outside the timed write."""
    n = 0
    for item in batch:
        if isinstance(item, ReadingBlock) and len(item.times):
            n += len(item.metrics) * ((local_date(item.times[-1]) - local_date(item.times[0])).days + 1)
        else:
            n += 1
    return n


class TimedCollector(Collector):
    """Times each batch write (one transaction: rows, statement, driver, commit), and keeps each batch's figures."""

    write_seconds = 0.0
    #: The database server's CPU so far, sampled after every batch (None: not measurable).
    server_cpu: Callable[[], float | None] = staticmethod(lambda: None)  # type: ignore[assignment]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.batches: list[Batch] = []

    def _write(self, name: str, batch: list) -> int:  # type: ignore[type-arg]
        items, keys = len(batch), day_keys(batch)  # counted first: the write empties the batch
        t = time.perf_counter()
        n = 0
        try:
            n = super()._write(name, batch)
            return n
        finally:
            end = time.perf_counter()
            self.write_seconds += end - t
            self.batches.append(Batch(end, n, end - t, time.process_time(), self.server_cpu(), items, keys))


class DbTimer:
    """Time inside the DBAPI cursor's execute calls of an engine (and how many there were)."""

    def __init__(self, engine: Engine) -> None:
        self.seconds = 0.0
        self.statements = 0
        self.engine = engine
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn, *_args: object) -> None:  # type: ignore[no-untyped-def]
        conn.info.setdefault("bench_started", []).append(time.perf_counter())

    def _after(self, conn, *_args: object) -> None:  # type: ignore[no-untyped-def]
        self.seconds += time.perf_counter() - conn.info["bench_started"].pop()
        self.statements += 1

    def remove(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._before)
        event.remove(self.engine, "after_cursor_execute", self._after)

    def reset(self) -> None:
        self.seconds, self.statements = 0.0, 0


@dataclass
class Load:
    """One instrumented collector cycle."""

    seconds: float
    readings: int
    rejected: int
    pull: float
    write: float
    ok: bool
    error: str | None
    #: The collector process's CPU time for the cycle, and the part of it inside the pull. Other work on a
    #: shared machine stretches wall-clock time but hardly CPU time; a PostgreSQL server's work is not in it.
    cpu: float = 0.0
    pull_cpu: float = 0.0
    #: The batches written, in order, and the cycle's start on the same clocks.
    batches: list[Batch] = field(default_factory=list)
    start: Batch | None = None

    @property
    def collector(self) -> float:
        return max(0.0, self.seconds - self.pull - self.write)

    @property
    def own(self) -> float:
        """Everything but the source: the collector's own time."""
        return max(0.0, self.seconds - self.pull)

    @property
    def own_cpu(self) -> float:
        """The collector process's own CPU time: the cycle's less the pull's."""
        return max(0.0, self.cpu - self.pull_cpu)

    def fifths(self, alike: bool = False) -> list[dict[str, float]]:
        """The batches in five consecutive parts of (nearly) equal count: throughput and CPU per reading in each.

        A store whose writes slow down as it grows shows it here as a
        falling rate from the first fifth to the last, within one load and
        one machine load. ``server_cpu_us`` only with a private cluster.

        ``alike``: only the batches shaped like the load's bulk (:meth:`alike`), each timed from the end of the
        batch before it. A demo backfill ends with one block of the day's access figures per station (one reading
        per metric): every such reading is also a row of the daily roll-up and of ``newest_readings``, and the
        900 stations' blocks land in 900 places of each table, so they cost ~4 times as much per reading as the
        minute blocks before them (docs/PERFORMANCE.md, section 7, "Backfill, session 12 (second)"). In the last
        fifth they look like a store slowing down as it grows; compared alike, the store's growth is what is left.
        """
        if self.start is None or len(self.batches) < 5:
            return []
        steps = self._steps()
        if alike:
            keep = self.alike()
            steps = [s for s, k in zip(steps, keep, strict=True) if k]
            if len(steps) < 5:
                return []
        out = []
        for i in range(5):
            part = steps[len(steps) * i // 5: len(steps) * (i + 1) // 5]
            n = sum(b.readings for b, *_ in part)
            seconds = sum(s for _, s, _, _ in part)
            cpu = sum(c for _, _, c, _ in part)
            server = [v for *_, v in part]
            row = {"readings": n, "seconds": round(seconds, 3),
                   "readings_per_s": round(n / seconds) if seconds > 0 else 0,
                   "write_readings_per_s": round(n / sum(b.write for b, *_ in part)) if part else 0,
                   "client_cpu_us": round(cpu / n * 1e6, 2) if n else 0}
            if n and None not in server:
                row["server_cpu_us"] = round(sum(server) / n * 1e6, 2)  # type: ignore[arg-type]
            out.append(row)
        return out

    def _steps(self) -> list[tuple[Batch, float, float, float | None]]:
        """Each batch with its own share of the clocks: wall, client CPU and server CPU since the batch before."""
        assert self.start is not None
        steps, prev = [], self.start
        for b in self.batches:
            server = (b.server_cpu - prev.server_cpu
                      if b.server_cpu is not None and prev.server_cpu is not None else None)
            steps.append((b, b.end - prev.end, b.cpu - prev.cpu, server))
            prev = b
        return steps

    def alike(self) -> list[bool]:
        """Which batches are shaped like the load's bulk: at least a tenth of the median batch's readings per day key.

        Readings per (station, metric, day) is what sets a batch's cost per reading apart from the store's size:
        every key is a row of the daily roll-up and of ``newest_readings``, in its own place of each table. A demo
        backfill's minute blocks have 41–48 readings a key (today's 41 minutes, the history's half hours), its
        access figures 1 (one time a day per metric). An order of magnitude apart is the line. Batches of unknown
        shape (``keys`` 0) count as alike."""
        shapes = [b.readings / b.keys for b in self.batches if b.keys]
        if not shapes:
            return [True] * len(self.batches)
        floor = sorted(shapes)[len(shapes) // 2] / 10
        return [not b.keys or b.readings / b.keys >= floor for b in self.batches]

    def unlike(self) -> dict[str, float]:
        """The batches left out of :meth:`fifths` ``(alike=True)``: their readings, wall time and readings per item."""
        if self.start is None:
            return {}
        part = [(b, s) for (b, s, _, _), k in zip(self._steps(), self.alike(), strict=True) if not k]
        n, seconds = sum(b.readings for b, _ in part), sum(s for _, s in part)
        items, keys = sum(b.items for b, _ in part), sum(b.keys for b, _ in part)
        return {"batches": len(part), "readings": n, "seconds": round(seconds, 3),
                "readings_per_s": round(n / seconds) if seconds > 0 else 0,
                "readings_per_item": round(n / items, 1) if items else 0,
                "readings_per_key": round(n / keys, 1) if keys else 0}

    def breakdown(self) -> dict[str, float]:
        return {"total_s": round(self.seconds, 3), "pull_s": round(self.pull, 3), "write_s": round(self.write, 3),
                "collector_other_s": round(self.collector, 3), "readings": self.readings,
                "cpu_s": round(self.cpu, 3), "pull_cpu_s": round(self.pull_cpu, 3)}


class ReplayConnector:
    """A source whose one pull hands over items pulled before (:func:`pregenerate`): the board's own part of a load.

    A real region's backfill comes from a warehouse that already holds the
    numbers; the demo's simulator is a stand-in whose cost is not the
    board's. Replaying the same items, made once before the load, leaves the
    collector's and the store's work alone on the clocks. Only the window
    they were pulled for is served: any other pull is a mistake of the
    benchmark, not an empty source.
    """

    def __init__(self, inner: Any, items: list[Any], since: datetime | None, until: datetime) -> None:
        self.inner, self.items, self.since, self.until = inner, items, since, until
        self.name = inner.name

    def pull(self, since: datetime | None, until: datetime) -> Iterator[Any]:
        if since != self.since or until != self.until:
            raise ValueError(f"{self.name}: replays the pull ({self.since}, {self.until}], not ({since}, {until}]")
        return iter(self.items)

    def check(self, until: datetime) -> Any:
        return self.inner.check(until)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def pregenerate(settings: Settings, until: datetime) -> dict[str, list[Any]]:
    """Each enabled source's items of a first pull up to ``until`` (a backfill), made now (:class:`ReplayConnector`)."""
    return {s.name: list(build_connector(s, settings).pull(None, until)) for s in settings.sources if s.enabled}


class InstrumentedCollector:
    """A collector over ``settings`` and ``store`` whose cycles are measured; ``clock`` as the collector's.

    ``replay``: each source's items of its first pull (:func:`pregenerate`), handed over instead of pulling
    (the collector's clock must then stand at the ``until`` they were made for)."""

    def __init__(self, settings: Settings, store: Store, clock: Callable[[], datetime] | None = None,
                 server_cpu: Callable[[], float | None] | None = None,
                 replay: dict[str, list[Any]] | None = None) -> None:
        def source(s: Any) -> Any:
            inner = build_connector(s, settings)
            if replay is None:
                return inner
            if clock is None:
                raise ValueError("a replayed pull needs the clock it was made at")
            return ReplayConnector(inner, replay[s.name], None, clock())

        self.connectors = {s.name: TimedConnector(source(s)) for s in settings.sources if s.enabled}
        kwargs: dict[str, Any] = {"connectors": self.connectors}
        if clock is not None:
            kwargs["clock"] = clock
        self.collector = TimedCollector(settings, store, **kwargs)
        if server_cpu is not None:
            self.collector.server_cpu = server_cpu  # type: ignore[method-assign]

    def cycle(self) -> Load:
        for c in self.connectors.values():
            c.seconds = c.cpu = 0.0
        self.collector.write_seconds = 0.0
        self.collector.batches = []
        t, cpu = time.perf_counter(), time.process_time()
        start = Batch(t, 0, 0.0, cpu, self.collector.server_cpu())
        outcomes = self.collector.run_once()
        seconds, cpu = time.perf_counter() - t, time.process_time() - cpu
        errors = [f"{o.source}: {o.error}" for o in outcomes if not o.ok]
        return Load(seconds, sum(o.rows for o in outcomes), sum(o.rejected for o in outcomes),
                    sum(c.seconds for c in self.connectors.values()), self.collector.write_seconds,
                    not errors, "; ".join(errors) or None, cpu, sum(c.cpu for c in self.connectors.values()),
                    self.collector.batches, start)
