"""Grading many submissions at once: worker processes, and stopping them cleanly on SIGINT or SIGTERM."""
from __future__ import annotations

import multiprocessing
import signal
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor, as_completed

from . import sandbox


def _start_worker(stop) -> None:
    """A worker process: Ctrl-C and SIGTERM reach it through `stop`, so that it kills its child first."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    sandbox.STOP = stop


def _pool(jobs: int):
    """N worker processes (the comparisons in PyTorch need a core each, not threads), forked from this one
    after torch is loaded, so no worker imports it again."""
    context = multiprocessing.get_context("fork")
    stop = context.Event()
    return ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_start_worker,
                               initargs=(stop,)), stop


def _stop_pool(pool: ProcessPoolExecutor, grace: float = 15.0) -> None:
    """Cancel what has not started; give running workers `grace` seconds to kill their children (they
    see the stop event within half a second), then kill the workers (their sandboxes die with them)."""
    processes = list((pool._processes or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    deadline = time.monotonic() + grace
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()))
        if process.is_alive():
            process.kill()
            process.join(5)


class Signals:
    """While grading: SIGTERM (like SIGINT) raises KeyboardInterrupt in the main thread; remembers which."""

    def __init__(self):
        self.received, self.previous = signal.SIGINT, None

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            self.previous = signal.signal(signal.SIGTERM, self._raise)
        return self

    def _raise(self, signum, frame):
        self.received = signum
        raise KeyboardInterrupt

    def __exit__(self, *exc):
        if self.previous is not None:
            signal.signal(signal.SIGTERM, self.previous)


def run_all(work: list, task, jobs: int, finished, quiet: bool = True) -> None:
    """Run `task(item)` for every item of `work`, here (jobs 1) or in a pool of `jobs` workers;
    `finished(item, result)` once as each one ends. `task` returns its errors rather than raising them.
    On KeyboardInterrupt: stop the workers, report what finished meanwhile, raise again."""
    sandbox.STOP.clear()
    if jobs <= 1 or len(work) <= 1:
        for item in work:
            finished(item, task(item))
        return
    pool, stop = _pool(min(jobs, len(work)))
    futures = {pool.submit(task, item): item for item in work}
    told = set()
    try:
        for future in as_completed(futures):
            told.add(future)
            finished(futures[future], future.result())
    except BaseException:
        if not quiet:
            print("\nstopping: ending the running checks (finished results are kept)...", file=sys.stderr)
        stop.set()                  # workers kill their children and write nothing more
        _stop_pool(pool)
        for future, item in futures.items():      # finished while we were stopping: keep them (once)
            if future not in told and future.done() and not future.cancelled() and future.exception() is None:
                if not isinstance(future.result(), BaseException):
                    finished(item, future.result())
        raise
    pool.shutdown(wait=True)
