"""HTML for the Sources page: a card per source, worst first, and a freshness grid.

A failing or late source must stand out from across a desk: a coloured
border and band, its own icon shape and a word, and the error in plain
words right under the name. Every text that came from a source (error
messages, reasons) is escaped.
"""

from __future__ import annotations

from datetime import datetime
from html import escape

from board import formatting as fmt
from board.domain.metrics import Family
from board.domain.source_health import SourceHealth
from board.domain.status import Status
from board.i18n import t
from board.source_status import Freshness, SourceStatus
from board.web.icons import status_icon

#: Health -> (status whose icon shape it borrows, colour of the band, text colour on the band).
_LOOK = {
    SourceHealth.OK: (Status.OK, "#18794a", "#ffffff"),
    SourceHealth.FAILING: (Status.ALERT, "#c62828", "#ffffff"),
    SourceHealth.LATE: (Status.STALE, "#f5b301", "#111111"),
    SourceHealth.STALE: (Status.STALE, "#f5b301", "#111111"),
    SourceHealth.NEVER: (Status.NO_DATA, "#4a5565", "#ffffff"),
    SourceHealth.DISABLED: (Status.NEUTRAL, "#8a94a3", "#ffffff"),
}

SOURCES_CSS = """
.src-summary { font-size: 1.15rem; font-weight: 700; margin: .2rem 0 .8rem; }
.src-card { border: 2px solid #d5dbe3; border-left-width: 12px; border-radius: 8px; padding: .7rem 1rem;
            margin-bottom: .9rem; background: #ffffff; }
.src-head { display: flex; align-items: center; gap: .8rem; flex-wrap: wrap; }
.src-name { font-size: 1.35rem; font-weight: 800; }
.src-kind { color: #4a5565; font-size: 1rem; }
.src-badge { display: inline-flex; align-items: center; gap: .35rem; padding: .15rem .6rem; border-radius: 999px;
             font-weight: 800; }
.src-badge img { width: 1.15em; height: 1.15em; }
.src-facts { display: flex; gap: 2rem; flex-wrap: wrap; margin: .5rem 0 .2rem; color: #1f2933; }
.src-facts b { display: block; font-size: .85rem; color: #4a5565; font-weight: 600; }
.src-error { background: #fdecea; border: 1px solid #c62828; color: #7a1712; border-radius: 6px; padding: .5rem .7rem;
             margin-top: .5rem; font-size: 1.05rem; white-space: pre-wrap; word-break: break-word; }
.src-error .what { font-weight: 800; display: block; margin-bottom: .2rem; }
.src-pulling { background: #e7f0fb; border: 1px solid #0b5cab; color: #0a3d73; border-radius: 6px;
  padding: .35rem .7rem; margin: .3rem 0; font-weight: 600; }
.src-hint { background: #fff6d6; border: 1px solid #b58400; color: #3d2e00; border-radius: 6px; padding: .45rem .7rem;
            margin-top: .5rem; }
.src-past { color: #4a5565; margin-top: .4rem; font-size: .92rem; }
.fresh-grid { border-collapse: collapse; margin-top: .4rem; font-size: .95rem; }
.fresh-grid th, .fresh-grid td { padding: .25rem .6rem; border-bottom: 1px solid #e3e8ee; text-align: left; }
.fresh-grid th { background: #eef2f6; }
.fresh-ok { color: #146c3f; font-weight: 700; } .fresh-old { color: #8a5a00; font-weight: 800; }
.fresh-none { color: #8a94a3; }
"""


def _age(now: datetime, then: datetime | None, lang: str = "fi") -> str:
    return "–" if then is None else fmt.fmt_minutes((now - then).total_seconds() / 60, lang).replace("\u00a0", " ")


def _when(ts: datetime | None, now: datetime, lang: str) -> str:
    if ts is None:
        return t("sources.never", lang)
    day = "" if fmt.fmt_date(ts, lang) == fmt.fmt_date(now, lang) else fmt.fmt_date(ts, lang) + " "
    if (now - ts).total_seconds() < 60:
        ago = t("sources.just_now", lang)
    else:
        ago = t("sources.ago", lang, age=_age(now, ts, lang))
    return f"{day}{fmt.fmt_time(ts, lang)} ({ago})"


def _seconds(n: int, lang: str = "fi") -> str:
    return fmt.fmt_minutes(n / 60, lang).replace("\u00a0", " ") if n >= 60 else f"{n} s"


def render_summary(statuses: list[SourceStatus], lang: str) -> str:
    active = [s for s in statuses if s.health is not SourceHealth.DISABLED]
    ok = sum(s.health is SourceHealth.OK for s in active)
    return (f'<style>{SOURCES_CSS}</style><div class="src-summary" data-ok="{ok}" data-total="{len(active)}">'
            f'{escape(t("sources.summary", lang, ok=ok, total=len(active)))}</div>')


