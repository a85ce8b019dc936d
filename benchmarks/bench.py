"""minigrad vs PyTorch (CPU) vs a hand-written numpy forward+backward, measured side by side.

    python benchmarks/bench.py [--quick] [--engine PATH] [--baseline PATH] [--cpu-time] [--threads N]

Workloads: (a) a 1,000-op chain of small elementwise ops + backward (per-op overhead); (b) an MLP
training step, batch 256, 1024 -> 1024 -> 10, cross-entropy, SGD; (c) a digits-sized step, 64 -> 32
-> 10, batch 32; and tracemalloc's current/peak memory over 1,000 minigrad steps of (c). Times are
medians over repeats; the three implementations run interleaved in every repeat so that load from
other processes hits them alike. `--baseline PATH` adds another engine (e.g. main's, from
`git worktree add`) to the same rounds and prints minigrad/baseline: the cost of a change to the engine,
measured side by side. Thread counts are set through torch.set_num_threads and
threadpoolctl (no environment variable is changed).
"""
from __future__ import annotations

import argparse
import gc
import importlib.util
import os
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
import threadpoolctl
import torch

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {"a": {"torch": 1.0}, "b": {"torch": 1.0, "numpy": 1.15}, "c": {}}
MEMORY_SLACK = 1.10, 64 * 1024      # "flat": step-1000 value <= 1.10 x step-100 value + 64 KiB


# --- engine and threads -----------------------------------------------------------------------------

def import_engine(folder: Path):
    """Import the minigrad package that lives in `folder` (the folder that holds minigrad/)."""
    folder = folder.resolve()
    if not (folder / "minigrad" / "__init__.py").is_file():
        sys.exit(f"--engine {folder}: no minigrad/__init__.py there")
    sys.path.insert(0, str(folder))
    import minigrad
    return minigrad


def import_baseline(folder: Path):
    """Import the minigrad package in `folder` as `minigrad_baseline` (its imports are relative), next to
    the engine under test."""
    init = folder.resolve() / "minigrad" / "__init__.py"
    if not init.is_file():
        sys.exit(f"--baseline {folder}: no minigrad/__init__.py there")
    spec = importlib.util.spec_from_file_location("minigrad_baseline", init,
                                                  submodule_search_locations=[str(init.parent)])
    module = importlib.util.module_from_spec(spec)
    sys.modules["minigrad_baseline"] = module
    spec.loader.exec_module(module)
    return module


def describe_threads(threads: int) -> list[str]:
    lines = [f"threads: torch.set_num_threads({threads}), threadpoolctl limits={threads} "
             f"(torch reports {torch.get_num_threads()})"]
    for pool in threadpoolctl.threadpool_info():
        lines.append(f"  {pool['user_api']:7} {pool['internal_api']:9} threads={pool['num_threads']} "
                     f"kernel={pool.get('architecture', '-')} version={pool.get('version')} "
                     f"{Path(pool['filepath']).name}")
    for var in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        lines.append(f"  {var}={os.environ.get(var, '(unset)')}")
    return lines


# --- the three implementations of each workload ----------------------------------------------------
# Each `make_*` returns a zero-argument callable running one iteration, built from the same numbers.

CHAIN = ("mul", "tanh", "add")       # op i of the chain is CHAIN[i % 3]


def chain_tensor(lib, x0, length):
    def run():
        x = lib.tensor(x0, requires_grad=True)
        y = x
        for i in range(length):
            kind = CHAIN[i % 3]
            y = y * 0.9 if kind == "mul" else y.tanh() if kind == "tanh" else y + 0.01
        y.sum().backward()
        return x.grad
    return run


def chain_numpy(x0, length):
    def run():
        y, saved = x0, []
        for i in range(length):
            kind = CHAIN[i % 3]
            if kind == "mul":
                y = y * np.float32(0.9)
            elif kind == "tanh":
                y = np.tanh(y)
                saved.append(y)
            else:
                y = y + np.float32(0.01)
        grad = np.ones_like(x0)
        for i in reversed(range(length)):
            kind = CHAIN[i % 3]
            if kind == "mul":
                grad = grad * np.float32(0.9)
            elif kind == "tanh":
                grad = grad * (1 - saved.pop() ** 2)
        return grad
    return run


