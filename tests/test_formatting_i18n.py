from datetime import UTC, datetime

import pytest

from board import formatting as fmt
from board.i18n import LANGUAGES, TEXTS, t


def test_finnish_numbers():
    assert fmt.fmt_int(36000) == "36\u202f000"
    assert fmt.fmt_decimal(12.5) == "12,5"
    assert fmt.fmt_percent(0.978) == "98\u00a0%"
    assert fmt.fmt_signed_int(42.4) == "+42" and fmt.fmt_signed_int(-8) == "−8" and fmt.fmt_signed_int(0) == "0"
    assert fmt.fmt_int(None) == "–" and fmt.fmt_percent(None) == "–"


@pytest.mark.parametrize("minutes, text", [
    (0, "0 min"), (45, "45 min"), (130, "2 h 10 min"), (600, "10 h"), (1500, "1 vrk 1 h"), (2880, "2 vrk")])
def test_waiting_times(minutes, text):
    assert fmt.fmt_minutes(minutes).replace("\u00a0", " ") == text


def test_dates_and_times_in_helsinki():
    ts = datetime(2026, 11, 22, 8, 42, tzinfo=UTC)  # 10.42 in Helsinki
    assert fmt.fmt_time(ts) == "klo 10.42"
    assert fmt.fmt_time(ts, "sv") == "kl. 10.42"
    assert fmt.fmt_time(ts, "en") == "10:42"
    assert fmt.fmt_date(ts) == "22.11.2026"
    assert fmt.fmt_date(ts, weekday=True) == "su 22.11.2026"
    assert fmt.fmt_week(ts) == "vko 47 / 2026"
    summer = datetime(2026, 7, 1, 5, 3, tzinfo=UTC)
    assert fmt.fmt_time(summer) == "klo 8.03"


def test_every_text_exists_in_every_language():
    missing = [(key, lang) for key, entry in TEXTS.items() for lang in LANGUAGES if not entry.get(lang)]
    assert missing == []


def test_placeholders_are_filled():
    assert t("wall.updated", "fi", time="klo 10.42") == "päivitetty klo 10.42"
    assert t("wall.updated", "xx", time="klo 10.42") == "päivitetty klo 10.42"  # unknown language: Finnish


def test_waiting_times_use_the_readers_word_for_a_day():
    from board.formatting import format_figure

    assert format_figure("omasote_oldest_unanswered_h", 45, "fi") == "1\u00a0vrk 21\u00a0h"
    assert format_figure("omasote_oldest_unanswered_h", 45, "sv") == "1\u00a0dygn 21\u00a0h"
    assert format_figure("queue_oldest_wait_min", 24 * 60 * 2, "en") == "2\u00a0d"
    assert format_figure("queue_oldest_wait_min", 95, "sv") == "1\u00a0h 35\u00a0min"
