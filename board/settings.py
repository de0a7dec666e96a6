"""Configuration: typed models for ``config/*.yaml`` and the environment.

This module reads them all into one :class:`Settings` and checks what one file says about another (a
subscription's stations, a source's metrics); each file's typed model is in a module of its own. Files (in
``BOARD_CONFIG_DIR``, default ``config/``):

* ``board.yaml``    display settings (language, wall refresh), retention, sign-in and roles (``access``)
  (board/board_settings.py, board/access_settings.py)
* ``stations.yaml`` stations and their opening hours (board/station_settings.py; areas: board/area_settings.py)
* ``metrics.yaml``  thresholds (with per-station overrides) and targets (board/metric_settings.py)
* ``sources.yaml``  sources, their kind, schedule and staleness limit (board/source_settings.py)
* ``alerts.yaml``   alert rules, channels and subscriptions (board/alerts/settings.py)
* ``reports.yaml``  the weekly report by e-mail (board/reports/settings.py)
* ``care_guarantee.yaml`` care-guarantee rules by date, T3 professions (board/care_settings.py)

From the environment (read by :mod:`board.environment`, handed in):
the store's URL (default: SQLite file ``data/board.sqlite`` in the project),
the configuration folder, the sign-in override (``required``/``off``, over
``access.sign_in``) and the values of ``${NAME}`` secret references. Secrets
never live in these files.

A wrong configuration raises :class:`ConfigError` whose message names the
file, the key and what was expected, so the board refuses to start instead of
showing wrong colours on a wall.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from board import secrets
from board.alerts.settings import AlertSettings, AlertsFile, EmailChannelModel, read_alerts
from board.area_settings import AREA_DIR, area_files, merged
from board.board_settings import BoardSettings, ManualSettings, RetentionSettings, WallSettings
from board.care_settings import CareGuaranteeFile
from board.domain.access_to_care import CareGuarantee
from board.domain.hours import OpeningHours, parse_exceptions
from board.domain.status import Threshold
from board.environment import ConfigError, Environment, read_environment
from board.metric_settings import EmployeeNpsSettings, MetricsFile, ThresholdModel
from board.reports.settings import ReportsFile, check_report_references
from board.source_settings import (
    SOURCE_TAGS,
    AnySource,
    DemoSource,
    FieldMapping,
    FilesSource,
    RestSource,
    SourceBase,
    SourceConfig,
    SqlSource,
)
from board.station_settings import Station, StationsFile

__all__ = [
    "AnySource", "BoardSettings", "ConfigError", "DemoSource", "EmployeeNpsSettings", "FieldMapping", "FilesSource",
    "ManualSettings", "MetricsFile", "MissingSecretError", "RestSource", "RetentionSettings", "Settings",
    "SourceBase", "SqlSource", "Station", "StationsFile", "ThresholdModel", "WallSettings", "load_settings",
]

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG_DIR = PROJECT_DIR / "config"
DEFAULT_DATA_DIR = PROJECT_DIR / "data"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# -------------------------------------------------------------- sources.yaml
class SourcesFile(_Strict):
    sources: list[SourceConfig] = []

    @model_validator(mode="after")
    def _unique(self) -> SourcesFile:
        names = [s.name for s in self.sources]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"source name(s) {', '.join(dupes)} appear more than once")
        return self


# -------------------------------------------------------------- the whole
@dataclass(frozen=True)
class Settings:
    """Everything the board needs to run, validated together."""

    config_dir: Path
    database_url: str
    board: BoardSettings
    stations_file: StationsFile
    metrics: MetricsFile
    sources_file: SourcesFile
    #: The environment the settings were read with (what else a command needs of it: lease, port, …).
    environment: Environment = field(default_factory=Environment, compare=False, repr=False)
    #: ``alerts.yaml`` (board/alerts/settings.py); see :attr:`alerts`.
    alerts_file: AlertsFile = field(default_factory=AlertsFile, compare=False, repr=False)
    #: ``care_guarantee.yaml`` (board/care_settings.py); see :attr:`care_guarantee`.
    care_file: CareGuaranteeFile = field(default_factory=CareGuaranteeFile, compare=False, repr=False)
    #: ``reports.yaml`` (board/reports/settings.py): the weekly report by e-mail.
    reports: ReportsFile = field(default_factory=ReportsFile, compare=False, repr=False)
    #: The wellbeing areas, code -> name, in configuration order (board/area_settings.py).
    areas: dict[str, str] = field(default_factory=dict, compare=False)
    #: Source name -> the ``${NAME}`` secrets its settings use (names only): a failed login names them on /sources.
    source_secrets: dict[str, tuple[str, ...]] = field(default_factory=dict, compare=False)

    @cached_property
    def care_guarantee(self) -> CareGuarantee:
        """The care-guarantee rules by date and the T3 professions shown."""
        return self.care_file.to_domain()

    @cached_property
    def alerts(self) -> AlertSettings:
        """The alert rules, channels and subscriptions, ready to use."""
        return AlertSettings(self.alerts_file, {k: v.to_domain() for k, v in self.metrics.thresholds.items()})

    @property
    def stations(self) -> list[Station]:
        return self.stations_file.stations

    @property
    def sources(self) -> list[AnySource]:
        return list(self.sources_file.sources)

    def area_stations(self, areas: list[str] | tuple[str, ...]) -> list[str]:
        """The codes of the stations of ``areas``, in configuration order (no areas: every station)."""
        return [s.code for s in self.stations if not areas or s.area in areas]

    @cached_property
    def station_by_code(self) -> dict[str, Station]:
        return {s.code: s for s in self.stations}

    def station(self, code: str) -> Station:
        try:
            return self.station_by_code[code]
        except KeyError:
            raise KeyError(f"unknown station {code!r}; known: {', '.join(self.station_by_code)}") from None

    @cached_property
    def _opening_hours(self) -> dict[str, OpeningHours]:
        if self.environment.always_open:  # the demo's --always-open: a live board at any hour (README)
            always = OpeningHours.parse(ALL_DAY, open_on_holidays=True)
            return {s.code: always for s in self.stations}
        default = self.stations_file.default_opening_hours
        common = parse_exceptions(self.stations_file.exception_days)
        return {s.code: OpeningHours.parse(s.opening_hours or default, s.exception_days, s.open_on_holidays)
                .with_exceptions(common) for s in self.stations}

    def opening_hours(self, code: str) -> OpeningHours:
        self.station(code)  # a readable KeyError for an unknown code
        return self._opening_hours[code]

    def thresholds_for(self, code: str) -> dict[str, Threshold]:
        """Region-wide thresholds with this station's overrides applied.

        Merged once per station and handed out as a copy: the overview judges every station's tiles on each
        refresh (900 merges of ~15 thresholds were a tenth of its data's CPU at national scale)."""
        merged = self._thresholds.get(code)
        if merged is None:
            merged = {k: v.to_domain() for k, v in self.metrics.thresholds.items()}
            for figure, t in self.metrics.station_overrides.get(code, {}).items():
                merged[figure] = t.to_domain()
            self._thresholds[code] = merged
        return dict(merged)

    @cached_property
    def _thresholds(self) -> dict[str, dict[str, Threshold]]:
        return {}

    @cached_property
    def stale_limits(self) -> dict[str, timedelta]:
        """Each source's ``stale_after_seconds`` as a duration, by source name (every tile's staleness)."""
        return {s.name: timedelta(seconds=s.stale_after_seconds) for s in self.sources}

    def source(self, name: str) -> AnySource:
        for s in self.sources:
            if s.name == name:
                return s
        raise KeyError(f"unknown source {name!r}; configured: {', '.join(s.name for s in self.sources)}")

    def stations_of(self, source: SourceBase) -> list[Station]:
        if source.stations is None:
            return list(self.stations)
        return [self.station_by_code[c] for c in source.stations]


def default_database_url() -> str:
    return f"sqlite:///{DEFAULT_DATA_DIR / 'board.sqlite'}"


#: Every day round the clock: the opening hours of every station under ``BOARD_ALWAYS_OPEN=1``.
ALL_DAY = {d: "00:00-24:00" for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


def load_settings(config_dir: str | Path | None = None, database_url: str | None = None,
                  environment: Environment | None = None) -> Settings:
    """Read and validate every configuration file; raise ConfigError on the first problem.

    ``config_dir`` and ``database_url`` win over ``environment`` (default: this
    process's, :func:`board.environment.read_environment`).
    """
    env = read_environment() if environment is None else environment
    cdir = Path(config_dir or env.config_dir or DEFAULT_CONFIG_DIR).resolve()
    if not cdir.is_dir():
        raise ConfigError(f"configuration folder {cdir} does not exist (set BOARD_CONFIG_DIR or create it)")
    board = _sign_in_override(_load(cdir / "board.yaml", BoardSettings, required=False), env.sign_in)
    stations, areas = _stations(cdir)
    metrics = _load(cdir / "metrics.yaml", MetricsFile, required=False)
    sources = _load(cdir / "sources.yaml", SourcesFile, secrets_from=env.variables)
    codes = {s.code for s in stations.stations}
    for name in metrics.station_overrides:
        if name not in codes:
            raise ConfigError(
                f"{cdir / 'metrics.yaml'}: station_overrides.{name}: unknown station; "
                f"expected one of {', '.join(sorted(codes))}"
            )
    for i, src in enumerate(sources.sources):
        for code in src.stations or []:
            if code not in codes:
                raise ConfigError(
                    f"{cdir / 'sources.yaml'}: sources[{i}].stations: unknown station {code!r}; "
                    f"expected one of {', '.join(sorted(codes))}"
                )
        for theirs, ours in src.mapped_station_codes().items():
            if ours not in codes:
                raise ConfigError(
                    f"{cdir / 'sources.yaml'}: sources[{i}].mapping.stations.{theirs}: unknown station {ours!r}; "
                    f"expected one of {', '.join(sorted(codes))}"
                )
    sources = _reason_language(sources, board.language)
    alerts = read_alerts(cdir / "alerts.yaml", env.variables, codes, {s.name for s in sources.sources},
                         lambda figure: figure in metrics.thresholds or any(
                             figure in o for o in metrics.station_overrides.values()))
    url = absolute_sqlite_url(database_url or env.database_url or default_database_url())
    secrets.register_url_password(url)
    care = _load(cdir / "care_guarantee.yaml", CareGuaranteeFile, required=False)
    reports = _load(cdir / "reports.yaml", ReportsFile, required=False)
    try:
        check_report_references(reports, cdir / "reports.yaml", codes,
                                {n for n, c in alerts.channels.items() if isinstance(c, EmailChannelModel)})
    except ValueError as e:
        raise ConfigError(str(e)) from None
    return Settings(cdir, url, board, stations, metrics, sources, env, alerts, care, reports, areas,
                    _source_secrets(cdir / "sources.yaml"))


def _source_secrets(path: Path) -> dict[str, tuple[str, ...]]:
    """Each source's ``${NAME}`` references, read from ``sources.yaml`` as written (the values are never kept)."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):  # read and validated just before: nothing to name then
        return {}
    sources = raw.get("sources") if isinstance(raw, dict) else None
    named = {str(s["name"]): secrets.references(s) for s in sources or [] if isinstance(s, dict) and "name" in s}
    return {name: refs for name, refs in named.items() if refs}


def _stations(cdir: Path) -> tuple[StationsFile, dict[str, str]]:
    """``stations.yaml`` with the per-area files of ``stations.d/`` (board/area_settings.py), and the areas."""
    main = _load(cdir / "stations.yaml", StationsFile)
    try:
        stations, areas = merged(main, [(p, _load(p, StationsFile)) for p in area_files(cdir)])
    except ValueError as e:
        raise ConfigError(f"{cdir}: {e}") from None
    if not stations.stations:
        raise ConfigError(f"{cdir / 'stations.yaml'}: stations: no stations (here or in {AREA_DIR}/*.yaml)")
    return stations, areas


def _reason_language(sources: SourcesFile, language: str) -> SourcesFile:
    """A files source writes its reason files in the board's language unless it says another (``reason_language``)."""
    filled = [s.model_copy(update={"reason_language": language})
              if hasattr(s, "reason_language") and getattr(s, "reason_language", None) is None else s
              for s in sources.sources]
    return sources.model_copy(update={"sources": filled})


def _sign_in_override(board: BoardSettings, override: str | None) -> BoardSettings:
    """``BOARD_SIGN_IN=off`` (what ``python -m board demo`` sets) or ``required`` wins over board.yaml."""
    value = (override or "").strip().lower()
    if not value:
        return board
    if value not in ("required", "off"):
        raise ConfigError(f"BOARD_SIGN_IN: {value!r} is neither 'required' nor 'off'")
    return board.model_copy(update={"access": board.access.model_copy(update={"sign_in": value})})


def absolute_sqlite_url(url: str) -> str:
    """Make a relative SQLite path absolute, so every process (they may run elsewhere) opens the same file."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/") and url != "sqlite://":
        path, _, query = url[len(prefix):].partition("?")
        if path and path != ":memory:":
            return prefix + str(Path(path).resolve()) + (f"?{query}" if query else "")
    return url


def _load(path: Path, model: type[BaseModel], required: bool = True,
          secrets_from: Mapping[str, str] | None = None) -> Any:
    """``path`` validated as ``model``; ``${NAME}`` references resolved when ``secrets_from`` (the environment)
    is given."""
    if not path.exists():
        if required:
            raise ConfigError(f"{path}: file is missing")
        return model()
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        raise ConfigError(f"{path}: not valid YAML: {e}") from None
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping of keys at the top level, got {type(raw).__name__}")
    if secrets_from is not None:
        raw = _resolve_secrets(path, raw, secrets_from)
    try:
        return model.model_validate(raw)
    except ValidationError as e:
        first = e.errors()[0]
        key = _dotted(first["loc"]) or "(top level)"
        value = first.get("input")
        shown = f" (got {value!r})" if not isinstance(value, dict | list) and value is not None else ""
        raise ConfigError(f"{path}: {key}: {first['msg']}{shown}") from None


class MissingSecretError(ConfigError):
    """A ``${NAME}`` a configuration file needs is set nowhere: the pages say its name (never a value), the key
    that needs it and where to set it, in the UI's language (``config.missing_secret``)."""

    def __init__(self, message: str, name: str, key: str, secrets_path: Path) -> None:
        super().__init__(message)
        self.name, self.key, self.secrets_path = name, key, secrets_path


def _resolve_secrets(path: Path, raw: dict[str, Any], environ: Mapping[str, str]) -> dict[str, Any]:
    """Replace ``${NAME}`` references; a missing one names the source and key that needs it."""
    lookup = secrets.load_lookup(PROJECT_DIR, environ)
    secrets_path = secrets.secrets_file(PROJECT_DIR)

    def walk(obj: Any, where: str) -> Any:
        if isinstance(obj, dict):
            return {k: walk(v, f"{where}.{k}" if where else str(k)) for k, v in obj.items()}
        if isinstance(obj, list):
            return [walk(v, f"{where}[{i}]") for i, v in enumerate(obj)]
        try:
            return secrets.resolve(obj, lookup, secrets_path)
        except secrets.MissingSecret as e:
            raise MissingSecretError(f"{path}: {where}: {e}", e.name, f"{path.name}: {where}", secrets_path) from None

    return walk(raw, "")


def _dotted(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in SOURCE_TAGS:  # discriminator tags add noise to the path
            continue
        else:
            out += f".{part}" if out else str(part)
    return out
