"""Connectors: one module per kind of source system.

``build_connector`` turns a validated source configuration into a connector.
Connectors never import Streamlit or the store.
"""

from __future__ import annotations

from board.settings import AnySource, Settings
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


def build_connector(source: AnySource, settings: Settings) -> Connector:
    """The connector for one configured source (the kind's module is imported only when used)."""
    stations = [s.code for s in settings.stations_of(source)]
    if source.type == "demo":
        from connectors.demo import DemoConnector

        return DemoConnector(source, settings.stations_of(source), settings)
    if source.type == "sql":
        from connectors.sql import SqlConnector

        return SqlConnector(source, stations)
    if source.type == "rest":
        from connectors.rest import RestConnector

        return RestConnector(source, stations)
    if source.type == "files":
        from connectors.files import FilesConnector

        return FilesConnector(source, stations)
    raise ConfigurationError(f"source {source.name}: unknown type {source.type!r}")  # pragma: no cover
