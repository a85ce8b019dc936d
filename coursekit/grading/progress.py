"""The progress line of a batch on stderr: done/total, rate, ETA and the running mean score.

On a terminal one line is redrawn every second from the start (so a slow first submission still shows
time passing); otherwise (a log file, CI) one plain line per finished submission.
"""
from __future__ import annotations

import sys
import threading
import time


def _clock(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


class Progress:
    def __init__(self, total: int, max_score: int, stream=None, width: int = 24):
        self.total, self.max_score, self.width = total, max_score, width
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.done, self.scores, self.last = 0, [], ""
        self.started = time.monotonic()
        self.lock = threading.Lock()
        self.finished = threading.Event()
        self._draw()
        if self.tty:
            threading.Thread(target=self._tick, daemon=True).start()

    def line(self) -> str:
        elapsed = time.monotonic() - self.started
        rate = self.done / elapsed if elapsed > 0 else 0.0
        eta = _clock((self.total - self.done) / rate) if rate > 0 else "?"
        mean = f"{sum(self.scores) / len(self.scores):.1f}/{self.max_score}" if self.scores else "-"
        filled = self.width * self.done // max(self.total, 1)
        return (f"[{'#' * filled}{'-' * (self.width - filled)}] {self.done}/{self.total}  {rate * 60:.1f}/min  "
                f"elapsed {_clock(elapsed)}  ETA {eta}  mean {mean}  {self.last[:30]}")

    def _draw(self) -> None:
        with self.lock:
            if self.tty:
                self.stream.write("\r\033[K" + self.line())
            else:
                self.stream.write(self.line() + "\n")
            self.stream.flush()

    def _tick(self) -> None:
        while not self.finished.wait(1.0):
            self._draw()

    def update(self, name: str, score: float | None) -> None:
        self.done += 1
        self.last = name
        if score is not None:
            self.scores.append(score)
        self._draw()

    def close(self) -> None:
        self.finished.set()
        if self.tty:
            with self.lock:
                self.stream.write("\n")
                self.stream.flush()
