/* The board's page shell: runs in every page before Streamlit's own code, and keeps running when the server is gone.
 *
 * - Sets <html lang> to the UI language (?lang= first, then what the page says in its --board-lang CSS property).
 * - "Ladataan…" shows from the first paint until the page has content: the text of <html lang> (set here, before the
 *   body is parsed) is the one shown; shell.css hides it when the page has content.
 * - On a wall (.wall[data-now]): runs the clock in the browser (with the server's clock offset), asks the server's
 *   health endpoint at once when the change poll below fails, and otherwise only after a silence of a little more
 *   than one refresh (a new board, or an answer to the change poll, is a sign of life: a steady wall does not ask;
 *   each request costs the server ~0.7 ms of CPU). One slow or failed answer is not enough to call the server gone
 *   (on a busy 2-core server one answer can take seconds: a backfill, a weekly report, a GC pause, a proxy's 502;
 *   the wall flashed its banner for it, 3 Dec): the shell asks again at once with a longer timeout, and the server
 *   is gone only when that fails too and nothing else was heard from it meanwhile. Worst case, a server that
 *   stops answering without refusing (a hung process, a cut network) is shown after silence + both timeouts:
 *   within two refresh periods from refresh=9 s on (the default 15 s: 16 + 4 + 10 s = 30 s) and within two refresh
 *   periods + 4 s below it (refresh=2: 2 + 2 + 4 s = 8 s), plus up to a second of the shell's ticks; a stopped
 *   server (its connection refused) at once. When the server does not answer — or no new board has arrived for two refresh
 *   periods and more — marks every figure as not current and says since when, in the wall's language. A new board
 *   from the server (Streamlit reconnects by itself) clears it at once: a board drawn since the last one counts as
 *   an answer.
 * - On a wall drawn from a change version (.wall[data-version]): holds one request open on the server's
 *   /_board/changes, answered when the station's data changed (or after a few seconds, unchanged); when the answer
 *   is not the version the board was drawn from, sends Streamlit's websocket the rerun request of the fragment the
 *   board names (data-fragment, data-page), the request the fragment's own timer sends, which reruns that fragment
 *   at once (board/web/changes.py). The fragment's own timer runs on regardless. (A hidden button in the fragment
 *   did this before: one more widget and element at every rerun, for a press needed only on a change.)
 * Texts come from board/texts/*.toml, filled in by board/web/shell/__init__.py as BOARD_SHELL.
 */
