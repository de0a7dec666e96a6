"""The weekly report's lines on /sources: each queued report sent, waiting, failing (the error in words and the
next try) or given up. The error is said in the page's language when it has a code (``reasons.toml``), as the
alert channels' are; everything from the outbox is escaped (an error can quote a server's answer)."""

from __future__ import annotations

from datetime import datetime
from html import escape

from board import formatting as fmt
from board.domain.weeks import IsoWeek
from board.i18n import t
from board.reports.settings import WeeklyReport
from board.store.reports import QueuedReport
from board.web.reasons import reason_text


def help_line(weekly: WeeklyReport, lang: str) -> str:
    clock = weekly.clock
    return t("sources.reports_help", lang, weekday=t(f"weekday.{weekly.weekday_number}", lang),
             time=f"{clock.hour}.{clock.minute:02d}", channel=weekly.channel)


def line(q: QueuedReport, now: datetime, lang: str) -> str:
    week = fmt.fmt_week_label(IsoWeek.parse(q.week), lang)
    values = {"week": week, "subscription": q.subscription}
    if q.sent_at is not None:
        state, text = "sent", t("sources.report_sent", lang, time=fmt.fmt_when(q.sent_at, now, lang), **values)
    elif q.gave_up_at is not None:
        state, text = "gave_up", t("sources.report_gave_up", lang, time=fmt.fmt_when(q.gave_up_at, now, lang),
                                   error=reason_text(q.last_error, lang) if q.last_error else "–", **values)
    elif q.last_error:
        state, text = "failing", t("sources.report_failing", lang, attempts=q.attempts,
                                   error=reason_text(q.last_error, lang),
                                   next=fmt.fmt_when(q.next_try, now, lang) if q.next_try else "–", **values)
    else:
        state, text = "waiting", t("sources.report_waiting", lang, **values)
    role = ' role="alert"' if state in ("failing", "gave_up") else ""
    return f'<p class="report-line" data-report="{escape(q.key)}" data-state="{state}"{role}>{escape(text)}</p>'


def lines(queued: list[QueuedReport], now: datetime, lang: str) -> str:
    if not queued:
        return f'<p class="report-line" data-state="none">{escape(t("sources.reports_none", lang))}</p>'
    return "".join(line(q, now, lang) for q in queued)
