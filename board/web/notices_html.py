"""HTML for the notices page: each notice as it was typed, and the line that counts what is left.

Everything a person wrote (text, names) is escaped with ``html.escape``:
never markdown, never raw HTML, so ``**x**`` and ``<script>`` appear as typed.
The look is ``NOTICES_CSS`` in :mod:`board.web.style`.
"""

from __future__ import annotations

from datetime import datetime
from html import escape

from board.domain.notice import MAX_LENGTH, Notice
from board.formatting import fmt_when
from board.i18n import t


def card(n: Notice, now: datetime, stations: str, lang: str) -> str:
    """One notice: the text as written, then where (``stations``, in words), until when, and who wrote it when."""
    if n.withdrawn_at is not None:
        state, timing = "withdrawn", t("notices.withdrawn_at", lang, time=fmt_when(n.withdrawn_at, now, lang),
                                       by=n.withdrawn_by or "-")
    elif n.ends_at <= now:
        state, timing = "ended", t("notices.ended_at", lang, time=fmt_when(n.ends_at, now, lang))
    elif n.starts_at > now:
        state, timing = "upcoming", t("notices.starts_until", lang, start=fmt_when(n.starts_at, now, lang),
                                      end=fmt_when(n.ends_at, now, lang))
    else:
        state, timing = "active", t("notices.until", lang, time=fmt_when(n.ends_at, now, lang))
    meta = " · ".join([stations, timing,
                       t("notices.written", lang, author=n.author, time=fmt_when(n.created_at, now, lang))])
    return (f'<div class="notice-card" data-notice="{n.id}" data-state="{state}">'
            f'<p class="notice-card-text">{escape(n.text)}</p><p class="notice-card-meta">{escape(meta)}</p></div>')


def counter(length: int, lang: str) -> str:
    """How many characters are left (or too many) of what fits on a wall screen."""
    if length > MAX_LENGTH:
        return (f'<p class="notice-count over" data-left="{MAX_LENGTH - length}">'
                f'{escape(t("notices.count_over", lang, n=length - MAX_LENGTH, max=MAX_LENGTH))}</p>')
    return (f'<p class="notice-count" data-left="{MAX_LENGTH - length}">'
            f'{escape(t("notices.count_left", lang, n=MAX_LENGTH - length, max=MAX_LENGTH))}</p>')


def signed_in_author(name: str, lang: str) -> str:
    """The writer from the identity provider: shown, not editable, so it can be trusted."""
    return (f'<p class="notice-author" data-author="signed-in">'
            f'{escape(t("notices.author_signed_in", lang, name=name))}</p>')


def note(key: str, lang: str, css_class: str) -> str:
    """A quiet line of the page's own words (the help under the title, "no notices")."""
    return f'<p class="{css_class}">{escape(t(key, lang))}</p>'
