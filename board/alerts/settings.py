"""``config/alerts.yaml``: alert rules, channels and subscriptions, as typed models with readable errors.

Rules say what is an alert (board/domain/alerts.py), channels how a message
leaves (board/alerts/channels.py), subscriptions who gets what. Secrets (an
SMTP password, a Teams Workflows URL, which carries its own signature, a
webhook token) are ``${NAME}`` references resolved like those of
``sources.yaml``. A wrong key, an unknown station, source, figure, rule or
channel, or an e-mail subscription without addresses stops the board at
start with the file and the key.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import time
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator, model_validator

from board.alerts.channels import Channel, EmailChannel, TeamsChannel, WebhookChannel
from board.domain import alerts as al
from board.domain.metrics import KNOWN_FIGURES
from board.domain.status import Status, Threshold
from board.environment import ConfigError

ALL = "all"
#: Discriminator tags pydantic puts in an error's location: left out of the key an error names.
_TAGS = frozenset({"threshold", "projection", "source", "email", "teams", "webhook"})
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,59}$")
_CLOCK = re.compile(r"^([01]?\d|2[0-3])[:.]([0-5]\d)$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def _name(v: str) -> str:
    if not _NAME.match(v):
        raise ValueError("must be letters, digits, '_', '-' or '.' (at most 60), e.g. jono_punainen")
    return v


def _clock(v: str) -> time:
    m = _CLOCK.match(str(v).strip())
    if not m:
        raise ValueError(f"{v!r} is not a clock time HH:MM")
    return time(int(m.group(1)), int(m.group(2)))


# ------------------------------------------------------------------ rules
class _RuleBase(_Strict):
    name: str
    #: Held this long before it is an alert (Grafana's pending period).
    for_minutes: float = Field(10, ge=0, le=1440)
    #: Not holding this long before it ends (Grafana's "keep firing for"): a wavering value is no new alert.
    keep_firing_minutes: float = Field(5, ge=0, le=1440)
    #: Remind every this many minutes while firing and not acknowledged; null: never.
    repeat_minutes: float | None = Field(60, gt=0, le=10080)

    @field_validator("name")
    @classmethod
    def _n(cls, v: str) -> str:
        return _name(v)

    def timing(self) -> al.Timing:
        return al.Timing(self.for_minutes, self.keep_firing_minutes, self.repeat_minutes)


class WindowModel(_Strict):
    """Thresholds of their own for part of the day, e.g. a longer queue allowed during the morning rush."""

    start: str = Field(alias="from")
    end: str = Field(alias="to")
    amber: float
    red: float
    direction: Literal["higher_is_worse", "lower_is_worse"] | None = None

    @model_validator(mode="after")
    def _check(self) -> WindowModel:
        if _clock(self.end) <= _clock(self.start):
            raise ValueError(f"'to' ({self.end}) must be after 'from' ({self.start})")
        return self

    def to_domain(self, direction: str) -> al.DayWindow:
        return al.DayWindow(_clock(self.start), _clock(self.end),
                            Threshold(self.amber, self.red, self.direction or direction))  # type: ignore[arg-type]


class ThresholdRuleModel(_RuleBase):
    type: Literal["threshold"]
    figure: str
    #: amber: the figure at amber or worse; red: at red.
    level: Literal["amber", "red"] = "red"
    stations: list[str] | Literal["all"] = ALL
    by_time_of_day: list[WindowModel] = []

    @field_validator("figure")
    @classmethod
    def _figure(cls, v: str) -> str:
        if v not in KNOWN_FIGURES:
            raise ValueError(f"unknown figure {v!r}; known: {', '.join(sorted(KNOWN_FIGURES))}")
        return v


class ProjectionRuleModel(_RuleBase):
    type: Literal["projection"]
    #: Alert when the queue expected at closing is at least this many callbacks.
    min_queue: float = Field(1, ge=1)
    #: median: the projection itself; band_low: even the band's low end (nine days in ten).
    confidence: Literal["median", "band_low"] = "median"
    stations: list[str] | Literal["all"] = ALL
    for_minutes: float = Field(15, ge=0, le=1440)


class SourceRuleModel(_RuleBase):
    type: Literal["source"]
    health: list[Literal["failing", "late", "partial", "stale"]] = ["failing", "late", "partial", "stale"]
    sources: list[str] | Literal["all"] = ALL
    for_minutes: float = Field(5, ge=0, le=1440)


RuleModel = Annotated[ThresholdRuleModel | ProjectionRuleModel | SourceRuleModel, Field(discriminator="type")]


# ------------------------------------------------------------------ channels
class EmailChannelModel(_Strict):
    type: Literal["email"]
    host: str = Field(min_length=1)
    port: int = Field(587, ge=1, le=65535)
    #: starttls (port 587), tls (465) or none (a relay in a closed network; then no login).
    security: Literal["starttls", "tls", "none"] = "starttls"
    username: str | None = None
    password: SecretStr | None = None
    sender: str
    #: A private certificate authority to trust (an internal relay's), as a PEM file.
    ca_file: str | None = None
    timeout_seconds: float = Field(15, gt=0, le=120)

    @field_validator("sender")
    @classmethod
    def _sender(cls, v: str) -> str:
        if not _EMAIL.match(v):
            raise ValueError(f"{v!r} is not an e-mail address")
        return v

    @model_validator(mode="after")
    def _login(self) -> EmailChannelModel:
        if self.security == "none" and self.username:
            raise ValueError("a login needs TLS: set security to starttls or tls (or remove username)")
        if self.username and self.password is None:
            raise ValueError("username given without password (use a ${NAME} reference)")
        if self.ca_file and not Path(self.ca_file).is_file():
            raise ValueError(f"ca_file {self.ca_file!r} does not exist")
        return self

    def build(self, name: str) -> Channel:
        return EmailChannel(name, host=self.host, port=self.port, sender=self.sender, security=self.security,
                            username=self.username,
                            password=self.password.get_secret_value() if self.password else None,
                            ca_file=self.ca_file, timeout=self.timeout_seconds)


def _http_url(v: SecretStr | str) -> Any:
    text = v.get_secret_value() if isinstance(v, SecretStr) else v
    if not re.match(r"^https?://[^/\s]+", text):
        raise ValueError("must be an http(s) URL")
    return v


class TeamsChannelModel(_Strict):
    """A Teams channel's Workflows webhook URL (Workflows -> "Send webhook alerts to a channel")."""

    type: Literal["teams"]
    url: SecretStr
    timeout_seconds: float = Field(15, gt=0, le=120)

    @field_validator("url")
    @classmethod
    def _u(cls, v: SecretStr) -> SecretStr:
        return _http_url(v)

    def build(self, name: str) -> Channel:
        return TeamsChannel(name, url=self.url.get_secret_value(), timeout=self.timeout_seconds)


