"""An item run pauses Python's cyclic garbage collector while it holds a pull's items, and always restores it."""

from __future__ import annotations

import gc
import threading

import pytest

from board.gc_pause import cycles_paused as collection_paused


def test_paused_inside_restored_after_even_on_error_and_nested() -> None:
    assert gc.isenabled()
    with collection_paused():
        assert not gc.isenabled()
        with collection_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer run still holds its items
    assert gc.isenabled()
    with pytest.raises(RuntimeError), collection_paused():
        raise RuntimeError("a failed run")
    assert gc.isenabled()


def test_a_collector_left_disabled_stays_disabled() -> None:
    gc.disable()
    try:
        with collection_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_runs_in_threads_restore_it_when_the_last_ends() -> None:
    inside, release = threading.Barrier(3), threading.Event()

    def run() -> None:
        with collection_paused():
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
