"""What the Sources page reads: what each source is doing, from the store.

Everything here comes from the collector's run records and the newest
readings; nothing talks to a source. Messages were redacted when recorded and
are redacted again here, in case a secret was added to the configuration later.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from board.domain.figures import DERIVED_FIGURES, OUTCOMES, WALL_FAMILIES
from board.domain.metrics import METRICS, Family
from board.domain.reasons import map_text
from board.domain.runs import Run
from board.domain.source_health import SEVERITY, RunFacts, SourceHealth, is_fresh, judge, late_after
from board.domain.timeutil import utcnow
from board.item_settings import item_metrics
from board.secrets import redact
from board.settings import AnySource, Settings
from board.store import Store

RUN_HISTORY = 20
REJECT_WINDOW = timedelta(hours=24)


@dataclass(frozen=True)
class RunSummary:
    id: int
    started_at: datetime
    finished_at: datetime
    ok: bool
    rows: int
    rejected: int
    attempts: int
    error_kind: str | None
    error: str | None
    window_since: datetime | None
    holder: str | None = None
    #: The run ledger (board/domain/ledger.py); rows_read/rows_stored None: the connector counts no rows.
    rows_read: int | None = None
    rows_stored: int | None = None
    rows_refused: int = 0
    rows_ignored: int = 0
    duplicates: int = 0
    #: Rows a failed run checked but never wrote (board/domain/ledger.py): the next run reads them again.
    rows_unwritten: int = 0
    #: ok / partial (refused something, or its rows do not add up) / failed (board.domain.runs.Run.state).
    state: str = "ok"
    #: Rows read but neither stored, refused nor ignored (a connector's miscount; never hidden).
    unaccounted: int = 0

    @property
    def seconds(self) -> float:
        return (self.finished_at - self.started_at).total_seconds()

    @property
    def refused(self) -> int:
        """Rows refused when the connector counts rows, else refusals (what "hylätty N / M" counts)."""
        return self.rows_refused if self.rows_read is not None else self.rejected

    def ledger(self) -> dict[str, int | str | None]:
        """The counts as ``status --json`` gives them."""
        return {"state": self.state, "rows_read": self.rows_read, "rows_stored": self.rows_stored,
                "readings_stored": self.rows, "rows_refused": self.rows_refused, "rows_ignored": self.rows_ignored,
                "duplicates": self.duplicates, "refusals": self.rejected, "unaccounted": self.unaccounted,
                "rows_unwritten": self.rows_unwritten}


@dataclass(frozen=True)
class Freshness:
    """The newest reading of one metric at one station from this source."""

    station: str
    metric: str
    ts: datetime | None
    fresh: bool


@dataclass
class SourceStatus:
    source: AnySource
    health: SourceHealth
    now: datetime
    last_run: RunSummary | None
    last_success: datetime | None
    last_failure: RunSummary | None
    consecutive_failures: int
    newest_reading: datetime | None
    #: Rejected rows of the last run, and of the last 24 hours, per reason.
    last_rejects: dict[str, int] = field(default_factory=dict)
    day_rejects: dict[str, int] = field(default_factory=dict)
    recent_runs: list[RunSummary] = field(default_factory=list)
    #: station -> metric -> freshness, for the stations and metrics this source serves.
    freshness: dict[str, dict[str, Freshness]] = field(default_factory=dict)
    #: When the pull under way began (None: none is). A slow source shows here while it is slow, not only
    #: after its run ends (before, a first pull held for minutes said "Ei vielä haettu" all along).
    pulling_since: datetime | None = None
    #: The newest successful run that read anything, and its refusals per reason: a run that refused some rows
    #: is a warning until a later run reads something (a files run finding no file does not clear it).
    data_run: RunSummary | None = None
    data_run_rejects: dict[str, int] = field(default_factory=dict)
    #: Files sources: the newest successful run that read a file (rows read, refused or ignored), when it is not
    #: the newest run. A pull that finds no new file still stores re-counted readings ("40 lukemaa"); shown alone
    #: it hid the run that read the file (read 101 · stored 100 · ignored 1), so the card shows both.
    read_run: RunSummary | None = None
    #: The ``${NAME}`` secrets the source's settings use (names only): a refused login names them.
    secrets: tuple[str, ...] = ()

    @property
    def warning(self) -> RunSummary | None:
        """The run behind a ``partial`` health: it refused something, or its rows do not add up."""
        run = self.data_run
        return run if run is not None and run.state == "partial" else None

    @property
    def late_after(self) -> timedelta:
        return late_after(self.source.interval_seconds)

    def family_freshness(self, station: str) -> dict[Family, Freshness | None]:
        """Per tile family: the least fresh metric this source delivers for ``station`` (None: not delivered)."""
        out: dict[Family, Freshness | None] = {f: None for f in Family}
        for item in self.freshness.get(station, {}).values():
            family = METRICS[item.metric].family
            current = out[family]
            if current is None or _older(item, current):
                out[family] = item
        return out


#: The managers' figures (access to care, employee feedback) are stated once a day (a day's counts at its end,
#: none on days a station is closed) or once a week (T3): a value that old is as new as they come.
STATED_RARELY = frozenset({Family.ACCESS, Family.STAFF})
STATED_RARELY_FRESH = timedelta(days=8)


def stale_after(source: AnySource, metric: str) -> int:
    """Seconds after which ``metric``'s newest value from ``source`` is old: the source's ``stale_after_seconds``,
    at least eight days for a figure stated daily or weekly (a Monday's T3 is not stale on Tuesday)."""
    if METRICS[metric].family in STATED_RARELY:
        return max(source.stale_after_seconds, int(STATED_RARELY_FRESH.total_seconds()))
    return source.stale_after_seconds


def _older(a: Freshness, b: Freshness) -> bool:
    if a.ts is None:
        return b.ts is not None
    return b.ts is not None and a.ts < b.ts


_NOT_SIMULATED = frozenset({f.stated for f in DERIVED_FIGURES.values() if f.stated} | set(OUTCOMES))


def expected_metrics(source: AnySource) -> set[str]:
    """The metrics a source is configured to deliver (empty when its mapping passes names through).

    A source of items delivers the figures its item type gives (board/item_settings.py ``item_metrics``, the
    collector's own list): its freshness grid on /sources shows each of them, "–" while one is missing, and
    board/read/tracked.py judges "Ei seurata" by the same set."""
    if source.delivers_items():
        return set(item_metrics(source))
    if source.type == "demo":  # the simulator: the wall's figures (access to care comes from real sources only),
        # but not the shares a real source states nor the callback outcomes counted from items: it has neither
        return {m for m, f in METRICS.items() if f.family in WALL_FAMILIES and m not in _NOT_SIMULATED}
    mapping = source.mapping
    return {m for m in mapping.metrics.values() if m in METRICS}


def source_statuses(settings: Settings, store: Store, now: datetime | None = None) -> list[SourceStatus]:
    """Every configured source, worst first."""
    now = now or utcnow()
    newest: dict[str, dict[tuple[str, str], datetime]] = defaultdict(dict)
    for src, station, metric, ts in store.newest_by_source():
        newest[src][(station, metric)] = ts
    pulls = store.pulls_in_progress()
    out = [_status(settings, store, s, newest.get(s.name, {}), now, pulls.get(s.name)) for s in settings.sources]
    out.sort(key=lambda st: (SEVERITY.index(st.health), st.source.name))
    return out


def source_healths(settings: Settings, store: Store, now: datetime | None = None
                   ) -> list[tuple[AnySource, SourceHealth]]:
    """Every configured source's health alone, worst first: what the alert turn asks each cycle.

    The judgement of :func:`source_statuses`, from the same run records, but
    without the freshness grid (an object per station and metric: 16 200 at
    900 stations, each cycle) or the reject counts; each source's newest
    reading comes from one grouped statement instead of every row of
    ``newest_readings``."""
    now = now or utcnow()
    newest = store.newest_per_source()
    out = [(s, _judged(store, s, newest.get(s.name), now).health) for s in settings.sources]
    out.sort(key=lambda pair: (SEVERITY.index(pair[1]), pair[0].name))
    return out


@dataclass(frozen=True)
class _Judged:
    """What a source's health is judged from (its recent runs), and the judgement."""

    runs: list[RunSummary]
    last: RunSummary | None
    failures: int
    last_success: datetime | None
    data_run: RunSummary | None
    health: SourceHealth


def _judged(store: Store, source: AnySource, newest_ts: datetime | None, now: datetime) -> _Judged:
    runs = [_summary(r) for r in store.runs(source.name, limit=RUN_HISTORY)]
    last = runs[0] if runs else None
    failures = 0
    for r in runs:
        if r.ok:
            break
        failures += 1
    if runs and failures == len(runs) == RUN_HISTORY:  # failing longer than the history read: count them all
        failures = store.failures_in_a_row(source.name)
    last_success = next((r.finished_at for r in runs if r.ok), None)
    if last_success is None and runs:  # older than the history we read: ask the bookmark
        last_success = store.bookmark(source.name)
    items = source.delivers_items()
    data_run = next((r for r in runs if r.ok and _read_anything(r, items)), None)
    if data_run is None and runs:  # older than the history we read
        found = store.last_run_that_read(source.name, items=items)
        data_run = _summary(found) if found is not None else None
    if data_run is not None and last is not None and not last.ok and last.started_at > data_run.started_at:
        data_run = None  # failing says more; a refusal older than the failure is in the runs table
    health = judge(enabled=source.enabled, interval_seconds=source.interval_seconds,
                   stale_after_seconds=source.stale_after_seconds,
                   last_run=RunFacts(last.started_at, last.finished_at, last.ok) if last else None,
                   newest_reading=newest_ts, now=now, refused=data_run is not None and data_run.state == "partial")
    return _Judged(runs, last, failures, last_success, data_run, health)


def _status(settings: Settings, store: Store, source: AnySource, newest: dict[tuple[str, str], datetime],
            now: datetime, pull: tuple[datetime, str] | None = None) -> SourceStatus:
    newest_ts = max(newest.values(), default=None)
    judged = _judged(store, source, newest_ts, now)
    runs, last, failures, data_run, health = judged.runs, judged.last, judged.failures, judged.data_run, judged.health
    last_success = judged.last_success
    metrics = expected_metrics(source) | {m for (_, m) in newest}
    freshness: dict[str, dict[str, Freshness]] = {}
    for station in settings.stations_of(source):
        row = {}
        for metric in (m for m in METRICS if m in metrics):
            ts = newest.get((station.code, metric))
            row[metric] = Freshness(station.code, metric, ts, is_fresh(ts, now, stale_after(source, metric)))
        freshness[station.code] = row
    return SourceStatus(
        source=source, health=health, now=now, last_run=last, last_success=last_success,
        last_failure=next((r for r in runs if not r.ok), None), consecutive_failures=failures,
        newest_reading=newest_ts,
        last_rejects={map_text(k, redact): v for k, v in (store.rejects(last.id) if last else {}).items()},
        day_rejects={map_text(k, redact): v for k, v in store.rejects_since(source.name, now - REJECT_WINDOW).items()},
        recent_runs=runs, freshness=freshness, pulling_since=_pulling_since(source, pull, last, now),
        data_run=data_run,
        data_run_rejects=({map_text(k, redact): v for k, v in store.rejects(data_run.id).items()}
                          if data_run is not None and data_run.state == "partial" else {}),
        secrets=settings.source_secrets.get(source.name, ()),
        read_run=_read_run(store, source, runs),
    )


def _read_rows(run: RunSummary) -> bool:
    """Whether ``run`` read rows from the source or refused a file (not merely re-counted stored items)."""
    return bool(run.rows_read or run.rows_refused or run.rows_ignored or run.rejected)


def _read_run(store: Store, source: AnySource, runs: list[RunSummary]) -> RunSummary | None:
    """A files source's newest successful run that read a file, when a newer run did not (``None`` otherwise)."""
    if source.type != "files" or not runs or _read_rows(runs[0]):
        return None
    found = next((r for r in runs if r.ok and _read_rows(r)), None)
    if found is None and len(runs) >= RUN_HISTORY:  # older than the history read
        older = store.last_run_that_read_rows(source.name)
        found = _summary(older) if older is not None else None
    return found


def _read_anything(run: RunSummary, items: bool = False) -> bool:
    """Whether the run read, refused or ignored anything. An item source's stored readings do not count: it
    re-counts and stores its figures on every pull, also when a files pull found no file (nothing read), and
    that pull must not wipe out the warning of the run that refused rows of the file."""
    if items:
        return bool(run.rows_read or run.rows_refused or run.rows_ignored or run.rejected)
    return bool(run.rows or run.rejected or run.rows_read or run.rows_ignored)


def _pulling_since(source: AnySource, pull: tuple[datetime, str] | None, last: RunSummary | None,
                   now: datetime) -> datetime | None:
    """The start of the pull under way, if there is one: newer than the last recorded run, and not left behind
    by a collector that died mid-pull (a pull ends by its deadline, ``pull_timeout_seconds``)."""
    if pull is None:
        return None
    started = pull[0]
    if last is not None and started <= last.started_at:
        return None
    if (now - started).total_seconds() > source.pull_timeout_seconds + 60:
        return None
    return started


def _summary(run: Run) -> RunSummary:
    return RunSummary(
        id=run.id, started_at=run.started_at, finished_at=run.finished_at, ok=run.ok, rows=run.rows,
        rejected=run.rejected, attempts=run.attempts, error_kind=run.error_kind,
        error=map_text(run.error, redact) if run.error else None, window_since=run.window_since, holder=run.holder,
        rows_read=run.rows_read, rows_stored=run.rows_stored, rows_refused=run.rows_refused,
        rows_ignored=run.rows_ignored, duplicates=run.duplicates, state=run.state, unaccounted=run.unaccounted,
        rows_unwritten=run.rows_unwritten,
    )


# ------------------------------------------------------------------ alert channels
@dataclass(frozen=True)
class ChannelStatus:
    """One configured alert channel as ``/sources`` shows it: is it delivering, and if not, why and when next."""

    name: str
    type: str  # email, teams, webhook
    health: SourceHealth  # OK, FAILING, or NEVER (no message yet)
    now: datetime
    last_sent: datetime | None = None
    last_try: datetime | None = None
    error: str | None = None  # the newest try's error, redacted; None when it went through
    waiting: int = 0  # messages not delivered yet, retried with backoff
    given_up: int = 0  # expired undelivered in the last 24 hours
    next_try: datetime | None = None


def channel_statuses(settings: Settings, store: Store, now: datetime | None = None) -> list[ChannelStatus]:
    """Every configured alert channel, failing ones first, from the outbox (what the collector's sender recorded)."""
    now = now or utcnow()
    states = {c.channel: c for c in store.channel_states(now - REJECT_WINDOW)}
    out = []
    for name, model in settings.alerts.file.channels.items():
        c = states.get(name)
        kind = str(getattr(model, "type", ""))
        if c is None:
            out.append(ChannelStatus(name, kind, SourceHealth.NEVER, now))
            continue
        failing = c.last_error is not None or c.given_up > 0
        out.append(ChannelStatus(name, kind, SourceHealth.FAILING if failing else SourceHealth.OK, now, c.last_sent,
                                 c.last_try, map_text(c.last_error, redact) if c.last_error else None, c.waiting,
                                 c.given_up, c.next_try if c.waiting else None))
    return sorted(out, key=lambda s: (SEVERITY.index(s.health), s.name))
