"""Station names as people write them match the board's codes (``connectors.stations``, through the mapping)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from board.source_settings import FieldMapping
from connectors.errors import ConfigurationError
from connectors.mapping import RecordError, RecordMapper
from connectors.stations import AmbiguousStation, StationNames

UNTIL = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
KAINUU = {"kajaani": ("Kajaanin terveysasema", "Kajaani"), "ristijarvi": ("Ristijärven terveysasema", "Ristijärvi"),
          "puolanka": ("Puolangan terveysasema", "Puolanka"), "hyrynsalmi": ("Hyrynsalmen terveysasema", "Hyrynsalmi")}


@pytest.mark.parametrize("written", ["Ristijärvi", "RISTIJÄRVEN TERVEYSASEMA", "Ristijärvi terveysasema",
                                     "ristijärven ta", "Ristijärvi hälsostation", "Ristijarvi", "  ristijärvi  ",
                                     "Ristijärven terveysasema"])
def test_ways_people_write_a_station_match_its_code(written):
    assert StationNames(KAINUU).match(written) == "ristijarvi"


def test_genitives_match_from_the_code_alone():
    names = StationNames(["ristijarvi", "puolanka", "kajaani", "hyrynsalmi"])
    assert [names.match(w) for w in ("Ristijärven TA", "Puolangan terveysasema", "KAJAANIN TERVEYSKESKUS",
                                     "Hyrynsalmen terveysasema")] == ["ristijarvi", "puolanka", "kajaani", "hyrynsalmi"]


@pytest.mark.parametrize("written", ["Oulu", "Ristijärvi 2", "Kajaani Ristijärvi", "terveysasema", ""])
def test_other_names_do_not_match(written):
    assert StationNames(KAINUU).match(written) is None


def test_a_name_that_fits_two_stations_is_ambiguous_and_names_both():
    names = StationNames({"keskusta": ("Kajaanin terveysasema", "Kajaani"),
                          "lehtikangas": ("Lehtikankaan terveysasema", "Kajaani")})
    with pytest.raises(AmbiguousStation, match="'Kajaani' could be 'keskusta' or 'lehtikangas'"):
        names.match("Kajaani")
    assert names.match("KAJAANIN TERVEYSASEMA") == "keskusta"  # a station's own name is the closer match
    assert names.match("Lehtikankaan terveysasema") == "lehtikangas"


def _mapper(stations) -> RecordMapper:
    mapping = FieldMapping.model_validate({"layout": "wide", "station": "Asema", "time": "Aika",
                                           "metrics": {"Jonossa": "queue_waiting"}, "stations": {"KAJ": "kajaani"}})
    return RecordMapper(mapping, stations, UNTIL)


def test_the_mapping_matches_names_and_an_explicit_entry_or_code_wins():
    mapper = _mapper(KAINUU)
    for written, code in (("RISTIJÄRVEN TERVEYSASEMA", "ristijarvi"), ("KAJ", "kajaani"), ("Kajaani", "kajaani")):
        (reading,) = mapper.map({"Asema": written, "Aika": "30.11.2026 08.00", "Jonossa": "1"})
        assert reading.station == code
    with pytest.raises(RecordError, match="unknown station 'Oulun terveysasema'"):
        mapper.map({"Asema": "Oulun terveysasema", "Aika": "30.11.2026 08.00", "Jonossa": "1"})


def test_an_ambiguous_name_in_a_record_is_a_configuration_error():
    mapper = _mapper({"keskusta": ("Kajaanin terveysasema", "Kajaani"),
                      "lehtikangas": ("Lehtikankaan terveysasema", "Kajaani")})
    with pytest.raises(ConfigurationError, match=r"'KAJAANI' could be 'keskusta' or 'lehtikangas'; say which in "
                                                 r"mapping\.stations"):
        mapper.map({"Asema": "KAJAANI", "Aika": "30.11.2026 08.00", "Jonossa": "1"})  # both are in Kajaani


def test_a_files_source_built_from_the_settings_matches_a_station_name_as_a_report_writes_it(tmp_path, config_dir):
    import yaml

    from board.settings import load_settings
    from connectors import build_connector
    from tests.test_files import drop, pull

    (config_dir / "sources.yaml").write_text(yaml.safe_dump({"sources": [{
        "name": "vienti", "type": "files", "folder": str(tmp_path / "inbox"), "settle_seconds": 0,
        "mapping": {"layout": "wide", "station": "Yksikkö", "time": "Aika", "metrics": {"Jonossa": "queue_waiting"}},
    }]}), encoding="utf-8")
    settings = load_settings(config_dir, "sqlite://")
    station = settings.stations[0]
    written = f"{station.name.upper()}"  # e.g. KAJAANIN TERVEYSASEMA, as a report writes it
    drop(tmp_path, "jono.csv", f"Yksikkö;Aika;Jonossa\r\n{written};30.11.2026 08.00;3\r\n", encoding="cp1252")
    readings, reasons = pull(build_connector(settings.sources[0], settings), UNTIL)
    assert reasons == [] and [(r.station, r.value) for r in readings] == [(station.code, 3.0)]


@pytest.mark.parametrize("max_memory_mb", [0, 1024])  # in the collector's process, and in a worker (the default)
def test_a_station_named_unlike_its_code_is_matched_in_a_worker_too(tmp_path, config_dir, max_memory_mb):
    """A pull in a memory-limited worker (connectors/isolated.py, the files kind's default) is handed each station's
    name and municipality too, not only its code: a name unlike the code matched only without the worker."""
    import yaml

    from board.settings import load_settings
    from connectors import build_connector
    from tests.test_files import drop, pull

    stations = config_dir / "stations.yaml"
    text = stations.read_text(encoding="utf-8")
    assert "name: Kajaanin terveysasema" in text
    stations.write_text(text.replace("name: Kajaanin terveysasema", "name: Lehtikankaan terveysasema"),
                        encoding="utf-8")
    (config_dir / "sources.yaml").write_text(yaml.safe_dump({"sources": [{
        "name": "vienti", "type": "files", "folder": str(tmp_path / "inbox"), "settle_seconds": 0,
        "max_memory_mb": max_memory_mb,
        "mapping": {"layout": "wide", "station": "Yksikkö", "time": "Aika", "metrics": {"Jonossa": "queue_waiting"}},
    }]}), encoding="utf-8")
    settings = load_settings(config_dir, "sqlite://")
    drop(tmp_path, "jono.csv", "Yksikkö;Aika;Jonossa\r\nLEHTIKANKAAN TERVEYSASEMA;30.11.2026 08.00;3\r\n",
         encoding="cp1252")
    connector = build_connector(settings.sources[0], settings)
    try:
        readings, reasons = pull(connector, UNTIL)
    finally:
        getattr(connector, "close", lambda: None)()
    assert reasons == [] and [(r.station, r.value) for r in readings] == [("kajaani", 3.0)]
