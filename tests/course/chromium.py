"""Headless Chromium driven over the DevTools protocol (Debian's `chromium`, the `websockets` package).

Just what the browser tests need: open a page, evaluate JavaScript in it, take a screenshot, and see
every request any of its targets makes (the page, its Web Workers, the service worker), so a test can
assert that none leaves 127.0.0.1.
"""
from __future__ import annotations

import base64
import itertools
import json
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from websockets.sync.client import connect

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--remote-debugging-port=0", "--window-size=1280,900")


class Chromium:
    def __init__(self, executable: str = "chromium"):
        self.profile = tempfile.mkdtemp(prefix="coursekit-chromium-")
        self.process = subprocess.Popen([shutil.which(executable) or executable, *FLAGS,
                                         f"--user-data-dir={self.profile}", "about:blank"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = Path(self.profile) / "DevToolsActivePort"
        for _ in range(300):
            if port_file.is_file() and len(port_file.read_text().split()) == 2:
                break
            time.sleep(0.1)
        port, path = port_file.read_text().split()
        self.socket = connect(f"ws://127.0.0.1:{port}{path}", max_size=2 ** 28)
        self.ids = itertools.count(1)
        self.requests: list[str] = []          # every URL any target asked for
        self.replies: dict[int, dict] = {}
        self.lock = threading.Lock()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        self.send("Target.setDiscoverTargets", discover=True)
        self.send("Target.setAutoAttach", autoAttach=True, waitForDebuggerOnStart=True, flatten=True)

    # ------------------------------------------------------------ the protocol

    def _read(self):
        try:
            for raw in self.socket:
                message = json.loads(raw)
                if "id" in message:
                    with self.lock:
                        self.replies[message["id"]] = message
                else:
                    self._event(message)
        except Exception:                    # noqa: BLE001 - the socket closed
            pass

    def _event(self, message):
        method, params, session = message.get("method"), message.get("params", {}), message.get("sessionId")
        if method == "Network.requestWillBeSent":
            self.requests.append(params["request"]["url"])
        elif method == "Target.attachedToTarget":     # every new target: watch its network, then let it run
            child = params["sessionId"]
            threading.Thread(target=self._watch, args=(child,), daemon=True).start()

    def _watch(self, session):
        self.send("Network.enable", session=session, wait=False)
        self.send("Target.setAutoAttach", session=session, wait=False, autoAttach=True,
                  waitForDebuggerOnStart=True, flatten=True)
        self.send("Runtime.runIfWaitingForDebugger", session=session, wait=False)

    def send(self, method, session=None, wait=True, timeout=60, **params):
        number = next(self.ids)
        message = {"id": number, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        self.socket.send(json.dumps(message))
        if not wait:
            return None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if number in self.replies:
                    reply = self.replies.pop(number)
                    if "error" in reply:
                        raise RuntimeError(f"{method}: {reply['error']}")
                    return reply["result"]
            time.sleep(0.01)
        raise TimeoutError(f"{method}: no reply in {timeout} s")

    # ------------------------------------------------------------ pages

    def open(self, url: str) -> str:
        """A new tab at `url` (its requests watched from the first one); its session id."""
        target = self.send("Target.createTarget", url="about:blank")["targetId"]
        for _ in range(200):
            sessions = [s for s in self.send("Target.getTargets")["targetInfos"] if s["targetId"] == target]
            if sessions and sessions[0].get("attached"):
                break
            time.sleep(0.05)
        session = self.send("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        self._watch(session)
        self.send("Page.enable", session=session)
        self.send("Page.navigate", session=session, url=url)
        return session

    def evaluate(self, session: str, expression: str):
        result = self.send("Runtime.evaluate", session=session, expression=expression, returnByValue=True)
        return result.get("result", {}).get("value")

    def wait_for(self, session: str, expression: str, timeout: float, every: float = 0.5):
        """Poll `expression` until it is truthy; its value (TimeoutError after `timeout` seconds)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = self.evaluate(session, expression)
            if value:
                return value
            time.sleep(every)
        raise TimeoutError(f"not true after {timeout} s: {expression}")

    def screenshot(self, session: str, path: Path) -> Path:
        data = self.send("Page.captureScreenshot", session=session, format="png")["data"]
        Path(path).write_bytes(base64.b64decode(data))
        return Path(path)

    def close(self):
        try:
            self.socket.close()
        finally:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
            shutil.rmtree(self.profile, ignore_errors=True)
