"""Connectors: one module per kind of source system.

``build_connector`` turns a validated source configuration into a connector.
Connectors never import Streamlit or the store.
"""

from __future__ import annotations

from board.settings import DemoSource, Settings
from connectors.base import CheckResult, Connector
from connectors.errors import ConfigurationError, ConnectorError, DataError, TransientError

__all__ = [
    "CheckResult",
    "ConfigurationError",
    "Connector",
    "ConnectorError",
    "DataError",
    "TransientError",
    "build_connector",
]


def build_connector(source: DemoSource, settings: Settings) -> Connector:
    """The connector for one configured source."""
    if source.type == "demo":
        from connectors.demo import DemoConnector

        return DemoConnector(source, settings.stations_of(source), settings)
    raise ConfigurationError(f"source {source.name}: unknown type {source.type!r}")  # pragma: no cover
