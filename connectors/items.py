"""From a source's records to items: the :class:`ItemMapper`, next to :class:`~connectors.mapping.RecordMapper`.

A source with ``deliver: items`` (board/item_settings.py) hands over one
record per callback, message, contact or feedback answer. The connectors read
records exactly as for readings (a query row, a JSON object, a file's line);
:func:`mapper_for` gives them this mapper instead, whose ``map`` returns
:class:`~board.domain.items.Item` objects, counted by the collector.

Privacy, the same guard as for readings and more:

* every value of the record, mapped or not, is checked for an identity code,
  and the whole record is refused if one is found; a column whose name says it
  holds a name or an identity code refuses the whole result (a file's or a
  ``rest`` record's: an identity code's name only; :func:`mapper_for`);
* only the mapped fields are read, so free text (a feedback comment) never
  reaches the store;
* the item's id is never kept as given: :func:`item_key` makes it an
  HMAC-SHA256 with the source's ``id_key`` (a secret), so the store cannot be
  joined back to the source's records without that key.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from board.domain import kpi
from board.domain.items import CLOSED, Item, ItemType
from board.domain.reading import Reading
from board.domain.reasons import Reason
from board.item_settings import fold
from board.source_settings import SourceBase
from connectors.errors import ConfigurationError, DataError
from connectors.mapping import (
    BLANK_MARKERS,
    EARLIEST_TIME,
    FUTURE_TOLERANCE,
    RecordError,
    RecordIgnored,
    RecordMapper,
    _keys,
    get_path,
    holds_identity_code_in,
    parse_number,
    parse_time,
    personal_columns,
    quote,
    quote_names,
    too_early,
)
from connectors.times import parse_clock, parse_day

#: What an item export writes for "no value": nothing, or a dash (a callback not yet handled is "-" in Finnish
#: reporting exports, "–" or "—" when a spreadsheet has auto-corrected it). Items only: a dash in a figure's
#: column may mean zero in some reports, so readings keep refusing it. And what reporting tools write for no value
#: ("(Tyhjä)", NULL: :data:`connectors.mapping.BLANK_MARKERS`), as readings read it too.
NO_VALUE = frozenset({"", "-", "–", "—"}) | BLANK_MARKERS


def is_blank(raw: Any) -> bool:
    """No value in an item field: None, a blank text or a dash (:data:`NO_VALUE`)."""
    return raw is None or (type(raw) is str and raw.strip() in NO_VALUE)


_TRUE = frozenset({"1", "true", "t", "yes", "y", "kyllä", "kylla", "k", "ja", "x"})
_FALSE = frozenset({"0", "false", "f", "no", "n", "ei", "e", "nej", ""})


#: A survey tool's answer written with its label, as the scale's ends are exported: ``10 - Erittäin
#: todennäköisesti``, ``0 – En lainkaan``, ``9 = Hyvin todennäköisesti``. The number before the label is the answer.
_LABELLED_SCORE = re.compile(r"^\s*(\d{1,2})\s*[-–—=:]\s*[^\W\d_]")


def _label(field: str | tuple[str, str]) -> str:
    """A field as messages name it: ``'Luotu'``, or a time's two fields ``'Pvm' + 'Klo'``."""
    return repr(field) if isinstance(field, str) else " + ".join(repr(f) for f in field)


def item_key(key: bytes, source_id: Any) -> str:
    """The stored form of a source's item id: HMAC-SHA256 with the source's secret key, hex, 32 characters."""
    # hmac.digest: the one-shot C path, a third of hmac.new's time (a year's demo load hashes 1.8 M ids)
    return hmac.digest(key, str(source_id).strip().encode("utf-8"), "sha256").hex()[:32]


_BLOCK = 64  # SHA-256's block size: the HMAC key pads (RFC 2104)
_IPAD = bytes(x ^ 0x36 for x in range(256))
_OPAD = bytes(x ^ 0x5C for x in range(256))


