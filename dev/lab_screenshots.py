"""Screenshots of notebooks as JupyterLab shows them, page by page, for a maintainer to look at.

    python dev/lab_screenshots.py solutions/chapters/05_simple_example.ipynb [...] --out /tmp/shots

Needs Debian's `chromium` and `fonts-noto-cjk` (apt-get install chromium fonts-noto-cjk). Starts
JupyterLab on a free port (no token), opens each notebook in headless Chromium, scrolls the notebook
panel and saves one PNG per screenful: OUT/chapters--05_simple_example-01.png, -02.png, ... The notebooks open
untrusted, as they do for a student who has just cloned the course.
"""
from __future__ import annotations

import argparse
import base64
import json
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from tornado.ioloop import IOLoop
from tornado.websocket import websocket_connect

ROOT = Path(__file__).resolve().parent.parent
WIDTH, HEIGHT = 1280, 1600
# Every cell rendered (no virtual scrolling), so a screenful shows what a reader scrolls to.
SETTINGS = {"@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
            "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false",
                                                                               "checkForUpdates": False}}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.5)
    sys.exit(f"{url} did not answer within {seconds:.0f} s")


def start_lab(settings: Path) -> tuple[subprocess.Popen, int]:
    for name, value in SETTINGS.items():
        (settings / name).parent.mkdir(parents=True, exist_ok=True)
        (settings / name).write_text(json.dumps(value))
    port = free_port()
    lab = subprocess.Popen([sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}", "--allow-root",
                            "--ServerApp.token=", "--ServerApp.password=", f"--ServerApp.root_dir={ROOT}",
                            f"--LabApp.user_settings_dir={settings}"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for(f"http://127.0.0.1:{port}/lab")
    return lab, port


def start_chromium(profile: Path) -> tuple[subprocess.Popen, int]:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if not browser:
        sys.exit("chromium not found: apt-get install chromium fonts-noto-cjk")
    port = free_port()
    chromium = subprocess.Popen([browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                                 "--disable-background-networking", "--disable-component-update",
                                 f"--remote-debugging-port={port}", f"--user-data-dir={profile}",
                                 f"--window-size={WIDTH},{HEIGHT}", "about:blank"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for(f"http://127.0.0.1:{port}/json/version")
    return chromium, port


class Page:
    """The few DevTools calls needed: open a URL, run JavaScript, take a screenshot."""

    def __init__(self, socket):
        self.socket, self.next_id = socket, 0

    async def call(self, method: str, **params):
        self.next_id += 1
        await self.socket.write_message(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(await self.socket.read_message())
            if message.get("id") == self.next_id:
                return message.get("result", {})

    async def js(self, expression: str):
        result = await self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        return result.get("result", {}).get("value")


SCROLLER = "document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-WindowedPanel-outer')"


async def shoot(devtools_port: int, lab_port: int, notebooks: list[str], out: Path) -> None:
    target = json.load(urllib.request.urlopen(f"http://127.0.0.1:{devtools_port}/json/list"))[0]
    page = Page(await websocket_connect(target["webSocketDebuggerUrl"], max_message_size=1 << 28))
    for notebook in notebooks:
        await page.call("Page.navigate", url=f"http://127.0.0.1:{lab_port}/doc/tree/{notebook}")
        for _ in range(60):                       # wait for the notebook to render
            await page.call("Runtime.evaluate", expression="new Promise(r => setTimeout(r, 500))", awaitPromise=True)
            if await page.js(f"!!{SCROLLER} && document.querySelectorAll('.jp-Cell').length > 0"):
                break
        if await page.js("!!document.querySelector('.jp-SideBar.jp-mod-left .lm-mod-current')"):
            for kind in ("keyDown", "keyUp"):         # Ctrl+B hides the file browser: more room for the page
                await page.call("Input.dispatchKeyEvent", type=kind, modifiers=2, key="b", code="KeyB",
                                windowsVirtualKeyCode=66)
        await page.js("new Promise(r => setTimeout(r, 4000))")      # MathJax and images
        total = await page.js(f"(s => {{ const cells = s.querySelectorAll('.jp-Cell');"   # to the last cell's end
                              f"return Math.ceil(cells[cells.length - 1].getBoundingClientRect().bottom"
                              f" - s.getBoundingClientRect().top + s.scrollTop + 40); }})({SCROLLER})")
        view = await page.js(f"{SCROLLER}.clientHeight")
        stem = Path(notebook).with_suffix("").as_posix().replace("/", "--")    # chapters--05_simple_example
        last = max(total - view, 0)
        tops = [*range(0, last, max(view - 40, 1)), last]        # overlapping screenfuls, the last at the end
        for k, top in enumerate(tops, start=1):
            await page.js(f"{SCROLLER}.scrollTop = {top}; new Promise(r => setTimeout(r, 800))")
            shot = await page.call("Page.captureScreenshot", format="png")
            (out / f"{stem}-{k:02d}.png").write_bytes(base64.b64decode(shot["data"]))
        print(f"{notebook}: {k} screenful(s), {total} px", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", help="notebook paths relative to the repository root")
    parser.add_argument("--out", type=Path, default=Path("lab-screenshots"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as scratch:
        lab, lab_port = start_lab(Path(scratch, "settings"))
        chromium, devtools_port = start_chromium(Path(scratch, "profile"))
        try:
            IOLoop.current().run_sync(lambda: shoot(devtools_port, lab_port, args.notebooks, args.out))
        finally:
            for process in (chromium, lab):
                process.terminate()
                process.wait(timeout=30)


if __name__ == "__main__":
    main()
