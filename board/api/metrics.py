"""Current figures in the Prometheus text format (0.0.4) and OpenMetrics 1.0, written by hand.

Why by hand and not with ``prometheus_client``: the board exposes a few gauges that it reads fresh on each
scrape, which is a dozen lines of text; the client library's registry, collectors and process metrics would
be a dependency for nothing. The two formats differ here only in the content type and the closing
``# EOF`` line. Label values are escaped as the format says (backslash, double quote, newline).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from board.read.current import StationFigures

PROMETHEUS_TYPE = "text/plain; version=0.0.4; charset=utf-8"
OPENMETRICS_TYPE = "application/openmetrics-text; version=1.0.0; charset=utf-8"

#: (name, help) of every family written; all are gauges.
FAMILIES = {
    "ohjaustaulu_figure": "A figure on a station's wall tile, as the wall shows it (public).",
    "ohjaustaulu_tile_stale": "1 when the tile's source has not delivered within its limit (public).",
    "ohjaustaulu_tile_status": "1 for the tile's current status: ok, warn, alert, neutral, no_data, stale, closed, "
                               "not_tracked (no source is configured to deliver it for the station) (public).",
    "ohjaustaulu_tile_limits": "1 when the tile has limits at the station and so can be judged; 0 when none of its "
                               "figures has any (the contacts tile as shipped): its status is then always neutral "
                               "and the wall shows no badge, a neutral tile with limits could not be judged now "
                               "(public).",
    "ohjaustaulu_tile_updated_timestamp_seconds": "When the tile's newest reading was taken, Unix time (public).",
    "ohjaustaulu_station_open": "1 while the station is open by its opening hours (public).",
    "ohjaustaulu_reading": "The newest reading of each metric (read token).",
    "ohjaustaulu_reading_timestamp_seconds": "When that reading was taken, Unix time (read token).",
}


def wants_openmetrics(accept: str) -> bool:
    """Whether the scraper asked for OpenMetrics (Prometheus does, by its Accept header)."""
    return "application/openmetrics-text" in accept


def exposition(stations: Sequence[StationFigures], openmetrics: bool) -> str:
    """Every family, with HELP and TYPE lines, one sample per line; ``# EOF`` last for OpenMetrics."""
    samples: dict[str, list[str]] = {name: [] for name in FAMILIES}
    for s in stations:
        station = {"station": s.code}
        samples["ohjaustaulu_station_open"].append(_sample("ohjaustaulu_station_open", station, float(s.is_open)))
        for tile in s.tiles:
            labels = {**station, "tile": tile.family.value}
            for figure in (tile.headline, *tile.figures):
                if figure.value is not None:
                    samples["ohjaustaulu_figure"].append(
                        _sample("ohjaustaulu_figure", {**labels, "figure": figure.code}, figure.value))
            samples["ohjaustaulu_tile_stale"].append(_sample("ohjaustaulu_tile_stale", labels, float(tile.stale)))
            samples["ohjaustaulu_tile_status"].append(
                _sample("ohjaustaulu_tile_status", {**labels, "status": s.tile_status(tile)}, 1.0))
            # A family of its own, not a label on the status: a new label would be a new series for every tile and
            # break dashboards and alerts written against ohjaustaulu_tile_status.
            samples["ohjaustaulu_tile_limits"].append(_sample("ohjaustaulu_tile_limits", labels, float(tile.judged)))
            if tile.updated_at is not None:
                samples["ohjaustaulu_tile_updated_timestamp_seconds"].append(_sample(
                    "ohjaustaulu_tile_updated_timestamp_seconds", labels, tile.updated_at.timestamp()))
        for metric, latest in s.readings.items():
            labels = {**station, "metric": metric, "source": latest.source}
            samples["ohjaustaulu_reading"].append(_sample("ohjaustaulu_reading", labels, latest.value))
            samples["ohjaustaulu_reading_timestamp_seconds"].append(
                _sample("ohjaustaulu_reading_timestamp_seconds", labels, latest.ts.timestamp()))
    lines: list[str] = []
    for name, help_text in FAMILIES.items():
        if not samples[name]:
            continue  # a family without samples (the readings without the token) is left out whole
        lines += [f"# HELP {name} {_escape_help(help_text)}", f"# TYPE {name} gauge", *samples[name]]
    if openmetrics:
        lines.append("# EOF")
    return "\n".join(lines) + "\n"


def _sample(name: str, labels: dict[str, str], value: float) -> str:
    return f"{name}{{{_labels(labels.items())}}} {_number(value)}"


def _labels(pairs: Iterable[tuple[str, str]]) -> str:
    return ",".join(f'{k}="{_escape_label(v)}"' for k, v in pairs)


def _escape_label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _escape_help(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def _number(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(float(value)) if not float(value).is_integer() else str(int(value)) if abs(value) < 1e15 else \
        repr(float(value))
