"""Connector errors, in the three kinds the collector treats differently.

    ConnectorError
    ├── ConfigurationError  wrong settings: never retried, shown to the admin
    ├── TransientError      timeouts, 429/5xx, dropped connections: retried
    └── DataError           a row the source sent is unusable: skip and count

Messages are written for an administrator and never contain a secret.
"""

from __future__ import annotations


class ConnectorError(Exception):
    kind = "error"


class ConfigurationError(ConnectorError):
    kind = "configuration"


class TransientError(ConnectorError):
    kind = "transient"

    #: Seconds the source asked to be left alone before the next try (HTTP ``Retry-After``); None: not said.
    retry_after: float | None = None


class DataError(ConnectorError):
    kind = "data"