class ItemKeyer:
    """:func:`item_key` for one source's key, many ids: the same 32 hex characters at half the cost.

    HMAC is ``H(key ^ opad, H(key ^ ipad, id))``; the two padded-key states are hashed once here and each id
    continues copies of them, where :func:`hmac.digest` sets the key up again for every id (a year's load
    hashes 1.7 M ids). tests/test_item_rows.py checks it against :func:`item_key` (short, long, unicode keys).
    """

    def __init__(self, key: bytes) -> None:
        if len(key) > _BLOCK:
            key = hashlib.sha256(key).digest()
        key = key.ljust(_BLOCK, b"\0")
        self._inner = hashlib.sha256(key.translate(_IPAD))
        self._outer = hashlib.sha256(key.translate(_OPAD))

    def __call__(self, text: str) -> str:
        """The stored key of an id already turned into its stripped text."""
        inner = self._inner.copy()
        inner.update(text.encode("utf-8"))
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.hexdigest()[:32]


def mapper_for(source: SourceBase, stations: Iterable[str], until: datetime, what: str = "column",
               ) -> RecordMapper | ItemMapper:
    """The mapper a connector uses for ``source``: items when it delivers items, readings otherwise.

    A ``rest`` source's records are refused for an unmapped field named for an identity code only (``hetu``), as
    a file is for such a column: an unmapped field that may hold a name or contact details (``nimi``, ``email``)
    is never read, and an API's answer is never kept, so it need not refuse the record. A ``push`` sender's
    record is still refused for any such field (docs/CONNECTORS.md, *Privacy guard*)."""
    mapper: RecordMapper | ItemMapper
    if source.delivers_items():
        mapper = ItemMapper(source, stations, until, what)
    else:
        mapper = RecordMapper(source.mapping, stations, until, what)  # type: ignore[attr-defined]
    mapper.identity_fields_only = source.type == "rest"
    return mapper


def describe(first: Reading | Item) -> str:
    """A mapped record for a ``check`` message: ``kajaani queue_waiting = 12`` or ``kajaani callbacks item``."""
    if isinstance(first, Item):
        return f"{first.station} {first.type.value} item"
    return f"{first.station} {first.metric} = {first.value:g}"


