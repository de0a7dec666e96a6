"""All user-facing texts in one place: Finnish first, Swedish and English.

Pages and the CLI call :func:`t`; no page hard-codes a sentence. The texts
are data, in ``board/texts/*.toml`` (a file per page or area; the figures'
texts in ``figures.toml``, a block per figure of the catalogue), so a
translator edits them without touching code:

.. code-block:: toml

    ["wall.updated"]
    fi = "päivitetty {time}"
    sv = "uppdaterad {time}"
    en = "updated {time}"

A missing Swedish or English text falls back to Finnish, and a test checks
that every key has all three. A key defined in two files stops the board at
import, naming both.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

LANGUAGES = ("fi", "sv", "en")
#: Each language in its own words, for the language selector.
LANGUAGE_NAMES = {"fi": "Suomi", "sv": "Svenska", "en": "English"}

TEXT_DIR = Path(__file__).resolve().parent / "texts"


def load_texts(folder: Path = TEXT_DIR) -> dict[str, dict[str, str]]:
    """Every text of every ``*.toml`` in ``folder``: key -> language -> text."""
    texts: dict[str, dict[str, str]] = {}
    where: dict[str, str] = {}
    for path in sorted(folder.glob("*.toml")):
        with path.open("rb") as f:
            for key, entry in tomllib.load(f).items():
                if key in texts:
                    raise ValueError(f"text {key!r} is defined in both {where[key]} and {path.name}")
                texts[key], where[key] = dict(entry), path.name
    return texts


TEXTS: dict[str, dict[str, str]] = load_texts()


def t(key: str, lang: str = "fi", **values: object) -> str:
    """The text for ``key`` in ``lang`` (Finnish if missing), with ``{placeholders}`` filled."""
    entry = TEXTS[key]
    text = entry.get(lang) or entry["fi"]
    return text.format(**values) if values else text


def count(key: str, lang: str, n: int, **values: object) -> str:
    """A count with its noun in agreement: ``key.one`` for exactly one, ``key.other`` for any other number
    (``1 row ignored``, ``2 rows ignored``; ``1 hylätty rivi``, ``2 hylättyä riviä``; ``1 rad avvisad``,
    ``2 rader avvisade``), ``{n}`` filled with the number. Finnish, Swedish and English all have these two forms
    (0 takes the plural in each)."""
    return t(f"{key}.{'one' if n == 1 else 'other'}", lang, n=n, **values)
