"""The board's web server: Streamlit, narrowed to what the board uses, before it accepts a connection.

``python -m board serve`` (and ``demo``) start Streamlit through this module
instead of ``python -m streamlit``, so two things are in place before the
first browser connects:

* **Only the messages the board's pages need are taken from a browser.**
  Streamlit's websocket hands every "BackMsg" to the runtime, which acts on
  it for anyone who can open the page: ``clear_cache`` empties every cached
  view of the server for all screens (60 wall reruns then cost 8.6 s of CPU
  instead of 0.68 s) and the sender's session state; ``load_git_info`` runs
  git on the server; ``set_run_on_save`` and ``file_urls_request`` serve the
  file watcher and the uploader, which the board does not use. The board's
  pages need only ``rerun_script`` (page loads, widgets, fragment reruns),
  ``app_heartbeat``, ``stop_script`` and ``backend_operation_request`` (what
  ``st.dataframe`` asks for its own session). Anything else is dropped, with
  a log line, at :meth:`Runtime.handle_backmsg`: the one door through which
  every server transport (Starlette or Tornado) passes a browser's message to
  a session. An allowlist, so a message type a later Streamlit adds is
  refused until someone decides the board needs it.
* **``secrets.toml`` does not rewrite the environment.** Streamlit copies
  every top-level string or number of ``secrets.toml`` into ``os.environ``,
  over what the process was started with. The collector, which is not a
  Streamlit process, resolves ``${NAME}`` with the environment first
  (:mod:`board.secrets`), so the two processes could use different values —
  even a different ``BOARD_DATABASE_URL`` and so a different store. Here the
  environment stays what the service manager gave, and both resolve alike.

* **``/_board/changes``** (:mod:`board.web.changes`): the long poll on which
  a wall learns that its station's data changed.

* **Every run's messages reach the browser** (:mod:`board.web.runs`): a
  rerun asked for while the last run is ending waits for it, instead of
  Streamlit dropping the ending run's last messages (a sign-out's redirect,
  the sign-in page an open tab was to show).

* **Sign-in returns to the page asked for** (:mod:`board.web.sign_in_return`):
  Streamlit's callback always goes to the overview.

* **The page shell** (:mod:`board.web.shell`): every page's ``index.html``
  carries "Ladataan…" from the first paint, ``<html lang>`` follows the UI
  language, a wall keeps its clock and says when it has lost the server, and
  Streamlit's developer error dialogs are off (``blockErrorDialogs``).

Uploads are off in ``.streamlit/config.toml`` (``server.maxUploadSize = 0``:
every non-empty upload is answered 413 before it is kept); the nginx block
in docs/DEPLOY.md does not pass the upload endpoint at all.
"""

from __future__ import annotations

import functools
import logging
import sys
from collections.abc import Callable, Sequence
from typing import Any

log = logging.getLogger("board.web")

#: BackMsg types a browser may send: what the board's pages use.
ALLOWED_MESSAGES = frozenset({"rerun_script", "app_heartbeat", "stop_script", "backend_operation_request"})


def restrict_browser_messages() -> None:
    """Drop every BackMsg whose type is not in :data:`ALLOWED_MESSAGES` before it reaches a session."""
    from streamlit.runtime.runtime import Runtime

    original: Callable[..., Any] = Runtime.handle_backmsg
    if getattr(original, "_board_restricted", False):
        return

    @functools.wraps(original)
    def handle_backmsg(self: Any, session_id: str, msg: Any, *args: Any, **kwargs: Any) -> Any:
        kind = msg.WhichOneof("type")
        if kind not in ALLOWED_MESSAGES:
            log.warning("refused a %r message from a browser: the board does not take it from visitors", kind)
            return None
        return original(self, session_id, msg, *args, **kwargs)

    handle_backmsg._board_restricted = True  # type: ignore[attr-defined]
    Runtime.handle_backmsg = handle_backmsg  # type: ignore[method-assign]


def keep_environment() -> None:
    """Stop Streamlit copying ``secrets.toml``'s top-level values into (and out of) ``os.environ``."""
    from streamlit.runtime.secrets import Secrets

    Secrets._maybe_set_environment_variable = staticmethod(lambda k, v: None)  # type: ignore[method-assign]
    Secrets._maybe_delete_environment_variable = staticmethod(lambda k, v: None)  # type: ignore[method-assign]


def default_language() -> str:
    """The configured UI language for the page shell's first paint ("fi" when the configuration cannot be read:
    the pages themselves say what is wrong with it)."""
    try:
        from board.settings import load_settings

        return load_settings().board.language
    except Exception:  # a broken configuration is reported by the pages, not here
        return "fi"


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m board.web.server APP [streamlit run options]``: ``streamlit run``, narrowed as above."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    log.addHandler(handler)
    log.propagate = False
    restrict_browser_messages()
    keep_environment()
    from board.web import changes, runs, shell, sign_in_return

    runs.install()

    shell.install(default_language())
    changes.install()
    sign_in_return.install()
    from streamlit.web import cli

    cli.main(args=["run", *(sys.argv[1:] if argv is None else argv)], prog_name="streamlit")


if __name__ == "__main__":
    main()
