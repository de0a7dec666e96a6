"""The one pause of Python's cyclic garbage collector (board/gc_pause.py), taken by an item run while it holds a
pull's items and by the overview while it builds: nested, in threads, always restored, and bounded."""

from __future__ import annotations

import gc
import threading

import pytest

from board.gc_pause import cycles_paused


def test_paused_inside_restored_after_even_on_error_and_nested() -> None:
    assert gc.isenabled()
    with cycles_paused():
        assert not gc.isenabled()
        with cycles_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer run still holds its items
    assert gc.isenabled()
    with pytest.raises(RuntimeError), cycles_paused():
        raise RuntimeError("a failed run")
    assert gc.isenabled()


def test_a_collector_left_disabled_stays_disabled() -> None:
    gc.disable()
    try:
        with cycles_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_runs_in_threads_restore_it_when_the_last_ends() -> None:
    inside, release = threading.Barrier(3), threading.Event()

    def run() -> None:
        with cycles_paused():
            inside.wait()
            release.wait()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    inside.wait()
    assert not gc.isenabled()
    release.set()
    for t in threads:
        t.join()
    assert gc.isenabled()


def test_a_lasting_pause_does_not_hold_the_collector_off_for_long(monkeypatch) -> None:
    """A pause that lasts (a store read inside it stalled) or pauses that keep overlapping (many overview screens)
    never leave the process without a cycle collection for more than MOST_OFF_SECONDS: reference cycles made
    meanwhile anywhere in the process are found then, not only once every pause has ended."""
    import time
    import weakref

    from board import gc_pause

    monkeypatch.setattr(gc_pause, "MOST_OFF_SECONDS", 0.3, raising=False)

    class Node:
        pass

    def cycle() -> weakref.ref:
        a, b = Node(), Node()
        a.other, b.other = b, a
        return weakref.ref(a)

    def collected(ref: weakref.ref) -> bool:
        deadline = time.monotonic() + 15
        while ref() is not None and time.monotonic() < deadline:
            time.sleep(0.02)
        return ref() is None

    assert gc.isenabled()
    with cycles_paused():  # one build that lasts, nothing else paused
        assert collected(cycle())
        assert not gc.isenabled()  # still paused for the build
    assert gc.isenabled()
    with cycles_paused():  # builds that keep overlapping
        with cycles_paused():
            pass
        assert collected(cycle())
        with cycles_paused():
            assert collected(cycle())  # and again: the count started over
            assert not gc.isenabled()
    assert gc.isenabled()
