"""Typed models for ``config/sources.yaml``: one per kind of source.

Each source is a tagged model (``type: sql | rest | files | push | demo``) parsed as a
discriminated union, so a typo in one source's settings is reported with the
source's index and key before anything starts. Secrets are ``${NAME}``
references, resolved by :mod:`board.secrets` before validation.

**The registry of source kinds.** A kind is its model here, decorated with
``@source_kind("connectors.KIND:ClassName")``: that registers the model's
``type`` tag, the union ``sources.yaml`` is parsed with and the connector
:func:`connectors.build_connector` builds (imported only when a source of
that kind is configured). A new kind is that model, its connector module and
its docs (docs/CONNECTORS.md, *Writing a new kind*); nothing else lists kinds.

The ``mapping`` block is shared by the sql, rest and files kinds: it says
which field holds the station, the time, and the metric and value (``long``
layout: one row per reading) or which columns are which metrics (``wide``
layout: one row per station and time), and translates the source's own
station codes and metric names into the board's.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import reduce
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from board.domain.metrics import METRICS
from board.item_settings import ItemSettings

IGNORE = "ignore"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# ---------------------------------------------------------------- mapping
class FieldMapping(_Strict):
    """From the source's records to readings (station, metric, time, value)."""

    layout: Literal["long", "wide"] = "long"
    #: Field (column, or dotted JSON path) holding the station code.
    station: str = "station"
    #: Field holding the time: ISO 8601, ``dd.mm.yyyy[ HH:MM[:SS]]`` or a database date-time; or two
    #: fields ``[date, time of day]`` (``[Päivämäärä, Klo]``: ``1.12.2026`` and ``08.00`` / ``klo 8`` / an hour).
    time: str | list[str] = "time"
    #: Long layout: the field naming the metric and the field holding its value.
    metric: str = "metric"
    value: str = "value"
    #: Long layout: the source's metric names -> ours. Wide layout: column -> our metric.
    #: Map a name to ``ignore`` to skip it without counting it as rejected.
    metrics: dict[str, str] = {}
    #: The source's station codes -> ours (a code that is already ours needs no entry).
    stations: dict[str, str] = {}
    #: The unit a source writes a metric's bare numbers in, when not the board's: ``{queue_oldest_wait_min: s}``
    #: (durations: ``s``, ``min``, ``h``, ``d``); for a share, ``percent`` or ``share`` (default: decided by value).
    units: dict[str, Literal["s", "min", "h", "d", "percent", "share"]] = {}
    #: Time zone of times written without an offset (database date-times usually are).
    timezone: str = "Europe/Helsinki"

    @field_validator("metrics")
    @classmethod
    def _known_metrics(cls, v: dict[str, str]) -> dict[str, str]:
        bad = sorted({m for m in v.values() if m not in METRICS and m != IGNORE})
        if bad:
            raise ValueError(f"unknown metric(s) {', '.join(bad)}; known: {', '.join(METRICS)} (or '{IGNORE}')")
        return v

    @field_validator("time")
    @classmethod
    def _date_and_time(cls, v: str | list[str]) -> str | list[str]:
        if isinstance(v, list) and (len(v) != 2 or not all(v) or v[0] == v[1]):
            raise ValueError("time is one field, or two: [the date field, the time-of-day field], "
                             "e.g. time: [Päivämäärä, Klo]")
        return v

    @property
    def time_fields(self) -> list[str]:
        """The field(s) the time is read from: one, or the date and the time of day."""
        return list(self.time) if isinstance(self.time, list) else [self.time]

    @model_validator(mode="after")
    def _units_fit(self) -> FieldMapping:
        for metric, unit in self.units.items():
            known = METRICS.get(metric)
            if known is None:
                raise ValueError(f"units: unknown metric {metric!r}; units are given per metric of the board")
            if (known.unit == "share") != (unit in ("percent", "share")) or known.unit in ("count", "score"):
                raise ValueError(f"units: {metric} is in {known.unit}; it cannot be read as {unit!r} "
                                 "(durations: s, min, h, d; shares: percent, share)")
        return self

    @field_validator("timezone")
    @classmethod
    def _zone(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("not a known time zone; use e.g. Europe/Helsinki or UTC") from None
        return v

    @model_validator(mode="after")
    def _wide_needs_columns(self) -> FieldMapping:
        if self.layout == "wide" and not self.metrics:
            raise ValueError("layout 'wide' needs 'metrics': which column holds which metric "
                             "(e.g. metrics: {jonossa: queue_waiting})")
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


# ---------------------------------------------------------------- the registry
@dataclass(frozen=True)
class SourceKind:
    """One kind of source: its ``type`` tag, its settings model and its connector class."""

    tag: str
    model: type[SourceBase]
    #: ``module:Class``. The class is built as ``Class(source, station_codes)``, or by its classmethod
    #: ``for_source(source, settings)`` when it has one.
    connector: str


#: Every kind, in the order their models are declared (the order error messages list them in).
SOURCE_KINDS: dict[str, SourceKind] = {}
_Model = TypeVar("_Model", bound="type[SourceBase]")


def source_kind(connector: str) -> Callable[[_Model], _Model]:
    """Register the decorated model as a kind of source whose tag is its ``type`` literal."""

    def register(model: _Model) -> _Model:
        (tag,) = get_args(model.model_fields["type"].annotation)
        SOURCE_KINDS[tag] = SourceKind(tag, model, connector)
        return model

    return register


# ---------------------------------------------------------------- common
class SourceBase(_Strict):
    name: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,60}$")
    enabled: bool = True
    #: 15 s by default: with the wall's 15-s refresh a new value is on the wall within 30 s at p95
    #: (docs/PERFORMANCE.md, freshness); pulls are incremental (:since), so a short interval is cheap.
    interval_seconds: int = Field(15, ge=1, le=86400)
    stale_after_seconds: int = Field(300, ge=1)
    #: Each pull starts this far before the bookmark. A row stamped 10.00.00 that the source commits at
    #: 10.00.01 is invisible to a pull at 10.00.00.5, and the next pull starts at 10.00.00.5: without an
    #: overlap it would be lost for good. The store's key makes the re-read harmless. Raise it for a
    #: warehouse whose loads land minutes late; 0 only for a source that shows a row the moment it is stamped.
    lookback_seconds: int = Field(120, ge=0, le=7 * 86400)
    #: A pull (or a ``check``) that has not finished after this long is stopped, whatever the source does
    #: (connectors/deadline.py): a run is never held longer by a slow or stalled source. Raise it for a large
    #: backfill (``collect --since``) from a slow system.
    pull_timeout_seconds: int = Field(300, ge=1, le=86400)
    stations: list[str] | None = None  # None: every configured station

    def newest_reading_lag(self) -> int:
        """How old the newest reading may normally be, in seconds, just before the next pull."""
        return self.interval_seconds

    @model_validator(mode="after")
    def _stale_after_long_enough(self) -> SourceBase:
        # A shorter limit would make healthy tiles blink "stale" between two pulls.
        if self.stale_after_seconds <= self.newest_reading_lag():
            raise ValueError(
                f"stale_after_seconds ({self.stale_after_seconds}) must be more than {self.newest_reading_lag()} "
                "(the pull interval plus the source's own step), or healthy tiles will blink as stale")
        return self

    def is_pulled(self) -> bool:
        """Whether the collector pulls the source on its schedule (a push source sends instead)."""
        return True

    def delivers_items(self) -> bool:
        """Whether the source's records are items the board counts itself (``deliver: items``)."""
        return getattr(self, "deliver", "readings") == "items"

    def mapped_station_codes(self) -> dict[str, str]:
        """Station translations this source declares (checked against stations.yaml at load)."""
        mapping = getattr(self, "mapping", None)
        return dict(mapping.stations) if mapping else {}


