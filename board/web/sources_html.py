"""HTML and tables for the Sources page: a card per source, worst first, a freshness grid, runs and rejects.

A failing or late source must stand out from across a desk: a coloured
border and band, its own icon shape and a word, and the error in plain
words right under the name. Every text that came from a source (error
messages, reasons) is escaped.
"""

from __future__ import annotations

from datetime import datetime
from html import escape

import pandas as pd

from board import formatting as fmt
from board.domain.figures import METRICS, Family
from board.domain.reasons import Reason
from board.domain.source_health import SourceHealth
from board.i18n import TEXTS, t
from board.read.overlaps import Overlap, SeenOverlap
from board.read.sources import ChannelStatus, Freshness, RunSummary, SourceStatus
from board.source_settings import SourceBase
from board.web.icons import status_icon
from board.web.palette import HEALTH
from board.web.reasons import reason_text


def _when(ts: datetime | None, now: datetime, lang: str) -> str:
    if ts is None:
        return t("sources.never", lang)
    day = "" if fmt.fmt_date(ts, lang) == fmt.fmt_date(now, lang) else fmt.fmt_date(ts, lang) + " "
    if (now - ts).total_seconds() < 60:
        ago = t("sources.just_now", lang)
    else:
        ago = t("sources.ago", lang, age=fmt.fmt_age(now, ts, lang))
    return f"{day}{fmt.fmt_time(ts, lang)} ({ago})"


def worded(key: str, source: SourceBase, lang: str, **values: object) -> str:
    """The text ``key`` in words that fit how ``source`` delivers: a push source sends, it is not pulled, so
    its "haku" texts have a ``<key>_push`` twin ("Viimeisin lähetys" for "Viimeisin haku")."""
    push_key = f"{key}_push"
    return t(push_key if not source.is_pulled() and push_key in TEXTS else key, lang, **values)


def render_summary(statuses: list[SourceStatus], lang: str) -> str:
    active = [s for s in statuses if s.health is not SourceHealth.DISABLED]
    ok = sum(s.health is SourceHealth.OK for s in active)
    return (f'<div class="src-summary" data-ok="{ok}" data-total="{len(active)}">'
            f'{escape(t("sources.summary", lang, ok=ok, total=len(active)))}</div>')


def render_overlaps(configured: list[Overlap], seen: list[SeenOverlap], lang: str,
                    names: dict[str, str] | None = None) -> str:
    """Two enabled sources of one figure for one station (board/read/overlaps.py): what the configuration allows
    and what the store shows now, with which source the wall shows and what to do ("" when there is none).

    ``names``: station code -> name, so a station reads as the staff know it, its code (what sources.yaml and
    the URLs use) beside it."""
    if not configured and not seen:
        return ""
    both = t("sources.overlap.and", lang)

    def stations_of(codes: tuple[str, ...]) -> str:
        return ", ".join(f"{names[c]} ({c})" if names and c in names else c for c in codes)

    items = []
    for o in configured:
        stations = t("sources.overlap.every", lang) if o.every_station else stations_of(o.stations)
        text = t("sources.overlap.configured", lang, a=o.sources[0], b=o.sources[1],
                 metrics=", ".join(_metric(m, lang) for m in o.metrics), stations=stations)
        items.append(f'<li data-overlap="configured" data-sources="{escape(" ".join(o.sources))}">{escape(text)}</li>')
    for s in seen:
        text = t("sources.overlap.seen", lang, metric=_metric(s.metric, lang), stations=stations_of(s.stations),
                 sources=both.join(s.sources), shown=s.shown)
        items.append(f'<li data-overlap="seen" data-sources="{escape(" ".join(s.sources))}" '
                     f'data-shown="{escape(s.shown)}">{escape(text)}</li>')
    return (f'<div class="src-overlaps" role="status"><span class="what">{escape(t("sources.overlap.title", lang))}'
            f'</span><ul>{"".join(items)}</ul>{escape(t("sources.overlap.rule", lang))}</div>')


def _metric(code: str, lang: str) -> str:
    """A metric in the page's words with its code (the name sources.yaml uses)."""
    key = "fig." + code
    return f"{t(key, lang)} ({code})" if key in TEXTS else code


