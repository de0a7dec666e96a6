"""Markup for alerts on the signed-in pages: what an alert is about, since when, and who took it.

Shared by the overview's alert column and the alert page (``pages/alerts.py``).
Who acknowledged an alert is shown only here, on pages behind sign-in; a
message to a channel never names anyone (docs/ALERTS.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from html import escape

from board.domain.alerts import Alert, RuleKind
from board.domain.status import Status
from board.formatting import fmt_when, format_figure
from board.i18n import TEXTS, t
from board.web.icons import status_icon
from board.web.palette import STATUS


def level_status(a: Alert) -> Status:
    """An amber threshold is a warning; red, a projection that will not clear and a failing source are alerts."""
    return Status.WARN if a.level == "amber" else Status.ALERT


def icon(status: Status) -> str:
    look = STATUS[status]
    return status_icon(status, look.fill, look.ink)


def what(a: Alert, lang: str) -> str:
    """The figure's short name (the overview's column header), the source's data collection, else the rule."""
    if a.kind is RuleKind.SOURCE:
        return t("alert.what.source", lang)
    key = f"ov.col.{a.figure}"
    return t(key, lang) if a.figure and key in TEXTS else a.rule


def value(a: Alert, lang: str) -> str:
    """The alert's latest value as the board writes that figure ("25", "45 %"); a source's health in words."""
    if a.kind is RuleKind.SOURCE:
        return t(f"health.{a.level}", lang) if a.level and f"health.{a.level}" in TEXTS else (a.level or "–")
    return format_figure(a.figure or "", a.value, lang) if a.figure else "–"


def since(a: Alert, now: datetime, lang: str) -> str:
    return t("ov.alert.since", lang, time=fmt_when(a.since, now, lang))


def taken(a: Alert, now: datetime, lang: str) -> str:
    """``kuitannut Vilma klo 10.20`` or ``kuittaamatta``."""
    if a.acknowledged_at is None:
        return t("ov.alert.open", lang)
    return t("ov.alert.taken", lang, who=a.acknowledged_by or "?", time=fmt_when(a.acknowledged_at, now, lang))


def item(a: Alert, now: datetime, lang: str) -> str:
    """One firing alert in the overview's alert column."""
    status = level_status(a)
    cls = "taken" if a.acknowledged_at is not None else "open"
    return (f'<div class="al al-{status.value}" data-alert="{escape(a.alert_id)}" data-rule="{escape(a.rule)}" '
            f'data-acknowledged="{"yes" if a.acknowledged_at else "no"}">{icon(status)}'
            f'<b>{escape(what(a, lang))}</b> <span class="since">{escape(since(a, now, lang))}</span>'
            f'<span class="ack {cls}">{escape(taken(a, now, lang))}</span></div>')


def table(alerts: Sequence[Alert], names: Mapping[str, str], now: datetime, lang: str, kind: str) -> str:
    """The alert page's list (``kind``: ``active`` or ``history``): one row per alert, worst level first
    within the active ones, newest first in the history."""
    heads = ("alerts.col.subject", "alerts.col.what", "alerts.col.value", "alerts.col.since", "alerts.col.ended",
             "alerts.col.ack", "alerts.col.rule")
    head = "".join(f"<th>{escape(t(h, lang))}</th>" for h in heads if kind == "history" or h != "alerts.col.ended")
    body = "".join(_table_row(a, names, now, lang, kind) for a in alerts)
    return (f'<table class="alerts-list" data-list="{kind}" data-rows="{len(alerts)}"><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table>")


def _table_row(a: Alert, names: Mapping[str, str], now: datetime, lang: str, kind: str) -> str:
    status = level_status(a)
    word = t("status." + status.value, lang)
    badge = f'<span class="badge b-{status.value}">{icon(status)}{escape(word)}</span>' if a.active else ""
    ended = ""
    if kind == "history":
        why = t(f"alert.ended.{a.ended}", lang) if a.ended and f"alert.ended.{a.ended}" in TEXTS else ""
        when = fmt_when(a.ended_at, now, lang) if a.ended_at else "–"
        ended = f'<td class="ended">{escape(when)}<span class="sub">{escape(why)}</span></td>'
    ack_cls = "taken" if a.acknowledged_at is not None else "open"
    return (f'<tr data-alert="{escape(a.alert_id)}" data-subject="{escape(a.subject)}" '
            f'data-acknowledged="{"yes" if a.acknowledged_at else "no"}">'
            f'<td class="subject"><b>{escape(names.get(a.subject, a.subject))}</b>{badge}</td>'
            f'<td>{escape(what(a, lang))}</td><td class="num">{escape(value(a, lang))}</td>'
            f'<td>{escape(fmt_when(a.since, now, lang))}</td>{ended}'
            f'<td class="ack {ack_cls}">{escape(taken(a, now, lang))}</td>'
            f'<td class="rule">{escape(a.rule)}</td></tr>')
