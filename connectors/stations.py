"""Station names as people write them: ``Ristijärvi``, ``RISTIJÄRVEN TERVEYSASEMA``, ``Ristijärvi terveysasema``.

Exports name a station the way the reporting system or a person does, not
by the board's code. A name matches a station without a ``mapping.stations``
entry when, after folding case and accents (ä → a, ö → o, å → a) and
dropping the words that only say what kind of unit it is (terveysasema,
terveyskeskus, hälsostation, sote-keskus, …), it equals the station's code,
its configured name or municipality, or their genitive (``Ristijärven``,
``Kajaanin``, ``Puolangan``), which Finnish uses in a unit's name.

A name that fits two stations is never guessed: :meth:`StationNames.match`
raises :class:`AmbiguousStation` naming both, and the administrator adds a
``mapping.stations`` entry.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence

#: Words that say what kind of unit a name is, not which one (compared after folding).
UNIT_WORDS = frozenset({
    "terveysasema", "terveysaseman", "terveysasemat", "terveyskeskus", "terveyskeskuksen", "tk", "ta",
    "sote", "keskus", "sotekeskus", "sote-keskus", "hyvinvointiasema", "hyvinvointikeskus", "vastaanotto",
    "halsostation", "halsostationen", "halsocentral", "halsocentralen", "vardcentral", "health", "centre",
    "center", "station",
})


class AmbiguousStation(ValueError):
    """A written name that fits more than one station."""

    def __init__(self, written: str, codes: Sequence[str]) -> None:
        from connectors.mapping import quote  # the one quoting rule

        super().__init__(f"station name {quote(written)} could be {' or '.join(repr(c) for c in sorted(codes))}; "
                         "say which in mapping.stations in sources.yaml")
        self.codes = tuple(sorted(codes))


def fold(text: str) -> str:
    """Lower case, no accents, words separated by single spaces, unit words dropped."""
    ascii_text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode().lower()
    words = re.split(r"[^a-z0-9]+", ascii_text)
    return " ".join(w for w in words if w and w not in UNIT_WORDS)


def genitives(name: str) -> set[str]:
    """Finnish genitive forms of a folded one-word place name (enough for station names, not a grammar)."""
    if not name or " " in name:
        return set()
    forms = {name + "n"}
    if name.endswith("i"):
        forms.add(name[:-1] + "en")  # Ristijärvi -> Ristijärven, Hyrynsalmi -> Hyrynsalmen
    if name.endswith("nka"):
        forms.add(name[:-3] + "ngan")  # Puolanka -> Puolangan
    if name.endswith(("kka", "ppa", "tta")):
        forms.add(name[:-2] + "an")  # Lappeenranta style gradation kk -> k
    return forms


class StationNames:
    """Finds the station a written name means, among one source's stations."""

    def __init__(self, stations: Iterable[str] | Mapping[str, Sequence[str]]) -> None:
        """``stations``: codes, or code -> (name, municipality, …). A code or a configured name (folded) is a
        closer match than a municipality or a genitive, so ``Kajaanin terveysasema`` is the station with that
        name even when another station is in Kajaani too."""
        aliases: Mapping[str, Sequence[str]] = stations if isinstance(stations, Mapping) else {
            c: () for c in stations}
        self._exact: dict[str, set[str]] = {}
        self._loose: dict[str, set[str]] = {}
        for code, names in aliases.items():
            for index, written in enumerate((code, *names)):
                folded = fold(written)
                if folded:
                    (self._exact if index < 2 else self._loose).setdefault(folded, set()).add(code)
                for key in genitives(folded):
                    self._loose.setdefault(key, set()).add(code)

    def match(self, written: str) -> str | None:
        """The code ``written`` means, or None; :class:`AmbiguousStation` when it fits two stations."""
        key = fold(written)
        for table in (self._exact, self._loose):
            codes = table.get(key)
            if codes:
                if len(codes) > 1:
                    raise AmbiguousStation(written, sorted(codes))
                return next(iter(codes))
        return None