def render_card(st_: SourceStatus, lang: str) -> str:
    status, band, ink = _LOOK[st_.health]
    src, now = st_.source, st_.now
    icon = status_icon(status, ink, band)
    badge = (f'<span class="src-badge" style="background:{band};color:{ink}">{icon}'
             f'{escape(t("health." + st_.health.value, lang))}</span>')
    schedule = t("sources.schedule", lang, interval=_seconds(src.interval_seconds, lang),
                 stale=_seconds(src.stale_after_seconds, lang))
    head = (f'<div class="src-head"><span class="src-name">{escape(src.name)}</span>'
            f'<span class="src-kind">{escape(t("kind." + src.type, lang))} · {escape(schedule)}</span>'
            f'{badge}</div>')
    run = st_.last_run
    run_text = t("sources.never", lang) if run is None else (
        f'{_when(run.started_at, now, lang)}: ' + t("sources.run_line", lang, rows=fmt.fmt_int(run.rows),
                                                   rejected=fmt.fmt_int(run.rejected),
                                                   seconds=fmt.fmt_decimal(run.seconds, 1)))
    facts = (f'<div class="src-facts"><div><b>{escape(t("sources.last_success", lang))}</b>'
             f'{escape(_when(st_.last_success, now, lang))}</div>'
             f'<div><b>{escape(t("sources.newest", lang))}</b>{escape(_when(st_.newest_reading, now, lang))}</div>'
             f'<div><b>{escape(t("sources.last_run", lang))}</b>{escape(run_text)}</div></div>')
    pulling = ""
    if st_.pulling_since is not None:
        seconds = max(0, int((now - st_.pulling_since).total_seconds()))
        text = t("sources.pulling", lang, seconds=fmt.fmt_int(seconds), time=fmt.fmt_time(st_.pulling_since, lang))
        pulling = f'<div class="src-pulling" data-pulling-seconds="{seconds}">{escape(text)}</div>'
    parts = [head, pulling, facts, _problem(st_, lang)]
    return (f'<div class="src-card" data-source="{escape(src.name)}" data-health="{st_.health.value}" '
            f'style="border-left-color:{band}">{"".join(parts)}</div>')


def _problem(st_: SourceStatus, lang: str) -> str:
    now = st_.now
    if st_.health is SourceHealth.FAILING and st_.last_run is not None:
        run = st_.last_run
        kind = t(f"errkind.{run.error_kind or 'error'}", lang)
        what = t("sources.error", lang, time=fmt.fmt_time(run.started_at, lang), kind=kind)
        if st_.consecutive_failures > 1:
            what += t("sources.in_a_row", lang, n=st_.consecutive_failures)
        return (f'<div class="src-error" role="alert"><span class="what">{escape(what)}</span>'
                f'{escape(run.error or "")}</div>')
    hint = ""
    if st_.health is SourceHealth.LATE and st_.last_run is not None:
        hint = t("sources.hint.late", lang, age=_age(now, st_.last_run.finished_at, lang))
    elif st_.health is SourceHealth.STALE:
        hint = t("sources.hint.stale", lang, age=_age(now, st_.newest_reading, lang))
    elif st_.health is SourceHealth.NEVER and st_.pulling_since is None:  # (pulling: the line above says so)
        hint = t("sources.hint.never", lang, name=st_.source.name)
    out = f'<div class="src-hint">{escape(hint)}</div>' if hint else ""
    past = st_.last_failure
    if past is not None and st_.health is not SourceHealth.FAILING:
        kind = t(f"errkind.{past.error_kind or 'error'}", lang)
        what = t("sources.previous_error", lang, time=_when(past.started_at, now, lang), kind=kind)
        out += f'<div class="src-past">{escape(what)}: {escape(past.error or "")}</div>'

    return out


def render_freshness(st_: SourceStatus, lang: str) -> str:
    """Stations down, tile families across: the age of the oldest metric of each family from this source."""
    head = "".join(f"<th>{escape(t('family.' + f.value, lang))}</th>" for f in Family)
    rows = []
    for code, _metrics in st_.freshness.items():
        cells = "".join(_cell(st_.family_freshness(code)[f], st_.now, lang) for f in Family)
        rows.append(f'<tr data-station="{escape(code)}"><th scope="row">{escape(code)}</th>{cells}</tr>')
    return (f'<style>{SOURCES_CSS}</style><table class="fresh-grid"><thead><tr><th></th>{head}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table>')


def _cell(item: Freshness | None, now: datetime, lang: str) -> str:
    if item is None:
        return f'<td class="fresh-none" data-fresh="none">{escape(t("sources.not_delivered", lang))}</td>'
    if item.ts is None:
        return f'<td class="fresh-old" data-fresh="missing">✕ {escape(t("status.no_data", lang))}</td>'
    cls, mark, state = ("fresh-ok", "✓", "fresh") if item.fresh else ("fresh-old", "⚠", "stale")
    return f'<td class="{cls}" data-fresh="{state}">{mark} {escape(_age(now, item.ts, lang))}</td>'
