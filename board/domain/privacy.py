"""What a personal identity code looks like: the one guard every path into the store checks.

The board stores aggregates only. A Finnish personal identity code
(henkilötunnus) must never reach the store, a wall or a log, whichever way it
comes in: a connector's record (``connectors.mapping``), a notice typed on
``/notices`` (``board.domain.notice``), a file name or a file's content in a
message or on disk (``connectors.files``), an API's answer (``connectors.rest``).
Kept in the pure domain so that all of them share it.

A code is ``ddmmyy``, a century sign, a three-digit individual number and a
check character, however it is typed:

* the century sign ``+`` (1800s), ``-`` ``Y X W V U`` (1900s) or ``A B C D E
  F`` (2000s; the 2023 reform added all but ``-``/``+``/``A``), and the hyphen
  as word processors and phones write it: en dash, em dash, minus sign,
  non-breaking hyphen;
* with a space on either side of the sign or before the check character;
* glued to letters (``hetu010190-123M``, ``HETU:010190-123M``).

The check character (the nine digits modulo 31) must match: a date
(``01.01.1990``), a time span or a phone number (``040-1234567``) is not a
code, and a random ``ddmmyy-nnnX`` is one only by a 1-in-31 chance.
"""

from __future__ import annotations

import re
from collections.abc import Callable

CHECK_CHARACTERS = "0123456789ABCDEFHJKLMNPRSTUVWXY"
#: Hyphens as typed: hyphen-minus, hyphen, non-breaking hyphen, figure dash, en dash, em dash, minus sign.
_HYPHENS = "\\-\u2010\u2011\u2012\u2013\u2014\u2212"
_SPACE = "[ \u00a0\u202f]?"

#: A candidate (date part, sign, number, check character; not yet checked): use :func:`holds_identity_code`.
HETU = re.compile(
    rf"(?<!\d)((?:0[1-9]|[12]\d|3[01])(?:0[1-9]|1[0-2])\d{{2}}){_SPACE}([{_HYPHENS}+ABCDEFUVWXY]){_SPACE}(\d{{3}})"
    rf"{_SPACE}([0-9A-Y])(?![0-9])",
    re.IGNORECASE)


def _valid(match: re.Match[str]) -> bool:
    digits = match.group(1) + match.group(3)
    return CHECK_CHARACTERS[int(digits) % 31] == match.group(4).upper()


def identity_codes(text: str) -> list[re.Match[str]]:
    """Every identity code in ``text`` (its check character valid)."""
    return [m for m in HETU.finditer(text) if _valid(m)]


def holds_identity_code(text: str) -> bool:
    """True when ``text`` contains a personal identity code, however it is written (see the module)."""
    return any(_valid(m) for m in HETU.finditer(text))


def redact_identity_codes(text: str, replacement: str | Callable[[re.Match[str]], str]) -> str:
    """``text`` with every identity code replaced (other digits, dates and phone numbers kept)."""
    def sub(match: re.Match[str]) -> str:
        if not _valid(match):
            return match.group(0)
        return replacement(match) if callable(replacement) else replacement

    return HETU.sub(sub, text)