def render_card(st_: SourceStatus, lang: str) -> str:
    status, look = HEALTH[st_.health]
    src, now = st_.source, st_.now
    icon = status_icon(status, look.ink, look.fill)
    badge = (f'<span class="src-badge">{icon}'
             f'{escape(worded("health." + st_.health.value, src, lang))}</span>')
    schedule_key = "sources.schedule" if src.is_pulled() else "sources.schedule_push"
    schedule = t(schedule_key, lang, interval=fmt.fmt_seconds(src.interval_seconds, lang),
                 stale=fmt.fmt_seconds(src.stale_after_seconds, lang))
    head = (f'<div class="src-head"><span class="src-name">{escape(src.name)}</span>'
            f'<span class="src-kind">{escape(t("kind." + src.type, lang))} · {escape(schedule)}</span>'
            f'{badge}</div>')
    run = st_.last_run
    run_text = t("sources.never", lang) if run is None else f'{_when(run.started_at, now, lang)}: {run_line(run, lang)}'

    facts = (f'<div class="src-facts"><div><b>{escape(worded("sources.last_success", src, lang))}</b>'
             f'{escape(_when(st_.last_success, now, lang))}</div>'
             f'<div><b>{escape(t("sources.newest", lang))}</b>{escape(_when(st_.newest_reading, now, lang))}</div>'
             f'<div><b>{escape(worded("sources.last_run", src, lang))}</b>{escape(run_text)}</div>'
             f'{_read_run(st_, lang)}</div>')
    pulling = ""
    if st_.pulling_since is not None:
        seconds = max(0, int((now - st_.pulling_since).total_seconds()))
        text = t("sources.pulling", lang, seconds=fmt.fmt_int(seconds), time=fmt.fmt_time(st_.pulling_since, lang))
        pulling = f'<div class="src-pulling" data-pulling-seconds="{seconds}">{escape(text)}</div>'
    parts = [head, pulling, facts, _problem(st_, lang), _refusals(st_, lang)]
    return (f'<div class="src-card h-{st_.health.value}" data-source="{escape(src.name)}" '
            f'data-health="{st_.health.value}">{"".join(parts)}</div>')


def _read_run(st_: SourceStatus, lang: str) -> str:
    """Beside the newest pull: the newest run that read a file, when the newest pull found none (files sources)."""
    run = st_.read_run
    if run is None:
        return ""
    text = f'{_when(run.started_at, st_.now, lang)}: {run_line(run, lang)}'
    return f'<div data-read-run="{run.id}"><b>{escape(t("sources.last_file_run", lang))}</b>{escape(text)}</div>'


def run_line(run: RunSummary, lang: str) -> str:
    """The run ledger in a line: "luettu 82 · tallennettu 80 · hylätty 2 · ohitettu 0 · 160 lukemaa · 0,4 s" (a failed
    write adds "ei kirjoitettu 6" after "ohitettu")."""
    seconds = fmt.fmt_decimal(run.seconds, 1)
    if run.rows_read is None:
        return t("sources.run_line_uncounted", lang, readings=fmt.fmt_int(run.rows), refused=fmt.fmt_int(run.rejected),
                 seconds=seconds)
    # a failed run's rows that passed the checks but whose write never committed: "ei kirjoitettu 6"
    key, unwritten = ("sources.run_line_unwritten", fmt.fmt_int(run.rows_unwritten)) if run.rows_unwritten else (
        "sources.run_line", "")
    text = t(key, lang, read=fmt.fmt_int(run.rows_read), stored=fmt.fmt_int(run.rows_stored or 0),
             refused=fmt.fmt_int(run.rows_refused), ignored=fmt.fmt_int(run.rows_ignored), unwritten=unwritten,
             readings=fmt.fmt_int(run.rows), seconds=seconds)
    if run.duplicates:
        text += t("sources.duplicates", lang, n=fmt.fmt_int(run.duplicates))
    return text


#: How many reasons the warning lists (all of them are in the 24-hour table below the card).
FIRST_REASONS = 3


def _refusals(st_: SourceStatus, lang: str) -> str:
    """The warning of a run that refused something, or whose rows do not add up: counts and the first reasons."""
    run = st_.warning
    if run is None or st_.health is not SourceHealth.PARTIAL:
        return ""
    lines = []
    when = worded("sources.partial_when", st_.source, lang, time=_when(run.started_at, st_.now, lang))
    if run.refused or run.rejected:
        if run.rows_read is None or (run.rows_refused == 0 and run.rejected):
            what = t("sources.partial_uncounted", lang, refused=fmt.fmt_int(run.rejected))
        else:
            what = t("sources.partial", lang, refused=fmt.fmt_int(run.rows_refused), read=fmt.fmt_int(run.rows_read))
        lines.append(f'<span class="what">{escape(what)} · {escape(when)}</span>')
        reasons = sorted(st_.data_run_rejects.items(), key=lambda kv: -kv[1])[:FIRST_REASONS]
        if reasons:
            items = "".join(f"<li>{escape(reason_text(reason, lang))} ({fmt.fmt_int(n)})</li>" for reason, n in reasons)
            lines.append(f'<div class="src-reasons"><b>{escape(t("sources.first_reasons", lang))}</b>'
                         f"<ul>{items}</ul></div>")
    if run.unaccounted:
        accounted = (run.rows_stored or 0) + run.rows_refused + run.rows_ignored + run.rows_unwritten
        text = t("sources.unaccounted", lang, read=fmt.fmt_int(run.rows_read or 0), accounted=fmt.fmt_int(accounted),
                 missing=fmt.fmt_int(run.unaccounted))
        lines.append(f'<div class="src-unaccounted" data-unaccounted="{run.unaccounted}">{escape(text)}</div>')
    return (f'<div class="src-refused" role="status" data-refused="{run.refused}" '
            f'data-read="{"" if run.rows_read is None else run.rows_read}">{"".join(lines)}</div>')