(() => {
  "use strict";
  const S = window.BOARD_SHELL;
  const root = document.documentElement;
  const LANGS = ["fi", "sv", "en"];
  const asked = new URLSearchParams(location.search).get("lang");
  root.lang = LANGS.includes(asked) ? asked : S.lang;
  if (/\/wall$/.test(location.pathname.replace(/\/+$/, ""))) root.classList.add("board-wall");

  function pageLanguage() {
    const wall = document.querySelector(".wall[data-lang]");
    const said = wall ? wall.dataset.lang : getComputedStyle(root).getPropertyValue("--board-lang").trim();
    if (LANGS.includes(said) && root.lang !== said) root.lang = said;
  }

  const HELSINKI = new Intl.DateTimeFormat("en-GB", {timeZone: "Europe/Helsinki", hour: "2-digit", minute: "2-digit",
                                                      hourCycle: "h23"});
  function clock(ms, lang) {
    const parts = HELSINKI.formatToParts(new Date(ms));
    const h = parts.find(p => p.type === "hour").value, m = parts.find(p => p.type === "minute").value;
    return lang === "en" ? `${h}:${m}` : `${Number(h)}.${m}`;
  }

  const state = {wall: null, drawn: null, seenAt: 0, offset: 0, lastOk: Date.now(), down: false, downWall: null,
                 question: null, lastPing: 0, suspect: false};

  // The server is gone only when two questions in a row go unanswered (the second at once, with the longer timeout):
  // one slow or lost answer is not enough. A sign of life meanwhile (a board, a change answer) makes the question moot
  // (alive() drops it), so that the silence after that sign is judged by questions asked after it, not by one asked
  // before it and hanging since: that keeps the bound in the header.
  async function ping(timeouts) {
    const question = {moot: false, stop: null};
    state.question = question;
    try {
      for (const timeoutMs of timeouts) {
        const stop = question.stop = new AbortController();
        const timer = setTimeout(() => stop.abort(), timeoutMs);
        let ok = false;
        try {
          ok = (await fetch(new URL("_stcore/health", location.href), {cache: "no-store", signal: stop.signal})).ok;
        } catch (e) { /* no answer in time, or none at all */ } finally { clearTimeout(timer); }
        if (question.moot) return;
        if (ok) { alive(); return; }
      }
      if (!state.down) { state.down = true; state.downWall = state.wall; }
    } finally {
      if (state.question === question) state.question = null;
    }
  }

  function watchWall() {
    const wall = document.querySelector(".wall[data-now]");
    if (!wall) return;
    const now = Date.now();
    if (wall !== state.wall) {
      // A board the server drew after the last one (its own time stamp) is a sign of life, as an answer to the change
      // poll is: Streamlit has reconnected and run the page. Without this, a board that came back before the next
      // health ping or change answer was marked not current again at the next tick (grey, dimmed, banner back) until
      // one of them came: the tiles went grey again a moment after the banner had gone (3 Dec).
      if (wall.dataset.now !== state.drawn) { state.drawn = wall.dataset.now; alive(); }
      state.wall = wall;
      state.seenAt = now;
      const serverNow = Date.parse(wall.dataset.now);
      if (!Number.isNaN(serverNow)) state.offset = serverNow - now;
    }
    const lang = wall.dataset.lang || root.lang;
    const refresh = 1000 * Math.max(2, Number(wall.dataset.refresh) || 15);
    // Ask after a silence longer than one refresh (a board comes every refresh, so a steady wall never asks), yet
    // short enough that silence + the first question's timeout stays within two refresh periods; the second
    // question (only when the first fails) waits what is left of them, 4 to 10 s: the bound in the header above.
    const timeout = Math.min(4000, refresh);
    const every = Math.max(Math.min(5000, refresh / 2), Math.min(refresh + 1000, 2 * refresh - timeout));
    const again = Math.min(10000, Math.max(4000, 2 * refresh - every - timeout));
    const heard = Math.max(state.lastOk, state.seenAt, state.lastPing);  // the newest sign of life, or of asking
    if (state.question === null && (state.suspect || now - heard >= every)) {
      state.suspect = false; state.lastPing = now; ping([timeout, again]);
    }

    const time = wall.querySelector(".clock .time");
    const shown = clock(now + state.offset, lang);
    if (time && time.textContent !== shown) time.textContent = shown;

    let text = null;
    if (state.down || state.downWall === wall) {
      text = (wall.dataset.offline || "").replace("{time}", clock(state.lastOk + state.offset, lang));
    } else if (now - state.seenAt > 2 * refresh + 5000) {
      text = (wall.dataset.frozen || "").replace("{time}", clock(state.seenAt + state.offset, lang));
    }
    if (!state.down && state.downWall !== null && state.downWall !== wall) state.downWall = null;
    wall.classList.toggle("is-offline", text !== null);
    let banner = wall.querySelector(".offline-banner");
    if (text === null) { if (banner) banner.remove(); return; }
    if (!banner) {
      banner = document.createElement("div");
      banner.className = "offline-banner";
      banner.setAttribute("role", "alert");
      const head = wall.querySelector(".wall-head");
      if (head) head.after(banner); else wall.prepend(banner);
    }
    if (banner.textContent !== text) banner.textContent = text;
  }

  function alive() {
    state.lastOk = Date.now();
    state.down = false;
    const question = state.question;  // a health question still in the air is moot now
    if (question !== null) { state.question = null; question.moot = true; question.stop.abort(); }
  }

  // Streamlit's own websocket (its app stream), seen when Streamlit sends on it (it asks for the first run at once).
  let stream = null;
  const nativeSend = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) {
    if (/\/_stcore\/stream$/.test(this.url)) stream = this;
    return nativeSend.call(this, data);
  };

  // Protocol buffers, only what one message needs: BackMsg{rerun_script(11): ClientState{query_string(1),
  // page_script_hash(3), fragment_id(5), is_auto_rerun(6)}} (Streamlit's proto/BackMsg.proto, ClientState.proto).
  // No widget states: the wall's fragment has no widget, and absent states leave the others as they were.
  const utf8 = new TextEncoder();
  function varint(n) { const out = []; while (n > 127) { out.push((n & 127) | 128); n >>>= 7; } out.push(n); return out; }
  function bytesField(number, bytes) { return [(number << 3) | 2, ...varint(bytes.length), ...bytes]; }
  function rerunRequest(fragment, page) {
    const state = [...bytesField(1, utf8.encode(location.search.replace(/^\?/, ""))),
                   ...bytesField(3, utf8.encode(page)), ...bytesField(5, utf8.encode(fragment)), 6 << 3, 1];
    return new Uint8Array(bytesField(11, state));
  }
  function rerunFragment(wall) {
    const fragment = wall.dataset.fragment, page = wall.dataset.page;
    if (!fragment || page === undefined || !stream || stream.readyState !== WebSocket.OPEN) return false;
    stream.send(rerunRequest(fragment, page));
    return true;
  }

  const changes = {running: false, code: null, asked: null, pressed: null};
  const sleep = ms => new Promise(done => setTimeout(done, ms));

  async function followChanges() {
    changes.running = true;
    try {
      for (;;) {
        const wall = document.querySelector(".wall[data-station][data-version]");
        if (!wall) return;  // not a wall any more (or the store is down): tick() starts again when one is back
        const code = wall.dataset.station;
        if (code !== changes.code) { changes.code = code; changes.asked = null; changes.pressed = null; }
        const since = changes.asked === null ? wall.dataset.version : changes.asked;
        let version = null;
        try {
          const url = new URL("_board/changes", location.href);
          url.search = new URLSearchParams({station: code, since: since}).toString();
          const r = await fetch(url, {cache: "no-store", signal: AbortSignal.timeout(40000)});  // the server: 25 s
          if (r.ok) { version = (await r.json()).version; alive(); }
          else state.suspect = true;  // 503 (the store is down) or a proxy's 502: let the health ping decide
        } catch (e) { state.suspect = true; /* the server may be away: the health ping says so at once */ }
        if (typeof version !== "string") { await sleep(2000); continue; }
        changes.asked = version;
        const shown = document.querySelector(".wall[data-station][data-version]");
        if (shown && shown.dataset.station === code && shown.dataset.version !== version &&
            changes.pressed !== version) {
          if (rerunFragment(shown)) changes.pressed = version;
        }
      }
    } finally {
      changes.running = false;
    }
  }

  function tick() {
    try {
      pageLanguage(); watchWall();
      if (!changes.running && document.querySelector(".wall[data-version]")) followChanges();
    } catch (e) { console.error("board shell", e); }
  }
  setInterval(tick, 500);
  document.addEventListener("DOMContentLoaded", tick);
})();