@source_kind("connectors.demo:DemoConnector")
class DemoSource(SourceBase):
    """The built-in simulator (``connectors.demo``)."""

    type: Literal["demo"]
    #: The simulator shows every reading the moment it is stamped: nothing arrives late.
    lookback_seconds: int = Field(0, ge=0, le=7 * 86400)
    seed: int = 2026
    #: ``items``: the simulated callbacks, messages, contacts and answers themselves, counted by the board
    #: (connectors/demo_items.py) — the same numbers as the default ``readings``, by the item path.
    deliver: Literal["readings", "items"] = "readings"
    #: With ``deliver: items``: the secret the simulated ids are hashed with, like any item source's.
    id_key: SecretStr | None = None
    backfill_days: int = Field(56, ge=0, le=3660)
    history_step_minutes: int = Field(30, ge=1, le=1440)
    live_step_seconds: int = Field(60, ge=10, le=3600)

    def newest_reading_lag(self) -> int:
        return self.interval_seconds + self.live_step_seconds

    @model_validator(mode="after")
    def _items_need_a_key(self) -> DemoSource:
        if self.deliver == "items" and self.id_key is None:
            raise ValueError("deliver: items needs id_key (e.g. ${BOARD_ITEM_KEY}; `python -m board demo --items` "
                             "makes one)")
        return self


