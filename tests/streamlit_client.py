"""A websocket client that speaks Streamlit's protocol (protobuf BackMsg / ForwardMsg), as a hostile visitor would.

No browser: the tests that use it send exactly the messages they mean to,
including ones the board's pages never send (``clear_cache``), and read what
the server answers. Built on the ``websockets`` package and Streamlit's own
generated protobuf classes, so it speaks what the installed server speaks.
"""

from __future__ import annotations

import ssl
import time
from typing import Any

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.sync.client import ClientConnection, connect


class StreamlitClient:
    """One browser session: ``run`` a page, ``send`` any BackMsg, read the ForwardMsgs."""

    def __init__(self, base: str, xsrf: tuple[str, str] | None = None, cookies: dict[str, str] | None = None,
                 host: str | None = None, ssl_context: ssl.SSLContext | None = None) -> None:
        ws = base.replace("https://", "wss://", 1).replace("http://", "ws://", 1) + "/_stcore/stream"
        protocols = ["streamlit", xsrf[0]] if xsrf else ["streamlit"]
        headers = {"Origin": base}
        jar = dict(cookies or {})
        if xsrf:
            jar["_streamlit_xsrf"] = xsrf[1]
        if jar:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in jar.items())
        if host:
            headers["Host"] = host
        self._connection = connect(ws, subprotocols=protocols, additional_headers=headers,  # type: ignore[arg-type]
                                            max_size=None, open_timeout=20, ssl=ssl_context)
        self.ws: ClientConnection = self._connection.__enter__()
        self.session_id = ""
        self.received: list[ForwardMsg] = []

    def close(self) -> None:
        self._connection.__exit__(None, None, None)

    def __enter__(self) -> StreamlitClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def send(self, kind: str, value: Any = True) -> None:
        """A BackMsg of ``kind`` (e.g. ``clear_cache``), as the frontend's developer menu would send it."""
        msg = BackMsg()
        setattr(msg, kind, value)
        self.ws.send(msg.SerializeToString())

    def run(self, page: str, query: str = "", timeout: float = 30.0, fragment_id: str = "") -> list[ForwardMsg]:
        """Ask for a (re)run of ``page`` with ``query``; the ForwardMsgs up to its ``script_finished``."""
        msg = BackMsg()
        msg.rerun_script.query_string = query
        msg.rerun_script.page_name = page
        if fragment_id:
            msg.rerun_script.fragment_id = fragment_id
        self.ws.send(msg.SerializeToString())
        return self.until_finished(timeout)

    def until_finished(self, timeout: float = 30.0) -> list[ForwardMsg]:
        out: list[ForwardMsg] = []
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no script_finished within {timeout} s; got {[m.WhichOneof('type') for m in out]}")
            fwd = ForwardMsg()
            fwd.ParseFromString(self.ws.recv(timeout=remaining))
            out.append(fwd)
            self.received.append(fwd)
            kind = fwd.WhichOneof("type")
            if kind == "new_session" and fwd.new_session.initialize.session_id:
                self.session_id = fwd.new_session.initialize.session_id
            if kind == "script_finished":
                return out


def text_of(messages: list[ForwardMsg]) -> str:
    """Everything the messages would draw, as one searchable string."""
    return "\n".join(str(m.delta) for m in messages if m.WhichOneof("type") == "delta")
