"""Dependencies are pinned, the lock covers them, and the audit never reports "passed" when it checked nothing."""

from __future__ import annotations

import re
from importlib import metadata
from pathlib import Path

import pytest

from scripts.audit_deps import judge

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]+\])?==([^\s;#]+)$")


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(path: Path) -> dict[str, str]:
    """name -> version of every requirement line; a line that is not ``name==version`` fails the test."""
    found = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-r "):
            continue
        m = PIN.match(line)
        assert m, f"{path.name}: {line!r} is not pinned as name==version"
        found[_normal(m.group(1))] = m.group(3)
    return found


@pytest.mark.parametrize("file", ["requirements.txt", "requirements-dev.txt", "requirements-audit.txt"])
def test_every_requirement_is_pinned(file: str):
    assert pins(ROOT / file)


def test_the_lock_pins_every_requirement_at_the_same_version():
    lock = pins(ROOT / "requirements.lock")
    for file in ("requirements.txt", "requirements-dev.txt"):
        for name, version in pins(ROOT / file).items():
            assert lock.get(name) == version, (f"{file} pins {name}=={version} but requirements.lock has "
                                               f"{lock.get(name)}: run `make lock`")


def test_the_installed_packages_are_the_locked_ones():
    """What the tests run on is what the lock says (a venv made before a pin changed is caught here)."""
    wrong = []
    for name, version in pins(ROOT / "requirements.lock").items():
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            wrong.append(f"{name} not installed")
            continue
        if installed != version:
            wrong.append(f"{name} {installed} installed, {version} locked")
    assert not wrong, "; ".join(wrong) + " (make test reinstalls from requirements.lock)"


# ------------------------------------------------------------------ reading pip-audit's verdict
UNREACHABLE = {"dependencies": [
    {"name": "streamlit", "skip_reason": "Dependency not found on PyPI and could not be audited: streamlit (1.67.0)"},
    {"name": "pandas", "skip_reason": "Dependency not found on PyPI and could not be audited: pandas (3.1.1)"},
], "fixes": []}


def test_an_audit_that_reached_nothing_says_not_done_and_is_not_a_pass(monkeypatch):
    monkeypatch.delenv("BOARD_REQUIRE_AUDIT", raising=False)
    verdict = judge(UNREACHABLE, {})
    assert verdict.report().startswith("DEPENDENCY AUDIT NOT DONE: none of the 2 pinned dependencies")
    assert "this is not a pass" in verdict.report() and "no known vulnerabilities" not in verdict.report()
    assert verdict.exit_code == 0  # no network is not a CI failure...
    monkeypatch.setenv("BOARD_REQUIRE_AUDIT", "1")
    assert verdict.exit_code == 1  # ...unless the audit is required


def test_findings_fail_unless_explained(monkeypatch):
    monkeypatch.delenv("BOARD_REQUIRE_AUDIT", raising=False)
    audit = {"dependencies": [
        {"name": "pandas", "version": "3.1.1", "vulns": []},
        {"name": "streamlit", "version": "1.67.0", "vulns": [
            {"id": "PYSEC-2026-1", "fix_versions": ["1.67.1"], "aliases": ["CVE-2026-0001"], "description": "x"}]},
    ], "fixes": []}
    found = judge(audit, {})
    assert found.exit_code == 1
    assert "VULNERABLE: streamlit 1.67.0: PYSEC-2026-1 (fixed in 1.67.1)" in found.report()
    explained = judge(audit, {"CVE-2026-0001": "only the file uploader is affected; the board has none"})
    assert explained.exit_code == 0
    assert "explained: streamlit PYSEC-2026-1: only the file uploader is affected" in explained.report()
    assert "2 of 2 pinned dependencies checked" in explained.report()


def test_reliability_states_the_locks_real_package_count():
    """docs/RELIABILITY.md said 60 locked packages while the lock had 65 (issue 19, item 10): the number is checked."""
    stated = re.search(r"`requirements\.lock` pins all (\d+) packages", (ROOT / "docs" / "RELIABILITY.md").read_text())
    assert stated, "docs/RELIABILITY.md no longer says how many packages the lock pins"
    assert int(stated.group(1)) == len(pins(ROOT / "requirements.lock"))