# ---------------------------------------------------------------- items
class _Delivers(_Strict):
    """``deliver: items`` and its ``items`` block (board/item_settings.py), for the sql, rest and files kinds."""

    #: ``readings`` (figures, the default) or ``items`` (records the board counts itself).
    deliver: Literal["readings", "items"] = "readings"
    items: ItemSettings | None = None

    @model_validator(mode="after")
    def _items_block(self) -> _Delivers:
        if (self.deliver == "items") != (self.items is not None):
            raise ValueError("'deliver: items' and the 'items' block go together (what the items are, their "
                             "fields and id_key): give both or neither")
        return self


# ---------------------------------------------------------------- sql
_PARAM = re.compile(r"(?<![:\w]):(since|until)\b")


@source_kind("connectors.sql:SqlConnector")
class SqlSource(_Delivers, SourceBase):
    """An administrator's query against a database, by SQLAlchemy URL or raw ODBC connection string."""

    type: Literal["sql"]
    #: SQLAlchemy URL, e.g. ``mssql+pyodbc://board:${DW_PASSWORD}@dw/kpi?driver=ODBC+Driver+18+for+SQL+Server``.
    url: SecretStr | None = None
    #: ODBC connection string run through pyodbc, e.g. ``Driver={ODBC Driver 18 for SQL Server};Server=…``.
    odbc: SecretStr | None = None
    #: The query. ``:since`` (and optionally ``:until``) are bound parameters, local time of ``mapping.timezone``.
    query: str = Field(min_length=1)
    #: How ``:since``/``:until`` are bound: as date-times (most databases) or as ``'YYYY-MM-DD HH:MM:SS'``
    #: text (databases that keep times as text, e.g. SQLite, whose ODBC driver appends ``.000`` to bound
    #: date-times and so breaks an inclusive ``>=`` on the exact second).
    parameters_as: Literal["datetime", "text"] = "datetime"
    timeout_seconds: int = Field(30, ge=1, le=3600)
    #: How far back the first pull (without a bookmark) reads.
    backfill_days: int = Field(7, ge=0, le=3660)
    mapping: FieldMapping = FieldMapping()
    #: With a value (MB), a backlog — the first pull, or a window of a day or more — runs in a worker process with
    #: that memory limit, ahead of the collector (connectors/isolated.py, ``BacklogConnector``): the query and
    #: mapping the rows overlap with the collector storing and counting (a year of items: docs/PERFORMANCE.md,
    #: section 5b). 0 (default): every pull in the collector's process. Other pulls always are (a worker per pull
    #: would log in to the database every time).
    backlog_worker_mb: int = Field(0, ge=0, le=65536)

    @model_validator(mode="after")
    def _one_connection(self) -> SqlSource:
        if (self.url is None) == (self.odbc is None):
            raise ValueError("give exactly one of 'url' (SQLAlchemy URL) or 'odbc' (ODBC connection string)")
        if self.url is not None:
            # Checked here, at start, not at the first pull. A model (not field) validator: the error then never
            # shows the value, which holds the resolved password.
            from sqlalchemy.engine import make_url
            from sqlalchemy.exc import ArgumentError

            try:
                make_url(self.url.get_secret_value())
            except ArgumentError:
                raise ValueError(
                    "url is not a valid SQLAlchemy URL (expected e.g. "
                    "mssql+pyodbc://user:${SECRET}@host/db?driver=ODBC+Driver+18+for+SQL+Server)") from None
        snapshot = self.items is not None and self.items.mode == "snapshot"  # reads every open item each time
        if not snapshot and ":since" not in {f":{m}" for m in _PARAM.findall(self.query)}:
            raise ValueError("the query must use the bound parameter :since (e.g. WHERE aika >= :since), "
                             "so each pull reads only new rows")
        return self

    def query_parameters(self) -> list[str]:
        """The named parameters in the query, in order (``:since``, ``:until``)."""
        return _PARAM.findall(self.query)

    def qmark_query(self) -> str:
        """The query with ``:since``/``:until`` turned into ``?`` for pyodbc (parameters stay bound)."""
        return _PARAM.sub("?", self.query)


# ---------------------------------------------------------------- rest
class BearerAuth(_Strict):
    type: Literal["bearer"]
    token: SecretStr


class BasicAuth(_Strict):
    type: Literal["basic"]
    username: str
    password: SecretStr


class ApiKeyAuth(_Strict):
    type: Literal["api_key"]
    value: SecretStr
    #: Sent as this header (default) or, when ``query_param`` is set, as that query parameter.
    header: str = "X-API-Key"
    query_param: str | None = None