#: Errors of a login the source refused: the password or token may be wrong or missing. Not
#: ``http_wants_credentials``: it means the source has no ``auth`` at all, so there is no credential to name (a
#: ``${NAME}`` elsewhere, say in the URL, is none) and none written in sources.yaml to move.
LOGIN_REFUSED = frozenset({"http_credentials_refused", "db_login_failed", "db_login_failed_anonymous"})


def _secret_hint(st_: SourceStatus, lang: str) -> str:
    """Under a refused login: the ``${NAME}`` secrets the source's settings use and where to set them (names,
    never values), so the administrator knows which one to fix without reading sources.yaml."""
    error = st_.last_run.error if st_.last_run is not None else None
    if not isinstance(error, Reason) or error.code not in LOGIN_REFUSED:
        return ""
    if not st_.secrets:
        return f'<div class="secret-hint">{escape(t("sources.secret_none", lang))}</div>'
    names = ", ".join(f"${{{n}}}" for n in st_.secrets)
    return (f'<div class="secret-hint" data-secrets="{escape(" ".join(st_.secrets))}">'
            f'{escape(t("sources.secret_hint", lang, names=names, vars=", ".join(st_.secrets)))}</div>')


def _unwritten(run: RunSummary, source: SourceBase, lang: str) -> str:
    """Under a failed run's error: how many rows it read and checked but could not write, and that nothing of them
    is stored; the next run reads them again (its bookmark and files stay where they were)."""
    if not run.rows_unwritten:
        return ""
    text = worded("sources.unwritten", source, lang, n=fmt.fmt_int(run.rows_unwritten),
                  read=fmt.fmt_int(run.rows_read or 0), stored=fmt.fmt_int(run.rows_stored or 0))
    return f'<div class="src-unwritten" data-unwritten="{run.rows_unwritten}">{escape(text)}</div>'


def _problem(st_: SourceStatus, lang: str) -> str:
    now = st_.now
    if st_.health is SourceHealth.FAILING and st_.last_run is not None:
        run = st_.last_run
        kind = t(f"errkind.{run.error_kind or 'error'}", lang)
        what = t("sources.error", lang, time=fmt.fmt_time(run.started_at, lang), kind=kind)
        if st_.consecutive_failures > 1:
            what += t("sources.in_a_row", lang, n=st_.consecutive_failures)
        return (f'<div class="src-error" role="alert"><span class="what">{escape(what)}</span>'
                f'{escape(reason_text(run.error or "", lang))}{_secret_hint(st_, lang)}'
                f'{_unwritten(run, st_.source, lang)}</div>')
    hint = ""
    if st_.health is SourceHealth.LATE and st_.last_run is not None:
        hint = worded("sources.hint.late", st_.source, lang, age=fmt.fmt_age(now, st_.last_run.finished_at, lang))
    elif st_.health is SourceHealth.STALE:
        hint = worded("sources.hint.stale", st_.source, lang, age=fmt.fmt_age(now, st_.newest_reading, lang))
    elif st_.health is SourceHealth.NEVER and st_.pulling_since is None:  # (pulling: the line above says so)
        hint = worded("sources.hint.never", st_.source, lang, name=st_.source.name)
    out = f'<div class="src-hint">{escape(hint)}</div>' if hint else ""
    past = st_.last_failure
    if past is not None and st_.health is not SourceHealth.FAILING:
        kind = t(f"errkind.{past.error_kind or 'error'}", lang)
        what = t("sources.previous_error", lang, time=_when(past.started_at, now, lang), kind=kind)
        out += f'<div class="src-past">{escape(what)}: {escape(reason_text(past.error or "", lang))}</div>'

    return out


def render_freshness(st_: SourceStatus, lang: str) -> str:
    """Stations down, tile families across: the age of the oldest metric of each family from this source."""
    head = "".join(f"<th>{escape(t('family.' + f.value, lang))}</th>" for f in Family)
    rows = []
    for code, _metrics in st_.freshness.items():
        cells = "".join(_cell(st_.family_freshness(code)[f], st_.now, lang) for f in Family)
        rows.append(f'<tr data-station="{escape(code)}"><th scope="row">{escape(code)}</th>{cells}</tr>')
    return (f'<table class="fresh-grid"><thead><tr><th></th>{head}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table>')