def init_weights(sizes, seed=0):
    rng = np.random.default_rng(seed)
    return [(rng.uniform(-1, 1, (o, i)).astype(np.float32) / np.float32(np.sqrt(i)),
             rng.uniform(-0.1, 0.1, o).astype(np.float32)) for i, o in zip(sizes, sizes[1:])]


def mlp_step_tensor(lib, sizes, x0, y0, lr=0.01):
    layers = []
    for w, b in init_weights(sizes):
        layer = lib.nn.Linear(w.shape[1], w.shape[0])
        layer.weight, layer.bias = lib.nn.Parameter(lib.tensor(w)), lib.nn.Parameter(lib.tensor(b))
        layers += [layer, lib.nn.ReLU()]
    model = lib.nn.Sequential(*layers[:-1])
    optimizer = lib.optim.SGD(model.parameters(), lr=lr)
    x, y = lib.tensor(x0), lib.tensor(y0)

    def step():
        optimizer.zero_grad()
        loss = lib.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        return loss.item()
    return step


def mlp_step_numpy(sizes, x, y, lr=0.01):
    params = [[w.copy(), b.copy()] for w, b in init_weights(sizes)]
    onehot = np.eye(sizes[-1], dtype=np.float32)[y]
    lr = np.float32(lr)

    def step():
        (w1, b1), (w2, b2) = params
        h = x @ w1.T + b1
        r = np.maximum(h, 0)
        logits = r @ w2.T + b2
        shifted = logits - logits.max(axis=1, keepdims=True)
        exp = np.exp(shifted)
        total = exp.sum(axis=1, keepdims=True)
        loss = float(np.mean(np.log(total[:, 0]) - shifted[onehot.astype(bool)]))
        dlogits = (exp / total - onehot) / np.float32(len(x))
        dw2, db2 = dlogits.T @ r, dlogits.sum(0)
        dh = (dlogits @ w2) * (h > 0)
        dw1, db1 = dh.T @ x, dh.sum(0)
        for p, g in ((w1, dw1), (b1, db1), (w2, dw2), (b2, db2)):
            p -= lr * g
        return loss
    return step


# --- measuring ---------------------------------------------------------------------------------------

CLOCK = time.perf_counter


def median_times(runners: dict, repeats: int, warmup: int = 2) -> dict[str, float]:
    """Median seconds per call of each runner; the runners take turns in every repeat."""
    for run in runners.values():
        for _ in range(warmup):
            run()
    times = {name: [] for name in runners}
    for _ in range(repeats):
        for name, run in runners.items():
            start = CLOCK()
            run()
            times[name].append(CLOCK() - start)
    return {name: statistics.median(ts) for name, ts in times.items()}


def memory_profile(step, steps=1000, checkpoints=(100, 1000)) -> dict[int, tuple[int, int]]:
    """tracemalloc (current, peak) bytes after the given step counts of `step`."""
    gc.collect()
    tracemalloc.start()
    seen = {}
    try:
        for i in range(1, steps + 1):
            step()
            if i in checkpoints:
                seen[i] = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return seen


def check_same_losses(mg, sizes, x, y):
    """The three implementations start from the same weights: their first losses must agree."""
    losses = {"minigrad": mlp_step_tensor(mg, sizes, x, y)(), "torch": mlp_step_tensor(torch, sizes, x, y)(),
              "numpy": mlp_step_numpy(sizes, x, y)()}
    spread = max(losses.values()) - min(losses.values())
    if spread > 1e-4 * max(1.0, abs(losses["torch"])):
        sys.exit(f"the implementations disagree on the first loss: {losses}")


# --- report -----------------------------------------------------------------------------------------

def verdict(ratio: float, target: float) -> str:
    return f"<= {target:g}: {'met' if ratio <= target else 'NOT met'}"


