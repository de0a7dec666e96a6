"""An administrator's message (a refusal reason, a run's error) in the UI's language: the pages and the reason files.

The connectors and the collector record a :class:`~board.domain.reasons.Reason`: the English sentence (what
logs, the command line and the reason files in ``rejected/`` say) with a ``code`` and its ``params``. Here the
code picks ``reason.<code>`` from ``board/texts/reasons.toml``, and the params fill it: a nested reason is
rendered the same way, a number gets the language's decimal mark, and a few words (``line``/``row``,
``column``/``field``, a figure's unit) are translated. Anything without a code — a run recorded before reasons
had codes, a message no code covers yet, a third-party connector's text — is shown as it was stored.

What a source sent is quoted in the params as the connector quoted it (short, escaped, never an identity code);
the caller escapes the result for HTML as before.
"""

from __future__ import annotations

from board.domain.reasons import Reason
from board.i18n import TEXTS, t

#: Params whose value is a word to translate (``reason.unit.line``, ``reason.what.column``, ``reason.kind.object``).
_WORDS = ("unit", "what", "kind")


def reason_text(reason: str, lang: str) -> str:
    """``reason`` in ``lang``: through its code's text when it has one, else as stored (English)."""
    if not isinstance(reason, Reason):
        return str(reason)
    key = _key(reason)
    if key not in TEXTS:
        return str(reason)
    values = {key: _param(key, value, lang) for key, value in reason.params.items()}
    entry = TEXTS[key]
    try:
        return (entry.get(lang) or entry["fi"]).format(**values)  # (always filled: t() leaves {x} when no params)
    except (KeyError, IndexError, ValueError):  # a text asking for a param this reason lacks: never hide it
        return str(reason)


def _key(reason: Reason) -> str:
    """The text's key: ``reason.<code>``, or for a count ``reason.<code>.one`` / ``.other`` by its ``n`` (``1 more
    problem``, ``2 more problems``: board.i18n.count)."""
    key = f"reason.{reason.code}"
    n = reason.params.get("n")
    if f"{key}.one" in TEXTS and isinstance(n, int) and not isinstance(n, bool):
        return f"{key}.{'one' if n == 1 else 'other'}"
    return key


def _param(key: str, value: object, lang: str) -> str:
    if isinstance(value, Reason):
        return reason_text(value, lang)
    if isinstance(value, str):
        word = f"reason.{key}.{value}"
        return t(word, lang) if key in _WORDS and word in TEXTS else value
    if isinstance(value, int | float) and not isinstance(value, bool):
        text = f"{value:g}"
        return text if lang == "en" else text.replace(".", ",")
    return str(value)
