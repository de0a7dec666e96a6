"""Every script run's messages reach the browser: a rerun asked for while the last run is ending waits for it.

Streamlit (1.67) runs a browser session's scripts on a ``ScriptRunner``
thread, whose messages (the page's elements, ``auto_rerun`` timers,
``script_finished``, a sign-out's ``auth_redirect``) reach the session's
event loop as queued callbacks; the session passes on only those of its
*current* runner. When a rerun request comes while the current runner is
ending (its run finished, or stopped by ``st.stop()``) but before the loop
has handled its last callbacks, ``AppSession.request_rerun`` cannot hand the
request to it, starts a new runner at once, and the ending runner's messages
still queued are dropped — the browser never sees that run, or sees only its
start. Streamlit's own comment on ``AppSession.request_rerun`` names the case
(streamlit issue 9921, a dialog left open) and skips only requests for
fragments that are gone.

On the board this happens where a page's ``run_every`` fragments tick
together: two timers' requests arrive in one go, the first runs its fragment
(which, after a sign-out in another tab, reruns the whole page into the sign-in
page and stops) before the loop takes the second, and the second then drops
all the first run's messages. Logged under load, 3 Dec (tests/
test_browser_sessions_end.py, the server instrumented): messages dropped in 4
of 23 runs, 3 times a whole fragment run (its start, elements and end); with
the loop slowed on purpose (0.1 s per rerun request), also the sign-out tab's
own run with its ``auth_redirect``, so that browser kept its identity cookie.

:func:`install` makes the new runner wait: a request the ending runner cannot
take is kept, and the runner for it is started when the ending runner's last
event (``SHUTDOWN``) has been handled, so its messages go out first, in order.
More requests meanwhile join the kept ones and go to the new runner as usual
(Streamlit coalesces them). A full-page rerun with ``runner.fastReruns``
replaces the runner on purpose (its run supersedes the old one) and is not
held back; requests still kept then go to the new runner.
"""

from __future__ import annotations

import functools
import logging
from typing import Any

log = logging.getLogger(__name__)

#: The attribute on an ``AppSession`` holding the reruns waiting for its ending runner.
WAITING = "_board_waiting_reruns"


def install() -> None:
    """Patch ``AppSession`` once (idempotent): a rerun the ending runner refuses waits for its ``SHUTDOWN``."""
    from streamlit.runtime.app_session import AppSession, AppSessionState
    from streamlit.runtime.scriptrunner import ScriptRunnerEvent

    create: Any = AppSession._create_scriptrunner
    if getattr(create, "_board_waits", False):
        return
    handle: Any = AppSession._handle_scriptrunner_event_on_event_loop

    def start(session: Any, rerun_data: Any) -> None:
        """A runner for ``rerun_data``, then every request kept meanwhile (each to the runner, or kept again)."""
        waiting = getattr(session, WAITING, None) or []
        setattr(session, WAITING, [])
        create(session, rerun_data)
        for data in waiting:
            submit(session, data)

    def submit(session: Any, rerun_data: Any) -> None:
        runner = session._scriptrunner
        if runner is not None and runner.request_rerun(rerun_data):
            return
        create_or_wait(session, rerun_data)

    @functools.wraps(create)
    def create_or_wait(self: Any, initial_rerun_data: Any) -> None:
        if self._scriptrunner is None:  # no runner, or fastReruns let go of it on purpose
            start(self, initial_rerun_data)
            return
        # The current runner refused the request: it is ending, and its last messages may still be queued on this
        # loop. Its SHUTDOWN, handled after them, starts the runner for this request.
        waiting = getattr(self, WAITING, None)
        if waiting is None:
            waiting = []
            setattr(self, WAITING, waiting)
        waiting.append(initial_rerun_data)

    @functools.wraps(handle)
    def handle_event(self: Any, sender: Any, event: Any, *args: Any, **kwargs: Any) -> None:
        current = sender is not None and sender is self._scriptrunner
        handle(self, sender, event, *args, **kwargs)
        if not (current and event == ScriptRunnerEvent.SHUTDOWN and getattr(self, WAITING, None)):
            return
        waiting = getattr(self, WAITING)
        if self._state == AppSessionState.SHUTDOWN_REQUESTED:
            waiting.clear()
            return
        if self._scriptrunner is None:
            first = waiting.pop(0)
            start(self, first)

    create_or_wait._board_waits = True  # type: ignore[attr-defined]
    AppSession._create_scriptrunner = create_or_wait  # type: ignore[method-assign]
    AppSession._handle_scriptrunner_event_on_event_loop = handle_event  # type: ignore[method-assign]
