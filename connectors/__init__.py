"""Connectors: one module per kind of source system.

``build_connector`` turns a validated source configuration into a connector.
Connectors never import Streamlit or the store.
"""

from __future__ import annotations

from importlib import import_module

from board.settings import AnySource, Settings
from board.source_settings import SOURCE_KINDS
from connectors.base import CheckResult, Connector
from connectors.errors import ConfigurationError, ConnectorError, DataError, TransientError
from connectors.isolated import BacklogConnector, IsolatedConnector, isolation_limit

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
    """The connector for one configured source, from the registry of source kinds.

    The kind's module is imported only when used (see
    :class:`board.source_settings.SourceKind`): a board without a SQL source
    never loads an ODBC driver.
    """
    kind = SOURCE_KINDS.get(source.type)
    if kind is None:  # pragma: no cover - sources.yaml only parses registered kinds
        raise ConfigurationError(f"source {source.name}: unknown type {source.type!r}")
    module, _, name = kind.connector.partition(":")
    cls = getattr(import_module(module), name)
    for_source = getattr(cls, "for_source", None)
    # code -> (name, municipality): a source may name a station as people write it (connectors/stations.py);
    # a pull in a worker is handed them too (codes alone refused every row naming a station unlike its code)
    stations = {s.code: (s.name, s.municipality) for s in settings.stations_of(source)}
    if limit := isolation_limit(source, for_source is not None):  # each pull in a memory-limited worker
        return IsolatedConnector(source, kind.connector, stations, limit)
    if for_source is not None:
        return for_source(source, settings)  # type: ignore[no-any-return]
    if backlog := int(getattr(source, "backlog_worker_mb", 0) or 0):  # a backlog in a worker, ahead of the collector
        return BacklogConnector(cls(source, stations),
                                IsolatedConnector(source, kind.connector, stations, backlog, ahead=True,
                                                  setting="backlog_worker_mb"))
    return cls(source, stations)  # type: ignore[no-any-return]
