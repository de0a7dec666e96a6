"""HTML and tables for figures typed by hand: an entry's line on /manual and the audit list on /sources.

Names and reasons a person typed are escaped (never markdown or HTML); the
audit list is a plain table of strings.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from html import escape

import pandas as pd

from board import formatting as fmt
from board.domain.figures import METRICS
from board.domain.manual import ManualEntry
from board.formatting import fmt_when, format_figure
from board.i18n import t


def figure_name(metric: str, lang: str) -> str:
    """A figure as the wall names it, with its tile ("Takaisinsoitot: odottaa nyt")."""
    return f"{t('family.' + METRICS[metric].family.value, lang)}: {t('fig.' + metric, lang)}"


def allowed(metric: str, lang: str) -> str:
    """The valid range in the page's language: ``kokonaisluku 0–100 000`` (counts), ``0 min–90 vrk`` (ages)."""
    f = METRICS[metric]
    text = f"{format_figure(metric, f.minimum, lang)}–{format_figure(metric, f.maximum, lang)}"
    return f"{t('manual.whole', lang)} {text}" if f.whole else text


def entry_line(e: ManualEntry, now: datetime, stations: Mapping[str, str], lang: str, superseded: bool) -> str:
    """One entry in effect: station, figure, value, who typed it when, until when; and whether a source has
    taken over again (then the wall shows the source's figure)."""
    line = t("manual.entry_line", lang, station=stations.get(e.station, e.station), figure=figure_name(e.metric, lang),
             value=format_figure(e.metric, e.value, lang), entered=fmt_when(e.entered_at, now, lang),
             author=e.author, until=fmt_when(e.expires_at, now, lang))
    note = (f'<p class="manual-superseded">{escape(t("manual.superseded", lang))}</p>' if superseded else "")
    state = "superseded" if superseded else "shown"
    return (f'<div class="manual-entry" data-entry="{e.id}" data-state="{state}" data-metric="{escape(e.metric)}">'
            f'<p>{escape(line)}</p>{note}</div>')


def audit_table(entries: Sequence[ManualEntry], stations: Mapping[str, str], lang: str) -> pd.DataFrame:
    """Every entry, newest first: when, who, station, figure, value, until, withdrawn (when, by whom), reason."""
    def c(name: str) -> str:
        return t(f"manual.col.{name}", lang)

    rows = [{c("entered"): fmt.fmt_stamp(e.entered_at, lang), c("author"): e.author,
             c("station"): stations.get(e.station, e.station), c("figure"): figure_name(e.metric, lang),
             c("value"): format_figure(e.metric, e.value, lang), c("expires"): fmt.fmt_stamp(e.expires_at, lang),
             c("withdrawn"): (t("manual.withdrawn_by", lang, time=fmt.fmt_stamp(e.withdrawn_at, lang),
                                name=e.withdrawn_by or "-") if e.withdrawn_at else ""),
             c("reason"): e.reason}
            for e in entries]
    columns = [c(n) for n in ("entered", "author", "station", "figure", "value", "expires", "withdrawn", "reason")]
    return pd.DataFrame(rows, columns=columns)
