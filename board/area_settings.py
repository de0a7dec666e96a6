"""Wellbeing areas (hyvinvointialueet): which area each station belongs to, and one file of stations per area.

A deployment for several areas (a shared service centre, or the whole
country: ~900 stations in 21 areas) keeps each area's stations in a file of
its own, ``config/stations.d/<area>.yaml``, in the same form as
``stations.yaml`` plus the area's name::

    area: {code: pohjois-savo, name: Pohjois-Savon hyvinvointialue}
    default_opening_hours: {mon: "08:00-16:00", ...}
    stations:
      - {code: kuopio-keskusta, name: ..., municipality: Kuopio}

Why files, not one table of 900 rows: an area is what an administrator
edits (its own opening hours and exception days at the top, forty-odd
stations under them), and a change to one area is a diff in one file. The
area's default hours and exception days are folded into its stations here,
so the rest of the board sees one list of stations, each with its area.

``stations.yaml`` keeps working as it was: its stations belong to its own
``area`` (default :data:`DEFAULT_AREA`), and its top-level exception days
apply to every area's stations.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

if TYPE_CHECKING:
    from board.settings import StationsFile

#: The area of stations whose file names none (a deployment of one area needs no name).
DEFAULT_AREA = "default"
_CODE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
#: The folder of per-area files, inside the configuration folder.
AREA_DIR = "stations.d"


class Area(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = DEFAULT_AREA
    name: str = Field("", max_length=120)

    @field_validator("code")
    @classmethod
    def _code(cls, v: str) -> str:
        if not _CODE.match(v):
            raise ValueError("must be lowercase letters, digits, '-' or '_' (used in URLs: ?area=CODE)")
        return v


def area_files(config_dir: Path) -> list[Path]:
    """The per-area files, in name order (so the station order is stable)."""
    folder = config_dir / AREA_DIR
    return sorted(folder.glob("*.yaml")) if folder.is_dir() else []


def merged(main: StationsFile, per_area: list[tuple[Path, StationsFile]]) -> tuple[StationsFile, dict[str, str]]:
    """``stations.yaml`` and the per-area files as one stations file, every station with its area, and the
    areas (code -> name, in file order). Raises ValueError naming the file for a code used twice."""
    areas: dict[str, str] = {}
    stations: list[Any] = []
    seen: dict[str, str] = {}
    for where, f in [(Path("stations.yaml"), main), *per_area]:
        area = f.area
        areas.setdefault(area.code, area.name or area.code)  # two files may share an area: the first name counts
        folded = f is not main  # the main file's defaults stay the deployment's defaults (Settings reads them)
        for s in f.stations:
            if s.code in seen:
                raise ValueError(f"{where}: station code {s.code!r} is also in {seen[s.code]}; codes must be unique")
            seen[s.code] = str(where)
            update: dict[str, Any] = {"area": s.area or area.code}
            if folded:
                update["opening_hours"] = s.opening_hours or f.default_opening_hours
                update["exception_days"] = {**f.exception_days, **s.exception_days}
            stations.append(s.model_copy(update=update))
    return main.model_copy(update={"stations": stations}), areas
