"""board/web/kept.py: the wall's board and data kept per key for a few seconds, as ``st.cache_resource`` kept them
(the same object handed out, made once per key at a time, nothing kept when the making raises), without hashing
the arguments through Streamlit."""

from __future__ import annotations

import threading
import time

import pytest

from board.web.kept import Kept


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_value_is_kept_for_its_ttl_and_handed_out_as_is() -> None:
    made: list[tuple] = []
    clock = FakeClock()
    kept = Kept(lambda *key: made.append(key) or [key], ttl=5, most=10, clock=clock)
    first = kept("kajaani", "3.1", "fi", None, (), 5)
    assert kept("kajaani", "3.1", "fi", None, (), 5) is first and len(made) == 1
    assert kept("kajaani", "4.1", "fi", None, (), 5) is not first and len(made) == 2  # a new version: a new key
    clock.now += 4.9
    assert kept("kajaani", "3.1", "fi", None, (), 5) is first and len(made) == 2
    clock.now += 0.1
    again = kept("kajaani", "3.1", "fi", None, (), 5)
    assert again == first and again is not first and len(made) == 3
    kept.clear()
    assert len(kept) == 0
    kept("kajaani", "3.1", "fi", None, (), 5)
    assert len(made) == 4


def test_a_making_that_raises_keeps_nothing() -> None:
    calls = []

    def make(code: str) -> str:
        calls.append(code)
        if len(calls) == 1:
            raise RuntimeError("the store is locked")
        return code.upper()

    kept = Kept(make, ttl=5, most=10)
    with pytest.raises(RuntimeError):
        kept("kajaani")
    assert kept("kajaani") == "KAJAANI" and kept("kajaani") == "KAJAANI" and len(calls) == 2


def test_one_thread_makes_a_key_the_others_take_its_value() -> None:
    made = []

    def slow(code: str) -> object:
        made.append(code)
        time.sleep(0.2)
        return object()

    kept = Kept(slow, ttl=60, most=10)
    got: list[object] = []
    threads = [threading.Thread(target=lambda: got.append(kept("kajaani"))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert len(made) == 1 and len(got) == 8 and all(g is got[0] for g in got)


def test_at_most_most_keys_the_expired_and_then_the_oldest_go_first() -> None:
    clock = FakeClock()
    kept = Kept(lambda code: code, ttl=5, most=3, clock=clock)
    kept("a")
    clock.now += 3
    kept("b")
    kept("c")
    clock.now += 2.5  # "a" has expired
    kept("d")
    assert len(kept) == 3
    kept("e")  # nothing expired: the oldest made ("b") goes
    assert len(kept) == 3 and set(kept._values) == {("c",), ("d",), ("e",)}


def test_expired_values_are_let_go_without_waiting_for_most_keys() -> None:
    """A wall's keys carry the station's version, which moves every cycle: the keys of past versions must not stay
    in memory until ``most`` (20 000 boards and stations' data) are kept, as st.cache_resource's TTL did not."""
    clock = FakeClock()
    kept = Kept(lambda code, version: f"{code}@{version}" * 1000, ttl=5, most=20_000, clock=clock)
    for version in range(100):
        for code in ("kajaani", "oulu", "sotkamo"):
            kept(code, version)
        clock.now += 1
    assert len(kept) <= 3 * 5  # the last five seconds' keys, not 300
    clock.now += 5
    kept("kajaani", 100)
    assert set(kept._values) == {("kajaani", 100)}



def test_a_caller_arriving_as_a_making_ends_takes_its_value() -> None:
    """The making is let go only with the value in: a caller that comes just as it ends (not one that waited
    for it) takes the value instead of making the key a second time."""
    made: list[str] = []
    kept = Kept(lambda code: made.append(code) or object(), ttl=60, most=10)
    real = kept._lock
    fired: list[bool] = []

    class Arrival:
        """``_lock``, with a caller arriving once the key's making is let go."""

        def __enter__(self) -> bool:
            return real.__enter__()

        def __exit__(self, *exc: object) -> None:
            real.__exit__(*exc)
            if made and not fired and ("kajaani",) not in kept._making:
                fired.append(True)
                t = threading.Thread(target=kept, args=("kajaani",))
                t.start()
                t.join(10)

    kept._lock = Arrival()  # type: ignore[assignment]
    first = kept("kajaani")
    assert fired and made == ["kajaani"] and kept("kajaani") is first
