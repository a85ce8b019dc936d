"""The browser edition in a real browser: `python -m coursekit lite` served on 127.0.0.1, in headless
Chromium, with the official Pyodide 0.27.7 (tests/course/pyodide_fixture.py, cached between runs).

In the site's REPL: the complete engine (`--solved`) passes every engine exercise's check, the student
engine gives ⏳ for each; in the student site an edit to minigrad/ saved to the drive is seen by the
next cell, an endless loop is stopped by the check's step budget, and `%coursekit submit` writes a zip
the grader unpacks as it is. No request leaves 127.0.0.1. Figures (kernel ready, one check) are printed with
`-s`.
"""
from __future__ import annotations

import base64
import re
import shutil
import time
import urllib.parse
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(shutil.which("chromium") is None or shutil.which("npm") is None,
                                 reason="needs Debian's chromium and npm (.ci/run installs chromium)")]

ROOT = Path(__file__).resolve().parents[2]
READY, DONE = "@@ready", "@@done"


def engine_ids() -> list[str]:
    from coursekit import exercises
    return [e.id for e in exercises.all_exercises() if not e.answer]


CHECK_ALL = """import contextlib, io, time
from coursekit import check, exercises
from coursekit.verdicts import NotPassed
for e in exercises.all_exercises():
    if e.answer:
        continue
    started = time.perf_counter()
    try:
        with contextlib.redirect_stdout(io.StringIO()) as printed:
            check(e.id)
        said = printed.getvalue()
    except NotPassed as error:
        said = str(error)
    print("@@", e.id, said[:1], round(time.perf_counter() - started, 2))
"""

# the student site: a saved edit is used by the next cell, an endless loop is stopped, submit writes the zip
FIND_STUB = """import minigrad
from pathlib import Path
from coursekit import exercises
where, function = exercises.get("2.1-numdiff").functions[0].split(":")
source = Path(where).read_text(encoding="utf-8")
stub = next(line for line in source.splitlines() if 'raise NotImplementedError("练习 2.1-numdiff' in line)
indent = stub[:len(stub) - len(stub.lstrip())]"""
EDIT = """Path(where).write_text(source.replace(stub, indent + 'return "edited"'), encoding="utf-8")"""
SEE_EDIT = 'print("@@live", getattr(minigrad.numdiff, function)(None, None, 1e-3))'
LOOP = """Path(where).write_text(source.replace(stub, indent + 'while True: pass'), encoding="utf-8")
try:
    check("2.1-numdiff", timeout=2)
except NotPassed as error:
    print("@@loop", str(error).replace(chr(10), " "))
Path(where).write_text(source.replace(stub, indent + 'return "handed in"'), encoding="utf-8")"""
SUBMIT = """%coursekit submit
import base64
print("@@zip", base64.b64encode(Path("submission.zip").read_bytes()).decode())
print("@@" + "end")"""


@pytest.fixture(scope="module")
def sites(tmp_path_factory):
    from coursekit.lite.site import build_site
    from pyodide_fixture import official_pyodide
    pyodide = official_pyodide()
    root = tmp_path_factory.mktemp("lite")
    started = time.perf_counter()
    for name, solved in (("solved", True), ("student", False)):
        assert build_site(ROOT, root / name, solved=solved, pyodide=pyodide, echo=lambda *a: None) == 0
    print(f"\nlite: two sites built in {time.perf_counter() - started:.0f} s, "
          f"{sum(p.stat().st_size for p in (root / 'student').rglob('*') if p.is_file()) / 2**20:.0f} MB each")
    from static_server import StaticServer
    server = StaticServer(root)
    yield server
    server.close()


@pytest.fixture(scope="module")
def browser():
    from chromium import Chromium
    chromium = Chromium()
    yield chromium
    chromium.close()


def repl(browser, url: str, cells: list[str], until: str, timeout: float = 400) -> str:
    """Run `cells` in the site's REPL; the page's text once `until` has been printed (the cells' own source
    never holds `until`: they print it in pieces)."""
    cells = ["%load_ext coursekit\nprint('@@' + 'ready')", *cells]
    query = "&".join("code=" + urllib.parse.quote(c) for c in cells)
    started = time.perf_counter()
    session = browser.open(f"{url}/repl/index.html?kernel=python&toolbar=1&{query}")
    browser.wait_for(session, f"document.body.innerText.includes({READY!r})", timeout)
    print(f"\nlite: kernel ready (and %load_ext coursekit) after {time.perf_counter() - started:.1f} s")
    try:
        return browser.wait_for(session, f"document.body.innerText.includes({until!r}) && document.body.innerText",
                                timeout)
    except TimeoutError:
        pytest.fail(f"{until} not printed in {timeout} s; the REPL ends with:\n"
                    f"{browser.evaluate(session, 'document.body.innerText')[-3000:]}")


def verdicts(text: str) -> dict[str, tuple[str, float]]:
    return {m[1]: (m[2], float(m[3])) for m in re.finditer(r"^@@ (\S+) (\S) ([\d.]+)$", text, re.M)}


def test_solved_site_passes_every_engine_exercise(sites, browser):
    text = repl(browser, f"{sites.url}/solved", [CHECK_ALL + "print('@@' + 'done')"], DONE)
    found = verdicts(text)
    assert set(found) == set(engine_ids()), text[-3000:]
    assert {i: m for i, (m, _) in found.items() if m != "✅"} == {}, text[-3000:]
    print("lite: seconds per check in the browser:", {i: t for i, (_, t) in found.items()})


def test_student_site(sites, browser, tmp_path):
    """⏳ for every engine exercise; an edit seen by the next cell; an endless loop stopped; the zip graded."""
    cells = [CHECK_ALL, FIND_STUB, EDIT, SEE_EDIT, LOOP, SUBMIT]
    text = repl(browser, f"{sites.url}/student", cells, "@@end")
    found = verdicts(text)
    assert set(found) == set(engine_ids()) and {m for m, _ in found.values()} == {"⏳"}, text[-3000:]
    print("lite: seconds per ⏳ check in the browser:", {i: t for i, (_, t) in found.items()})
    assert "@@live edited" in text, text[-3000:]
    loop = re.search(r"^@@loop (.*)$", text, re.M).group(1)
    assert loop.startswith("⏱ 练习 2.1-numdiff") and "死循环" in loop and "浏览器里不能中断" in loop, loop
    archive = tmp_path / "submission.zip"
    archive.write_bytes(base64.b64decode(re.search(r"^@@zip (\S+)$", text, re.M).group(1)))
    from coursekit.grading.submission import unpack
    submission = unpack(archive, tmp_path / "unpacked")
    handed_in = (submission.root / "minigrad" / "numdiff.py").read_text(encoding="utf-8")
    assert submission.has_engine and not submission.unreadable and submission.notes == [], submission.notes
    assert 'return "handed in"' in handed_in and (submission.root / "chapters" / "10_exercises.ipynb").is_file()


def test_no_request_leaves_localhost(sites, browser):
    """After the tests above (module order): every http(s)/ws request any target made went to 127.0.0.1."""
    web = [u for u in browser.requests if u.split(":", 1)[0] in ("http", "https", "ws", "wss")]
    assert web, "no request was seen: the network watch is broken"
    outside = sorted({u for u in web if urllib.parse.urlsplit(u).hostname != "127.0.0.1"})
    assert outside == []