def table(results: dict[str, dict[str, float]]) -> list[str]:
    base = all("baseline" in times for _, times in results.values())
    extra = f" {'baseline':>10} {'mg/base':>8}" if base else ""
    head = (f"{'workload':44} {'minigrad':>10} {'torch':>10} {'numpy':>10}{extra} {'mg/torch':>9} {'mg/numpy':>9}"
            f"  targets")
    lines = [head, "-" * len(head)]
    for key, (title, times) in results.items():
        r_torch, r_numpy = times["minigrad"] / times["torch"], times["minigrad"] / times["numpy"]
        targets = "; ".join(f"mg/{ref} {verdict(r_torch if ref == 'torch' else r_numpy, target)}"
                            for ref, target in TARGETS[key].items()) or "(none)"
        extra = f" {ms(times['baseline'])} {times['minigrad'] / times['baseline']:8.3f}" if base else ""
        lines.append(f"{title:44} {ms(times['minigrad'])} {ms(times['torch'])} {ms(times['numpy'])}{extra} "
                     f"{r_torch:9.2f} {r_numpy:9.2f}  {targets}")
    return lines


def ms(seconds: float) -> str:
    return f"{seconds * 1e3:8.3f}ms"


def memory_lines(profile: dict[int, tuple[int, int]]) -> list[str]:
    (cur_a, peak_a), (cur_b, peak_b) = profile[100], profile[1000]
    factor, slack = MEMORY_SLACK
    flat = cur_b <= factor * cur_a + slack and peak_b <= factor * peak_a + slack
    return [f"memory, 1,000 minigrad steps of (c) (tracemalloc): "
            f"step 100 current {cur_a / 1024:.1f} KiB peak {peak_a / 1024:.1f} KiB; "
            f"step 1000 current {cur_b / 1024:.1f} KiB peak {peak_b / 1024:.1f} KiB",
            f"memory flat (step 1000 <= {factor:g} x step 100 + {slack // 1024} KiB): "
            f"{'met' if flat else 'NOT met'}"]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats and a shorter memory run")
    parser.add_argument("--engine", type=Path, default=ROOT / "solutions",
                        help="folder that holds minigrad/ (default: solutions/)")
    parser.add_argument("--baseline", type=Path, help="folder that holds another minigrad/ to time alongside")
    parser.add_argument("--cpu-time", action="store_true",
                        help="time this thread's CPU time instead of wall time (steadier on a busy machine)")
    parser.add_argument("--threads", type=int, default=1, help="threads for torch and BLAS (default 1)")
    args = parser.parse_args(argv)

    mg = import_engine(args.engine)
    baseline = import_baseline(args.baseline) if args.baseline else None
    global CLOCK
    CLOCK = time.thread_time if args.cpu_time else time.perf_counter
    torch.set_num_threads(args.threads)
    with threadpoolctl.threadpool_limits(limits=args.threads):
        print(f"minigrad from {Path(mg.__file__).parent}; torch {torch.__version__}; numpy {np.__version__}")
        print("\n".join(describe_threads(args.threads)))
        repeats = {"a": 5, "b": 5, "c": 30} if args.quick else {"a": 21, "b": 21, "c": 201}
        rng = np.random.default_rng(0)

        chain_x = rng.standard_normal(16).astype(np.float32)
        runners = {"minigrad": chain_tensor(mg, chain_x, 1000), "torch": chain_tensor(torch, chain_x, 1000),
                   "numpy": chain_numpy(chain_x, 1000)}
        if baseline:
            runners["baseline"] = chain_tensor(baseline, chain_x, 1000)
        results = {"a": ("(a) 1,000-op elementwise chain + backward", median_times(runners, repeats["a"]))}

        for key, title, sizes, batch in (("b", "(b) MLP step 1024-1024-10, batch 256", [1024, 1024, 10], 256),
                                         ("c", "(c) MLP step 64-32-10, batch 32", [64, 32, 10], 32)):
            x = rng.standard_normal((batch, sizes[0])).astype(np.float32)
            y = rng.integers(0, sizes[-1], batch)
            check_same_losses(mg, sizes, x, y)
            runners = {"minigrad": mlp_step_tensor(mg, sizes, x, y), "torch": mlp_step_tensor(torch, sizes, x, y),
                       "numpy": mlp_step_numpy(sizes, x, y)}
            if baseline:
                runners["baseline"] = mlp_step_tensor(baseline, sizes, x, y)
            results[key] = (title, median_times(runners, repeats[key]))

        x = rng.standard_normal((32, 64)).astype(np.float32)
        y = rng.integers(0, 10, 32)
        profile = memory_profile(mlp_step_tensor(mg, [64, 32, 10], x, y))

    print()
    print("\n".join(table(results)))
    print("\n".join(memory_lines(profile)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
