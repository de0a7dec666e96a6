"""What a personal identity code looks like: the one pattern every path into the store checks.

The board stores aggregates only. A Finnish personal identity code
(henkilötunnus) must never reach the store, a wall or a log, whichever way it
comes in: a connector's record (``connectors.mapping``), a notice typed on
``/notices`` (``board.domain.notice``), a file name in a message
(``connectors.files``). Kept in the pure domain so that all of them share it.
"""

from __future__ import annotations

import re

# Finnish personal identity code: ddmmyy, century sign, 3-digit individual number, check character.
# The 2023 reform added the signs Y X W V U (1900s) and B C D E F (2000s).
HETU = re.compile(
    r"(?<![0-9A-Za-z])(0[1-9]|[12]\d|3[01])(0[1-9]|1[0-2])\d{2}[-+ABCDEFUVWXY]\d{3}[0-9A-Y](?![0-9A-Za-z])",
    re.IGNORECASE)


def holds_identity_code(text: str) -> bool:
    """True when ``text`` contains something that looks like a personal identity code."""
    return bool(HETU.search(text))
