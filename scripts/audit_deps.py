"""Audit the pinned dependencies (requirements.lock) for known vulnerabilities with pip-audit, honestly.

pip-audit asks a vulnerability service (PyPI's JSON API by default, or OSV).
Where that service cannot be reached, pip-audit skips every dependency and
still prints "No known vulnerabilities found" with exit code 0. This script
reads pip-audit's JSON instead and says which of three things happened:

* CHECKED: every dependency was looked up; exit 0 when nothing was found, or
  when each finding is explained in ``scripts/audit-exceptions.txt``
  (``ID  reason`` per line); exit 1 for any unexplained finding.
* NOT CHECKED: the service could not be reached (all or some dependencies
  unchecked). Exit 0, so CI does not fail for lack of network, but the output
  says plainly that nothing was checked: it is not a pass.
  ``BOARD_REQUIRE_AUDIT=1`` turns this into exit 1.
* pip-audit itself failed: reported as NOT CHECKED the same way.

Usage: ``python scripts/audit_deps.py [PIP_AUDIT_EXECUTABLE] [LOCK_FILE]``
(``make audit`` runs it with pip-audit from its own ``.venv-audit``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXCEPTIONS = ROOT / "scripts" / "audit-exceptions.txt"
TIMEOUT_SECONDS = 600


@dataclass
class Verdict:
    checked: list[str] = field(default_factory=list)
    unchecked: dict[str, str] = field(default_factory=dict)  # name -> pip-audit's skip reason
    findings: list[tuple[str, str, str, str]] = field(default_factory=list)  # package, version, id, fixed in
    explained: list[tuple[str, str, str]] = field(default_factory=list)  # package, id, reason
    failure: str | None = None

    @property
    def exit_code(self) -> int:
        if self.findings:
            return 1
        not_done = self.failure is not None or bool(self.unchecked) or not self.checked
        return 1 if not_done and os.environ.get("BOARD_REQUIRE_AUDIT") == "1" else 0

    def report(self) -> str:
        lines = []
        total = len(self.checked) + len(self.unchecked)
        if self.failure is not None:
            lines.append(f"DEPENDENCY AUDIT NOT DONE: pip-audit could not run ({self.failure}). Nothing was checked; "
                         "this is not a pass.")
        elif not self.checked:
            first = next(iter(self.unchecked.values()), "no dependencies listed")
            lines.append(f"DEPENDENCY AUDIT NOT DONE: none of the {total} pinned dependencies could be looked up "
                         f"(the vulnerability service is unreachable from here; pip-audit says e.g. \"{first}\"). "
                         "Nothing was checked; this is not a pass.")
        else:
            lines.append(f"dependency audit: {len(self.checked)} of {total} pinned dependencies checked against "
                         "the vulnerability service")
            if self.unchecked:
                lines.append(f"NOT CHECKED ({len(self.unchecked)}): "
                             + ", ".join(f"{n} ({r})" for n, r in sorted(self.unchecked.items())))
        for package, vuln, reason in self.explained:
            lines.append(f"explained: {package} {vuln}: {reason}")
        for package, version, vuln, fixed in self.findings:
            lines.append(f"VULNERABLE: {package} {version}: {vuln} (fixed in {fixed or 'no release yet'}); "
                         "upgrade the pin, or explain it in scripts/audit-exceptions.txt")
        if self.checked and not self.findings and not self.unchecked and self.failure is None:
            lines.append("no known vulnerabilities" + (" besides the explained ones" if self.explained else ""))
        return "\n".join(lines)


def exceptions(path: Path = EXCEPTIONS) -> dict[str, str]:
    """Explained findings: vulnerability id (or alias) -> why it does not apply or cannot be fixed yet."""
    if not path.exists():
        return {}
    explained = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            vuln, _, reason = line.partition(" ")
            explained[vuln] = reason.strip() or "(no reason given)"
    return explained


def judge(audit: dict, explained: dict[str, str]) -> Verdict:
    """The verdict on pip-audit's ``--format json`` output."""
    verdict = Verdict()
    for dep in audit.get("dependencies", []):
        name = dep.get("name", "?")
        if "skip_reason" in dep:
            verdict.unchecked[name] = dep["skip_reason"]
            continue
        verdict.checked.append(name)
        for vuln in dep.get("vulns", []):
            ids = [vuln.get("id", "?"), *vuln.get("aliases", [])]
            reason = next((explained[i] for i in ids if i in explained), None)
            if reason is not None:
                verdict.explained.append((name, ids[0], reason))
            else:
                verdict.findings.append((name, dep.get("version", "?"), ids[0],
                                         ", ".join(vuln.get("fix_versions", []))))
    return verdict


def run(pip_audit: str, lock: Path) -> Verdict:
    command = [pip_audit, "-r", str(lock), "--no-deps", "--disable-pip", "--format", "json",
               "--progress-spinner", "off", "--timeout", "20"]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_SECONDS)
    except (OSError, subprocess.TimeoutExpired) as e:
        return Verdict(failure=f"{type(e).__name__}: {e}")
    try:
        audit = json.loads(done.stdout)
    except ValueError:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return Verdict(failure=f"exit code {done.returncode}: {last[:300]}")
    return judge(audit, exceptions())


def main(argv: list[str]) -> int:
    pip_audit = argv[1] if len(argv) > 1 else "pip-audit"
    lock = Path(argv[2]) if len(argv) > 2 else ROOT / "requirements.lock"
    verdict = run(pip_audit, lock)
    print(verdict.report(), flush=True)
    return verdict.exit_code


if __name__ == "__main__":
    sys.exit(main(sys.argv))
