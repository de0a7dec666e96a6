"""One push, taken as one run of its source: the collector's own path, called with the pushed records.

Why through :meth:`board.collector.Collector.run_source` and not a store write of its own: a push must be
checked, refused, counted and recorded exactly as pulled data is (known station and metric, range, not in
the future, the identity-code guard, bounded and masked reasons, the run ledger read = stored + refused +
ignored, the run on the Sources page). The pushed records become a one-off connector
(:class:`connectors.push.PushBatch`) the collector runs once; nothing here checks a reading itself.

Pushes to one source are taken one at a time (a lock per source): a run's ledger and bookmark belong to
one push. Different sources run side by side.
"""

from __future__ import annotations

import hmac
import threading
from dataclasses import dataclass, field
from typing import Any

from board.collector import Collector, RunOutcome
from board.pull_checks import ledger_line
from board.settings import Settings
from board.source_settings import PushSource
from board.store import Store
from connectors.push import MAX_LISTED_ROWS, PushBatch, RowProblem


@dataclass
class PushResult:
    """What became of one push: the run as recorded, and each refused record's reason."""

    outcome: RunOutcome
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def stored_any(self) -> bool:
        return self.outcome.ok

    def as_json(self) -> dict[str, Any]:
        """The answer's body: the run ledger, every reason counted, and the first refused rows one by one."""
        run = self.outcome.run
        assert run is not None
        return {
            "source": self.outcome.source,
            "ok": self.outcome.ok,
            "error": self.outcome.error,
            "rows": {"read": run.rows_read or 0, "stored": run.rows_stored or 0, "refused": run.rows_refused,
                     "ignored": run.rows_ignored},
            # Beside "rows", not in it (its four keys keep their meaning for senders that compare them): rows that
            # passed the checks but whose write failed (ok false), so nothing of them is stored; send them again.
            # read = stored + refused + ignored + not written (docs/CONNECTORS.md, the run ledger).
            "rows_not_written": run.rows_unwritten,
            "readings_stored": self.outcome.rows,
            "ledger": ledger_line(run),
            "reasons": self.outcome.rejects,
            "refused_rows": [{"row": p.row, "reason": p.reason} for p in self.problems[:MAX_LISTED_ROWS]],
            "refused_rows_not_listed": max(0, len(self.problems) - MAX_LISTED_ROWS),
        }


class PushDesk:
    """Takes pushes for every push source of ``settings`` into ``store``, through one collector."""

    def __init__(self, settings: Settings, store: Store) -> None:
        self.settings = settings
        self.collector = Collector(settings, store)
        self.collector.holder = "push:" + self.collector.holder
        self.sources: dict[str, PushSource] = {
            s.name: s for s in settings.sources if isinstance(s, PushSource) and s.enabled}
        self._locks = {name: threading.Lock() for name in self.sources}

    def source(self, name: str) -> PushSource | None:
        return self.sources.get(name)

    def token_ok(self, name: str, presented: str) -> bool:
        """Constant-time comparison of the presented token with the source's own (an unknown source: False)."""
        source = self.sources.get(name)
        expected = source.token.get_secret_value() if source else "-" * 32
        good = hmac.compare_digest(presented.encode("utf-8"), expected.encode("utf-8"))
        return good and source is not None

    def take(self, name: str, records: list[Any]) -> PushResult:
        """Run the collector once over ``records`` as a run of source ``name``."""
        source = self.sources[name]
        stations = [s.code for s in self.settings.stations_of(source)]
        batch = PushBatch(source, stations, records)
        with self._locks[name]:
            self.collector.connectors[name] = batch  # type: ignore[assignment]
            try:
                outcome = self.collector.run_source(name)
            finally:
                self.collector.connectors.pop(name, None)
        return PushResult(outcome, batch.problems)
