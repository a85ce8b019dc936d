"""The progress bar of a batch on stderr (tqdm): done/total, elapsed, ETA, rate and the running mean score.

On a terminal the bar is redrawn in place, every second from the start (so a slow first submission still
shows time passing). Elsewhere (a log file, CI) each redraw is a plain line, at most one every
LOG_INTERVAL seconds plus the last one, so a long batch does not flood the log.
"""
from __future__ import annotations

import shutil
import sys
import threading

from tqdm import tqdm

LOG_INTERVAL = 30.0


class _Lines:
    """A stream that is not a terminal: tqdm's carriage-return redraws become separate lines."""

    def __init__(self, stream):
        self.stream, self.last = stream, ""

    def write(self, text: str) -> None:
        text = text.replace("\r", "").strip()
        if text and text != self.last:          # closing redraws the last state once more
            self.stream.write(text + "\n")
            self.last = text

    def flush(self) -> None:
        self.stream.flush()


class Progress:
    def __init__(self, total: int, max_score: int, stream=None):
        stream = stream or sys.stderr
        self.tty = stream.isatty()
        self.max_score, self.scores = max_score, []
        size = shutil.get_terminal_size()      # (80, 24) where a terminal does not tell its size: tqdm
        self.bar = tqdm(total=total, file=stream if self.tty else _Lines(stream), unit="sub",   # draws nothing then
                        ncols=size.columns, nrows=size.lines, mininterval=0.5 if self.tty else LOG_INTERVAL,
                        smoothing=0.1, ascii=not self.tty, postfix="mean -")
        self.finished = threading.Event()
        if self.tty:
            threading.Thread(target=self._tick, daemon=True).start()

    def _tick(self) -> None:
        while not self.finished.wait(1.0):
            self.bar.refresh()

    def update(self, name: str, score: float | None) -> None:
        if score is not None:
            self.scores.append(score)
        mean = f"{sum(self.scores) / len(self.scores):.1f}/{self.max_score}" if self.scores else "-"
        self.bar.set_postfix_str(f"mean {mean}  {name[:30]}", refresh=False)
        self.bar.update(1)

    def close(self) -> None:
        self.finished.set()
        self.bar.close()
