"""The words of the files connector's messages: where in a file, and nothing personal or secret in them."""

from __future__ import annotations

from board.domain.privacy import HETU
from board.domain.reasons import Reason
from board.secrets import redact

IDENTITY_CODE_REMOVED = "(identity code removed)"


def at_line(name: str, where: str, reason: str) -> Reason:
    """A row's reason in its file: ``file jono.csv line 3: unknown station 'X'`` (``where``: "line 3", "row 3")."""
    return Reason("at_line", f"file {name} {where}: {reason}", file=name, unit=unit_of(where),
                  line=number_of(where), reason=reason)


def unit_of(where: str) -> str:
    return where.split(" ", 1)[0]


def number_of(where: str) -> str:
    return where.split(" ", 1)[-1]


def with_note(said: str, note: str) -> Reason:
    return Reason("with_note", f"{said} ({note})", reason=said, note=note)


def scrub(text: str) -> str:
    """A message with anything that looks like a personal identity code removed (file names can hold one too),
    and every known secret masked (a file's content may quote one)."""
    return redact(HETU.sub(IDENTITY_CODE_REMOVED, text))


def os_reason(error: OSError) -> str:
    return f"{type(error).__name__}: {error.strerror or error}"


def short(error: BaseException, limit: int = 120) -> str:
    text = redact(f"{type(error).__name__}: {error}" if str(error) else type(error).__name__)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def mb(size: int) -> str:
    return f"{size / 1024 / 1024:,.1f} MB".replace(",", " ")


def n_files(n: int) -> str:
    return f"{n} file{'s' if n != 1 else ''}"

