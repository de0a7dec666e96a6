"""What an alert message says: one rendering for e-mail, a Teams card and a JSON webhook.

A message carries the station (or source), the figure, its value, since
when, and a link to the station's wall (or the Sources page): enough to act
on from a phone. Never personal data: no patient data exists in the board,
and not even who acknowledged an alert is sent out (that stays on the
signed-in pages). Texts are in the board's language (``board.yaml``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote

from board.domain.alerts import ENDED_CLOSED, Event, Notification, RuleKind
from board.formatting import fmt_closing, fmt_date, fmt_int, fmt_time, format_figure
from board.i18n import TEXTS, t

#: Colour words an Adaptive Card understands, per event and level.
CARD_COLOURS = {"red": "Attention", "amber": "Warning", "resolved": "Good"}


@dataclass(frozen=True)
class Message:
    """A notification made readable: title, one-line summary, facts and a link; ``data`` for machines."""

    key: str  # unique per message (the notification's key): the e-mail Message-ID, the webhook's idempotency key
    event: Event
    title: str
    summary: str
    facts: tuple[tuple[str, str], ...]
    link: str | None
    link_label: str
    colour: str  # "red", "amber" or "resolved"
    data: dict[str, Any] = field(default_factory=dict)

    def text(self) -> str:
        """The plain-text body of an e-mail."""
        lines = [self.summary, ""]
        lines += [f"{label}: {value}" for label, value in self.facts]
        if self.link:
            lines += ["", f"{self.link_label}: {self.link}"]
        return "\n".join(lines) + "\n"

    def subject(self) -> str:
        return f"{self.title}: {self.summary}"


def render(n: Notification, *, subject_name: str, board_url: str | None, lang: str = "fi",
           projection_closes: datetime | None = None) -> Message:
    """The message for notification ``n``; ``subject_name`` is the station's (or source's) display name."""
    event_word = t(f"alert.event.{n.event.value}", lang)
    what, value_text = _what(n, lang, projection_closes)
    if n.event is Event.RESOLVED:
        why = t("alert.ended.closed" if n.ended == ENDED_CLOSED else "alert.ended.cleared", lang)
        summary = f"{subject_name} – {what}: {why}"
    else:
        summary = f"{subject_name} – {what}: {value_text}"
    since = f"{fmt_time(n.since, lang)} ({fmt_date(n.since, lang, weekday=True)})"
    facts: list[tuple[str, str]] = [
        (t("alert.fact.source" if n.kind is RuleKind.SOURCE else "alert.fact.station", lang), subject_name),
        (t("alert.fact.what", lang), what),
        (t("alert.fact.value" if n.event is not Event.RESOLVED else "alert.fact.value_now", lang), value_text),
        (t("alert.fact.since", lang), since),
    ]
    if n.event is Event.RESOLVED:
        facts.append((t("alert.fact.ended", lang), fmt_time(n.at, lang)))
    facts.append((t("alert.fact.rule", lang), n.rule))
    link, link_label = _link(n, board_url, lang)
    colour = "resolved" if n.event is Event.RESOLVED else ("amber" if n.level == "amber" else "red")
    data = {
        "key": n.key, "event": n.event.value, "rule": n.rule, "kind": n.kind.value,
        ("source" if n.kind is RuleKind.SOURCE else "station"): n.subject, "name": subject_name,
        "figure": n.figure, "value": n.value, "level": n.level, "since": n.since.isoformat(),
        "at": n.at.isoformat(), "ended": n.ended, "link": link, "text": summary,
    }
    return Message(n.key, n.event, f"{event_word} – {subject_name}", summary, tuple(facts), link, link_label,
                   colour, data)


def _what(n: Notification, lang: str, closes: datetime | None) -> tuple[str, str]:
    """The figure's name and its value as users read them."""
    if n.kind is RuleKind.SOURCE:
        return t("alert.what.source", lang), t(f"health.{n.level or 'failing'}", lang)
    if n.kind is RuleKind.PROJECTION:
        when = fmt_closing(closes, lang) if closes else t("alert.at_closing", lang)
        return t("alert.what.projection", lang), t("alert.projection_value", lang, time=when,
                                                      queue=fmt_int(n.value))
    figure = n.figure or ""
    family = figure.split("_", 1)[0]
    label = t(f"fig.{figure}", lang) if f"fig.{figure}" in TEXTS else figure
    title = t(f"family.{family}", lang) if f"family.{family}" in TEXTS else ""
    level = f" ({t('status.alert' if n.level == 'red' else 'status.warn', lang)})" if n.level else ""
    return (f"{title}, {label}" if title else label), format_figure(figure, n.value, lang) + level


def _link(n: Notification, board_url: str | None, lang: str) -> tuple[str | None, str]:
    if not board_url:
        return None, ""
    base = board_url.rstrip("/")
    if n.kind is RuleKind.SOURCE:
        return f"{base}/sources", t("alert.link.sources", lang)
    return f"{base}/wall?station={quote(n.subject)}", t("alert.link.wall", lang)


def test_message(channel: str, now: datetime, board_url: str | None, lang: str = "fi") -> Message:
    """What ``python -m board alerts --test CHANNEL`` sends: says it is a test, alarms nobody."""
    title = t("alert.test.title", lang)
    summary = t("alert.test.summary", lang, channel=channel)
    facts = ((t("alert.fact.since", lang), f"{fmt_time(now, lang)} ({fmt_date(now, lang, weekday=True)})"),)
    key = f"test|{channel}|{now.isoformat(timespec='seconds')}"
    link = board_url.rstrip("/") if board_url else None
    return Message(key, Event.FIRING, title, summary, facts, link, "ohjaustaulu" if link else "", "resolved",
                   {"key": key, "event": "test", "channel": channel, "at": now.isoformat(), "text": summary})


# ------------------------------------------------------------------ per channel
def adaptive_card(m: Message) -> dict[str, Any]:
    """The message as the body a Teams Workflows webhook ("post to a channel") expects: an Adaptive Card."""
    card: dict[str, Any] = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": [
            {"type": "TextBlock", "text": m.title, "weight": "Bolder", "size": "Large", "wrap": True,
             "color": CARD_COLOURS.get(m.colour, "Default")},
            {"type": "TextBlock", "text": m.summary, "wrap": True},
            {"type": "FactSet", "facts": [{"title": label, "value": value} for label, value in m.facts]},
        ],
    }
    if m.link:
        card["actions"] = [{"type": "Action.OpenUrl", "title": m.link_label, "url": m.link}]
    return {"type": "message",
            "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None,
                             "content": card}]}


def webhook_payload(m: Message) -> dict[str, Any]:
    """The generic JSON webhook's body: the structured fields, plus the text for a chat tool."""
    return {"source": "ohjaustaulu", **m.data, "title": m.title}