class WebhookChannelModel(_Strict):
    type: Literal["webhook"]
    url: str
    headers: dict[str, str] = {}
    timeout_seconds: float = Field(15, gt=0, le=120)

    @field_validator("url")
    @classmethod
    def _u(cls, v: str) -> str:
        return _http_url(v)

    def build(self, name: str) -> Channel:
        return WebhookChannel(name, url=self.url, headers=self.headers, timeout=self.timeout_seconds)


ChannelModel = Annotated[EmailChannelModel | TeamsChannelModel | WebhookChannelModel, Field(discriminator="type")]


# ------------------------------------------------------------------ subscriptions
class SubscriptionModel(_Strict):
    """Who gets what: a shift lead's stations, an administrator's sources, through one channel."""

    name: str
    channel: str
    to: list[str] = []
    stations: list[str] | Literal["all"] = []
    sources: list[str] | Literal["all"] = []
    rules: list[str] | Literal["all"] = ALL
    events: list[Literal["firing", "reminder", "resolved"]] = ["firing", "reminder", "resolved"]

    @field_validator("name")
    @classmethod
    def _n(cls, v: str) -> str:
        return _name(v)

    @field_validator("to")
    @classmethod
    def _to(cls, v: list[str]) -> list[str]:
        bad = [a for a in v if not _EMAIL.match(a.strip())]
        if bad:
            raise ValueError(f"not an e-mail address: {', '.join(map(repr, bad))}")
        return [a.strip() for a in v]

    def to_domain(self) -> al.Subscription:
        return al.Subscription(self.name, self.channel, tuple(self.to), _scope(self.stations), _scope(self.sources),
                               _scope(self.rules), frozenset(al.Event(e) for e in self.events))


def _scope(v: list[str] | str) -> frozenset[str] | None:
    return None if v == ALL else frozenset(v)


# ------------------------------------------------------------------ the file
class AlertsFile(_Strict):
    #: The board's address as people open it; messages link to BOARD_URL/wall?station=CODE.
    board_url: str | None = None
    #: How often the collector evaluates the rules; null: as often as its most frequent source is pulled.
    evaluate_seconds: int | None = Field(None, ge=5, le=3600)
    rules: list[RuleModel] = []
    channels: dict[str, ChannelModel] = {}
    subscriptions: list[SubscriptionModel] = []

    @field_validator("board_url")
    @classmethod
    def _url(cls, v: str | None) -> str | None:
        return None if v is None else _http_url(v).rstrip("/")

    @model_validator(mode="after")
    def _references(self) -> AlertsFile:
        names = [r.name for r in self.rules]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"rule name(s) {', '.join(dupes)} appear more than once")
        for ch in self.channels:
            _name(ch)
        for i, s in enumerate(self.subscriptions):
            where = f"subscriptions[{i}] ({s.name})"
            if s.channel not in self.channels:
                raise ValueError(f"{where}: unknown channel {s.channel!r}; channels: "
                                 f"{', '.join(self.channels) or '(none)'}")
            if isinstance(self.channels[s.channel], EmailChannelModel) and not s.to:
                raise ValueError(f"{where}: channel {s.channel!r} is e-mail: list the addresses in 'to'")
            unknown = sorted(set(s.rules if s.rules != ALL else []) - set(names))
            if unknown:
                raise ValueError(f"{where}: unknown rule(s) {', '.join(unknown)}; rules: {', '.join(names)}")
            if not s.stations and not s.sources:
                raise ValueError(f"{where}: gets nothing: give stations (a list or all) and/or sources")
        return self


