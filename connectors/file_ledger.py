"""A file read, as the run ledger's events: row by row, so rows read = stored + refused + ignored adds up."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

from board.domain.reading import ONE_ROW, Duplicate, Ignored, PullItem, Rejected, RowsRead
from board.domain.reasons import map_text
from connectors.file_messages import at_line, scrub
from connectors.file_outcome import Outcome
from connectors.repeats import DUPLICATE_NOTE


def row_events(name: str, outcome: Outcome, last: Ignored | None = None) -> Iterator[PullItem]:
    """A file read (its rows not refused as a whole) as the run ledger's events: each stored row's readings
    followed by ``ONE_ROW``, then the refused and ignored rows (``last``: a half-written last line, held: ignored
    for now, not refused).

    A held line is ignored, not refused, because every pull reads the file again until it is final: refused, one
    half-written line was counted once per pull (40 refused rows a day on /sources for one line). Once the file is
    final (its last line ends, or it is older than the grace) the line is read like any other, and stored or
    refused once; so read = stored + refused + ignored holds in every run, and a refusal counts once.

    Row by row, not one ``RowsRead`` per file: a row the collector's checks refuse whole (an unknown station, every
    value out of range) then counts as refused, not as stored beside the file's other rows' readings.
    """
    readings = iter(outcome.readings)  # one pass (islice over the list from its start each row was quadratic)
    for size in outcome.row_sizes:
        yield from itertools.islice(readings, size)
        yield ONE_ROW
    for where, reason in outcome.refused:
        yield Rejected(map_text(at_line(name, where, reason), scrub))
    for where, reason in outcome.ignored:
        event = Duplicate if reason.endswith(DUPLICATE_NOTE) else Ignored
        yield event(scrub(f"file {name} {where}"), reason)
    if last is not None:
        yield last
    yield RowsRead(outcome.rows - len(outcome.row_sizes) + (last is not None))
