"""Administrator messages with a stable code: English in logs and on the command line, the UI's language on pages.

Why: connectors write why they refused a row or a file, and why a pull failed, as English sentences ("file
jono.csv line 3: unknown station 'Kajaanii'"), while the Sources page is Finnish (Swedish and English
selectable). A :class:`Reason` *is* that English sentence (a ``str``: logs, ``collect``/``check``/``status``,
the reason files in ``rejected/`` and every older reader keep working unchanged) and carries a ``code`` and the
``params`` the sentence was made of, so the pages render it through ``board/texts/reasons.toml`` in the chosen
language (:mod:`board.web.reasons`). A param may itself be a Reason: a file's line wraps the row's reason.

Stored in the text columns that held the sentence (``collector_rejects.reason``, ``collector_runs.error``) as
:data:`PREFIX` + JSON (:func:`encode`, :func:`decode`), so no schema change was needed; a stored plain text (a
row recorded before reasons had codes, or a message no code covers yet) reads back as that plain English
string, and the page shows it as it is.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Union

#: Marks a stored reason with a code (``reason:v1:{"c": code, "t": English, "p": params}``).
PREFIX = "reason:v1:"
#: The longest parameter kept (a value quoted from a source is cut, as the sentence is).
MAX_PARAM = 200
#: The longest stored form; a longer one is stored as its plain sentence (never cut into broken JSON).
MAX_STORED = 2000

Param = Union[str, int, float, "Reason"]


class Reason(str):
    """An English administrator's message (its ``str`` value) with a ``code`` and the ``params`` it was made of."""

    code: str
    params: dict[str, Param]

    def __new__(cls, code: str, text: str, **params: Param) -> Reason:
        obj = super().__new__(cls, text)
        obj.code = code
        obj.params = params
        return obj

    def __reduce__(self) -> tuple[Any, ...]:  # across the worker's pipe (connectors/isolated.py) with its code
        return (_rebuild, (self.code, str(self), self.params))

    def __repr__(self) -> str:
        return f"Reason({self.code!r}, {str(self)!r})"

    def map_text(self, fn: Callable[[str], str]) -> Reason:
        """This reason with ``fn`` (masking secrets, bounding the length) applied to its sentence and every text
        parameter, nested reasons too, keeping the code."""
        return Reason(self.code, fn(str(self)), **{k: map_text(v, fn) if isinstance(v, str) else v
                                                     for k, v in self.params.items()})


def _rebuild(code: str, text: str, params: dict[str, Param]) -> Reason:
    return Reason(code, text, **params)


def map_text(text: str, fn: Callable[[str], str]) -> str:
    """``fn(text)``, keeping a :class:`Reason`'s code and applying ``fn`` to its parameters too."""
    return text.map_text(fn) if isinstance(text, Reason) else fn(text)


def reason_of(error: BaseException) -> str:
    """What an exception says: the :class:`Reason` it was raised with, else its message."""
    first = error.args[0] if len(error.args) == 1 else None
    return first if isinstance(first, Reason) else str(error)


# ------------------------------------------------------------------ storage
def encode(text: str) -> str:
    """A reason as stored: :data:`PREFIX` + JSON for a :class:`Reason`, the plain text otherwise."""
    if not isinstance(text, Reason):
        return text
    stored = PREFIX + json.dumps(_to_json(text), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return stored if len(stored) <= MAX_STORED else str(text)[:MAX_STORED]


def decode(stored: str) -> str:
    """What :func:`encode` stored: a :class:`Reason`, or the plain text (older rows) as it is."""
    if not stored.startswith(PREFIX):
        return stored
    try:
        return _from_json(json.loads(stored[len(PREFIX):]))
    except (ValueError, KeyError, TypeError):  # not ours after all: show what is there
        return stored


def _to_json(reason: Reason) -> dict[str, Any]:
    params = {k: _to_json(v) if isinstance(v, Reason) else _bounded(v) for k, v in reason.params.items()}
    return {"c": reason.code, "t": str(reason), "p": params}


def _bounded(value: Param) -> Param:
    if isinstance(value, str) and len(value) > MAX_PARAM:
        return value[: MAX_PARAM - 1] + "…"
    return value


def _from_json(data: dict[str, Any]) -> Reason:
    params = {k: _from_json(v) if isinstance(v, dict) else v for k, v in data["p"].items()}
    return Reason(str(data["c"]), str(data["t"]), **params)
