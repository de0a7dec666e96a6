"""An administrator's message in the UI's language, for the pages: :func:`board.reason_words.reason_text`.

The rendering lives in :mod:`board.reason_words`, outside the web layer, because the files connector words the
reason files it writes beside a file (``NAME.reason.txt``) in the board's language too, and connectors never
import the pages.
"""

from __future__ import annotations

from board.reason_words import reason_text

__all__ = ["reason_text"]