class AlertSettings:
    """The checked alert configuration, as domain objects and ready channels."""

    def __init__(self, file: AlertsFile, region_thresholds: Mapping[str, Threshold]) -> None:
        self.file = file
        self.board_url = file.board_url
        self.evaluate_seconds = file.evaluate_seconds
        self.rules: list[al.Rule] = [self._rule(r, region_thresholds) for r in file.rules]
        self.subscriptions = [s.to_domain() for s in file.subscriptions]
        self.channels: dict[str, Channel] = {name: c.build(name) for name, c in file.channels.items()}

    @staticmethod
    def _rule(r: Any, region_thresholds: Mapping[str, Threshold]) -> al.Rule:
        if isinstance(r, ThresholdRuleModel):
            configured = region_thresholds.get(r.figure)
            direction = configured.direction if configured else "higher_is_worse"
            return al.ThresholdRule(r.name, r.figure, Status.WARN if r.level == "amber" else Status.ALERT,
                                    r.timing(), tuple(w.to_domain(direction) for w in r.by_time_of_day),
                                    _scope(r.stations))
        if isinstance(r, ProjectionRuleModel):
            return al.ProjectionRule(r.name, r.min_queue, r.confidence, r.timing(), _scope(r.stations))
        return al.SourceRule(r.name, frozenset(r.health), r.timing(), _scope(r.sources))

    def rule(self, name: str) -> al.Rule:
        return next(r for r in self.rules if r.name == name)


def check_references(file: AlertsFile, path: Path, stations: set[str], sources: set[str],
                     has_threshold: Any) -> None:
    """Stations, sources and figures named in alerts.yaml must exist; raises ValueError naming the key."""
    def unknown(names: list[str] | str, known: set[str]) -> list[str]:
        return [] if names == ALL else sorted(set(names) - known)

    for i, r in enumerate(file.rules):
        scope = r.sources if isinstance(r, SourceRuleModel) else r.stations
        known = sources if isinstance(r, SourceRuleModel) else stations
        bad = unknown(scope, known)
        if bad:
            what = "source" if isinstance(r, SourceRuleModel) else "station"
            raise ValueError(f"{path}: rules[{i}] ({r.name}): unknown {what}(s) {', '.join(bad)}; "
                             f"expected one of {', '.join(sorted(known)) or '(none)'}")
        if isinstance(r, ThresholdRuleModel) and not r.by_time_of_day and not has_threshold(r.figure):
            raise ValueError(f"{path}: rules[{i}] ({r.name}): figure {r.figure} has no thresholds in metrics.yaml; "
                             f"add them there or give by_time_of_day")
    for i, s in enumerate(file.subscriptions):
        for key, names, known in (("stations", s.stations, stations), ("sources", s.sources, sources)):
            bad = unknown(names, known)
            if bad:
                raise ValueError(f"{path}: subscriptions[{i}].{key} ({s.name}): unknown {', '.join(bad)}; "
                                 f"expected one of {', '.join(sorted(known)) or '(none)'}")


def read_alerts(path: Path, environ: Mapping[str, str], stations: set[str], sources: set[str],
                has_threshold: Callable[[str], bool]) -> AlertsFile:
    """``alerts.yaml`` (missing: no rules), checked against the stations, sources and thresholds.

    Raises :class:`board.environment.ConfigError` naming the file and the key.
    """
    from board.settings import _resolve_secrets

    raw: Any = {}
    if path.exists():
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as e:
            raise ConfigError(f"{path}: not valid YAML: {e}") from None
        if not isinstance(raw, dict):
            raise ConfigError(f"{path}: expected a mapping of keys at the top level, got {type(raw).__name__}")
        raw = _resolve_secrets(path, raw, environ)
    try:
        file = AlertsFile.model_validate(raw)
    except ValidationError as e:
        first = e.errors()[0]
        key = ""
        for part in first["loc"]:
            if isinstance(part, int):
                key += f"[{part}]"
            elif part not in _TAGS:
                key += f".{part}" if key else str(part)
        value = first.get("input")
        shown = f" (got {value!r})" if not isinstance(value, dict | list) and value is not None else ""
        raise ConfigError(f"{path}: {key or '(top level)'}: {first['msg']}{shown}") from None
    try:
        check_references(file, path, stations, sources, has_threshold)
    except ValueError as e:
        raise ConfigError(str(e)) from None
    return file
