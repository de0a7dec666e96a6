"""The run ledger: what became of every data row a pull read (issue 13, "no row is lost without a reason").

A connector says how many rows it read (:class:`~board.domain.reading.RowsRead`, after the items those rows
gave) and what it refused or ignored; the collector adds what its own checks refused. :class:`RowLedger`
turns that stream into a run's counts:

    rows read = rows stored + rows refused + rows ignored + rows not written

A row is *stored* when at least one of its readings passed the checks (its other readings, if refused, are
counted in the run's reasons) and the write that holds them committed, *refused* when the connector refused it
or the checks refused every reading it gave, *ignored* when the connector left it out on purpose (duplicates are
ignored rows, counted apart too),
*not written* when it passed the checks but the run failed before its write committed (the database refused or
dropped the write, a deadlock outlasted its retries, the store went away, the pull's deadline ran out): a failed
run said "stored 6" for six rows that never reached the store, and a push was answered ``ok: false`` with "stored
6". The collector tells the ledger each time a write commits (:meth:`RowLedger.committed`); a failed run's rows
that passed the checks since the last commit are then *not written*, never *stored*. They are read again: a failed
run moves no bookmark and acknowledges no file.

Exact when the connector reports row by row (``ONE_ROW``); for a chunk (a block, a whole refused file) of ``n`` rows the
ledger cannot tell which row a reading came from, so its rows count as stored as far as the chunk stored
readings (at most one row per reading), then as refused as far as the checks refused readings. Whatever is
still unexplained stays unexplained: the sum does not add up and the run says so, rather than hiding a row.
Pure Python: no store, no connectors.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Ledger:
    """A run's counts. ``rows_read`` and ``rows_stored`` are None when the connector said nothing about rows
    (an older or third-party connector): then there is nothing to add up."""

    rows_read: int | None = None
    rows_stored: int | None = None
    rows_refused: int = 0
    rows_ignored: int = 0
    duplicates: int = 0
    #: Rows that passed the checks but whose write never committed (a failed run): read again by the next run.
    rows_unwritten: int = 0

    @property
    def unaccounted(self) -> int:
        """Rows read that are neither stored, refused, ignored nor left unwritten (negative: more outcomes than
        rows read); 0 when the connector counts no rows."""
        if self.rows_read is None:
            return 0
        return (self.rows_read - (self.rows_stored or 0) - self.rows_refused - self.rows_ignored
                - self.rows_unwritten)


@dataclass
class RowLedger:
    """Builds a :class:`Ledger` from a pull's events, in the order the connector yields them."""

    ledger: Ledger = field(default_factory=Ledger)
    # the open chunk: what the rows since the last RowsRead gave
    _refused: int = 0
    _ignored: int = 0
    _good: int = 0  # readings that passed the checks
    _bad: int = 0  # readings the checks refused
    _open: bool = False
    #: ``rows_stored`` when a write last committed: what a failed run really stored.
    _committed: int = 0

    def committed(self) -> None:
        """Every write so far has committed: the rows settled until now are in the store.

        Called by the collector after each committed batch. A row settles (:meth:`rows_read`) after all its
        readings were yielded, and the collector writes a batch only between two of them, so every row settled
        before a commit has all its readings in that batch or an earlier one."""
        self._committed = self.ledger.rows_stored or 0

    def refused(self, rows: int) -> None:
        """The connector refused ``rows`` rows (a Rejected)."""
        self._refused += rows
        self._open = True

    def ignored(self, rows: int, duplicate: bool = False) -> None:
        """The connector left ``rows`` rows out on purpose (an Ignored; a Duplicate when ``duplicate``)."""
        self._ignored += rows
        if duplicate:
            self.ledger.duplicates += rows
        self._open = True

    def readings(self, good: int, bad: int = 0) -> None:
        """Readings that passed (``good``) and that the collector's checks refused (``bad``)."""
        self._good += good
        self._bad += bad
        self._open = True

    def items_read(self, good: int, rows: int) -> None:
        """``readings(good)`` then ``rows_read(rows)`` in one call: a sql item source counts each row after its
        item, and a year's load has 1.7 million of them. With nothing else open in the chunk (the usual case)
        the same sums are added directly."""
        if self._open:
            self.readings(good)
            self.rows_read(rows)
            return
        led = self.ledger  # an empty chunk: rest = rows, stored = min(rows, good), nothing refused or ignored
        led.rows_read = (led.rows_read or 0) + rows
        led.rows_stored = (led.rows_stored or 0) + min(rows, good)

    def rows_read(self, rows: int) -> None:
        """The connector read ``rows`` rows since the last call: settle what they gave."""
        led = self.ledger
        led.rows_read = (led.rows_read or 0) + rows
        rest = max(0, rows - self._refused - self._ignored)  # rows that should have given readings
        stored = min(rest, self._good)
        refused_by_checks = min(rest - stored, self._bad)
        led.rows_stored = (led.rows_stored or 0) + stored
        led.rows_refused += self._refused + refused_by_checks
        led.rows_ignored += self._ignored
        self._refused = self._ignored = self._good = self._bad = 0
        self._open = False

    def finish(self, written: bool = True) -> Ledger:
        """The run's ledger. Anything after the last RowsRead belongs to no counted row: it is still counted
        (refusals as refused, ignored as ignored) so that the sum shows the connector's miscount.

        ``written`` False: the run failed, so the rows that passed the checks after the last commit
        (:meth:`committed`) are *not written*, not stored. A row whose readings straddle the failed batch counts as
        not written although part of it committed: the next run writes it whole again (the store's key makes the
        overlap harmless), so the ledger never claims more than is in the store."""
        led = self.ledger
        if self._open:
            led.rows_refused += self._refused
            led.rows_ignored += self._ignored
            self._refused = self._ignored = self._good = self._bad = 0
            self._open = False
        if not written and led.rows_stored is not None:
            led.rows_unwritten += led.rows_stored - self._committed
            led.rows_stored = self._committed
        return led
