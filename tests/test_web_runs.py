"""board.web.runs: a rerun asked for while a session's last run is ending waits for it, so none of that run's
messages is lost (Streamlit 1.67 dropped those still queued: the sign-in page an open tab was to show after a
sign-out elsewhere, the sign-out's own redirect).

Streamlit's real ``AppSession`` on a real event loop, with a stand-in ``ScriptRunner`` whose events are sent the
way the real one sends them (from its thread, queued onto the session's loop): the test decides when the runner
ends and when the loop gets to its events, which under load is a matter of luck.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, ClassVar
from unittest.mock import MagicMock

import pytest
from streamlit import config
from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.runtime import app_session
from streamlit.runtime.app_session import AppSession
from streamlit.runtime.script_data import ScriptData
from streamlit.runtime.scriptrunner import ScriptRunnerEvent
from streamlit.signal_util import Signal

from board.web import runs


class Runner:
    """A ScriptRunner as AppSession sees one: takes rerun requests until it ends, sends events."""

    made: ClassVar[list[Runner]] = []

    def __init__(self, **kwargs: Any) -> None:
        self.first = kwargs["initial_rerun_data"]
        self.taken: list[Any] = []
        self.ending = False
        self.on_event = Signal()
        #: What the browser had been sent when this runner was made.
        self.browser_had = list(kwargs["session_queue"]())
        Runner.made.append(self)

    def start(self) -> None:
        pass

    def request_rerun(self, data: Any) -> bool:
        if self.ending:
            return False
        self.taken.append(data)
        return True

    def request_stop(self) -> None:
        self.ending = True

    def element(self, text: str) -> None:
        msg = ForwardMsg()
        msg.delta.new_element.markdown.body = text
        msg.metadata.delta_path[:] = [0, 0]
        self.on_event.send(self, event=ScriptRunnerEvent.ENQUEUE_FORWARD_MSG, forward_msg=msg)

    def end(self) -> None:
        """The run ends (st.stop(), or finished with nothing asked): later requests are refused; SHUTDOWN follows."""
        self.ending = True
        self.on_event.send(self, event=ScriptRunnerEvent.SHUTDOWN, client_state=None)


def _fragment_rerun(fragment_id: str) -> ClientState:
    state = ClientState()
    state.fragment_id = fragment_id
    state.is_auto_rerun = True
    return state


def _scenario(tmp: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[list[Runner], list[str]]:
    """Two fragments' timers ask at once; the first request's run draws the sign-in page and ends before the loop
    has handled its messages; then the second request comes. What runners were made, and what the browser got."""
    script = tmp / "app.py"
    script.write_text("", encoding="utf-8")
    sent: list[ForwardMsg] = []

    def make(**kwargs: Any) -> Runner:
        return Runner(session_queue=lambda: [m.delta.new_element.markdown.body for m in sent], **kwargs)

    monkeypatch.setattr(app_session, "ScriptRunner", make)
    Runner.made = []

    async def run() -> None:
        session = AppSession(script_data=ScriptData(str(script)), uploaded_file_manager=MagicMock(),
                             script_cache=MagicMock(), message_enqueued_callback=None, user_info={})
        try:
            session._browser_queue.enqueue = sent.append  # type: ignore[method-assign]  # what goes to the browser
            session._fragment_storage.register("channels", MagicMock())
            session._fragment_storage.register("reports", MagicMock())
            session.request_rerun(_fragment_rerun("channels"))
            first = Runner.made[0]
            first.element("sign-in page")  # queued on the loop, not handled yet
            first.end()
            session.request_rerun(_fragment_rerun("reports"))  # the loop handles this before the queued events
            for _ in range(5):
                await asyncio.sleep(0)
        finally:
            session._scriptrunner = None
            session.shutdown()

    previous = config.get_option("server.fileWatcherType")
    config.set_option("server.fileWatcherType", "none")
    try:
        asyncio.run(run())
    finally:
        config.set_option("server.fileWatcherType", previous)
    return Runner.made, [m.delta.new_element.markdown.body for m in sent if m.WhichOneof("type") == "delta"]


def test_a_rerun_asked_while_the_last_run_ends_waits_and_loses_none_of_its_messages(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runs.install()
    made, drawn = _scenario(tmp_path, monkeypatch)
    assert "sign-in page" in drawn  # Streamlit alone: [] (the ending runner's element was dropped)
    assert len(made) == 2, made
    assert made[1].first.fragment_id == "reports"
    assert made[1].browser_had == ["sign-in page"]  # the new runner started after the old one's messages went out


def test_install_is_idempotent() -> None:
    runs.install()
    patched = AppSession._create_scriptrunner
    runs.install()
    assert AppSession._create_scriptrunner is patched