class NextLinkPagination(_Strict):
    type: Literal["next_link"]
    #: Dotted path of the next page's URL in the JSON body; leave out to follow the HTTP ``Link: rel="next"`` header.
    path: str | None = None


class PagePagination(_Strict):
    type: Literal["page"]
    param: str = "page"
    start: int = 1
    size_param: str | None = None
    #: Records per page. Paging stops at a page with fewer records, so without size_param this must equal the
    #: server's own page size, or the pull stops after the first page.
    size: int = Field(100, ge=1, le=100_000)


class OffsetPagination(_Strict):
    """``?offset=0&limit=100``, then ``offset=100``, …: the records to skip, not a page number."""

    type: Literal["offset"]
    param: str = "offset"
    size_param: str | None = "limit"
    start: int = Field(0, ge=0)
    #: Records per page; paging stops at a page with fewer (an empty one too). As for ``page``: without
    #: size_param this must equal the server's own page size.
    size: int = Field(100, ge=1, le=100_000)


class CursorPagination(_Strict):
    """The next page's cursor (an opaque token, not a URL) in the body, sent back as a query parameter."""

    type: Literal["cursor"]
    #: Dotted path of the next cursor in the JSON body (``meta.nextCursor``); missing, null or "" ends paging.
    path: str
    param: str = "cursor"


@source_kind("connectors.rest:RestConnector")
class RestSource(_Delivers, SourceBase):
    """JSON from an HTTP API (``connectors.rest``)."""

    type: Literal["rest"]
    url: str
    #: Query parameters; ``{since}`` and ``{until}`` become ISO 8601 times (UTC, with offset).
    params: dict[str, str] = {}
    headers: dict[str, SecretStr] = {}
    auth: Annotated[BearerAuth | BasicAuth | ApiKeyAuth, Field(discriminator="type")] | None = None
    timeout_seconds: float = Field(10.0, gt=0, le=600)
    #: Largest answer read, in MB (decoded; a larger one fails the run as a data error before it fills memory).
    #: 50 MB is about 400 000 records, far more than a page of a paginated API or a day's pull.
    max_response_mb: float = Field(50, gt=0, le=4096)
    #: With a value (MB), each pull runs in a worker process with that memory limit (connectors/isolated.py), as
    #: files pulls do by default. 0 (default): in the collector's process; max_response_mb already bounds an answer,
    #: and a worker per pull rebuilds the HTTP client and trust store each time (docs/PERFORMANCE.md, section 5).
    max_memory_mb: int = Field(0, ge=0, le=65536)
    #: Dotted path of the list of records in the JSON body ("" = the body is the list).
    records: str = ""
    pagination: Annotated[NextLinkPagination | PagePagination | OffsetPagination | CursorPagination,
                          Field(discriminator="type")] | None = None
    max_pages: int = Field(1000, ge=1)
    backfill_days: int = Field(7, ge=0, le=3660)
    verify_tls: bool = True
    mapping: FieldMapping = FieldMapping()

    @field_validator("url")
    @classmethod
    def _http(cls, v: str) -> str:
        import httpx

        if not re.fullmatch(r"https?://[^\s/?#]+\S*", v):
            raise ValueError("must be an http:// or https:// URL without spaces")
        try:
            url = httpx.URL(v)
        except httpx.InvalidURL as e:
            raise ValueError(f"is not a valid URL ({e})") from None
        if not url.host:
            raise ValueError("must name a host (https://host/path)")
        return v


