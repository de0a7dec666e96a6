"""The push kind: records a system sends to the board instead of the board pulling them.

A push arrives at ``POST /push/NAME`` (board/api/app.py) as JSON: a list of
records, or ``{"records": [...]}``. Each record is mapped exactly as a REST
API's record is (:func:`connectors.rest.map_record`, the shared
:class:`~connectors.mapping.RecordMapper` with its identity-code and
personal-field guard), and the collector then checks, stores and records it as
one run (board/push.py): the same refusal reasons, the same run ledger.

What this module adds is what a sender needs back at once: the reason for each
refused record, by its position (``row``, from 1), so that the answer says
what to fix. The per-row reasons are found by the same checks the collector
applies (:func:`board.pull_checks.valid_readings`), not by checks of their own. A station, metric and time
given twice in one push is a duplicate when the value is the same and refused when it differs, as in a REST
pull (:class:`connectors.repeats.RepeatGuard`).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from board.domain.reading import ONE_ROW, Ignored, PullItem, Reading, Rejected
from board.pull_checks import reject_reason, valid_readings
from board.source_settings import PushSource
from connectors.base import CheckResult
from connectors.items import mapper_for
from connectors.mapping import FUTURE_TOLERANCE
from connectors.repeats import RepeatGuard
from connectors.rest import map_record

#: Refused rows listed one by one in an answer; the rest are counted (by reason) but not listed.
MAX_LISTED_ROWS = 100


class BodyError(ValueError):
    """The body is not a push at all (not JSON, not a list of records): answered 400, nothing is recorded."""


def records_of(body: bytes) -> list[Any]:
    """The records in a push body: a JSON list, or an object whose ``records`` is one."""
    try:
        data = json.loads(body)
    except UnicodeDecodeError:
        raise BodyError("the body is not UTF-8 text; send JSON encoded as UTF-8") from None
    except json.JSONDecodeError as e:
        raise BodyError(f"the body is not valid JSON ({e.msg} at line {e.lineno}, column {e.colno})") from None
    if isinstance(data, Mapping):
        if "records" not in data:
            raise BodyError('a JSON object must hold the list of records under "records": {"records": [...]}')
        data = data["records"]
    if not isinstance(data, list):
        raise BodyError('send a JSON list of records, or {"records": [...]}')
    return data


@dataclass(frozen=True)
class RowProblem:
    """Why one record of a push (``row``, counted from 1) was refused, in whole or in part."""

    row: int
    reason: str


@dataclass
class PushBatch:
    """One push as a connector the collector runs once: it yields the mapped records, each followed by
    :data:`ONE_ROW`, and notes each record's problems (:attr:`problems`) as it goes."""

    source: PushSource
    stations: Sequence[str]
    records: list[Any]
    name: str = field(init=False)
    problems: list[RowProblem] = field(default_factory=list, init=False)

    def __post_init__(self) -> None:
        self.name = self.source.name

    def pull(self, since: datetime | None, until: datetime) -> Iterator[PullItem]:
        mapper = mapper_for(self.source, self.stations, until, what="field")
        allowed, latest_ok = set(self.stations), until + FUTURE_TOLERANCE
        guard = RepeatGuard(lambda n: f"record {n}", source=self.name)  # a key twice in one push: as in rest
        for number, record in enumerate(self.records, start=1):
            mapped: list[Any] = list(map_record(mapper, record, f"record {number}"))  # type: ignore[arg-type]
            if mapped and not isinstance(mapped[0], Rejected | Ignored):
                mapped = guard.row(mapped, number)
            for item in mapped:
                if isinstance(item, Rejected):
                    self.problems.append(RowProblem(number, reject_reason(item.reason)))
                elif isinstance(item, Reading):
                    reasons: Counter[str] = Counter()
                    for _ in valid_readings((item,), allowed, latest_ok, reasons):
                        pass
                    self.problems.extend(RowProblem(number, reject_reason(r)) for r in reasons)
                yield item
            yield ONE_ROW

    def check(self, until: datetime) -> CheckResult:
        return PushConnector(self.source, self.stations).check(until)


class PushConnector:
    """What the registry builds for a push source: it has nothing to pull (the sender pushes)."""

    def __init__(self, source: PushSource, stations: Sequence[str] | Mapping[str, Any]) -> None:
        self.name = source.name
        self.source = source

    def pull(self, since: datetime | None, until: datetime) -> Iterator[PullItem]:
        return iter(())

    def check(self, until: datetime) -> CheckResult:
        return CheckResult(True, "ok", f"push source: the board does not pull it; the sender posts its records to "
                                       f"/push/{self.name} of `python -m board api` (docs/CONNECTORS.md)")