def _cell(item: Freshness | None, now: datetime, lang: str) -> str:
    if item is None:
        return f'<td class="fresh-none" data-fresh="none">{escape(t("sources.not_delivered", lang))}</td>'
    if item.ts is None:
        return f'<td class="fresh-old" data-fresh="missing">✕ {escape(t("status.no_data", lang))}</td>'
    cls, mark, state = ("fresh-ok", "✓", "fresh") if item.fresh else ("fresh-old", "⚠", "stale")
    return f'<td class="{cls}" data-fresh="{state}">{mark} {escape(fmt.fmt_age(now, item.ts, lang))}</td>'


# ------------------------------------------------------------------ tables
def rejects_table(st_: SourceStatus, lang: str) -> pd.DataFrame:
    """The last 24 hours' rejected rows by reason, most first."""
    return pd.DataFrame([(reason_text(reason, lang), n) for reason, n in sorted(st_.day_rejects.items(),
                                                                                  key=lambda kv: -kv[1])],
                        columns=[t("sources.reason", lang), t("sources.count", lang)])


def runs_table(st_: SourceStatus, lang: str) -> pd.DataFrame:
    """The recent runs, newest first."""
    return pd.DataFrame([{
        t("sources.col.started", lang): fmt.fmt_stamp(r.started_at, lang),
        t("sources.col.ok", lang): {"ok": "✓", "partial": "⚠"}.get(r.state, "✕"),
        t("sources.col.read", lang): r.rows_read,  # (empty when the connector counts no rows)
        t("sources.col.stored", lang): r.rows_stored,
        t("sources.col.rejected", lang): r.refused,
        t("sources.col.ignored", lang): r.rows_ignored,
        t("sources.col.unwritten", lang): r.rows_unwritten,
        t("sources.col.rows", lang): r.rows,
        t("sources.col.seconds", lang): round(r.seconds, 1),
        t("sources.col.error", lang): reason_text(r.error or "", lang),
        t("sources.col.holder", lang): r.holder or "",
    } for r in st_.recent_runs])


def metrics_table(st_: SourceStatus, lang: str) -> pd.DataFrame:
    """The newest reading of each station and metric this source serves."""
    return pd.DataFrame(
        [{t("home.station", lang): code, t("sources.col.metric", lang): metric,
          t("sources.newest", lang): fmt.fmt_stamp(f.ts, lang) if f.ts else "–"}
         for code, row in st_.freshness.items() for metric, f in row.items() if metric in METRICS])


def render_channel(c: ChannelStatus, lang: str) -> str:
    """An alert channel as a card like a source's: delivering, failing (the error in words, how many messages
    wait and when the next try is) or not used yet."""
    status, look = HEALTH[c.health]
    icon = status_icon(status, look.ink, look.fill)
    word = t("sources.ch.never", lang) if c.health is SourceHealth.NEVER else t("health." + c.health.value, lang)
    kind = t(f"sources.ch.kind.{c.type}", lang) if f"sources.ch.kind.{c.type}" in TEXTS else c.type
    head = (f'<div class="src-head"><span class="src-name">{escape(c.name)}</span>'
            f'<span class="src-kind">{escape(kind)}</span><span class="src-badge">{icon}{escape(word)}</span></div>')
    facts = (f'<div class="src-facts"><div><b>{escape(t("sources.ch.last_sent", lang))}</b>'
             f'{escape(_when(c.last_sent, c.now, lang))}</div>'
             f'<div><b>{escape(t("sources.ch.waiting", lang))}</b>{escape(fmt.fmt_int(c.waiting))}</div>'
             f'<div><b>{escape(t("sources.ch.given_up", lang))}</b>{escape(fmt.fmt_int(c.given_up))}</div></div>')
    problem = ""
    if c.error:
        what = t("sources.ch.error", lang, time=fmt.fmt_time(c.last_try, lang) if c.last_try else "–")
        retry = ""
        if c.next_try is not None:
            retry = (f'<span class="retry" data-next-try="{c.next_try.isoformat()}">'
                     f'{escape(t("sources.ch.next_try", lang, time=fmt.fmt_when(c.next_try, c.now, lang)))}</span>')
        problem = (f'<div class="src-error" role="alert"><span class="what">{escape(what)}</span>'
                   f'{escape(reason_text(c.error, lang))}{retry}</div>')
    elif c.given_up:
        problem = f'<div class="src-error" role="alert">{escape(t("sources.ch.expired", lang, n=c.given_up))}</div>'
    return (f'<div class="src-card h-{c.health.value}" data-channel="{escape(c.name)}" data-health="{c.health.value}" '
            f'data-waiting="{c.waiting}">{head}{facts}{problem}</div>')
