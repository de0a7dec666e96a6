"""Secrets: ``${NAME}`` references in ``sources.yaml``, resolved at start-up.

A password or token never lives in a committed file. ``sources.yaml`` says
``password: ${DW_PASSWORD}``; the value comes from the environment variable
``DW_PASSWORD`` or, failing that, from the key ``DW_PASSWORD`` in
``.streamlit/secrets.toml`` (top level, or inside a ``[board]`` table).

Every value resolved this way is remembered, and :func:`redact` replaces it
with ``***`` wherever it might otherwise leak: error messages, the run log,
the Sources page, ``status --json``. :class:`RedactingFilter` does the same
for log records.
"""

from __future__ import annotations

import logging
import re
import threading
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
MASK = "***"

_known: set[str] = set()
_lock = threading.Lock()


class MissingSecret(KeyError):
    """A ``${NAME}`` reference whose value is set nowhere."""

    def __init__(self, name: str, secrets_file: Path | None) -> None:
        where = f" or add {name} = \"…\" to {secrets_file}" if secrets_file else ""
        super().__init__(name)
        self.name = name
        self.message = f"secret ${{{name}}} is not set (set the environment variable {name}{where})"

    def __str__(self) -> str:
        return self.message


def references(obj: Any) -> tuple[str, ...]:
    """The names of the ``${NAME}`` references in ``obj`` (parsed YAML), first seen first: what a source's
    settings need from the environment or ``secrets.toml`` (named to an administrator when a login fails)."""
    found: dict[str, None] = {}

    def walk(value: Any) -> None:
        if isinstance(value, str):
            found.update(dict.fromkeys(REFERENCE.findall(value)))
        elif isinstance(value, list):
            for v in value:
                walk(v)
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)

    walk(obj)
    return tuple(found)


def secrets_file(project_dir: Path) -> Path:
    return project_dir / ".streamlit" / "secrets.toml"


def load_lookup(project_dir: Path, environ: Mapping[str, str]) -> dict[str, str]:
    """Every name a reference may use: ``secrets.toml`` first, the environment (``environ``) over it."""
    values: dict[str, str] = {}
    path = secrets_file(project_dir)
    if path.is_file():
        with path.open("rb") as f:
            data = tomllib.load(f)
        for table in (data, data.get("board") if isinstance(data.get("board"), dict) else {}):
            values.update({k: str(v) for k, v in table.items() if isinstance(v, str | int | float)})
    values.update(environ)
    return values


def resolve(obj: Any, lookup: Mapping[str, str], secrets_path: Path | None = None) -> Any:
    """A copy of ``obj`` (parsed YAML) with every ``${NAME}`` in its strings replaced; values are registered."""
    if isinstance(obj, str):
        def one(m: re.Match[str]) -> str:
            name = m.group(1)
            if name not in lookup:
                raise MissingSecret(name, secrets_path)
            register(lookup[name])
            return lookup[name]

        return REFERENCE.sub(one, obj)
    if isinstance(obj, list):
        return [resolve(v, lookup, secrets_path) for v in obj]
    if isinstance(obj, dict):
        return {k: resolve(v, lookup, secrets_path) for k, v in obj.items()}
    return obj


def register(value: str) -> None:
    """Remember a secret value so :func:`redact` can mask it (short values would mask ordinary words)."""
    if value and len(value) >= 4:
        with _lock:
            _known.add(value)


def redact(text: str) -> str:
    """``text`` with every known secret (and its URL-encoded form) masked."""
    if not text:
        return text
    from urllib.parse import quote, quote_plus

    with _lock:
        known = sorted(_known, key=len, reverse=True)
    for value in known:
        for form in {value, quote(value, safe=""), quote_plus(value)}:
            if form in text:
                text = text.replace(form, MASK)
    return text


class RedactingFilter(logging.Filter):
    """Masks known secrets in every log record that passes through a handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = redact(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            # Tracebacks carry exception messages too (a driver may echo a connection string).
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        return True


def install_log_redaction() -> None:
    """Attach :class:`RedactingFilter` to every handler of the root logger."""
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())


def register_url_password(url: str) -> None:
    """The store's password is a secret too: every message and page masks it like a ``${NAME}`` value."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        password = make_url(url).password
    except ArgumentError:
        return  # Store.open reports a malformed URL
    if password:
        register(str(password))
