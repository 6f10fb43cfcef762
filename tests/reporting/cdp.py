"""Headless Chromium driven over the DevTools protocol on a pipe (--remote-debugging-pipe).

No port, no browser download, no extra package: Chromium reads NUL-terminated JSON commands on
fd 3 and writes replies and events on fd 4. Every wait is on the browser's own messages, each
bounded by a deadline.
"""

from __future__ import annotations

import base64
import itertools
import json
import os
import select
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--remote-debugging-pipe",
)
DEADLINE_S = 60.0
# Screenshots the tests kept; the package's conftest lists them at the end of the run.
SCREENSHOTS: list[Path] = []


@dataclass
class Browser:
    process: subprocess.Popen[bytes]
    commands: int  # fd we write to (Chromium's fd 3)
    replies: int  # fd we read from (Chromium's fd 4)
    events: list[dict[str, Any]] = field(default_factory=list)
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    _buffer: bytes = b""

    def send(self, method: str, session: str | None = None, **params: Any) -> dict[str, Any]:
        """Run one command and return its result; events that arrive meanwhile are kept."""
        message_id = next(self._ids)
        message: dict[str, Any] = {"id": message_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self.commands, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._read()
            if reply.get("id") == message_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                result: dict[str, Any] = reply["result"]
                return result
            self.events.append(reply)

    def wait_for(self, method: str, session: str) -> dict[str, Any]:
        """The first event `method` of `session`, whether it already came or is still to."""
        for event in self.events:
            if event.get("method") == method and event.get("sessionId") == session:
                return event
        while True:
            event = self._read()
            self.events.append(event)
            if event.get("method") == method and event.get("sessionId") == session:
                return event

    def _read(self) -> dict[str, Any]:
        deadline = time.monotonic() + DEADLINE_S
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            ready, _, _ = select.select([self.replies], [], [], max(left, 0))
            if not ready:
                raise TimeoutError(f"Chromium sent nothing for {DEADLINE_S:g}s")
            chunk = os.read(self.replies, 1 << 20)
            if not chunk:
                raise RuntimeError(f"Chromium closed the pipe (exit {self.process.poll()})")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        parsed: dict[str, Any] = json.loads(message)
        return parsed


@contextmanager
def launch(binary: Path, profile: Path) -> Iterator[Browser]:
    to_chrome_r, to_chrome_w = os.pipe()
    from_chrome_r, from_chrome_w = os.pipe()

    # The protocol's descriptors are fixed (3 in, 4 out): bash (dash takes no fd above 9) moves
    # ours there and execs Chromium, safe in a process with threads (no preexec_fn).
    process = subprocess.Popen(
        [
            "/bin/bash",
            "-c",
            f'exec "$0" "$@" 3<&{to_chrome_r} 4>&{from_chrome_w}',
            str(binary),
            *FLAGS,
            f"--user-data-dir={profile}",
            "about:blank",
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        pass_fds=(to_chrome_r, from_chrome_w),
    )
    os.close(to_chrome_r)
    os.close(from_chrome_w)
    browser = Browser(process, to_chrome_w, from_chrome_r)
    try:
        yield browser
    finally:
        try:
            browser.send("Browser.close")
        except (RuntimeError, TimeoutError, OSError):
            process.kill()
        process.wait(timeout=30)
        os.close(to_chrome_w)
        os.close(from_chrome_r)


@dataclass
class PageLoad:
    errors: list[str]
    requests: list[str]
    figures: list[dict[str, Any]]
    screenshot: bytes


FIGURES_JS = """JSON.stringify([...document.querySelectorAll('figure.chart')].map(f => ({
  id: f.id,
  marks: f.querySelectorAll('svg .mark').length,
  width: f.querySelector('svg').getBoundingClientRect().width,
  height: f.querySelector('svg').getBoundingClientRect().height,
})))"""


def load_page(browser: Browser, url: str, width: int = 1100) -> PageLoad:
    """Open `url` in a fresh tab, wait for its load event, read its charts, screenshot it."""
    target = browser.send("Target.createTarget", url="about:blank")["targetId"]
    session = browser.send("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
    for domain in ("Page", "Runtime", "Log", "Network"):
        browser.send(f"{domain}.enable", session)
    browser.send(
        "Emulation.setDeviceMetricsOverride",
        session,
        width=width,
        height=900,
        deviceScaleFactor=1,
        mobile=False,
    )
    browser.send("Page.navigate", session, url=url)
    browser.wait_for("Page.loadEventFired", session)
    figures = json.loads(
        browser.send("Runtime.evaluate", session, expression=FIGURES_JS, returnByValue=True)[
            "result"
        ]["value"]
    )
    height = browser.send("Page.getLayoutMetrics", session)["cssContentSize"]["height"]
    browser.send(
        "Emulation.setDeviceMetricsOverride",
        session,
        width=width,
        height=int(height),
        deviceScaleFactor=1,
        mobile=False,
    )
    shot = browser.send("Page.captureScreenshot", session, format="png", captureBeyondViewport=True)
    mine = [e for e in browser.events if e.get("sessionId") == session]
    return PageLoad(
        errors=[_describe(e) for e in mine if _is_error(e)],
        requests=[
            e["params"]["request"]["url"]
            for e in mine
            if e["method"] == "Network.requestWillBeSent"
        ],
        figures=figures,
        screenshot=base64.b64decode(shot["data"]),
    )


def _is_error(event: dict[str, Any]) -> bool:
    method, params = event.get("method"), event.get("params", {})
    if method == "Runtime.exceptionThrown" or method == "Network.loadingFailed":
        return True
    if method == "Runtime.consoleAPICalled":
        return params.get("type") in ("error", "assert")
    if method == "Log.entryAdded":
        return params.get("entry", {}).get("level") == "error"
    return False


def _describe(event: dict[str, Any]) -> str:
    return f"{event['method']}: {json.dumps(event.get('params'))[:500]}"
