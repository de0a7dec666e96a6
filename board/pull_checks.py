"""What the collector checks and counts in a pull before anything reaches the store.

Why a module of its own: these are the last gate between an untrusted source and the store, the Sources
page and the log (every reading's checks, refusal reasons masked and bounded, a run that refused everything
failing, the run ledger in words), and they read nothing but their arguments, so they are tested and read
apart from the collector's scheduling, retries and leases.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import datetime

from board.domain.metrics import METRICS, columns_in_range, range_problem
from board.domain.reading import Reading, ReadingBlock, Rejected
from board.domain.reasons import Reason, map_text, reason_of
from board.domain.runs import Run
from board.secrets import redact
from connectors.errors import ConnectorError, DataError

#: The longest reason or error message kept, in characters.
MAX_MESSAGE = 500


def valid_readings(items: Iterable[Reading | Rejected], allowed: set[str], latest_ok: datetime,
                    rejects: Counter[str]) -> Iterator[Reading]:
    """The readings that pass every check; each one that does not is counted under its reason."""
    for item in items:
        if isinstance(item, Rejected):
            rejects[reject_reason(item.reason)] += 1
        elif item.station not in allowed:
            rejects[unknown_station(item.station)] += 1
        elif item.metric not in METRICS:
            rejects[f"unknown metric {item.metric!r}"] += 1
        elif not isinstance(item.ts, datetime):
            rejects[f"{item.metric}: timestamp {item.ts!r} is not a date-time"] += 1
        elif isinstance(item.value, bool) or not isinstance(item.value, int | float):
            rejects[f"{item.metric}: value {item.value!r} is not a number"] += 1
        elif not math.isfinite(item.value):
            rejects[f"{item.metric}: value {item.value!r} is not a finite number"] += 1
        elif item.ts.tzinfo is None:
            rejects["timestamp without a time zone"] += 1
        elif item.ts > latest_ok:
            rejects[f"{item.metric}: timestamp in the future"] += 1
        elif problem := range_problem(item.metric, item.value):
            rejects[problem] += 1
        else:
            yield item


def block_ok(block: ReadingBlock, allowed: set[str], latest_ok: datetime) -> bool:
    """Whether every reading of ``block`` passes the checks of :func:`_valid_readings`, tested a column at a time.

    (Times out of order are fine here: the store writes such a block reading by reading.)
    """
    times, values = block.times, block.values
    if block.station not in allowed or not all(m in METRICS for m in block.metrics):
        return False
    if values.dtype.kind not in "fiu":
        return False
    if not all(isinstance(ts, datetime) and ts.tzinfo is not None for ts in times):
        return False
    if times and max(times) > latest_ok:
        return False
    return columns_in_range(tuple(block.metrics), values)


def unknown_station(station: object) -> Reason:
    """A reading for a station that is not one of the source's (the collector's own check)."""
    return Reason("unknown_station", f"unknown station {station!r}", station=str(station))


#: At most this many distinct reasons are kept per run; the rest are counted under :data:`OTHER_REASONS`.
#: (500 000 records each with another unknown station stored 500 000 reject rows, 68 MB, in one run, and
#: the Sources page then took 14 s to load.)
MAX_REASONS = 50
OTHER_REASONS = Reason("other_reasons", f"other reasons (only the first {MAX_REASONS} different reasons of a run are "
                       "listed)", n=MAX_REASONS)


class Reasons(Counter[str]):
    """A Counter of refusal reasons holding at most :data:`MAX_REASONS` of them; any further one counts as
    :data:`OTHER_REASONS`. Every refusal is still counted; only the list of distinct reasons is bounded."""

    def __setitem__(self, reason: str, count: int) -> None:
        if reason not in self and reason != OTHER_REASONS and len(self) - (OTHER_REASONS in self) >= MAX_REASONS:
            super().__setitem__(OTHER_REASONS, self.get(OTHER_REASONS, 0) + count)
            return
        super().__setitem__(reason, count)


def all_refused(rejects: Counter[str]) -> DataError:
    """A run that stored nothing and refused something is not a success: it fails as a data error.

    Otherwise a source sending only unusable records (a renamed station code, say) looked healthy on the
    Sources page, and the bookmark moved past what the source sent. Failing keeps the bookmark, so once the
    mapping is fixed the next run reads the stretch again.
    """
    total = sum(rejects.values())
    reason, count = rejects.most_common(1)[0]
    refusals = "1 refusal" if total == 1 else f"{total} refusals"
    return DataError(Reason("all_refused", f"everything this run read was refused ({refusals}), nothing stored; most "
                            f"often ({count}): {reason} (fix the source or mapping in sources.yaml; the bookmark "
                            "waits)", total=total, count=count, reason=reason))


def reject_reason(reason: str) -> str:
    """A connector's reason as recorded: known secrets masked, one line, at most ``MAX_MESSAGE`` characters.

    Reasons may quote what a source sent, and a source is not trusted: this is
    the last gate before the store, the Sources page and the log.
    """
    return map_text(reason, _masked_line)


def _masked_line(text: str) -> str:
    text = " ".join(redact(str(text)).split())
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 1] + "…"


def describe(error: BaseException | None) -> str:
    """A one-line message for the administrator (connectors keep secrets out of it)."""
    if error is None:
        return ""
    if isinstance(error, ConnectorError):
        said = reason_of(error)
        if isinstance(said, Reason):  # with its code: the Sources page says it in the UI's language
            return map_text(said, _bounded)
        text = said.strip() or type(error).__name__
    else:
        # SQLAlchemy errors carry the statement and every parameter: keep the cause only.
        cause = getattr(error, "orig", None) or error
        text = f"{type(cause).__name__}: {str(cause).strip().splitlines()[0] if str(cause).strip() else ''}"
    return _bounded(text)


def _bounded(text: str) -> str:
    text = redact(text.strip())
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 1] + "…"


def ledger_line(run: Run) -> str:
    """The run ledger in one line for logs and the command line:
    "read 82 · stored 80 · refused 2 · ignored 0 · 160 readings · 2 refusals" (rows, then readings and reasons
    counted; "read" and "stored" are left out when the connector counts no rows; a failed run whose write did
    not commit adds "not written 6")."""
    parts = [] if run.rows_read is None else [f"read {run.rows_read}", f"stored {run.rows_stored or 0}"]
    parts += [f"refused {run.rows_refused}", f"ignored {run.rows_ignored}"]
    if run.rows_unwritten:  # a failed run: rows that passed the checks but never reached the store
        parts.append(f"not written {run.rows_unwritten}")
    if run.duplicates:
        parts.append(f"duplicates {run.duplicates}")
    parts += [f"{run.rows} readings", f"{run.rejected} refusal{'' if run.rejected == 1 else 's'}"]
    return " · ".join(parts)


def ledger_warnings(run: Run) -> list[str]:
    """What a successful run must say beside "OK": rows refused, and rows that do not add up (never hidden)."""
    out = []
    if run.refused_some:
        if run.rows_read is not None and run.rows_refused:
            out.append(f"some rows refused: {run.rows_refused} / {run.rows_read}")
        else:
            out.append(f"some data refused: {run.rejected} refusal{'' if run.rejected == 1 else 's'}")
    if run.unaccounted:
        out.append(f"the rows do not add up: read {run.rows_read}, but stored + refused + ignored = "
                   f"{run.rows_read - run.unaccounted if run.rows_read is not None else 0} "
                   f"({run.unaccounted} unexplained; the connector miscounts its rows)")
    return out
