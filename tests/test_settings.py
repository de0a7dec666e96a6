from pathlib import Path

import pytest
import yaml

from board.settings import ConfigError, load_settings


def test_default_configuration_is_the_eight_kainuu_stations(monkeypatch):
    monkeypatch.delenv("BOARD_CONFIG_DIR", raising=False)
    monkeypatch.delenv("BOARD_DATABASE_URL", raising=False)
    s = load_settings()
    assert [st.code for st in s.stations] == [
        "kajaani", "sotkamo", "kuhmo", "suomussalmi", "paltamo", "puolanka", "hyrynsalmi", "ristijarvi"]
    assert s.database_url.startswith("sqlite:///") and s.database_url.endswith("data/board.sqlite")
    assert s.board.wall.refresh_seconds == 15
    assert s.thresholds_for("kajaani")["queue_waiting"].amber == 30  # station override
    assert s.thresholds_for("paltamo")["queue_waiting"].amber == 10  # region-wide


def test_environment_overrides(monkeypatch, config_dir: Path, tmp_path: Path):
    monkeypatch.setenv("BOARD_CONFIG_DIR", str(config_dir))
    monkeypatch.setenv("BOARD_DATABASE_URL", f"sqlite:///{tmp_path}/x.sqlite")
    s = load_settings()
    assert s.config_dir == config_dir
    assert s.database_url.endswith("/x.sqlite")
    assert s.sources[0].backfill_days == 1


def edit(config_dir: Path, name: str, change) -> None:
    path = config_dir / name
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


@pytest.mark.parametrize("file, change, expected", [
    ("metrics.yaml", lambda d: d["thresholds"].update(queue_waiting={"amber": 30, "red": 10}),
     r"metrics.yaml: thresholds.queue_waiting: .*red \(10.0\) must be >= amber \(30.0\)"),
    ("metrics.yaml", lambda d: d["thresholds"].update(queue_lenght={"amber": 1, "red": 2}),
     r"metrics.yaml: thresholds: .*unknown figure\(s\) queue_lenght"),
    ("metrics.yaml", lambda d: d["station_overrides"].update(oulu={}),
     r"metrics.yaml: station_overrides.oulu: unknown station"),
    ("stations.yaml", lambda d: d["stations"][1].update(opening_hours={"mon": "8-"}),
     r"stations.yaml: stations\[1\].opening_hours: .*mon: '8-' is not of the form HH:MM-HH:MM"),
    ("stations.yaml", lambda d: d["stations"][2].update(code="Kuhmo Asema"),
     r"stations.yaml: stations\[2\].code: .*lowercase"),
    ("stations.yaml", lambda d: d["stations"][3].update(code="kajaani"),
     r"stations.yaml: .*'kajaani' appears twice \(stations\[0\] and stations\[3\]\)"),
    ("stations.yaml", lambda d: d["stations"][0].pop("name"),
     r"stations.yaml: stations\[0\].name: Field required"),
    ("sources.yaml", lambda d: d["sources"][0].update(type="oracle"),
     r"sources.yaml: sources\[0\]: .*'demo'"),
    ("sources.yaml", lambda d: d["sources"][0].update(interval_seconds="often"),
     r"sources.yaml: sources\[0\].interval_seconds: .*integer.*'often'"),
    ("sources.yaml", lambda d: d["sources"][0].update(stations=["kajaani", "oulu"]),
     r"sources.yaml: sources\[0\].stations: unknown station 'oulu'"),
    ("sources.yaml", lambda d: d["sources"][0].update(stale_after_seconds=60),
     r"sources.yaml: sources\[0\]: .*stale_after_seconds \(60\) must be more than 305"),
    ("board.yaml", lambda d: d["wall"].update(refresh_seconds=0),
     r"board.yaml: wall.refresh_seconds: .*greater than or equal to 2"),
    ("board.yaml", lambda d: d.update(langauge="sv"),
     r"board.yaml: langauge: Extra inputs are not permitted"),
])
def test_wrong_configuration_names_file_key_and_expectation(config_dir, file, change, expected):
    edit(config_dir, file, change)
    with pytest.raises(ConfigError, match=expected):
        load_settings(config_dir, "sqlite://")


def test_missing_file_and_bad_yaml(config_dir: Path):
    (config_dir / "stations.yaml").write_text("stations: [\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"stations.yaml: not valid YAML"):
        load_settings(config_dir, "sqlite://")
    (config_dir / "stations.yaml").unlink()
    with pytest.raises(ConfigError, match=r"stations.yaml: file is missing"):
        load_settings(config_dir, "sqlite://")


def test_missing_config_folder(tmp_path: Path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "nope", "sqlite://")