class ItemMapper:
    """Turns one source's records into items, following its ``items`` block (the interface of RecordMapper)."""

    def __init__(self, source: SourceBase, stations: Iterable[str], until: datetime, what: str = "column") -> None:
        settings = source.items  # type: ignore[attr-defined]
        self.settings = settings
        self.type: ItemType = settings.item
        self.fields = settings.fields
        self.source = source.name
        self._key = settings.id_key.get_secret_value().encode("utf-8")
        self.keyer = ItemKeyer(self._key)
        self._stations = RecordMapper(source.mapping, stations, until, what)  # type: ignore[attr-defined]
        self.zone = source.mapping.zone  # type: ignore[attr-defined]
        self._channels = {fold(k): v for k, v in settings.channels.items()}
        self._outcomes = {fold(k): v for k, v in settings.outcomes.items()}
        self._statuses = {fold(k): v for k, v in settings.statuses.items()}
        self.until = until
        self.what = what
        #: As :attr:`RecordMapper.identity_fields_only`: set for a ``rest`` source by :func:`mapper_for`.
        self.identity_fields_only = False

    def begin(self, rows_in_order: bool) -> None:
        """A new file or result starts (RecordMapper's hook; an item's times stand on their own)."""

    def names_station(self, raw: Any) -> bool:
        """Whether a cell names one of the stations (:meth:`RecordMapper.names_station`)."""
        return self._stations.names_station(raw)

    # -- the fields
    def required_fields(self) -> list[str]:
        f = self.fields
        needed = [f.id, f.station, *((f.start,) if isinstance(f.start, str) else f.start)]
        needed += [getattr(f, n) for n in ("channel", "score") if getattr(f, n)]
        return needed

    def mapped_fields(self) -> set[str]:
        return self.fields.columns()

    def check_columns(self, columns: Iterable[str], source_name: str = "the query result",
                      identity_only: bool = False) -> None:
        """Once per result: no personal columns (a file, ``identity_only``: no identity-code column), every mapped
        field present."""
        columns = [str(c) for c in columns]
        personal = personal_columns(columns, self.mapped_fields(), identity_only)
        if personal:
            raise DataError(
                f"{self.what} {quote_names(personal)} in {source_name} looks like a person's name or "
                "identity code; the board takes no personal data: remove it from the source")
        missing = [f for f in sorted(self.mapped_fields()) if f not in columns]
        if missing:
            raise ConfigurationError(
                f"{self.what} {quote_names(missing)} missing from {source_name}; its {self.what}s are: "
                f"{quote_names(columns)} (fix the query/export or items.fields in sources.yaml)")

    # -- one record
    def map(self, record: Mapping[str, Any]) -> list[Item]:
        """The one item of ``record`` (a list, like RecordMapper's); RecordError with the reason otherwise."""
        if holds_identity_code_in(record, keys=True):
            raise RecordError("a value looks like a personal identity code (henkilötunnus); "
                              "record refused: the board takes no personal data")
        if self.what == "field":
            personal = personal_columns(_keys(record), self.mapped_fields(), self.identity_fields_only)
            if personal:
                raise RecordError(f"field {quote(personal[0])} looks like a person's name or identity code; "
                                  "record refused: the board takes no personal data")
        f = self.fields
        raw_id = self._required(record, f.id)
        station = self._stations._station(self._required(record, f.station))
        start = self._time(record, f.start, required=True)
        end = self._time(record, f.end) if f.end else None
        assert start is not None
        if end is not None and end < start:
            end = self._later_end(record, f.end, start, end)  # type: ignore[arg-type]
        if end is not None and end < start:
            raise RecordError(f"{self.what} {_label(f.end)} is before {_label(f.start)}: "  # type: ignore[arg-type]
                              "an item cannot end before it starts")
        updated = self._time(record, f.updated) if f.updated else None
        status = self._optional(record, f.status) if f.status is not None and end is None else None
        closed = status is not None and self._status(status) == "closed"
        if closed:
            # Closed without an answer: at its updated time, else the pull's moment (an export's time). An item read
            # closed again keeps the time it was first closed (board.domain.items.restated).
            end = updated or self.until
            if end < start:
                raise RecordError(f"{self.what} {_label(f.updated)} is before {_label(f.start)}: "  # type: ignore[arg-type]
                                  "an item cannot end before it starts")
        if updated is None:
            updated = max(t for t in (start, end) if t is not None)
        channel = score = outcome = None
        needs = False
        if self.type is ItemType.CONTACTS:
            channel = self._channel(self._required(record, f.channel))  # type: ignore[arg-type]
        if self.type is ItemType.FEEDBACK:
            needs = self._flag(record, f.needs_reaction) if f.needs_reaction else False
            if not needs and self._optional(record, f.score) is None:
                # No score given, whether the export writes the cell empty, an API writes ``null`` or leaves the
                # key out (a JSON object often omits a null): one answer, one judgement. A key missing from every
                # record of an API's page is a changed API or a wrong field name instead, and fails the run and
                # check (connectors/rest.py, _require_fields); a CSV row short of it is refused (short_row).
                if self._present(record, f.score):
                    raise RecordIgnored(Reason("no_score_empty", f"{self.what} {f.score!r} is empty: the answer gave "
                                               "no 0–10 score, so it is not counted", what=self.what, field=f.score))
                raise RecordIgnored(Reason("no_score_missing", f"{self.what} {f.score!r} is missing: the answer gave "
                                           "no 0–10 score, so it is not counted", what=self.what, field=f.score))
            score = self._score(self._required(record, f.score))  # type: ignore[arg-type]
        if self.type is ItemType.CALLBACKS and f.outcome:
            outcome = self._outcome(self._optional(record, f.outcome))
        if closed:
            outcome = CLOSED
        return [Item(self.type, self.keyer(str(raw_id).strip()), station, start, end, channel=channel, score=score,
                     needs_reaction=needs, outcome=outcome, updated=updated)]

    # -- pieces
    def _later_end(self, record: Mapping[str, Any], field: str | tuple[str, str], start: datetime,
                   end: datetime) -> datetime:
        """An end read before its start, read again as the second pass of the repeated autumn hour.

        A local time of 03.00–03.59 on the last Sunday of October happens twice in Helsinki and an export
        writes no offset, so :func:`parse_time` reads it as the first (summer time) pass. A callback created
        at 3.58 summer time and handled at 3.28 winter time (30 minutes later) then seems to end before it
        starts. When the end is such a time and its second pass is not before the start, that is the only
        reading in which the row is a valid item, so it is taken. Nothing else changes: an end with an offset
        or outside the repeated hour reads the same with ``fold=1`` and stays refused. A start is never moved:
        its first pass is the earliest reading, and a later start cannot mend an end before it.
        """
        try:
            later = self._time(record, field, fold=1)
        except RecordError:  # the second pass is in the future: the row cannot be read as valid
            return end
        return later if later is not None and later != end and later >= start else end

    def _optional(self, record: Mapping[str, Any], field: str) -> Any:
        """The field's value, None when empty or (a JSON object leaving out a null) absent."""
        try:
            value = get_path(record, field)
        except KeyError:
            return None
        return None if is_blank(value) else value

    def _present(self, record: Mapping[str, Any], field: str) -> bool:
        try:
            get_path(record, field)
        except KeyError:
            return False
        return True

    def _required(self, record: Mapping[str, Any], field: str) -> Any:
        try:
            get_path(record, field)
        except KeyError:
            raise RecordError(f"{self.what} {field!r} is missing") from None
        value = self._optional(record, field)
        if value is None:
            raise RecordError(f"{self.what} {field!r} is empty")
        return value

    def _time(self, record: Mapping[str, Any], field: str | tuple[str, str], required: bool = False, fold: int = 0,
              ) -> datetime | None:
        label = _label(field)
        if isinstance(field, str):
            raw = self._required(record, field) if required else self._optional(record, field)
        else:  # the date and the time of day in two fields: both, or (an end not yet) neither
            day, clock = (self._optional(record, f) for f in field)
            if required or day is not None or clock is not None:
                day, clock = (self._required(record, f) for f in field)
            raw = None
            if day is not None:
                try:
                    raw = datetime.combine(parse_day(day), parse_clock(clock))
                except ValueError as e:
                    raise RecordError(f"{self.what} {label}: {e}") from None
        if raw is None:
            return None
        try:
            ts = parse_time(raw, self.zone, self.until, fold)
        except ValueError as e:
            raise RecordError(f"{self.what} {label}: {e}") from None
        except OverflowError:  # a day next to year 1 cannot be moved between zones: a placeholder
            raise RecordError(too_early(self.what, label, str(raw).strip()[:10])) from None
        if ts > self.until + FUTURE_TOLERANCE:
            raise RecordError(f"{self.what} {label}: time is in the future")
        if ts < EARLIEST_TIME:
            raise RecordError(too_early(self.what, label, ts.astimezone(self.zone)))
        return ts

    def _channel(self, raw: Any) -> str:
        text = str(raw).strip()
        channel = self._channels.get(fold(text)) or (fold(text) if fold(text) in kpi.ALL_CHANNELS else None)
        if channel is None:
            raise RecordError(f"unknown channel {quote(text)} (map it in items.channels: to "
                              f"{', '.join(kpi.ALL_CHANNELS)})")
        return channel

    def _score(self, raw: Any) -> int:
        try:
            value = parse_number(raw)
        except ValueError as e:
            labelled = _LABELLED_SCORE.match(raw) if isinstance(raw, str) else None
            if labelled is None:
                raise RecordError(f"score: {e}") from None
            value = float(labelled.group(1))  # "10 - Erittäin todennäköisesti": the scale's end, with its label
        if value != int(value) or not 0 <= value <= 10:
            raise RecordError(f"score: {value:g} is not an answer 0–10")
        return int(value)

    def _flag(self, record: Mapping[str, Any], field: str) -> bool:
        return self.flag_of(self._optional(record, field), field)

    def flag_of(self, raw: Any, field: str) -> bool:
        """A yes/no field's value (``raw`` None or blank: no)."""
        if is_blank(raw):
            return False
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if isinstance(raw, int | float) and raw in (0, 1):
            return bool(raw)
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise RecordError(f"{self.what} {field!r}: {quote(raw)} is not yes or no")

    def _status(self, raw: Any) -> str:
        """``closed`` or ``open``: what an open item's status value means (``items.statuses``).

        A value listed neither way is refused, not taken as open: a status the vendor added (``Siirretty``) may
        close the item or not, and only the administrator can say which. Taken as open it would wait on the wall
        for ever; taken as closed, leave it unseen. Refused, the source is PARTIAL with the value and the
        setting to add, and a snapshot closes nothing meanwhile."""
        text = " ".join(str(raw).split())
        meaning = self._statuses.get(fold(text))
        if meaning is None:
            listed = quote_names(sorted(self.settings.statuses))
            raise RecordError(f"{self.what} {self.fields.status!r}: status {quote(text)} is not in items.statuses "
                              f"(listed: {listed}); add it there as open (the item still waits) or closed (closed "
                              "without an answer)")
        return meaning

    def _outcome(self, raw: Any) -> str | None:
        if raw is None:
            return None
        return self._outcomes.get(fold(raw))
