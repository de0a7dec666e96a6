"""The ``items`` block of a source that delivers items (``deliver: items`` in ``sources.yaml``).

Why a block of its own: a source of items says what its records are (callbacks,
messages, contacts, feedback answers), how it delivers them (``changes`` since
the bookmark, or a ``snapshot`` of every open item), which field is which, and
the key its ids are hashed with. Stations and the time zone of times written
without an offset come from the source's ``mapping`` block, as for readings.
See docs/CONNECTORS.md, "Items".
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from board.domain import kpi
from board.domain.items import OUTCOME_CLASSES, ItemType, metrics_of


def fold(name: object) -> str:
    """A channel name or outcome code as it is matched: case and runs of spaces do not count. APIs and exports
    write ``Puhelin`` and ``Käynti`` where an administrator writes ``puhelin`` in sources.yaml (as the docs'
    own examples do); matched exactly, every such record was refused (a channel) or lost its class (an
    outcome)."""
    return " ".join(str(name).split()).casefold()


def _one_meaning_ignoring_case(names: dict[str, str], what: str) -> dict[str, str]:
    """``names`` unless two of them differ only by case or spaces and mean different things (matched by
    :func:`fold`, which one won would be chance)."""
    seen: dict[str, tuple[str, str]] = {}
    for name, meaning in names.items():
        other = seen.setdefault(fold(name), (name, meaning))
        if other[1] != meaning:
            raise ValueError(f"{what} names {other[0]!r} and {name!r} differ only by case or spaces but mean "
                             f"{other[1]} and {meaning}; names are matched ignoring case: keep one")
    return names


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ItemFields(_Strict):
    """Which field (column, or dotted JSON path) holds what. Only these fields are read; any other is ignored
    (never stored), though every field is still checked for identity codes."""

    #: The item's id in the source (stored only as a keyed hash).
    id: str = "id"
    station: str = "station"
    #: callbacks: created; messages: received; contacts: the contact's time; feedback: when it was answered.
    #: A time may be two fields, the date and the time of day (``[Pvm, Klo]``), as many reports write it.
    start: str | tuple[str, str] = "created"
    #: callbacks: handled; messages: answered; feedback: reacted at. Empty: not yet.
    end: str | tuple[str, str] | None = None
    #: contacts: the channel (translated by ``channels``).
    channel: str | None = None
    #: feedback: the 0–10 answer.
    score: str | None = None
    #: feedback: whether the answer needs a reaction (true/false, 1/0, yes/no, kyllä/ei, K/E).
    needs_reaction: str | None = None
    #: callbacks: the outcome code (translated by ``outcomes``).
    outcome: str | None = None
    #: When the source last changed the item: the bookmark of a ``changes`` source (default: its newest time).
    updated: str | tuple[str, str] | None = None
    #: callbacks, messages: a status column (``Tila``); its values listed in ``statuses`` close an item that has
    #: no ``end`` (closed without an answer).
    status: str | None = None

    def mapped(self) -> dict[str, str | tuple[str, str]]:
        """Each role that has a field, and its field (a time's two fields as a pair)."""
        return {role: f for role, f in self.model_dump().items() if f}

    def columns(self) -> set[str]:
        """Every field mapped, a time's date and time of day each."""
        return {c for f in self.mapped().values() for c in ((f,) if isinstance(f, str) else f)}


class ItemSettings(_Strict):
    item: ItemType
    #: ``changes``: each pull reads the items changed since the bookmark (a later state replaces an earlier one);
    #: ``snapshot``: each pull reads every open item, and one missing from it is closed at the pull's time.
    mode: Literal["changes", "snapshot"] = "changes"
    fields: ItemFields = ItemFields()
    #: The secret the ids are hashed with (HMAC-SHA256): ``${BOARD_ITEM_KEY}`` (environment or secrets.toml).
    id_key: SecretStr
    #: contacts: the source's channel names -> phone, omasote, chat or visit (a name already ours needs none).
    channels: dict[str, str] = {}
    #: callbacks: the source's outcome codes -> resolved, appointment, not_reached, redirected, failure_demand.
    outcomes: dict[str, str] = {}
    #: callbacks, messages: what each of the status column's values means, ``closed`` (``Suljettu: closed``: an
    #: item so closed without an ``end`` stops waiting but is not counted as handled or answered) or ``open``
    #: (``Avoin: open``: still waiting), matched ignoring case and runs of spaces. An item without an ``end``
    #: whose status is listed neither way is refused with the value (connectors/items.py, ``_status``).
    statuses: dict[str, Literal["closed", "open"]] = {}
    #: Closed items are deleted this many days after they closed (their days' figures stay).
    keep_closed_days: int = Field(35, ge=1, le=3660)

    @field_validator("channels")
    @classmethod
    def _channels(cls, v: dict[str, str]) -> dict[str, str]:
        bad = sorted({c for c in v.values() if c not in kpi.ALL_CHANNELS})
        if bad:
            raise ValueError(f"unknown channel(s) {', '.join(bad)}; known: {', '.join(kpi.ALL_CHANNELS)}")
        return _one_meaning_ignoring_case(v, "channel")

    @field_validator("outcomes")
    @classmethod
    def _outcomes(cls, v: dict[str, str]) -> dict[str, str]:
        bad = sorted({c for c in v.values() if c not in OUTCOME_CLASSES})
        if bad:
            raise ValueError(f"unknown outcome class(es) {', '.join(bad)}; known: {', '.join(OUTCOME_CLASSES)}")
        return _one_meaning_ignoring_case(v, "outcome")

    @field_validator("id_key")
    @classmethod
    def _key_long_enough(cls, v: SecretStr) -> SecretStr:
        if len(v.get_secret_value()) < 16:
            raise ValueError("id_key must be at least 16 characters (a random secret, e.g. `openssl rand -hex 32`)")
        return v

    @model_validator(mode="after")
    def _fields_for_the_type(self) -> ItemSettings:
        needed = {ItemType.CALLBACKS: ("end",), ItemType.MESSAGES: ("end",), ItemType.CONTACTS: ("channel",),
                  ItemType.FEEDBACK: ("score",)}[self.item]
        missing = [n for n in needed if getattr(self.fields, n) is None]
        if missing:
            raise ValueError(f"items of type {self.item.value} need fields.{', fields.'.join(missing)}")
        if (self.fields.status is None) != (not self.statuses):
            raise ValueError("fields.status and statuses go together: the status column, and which of its values "
                             "mean closed (e.g. statuses: {Suljettu: closed})")
        if self.fields.status is not None and self.item not in (ItemType.CALLBACKS, ItemType.MESSAGES):
            raise ValueError(f"fields.status closes callbacks and messages only, not {self.item.value}")
        _one_meaning_ignoring_case(dict(self.statuses), "status")
        return self


def plan(source: Any) -> tuple[tuple[ItemType, ...], str, bool, int]:
    """What a source delivering items delivers: its item types, ``changes`` or ``snapshot``, whether callbacks
    carry outcome classes (an ``outcome`` field is mapped), and how many days closed items are kept. The demo
    (``type: demo, deliver: items``: no ``items`` block) delivers all four types, with outcomes, by changes.

    One answer for the collector (what it counts, board/item_collect.py) and the read side (what a source is
    expected to deliver: board/read/sources.py, board/read/tracked.py), so /sources and "Ei seurata" never
    disagree with what is stored."""
    settings = getattr(source, "items", None)
    if settings is None:  # the demo (connectors/demo_items.py)
        return tuple(ItemType), "changes", True, 35
    return (settings.item,), settings.mode, settings.fields.outcome is not None, settings.keep_closed_days


def item_metrics(source: Any) -> tuple[str, ...]:
    """The stored metrics a source delivering items gives: each of its item types' (board/domain/items.py
    ``METRICS_OF``), with the outcome classes' daily counts when callbacks carry outcomes."""
    types, _, outcomes, _ = plan(source)
    return tuple(m for kind in types for m in metrics_of(kind, outcomes))