# ---------------------------------------------------------------- files
@source_kind("connectors.files:FilesConnector")
class FilesSource(_Delivers, SourceBase):
    """A drop folder of CSV and Excel exports (``connectors.files``)."""

    type: Literal["files"]
    interval_seconds: int = Field(60, ge=1, le=86400)
    stale_after_seconds: int = Field(3600, ge=1)
    #: The drop folder; a relative path is relative to the project folder.
    folder: Path
    patterns: list[str] = ["*.csv", "*.xlsx"]
    #: CSV separator; ``auto`` tells ``;`` from ``,`` (and tab) by the header line.
    delimiter: Literal["auto", ";", ",", "\t", "|"] = "auto"
    #: ``auto`` reads UTF-8 (with or without BOM) and falls back to cp1252 (Excel's "CSV" on Windows).
    encoding: str = "auto"
    #: Excel sheet (name or 0-based index); unset: the first sheet whose header holds the mapped columns (a cover
    #: or instructions sheet before the data is passed over), else the first sheet.
    sheet: str | int | None = None
    #: A file must be unchanged this long before it is read (so a half-copied file is not).
    settle_seconds: float = Field(5.0, ge=0)
    #: Where imported and refused files are moved (inside ``folder``).
    processed_folder: str = "processed"
    rejected_folder: str = "rejected"
    #: Largest file read, in MB: a larger one is refused unread (moved to ``rejected/`` with the reason) before it
    #: fills memory. A real export is a few MB; a file is held whole while it is checked, and a 20 MB CSV of
    #: short rows becomes about 540 MB of readings (docs/RELIABILITY.md), within the default ``max_memory_mb``.
    max_file_mb: float = Field(20, gt=0, le=4096)
    #: The most memory (address space, MB) one pull may use. Each pull runs in a worker process with this limit
    #: (connectors/isolated.py), so a source needing more fails alone ("muistiraja ylittyi") instead of getting
    #: the collector, and every other source with it, killed. 0: pull in the collector's own process.
    max_memory_mb: int = Field(1024, ge=0, le=65536)
    #: A row that cannot be used: ``refuse_row`` (the file's good rows load, each bad row is refused with its
    #: line and reason) or ``refuse_file`` (one bad row refuses the whole file, nothing of it is stored).
    on_bad_row: Literal["refuse_row", "refuse_file"] = "refuse_row"
    #: The language of ``NAME.reason.txt`` beside a refused or partly read file, for whoever made the export; the
    #: English text follows it (as in the logs). Unset: board.yaml's ``language`` (filled in by load_settings).
    reason_language: Literal["fi", "sv", "en"] | None = None
    mapping: FieldMapping = FieldMapping()

    @field_validator("encoding")
    @classmethod
    def _encoding(cls, v: str) -> str:
        import codecs

        if v != "auto":
            try:
                codecs.lookup(v)
            except LookupError:
                raise ValueError("unknown encoding; use auto, utf-8, utf-8-sig or cp1252") from None
        return v


# ---------------------------------------------------------------- push
#: A push token shorter than this could be guessed by trying: refused at start.
MIN_PUSH_TOKEN = 24


@source_kind("connectors.push:PushConnector")
class PushSource(_Delivers, SourceBase):
    """A system that sends its records to the board (``POST /push/NAME`` of ``python -m board api``).

    The board never pulls it: the collector leaves it out of its schedule, and each push is one run
    (board/push.py), checked, refused and recorded exactly as a pulled run is.
    """

    type: Literal["push"]
    #: The longest the sender goes without pushing (a sender that pushes on change should still push this often):
    #: no push for twice this plus a minute and the Sources page says "late" (board/domain/source_health.py).
    interval_seconds: int = Field(60, ge=1, le=86400)
    #: The sender's token (``Authorization: Bearer …``), one per source: a ``${NAME}`` secret, never written here.
    token: SecretStr
    #: Largest request body taken, in KB: a larger one is answered 413 unread. 1024 KB is about 10 000 records.
    max_body_kb: int = Field(1024, ge=1, le=65536)
    mapping: FieldMapping = FieldMapping()

    def newest_reading_lag(self) -> int:
        return 0  # no pull schedule: a reading is as fresh as the sender makes it

    def is_pulled(self) -> bool:
        return False

    @field_validator("token")
    @classmethod
    def _long_token(cls, v: SecretStr) -> SecretStr:
        if len(v.get_secret_value()) < MIN_PUSH_TOKEN:
            raise ValueError(f"the push token must be at least {MIN_PUSH_TOKEN} characters (a short one can be "
                             "guessed): e.g. python -c 'import secrets; print(secrets.token_urlsafe(32))'")
        return v


# ---------------------------------------------------------------- made from the registry
def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in get_args(annotation) for m in _models_in(arg)]


def _tags(models: Iterable[type[BaseModel]]) -> frozenset[str]:
    """Every ``type`` tag of ``models`` and the models in their fields (auth, pagination, …)."""
    tags: set[str] = set()
    todo, seen = list(models), set()
    while todo:
        model = todo.pop()
        if model in seen:
            continue
        seen.add(model)
        tag = model.model_fields.get("type")
        if tag is not None:
            tags.update(a for a in get_args(tag.annotation) if isinstance(a, str))
        todo.extend(m for f in model.model_fields.values() for m in _models_in(f.annotation))
    return frozenset(tags)


#: Any configured source (the union of every kind's model).
AnySource = reduce(operator.or_, (k.model for k in SOURCE_KINDS.values()))  # type: ignore[assignment]
#: How ``sources.yaml`` parses one source: by its ``type``.
SourceConfig = Annotated[AnySource, Field(discriminator="type")]  # type: ignore[valid-type]
#: Discriminator tags, which configuration error paths leave out (they add noise to ``sources[0].sql.query``).
SOURCE_TAGS = _tags(k.model for k in SOURCE_KINDS.values())
