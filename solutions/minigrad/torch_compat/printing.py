"""`repr`/`str` of a Tensor, identical to torch's (a port of torch/_tensor_str.py for dense CPU tensors)."""
from __future__ import annotations

import math

import numpy as np

from .dtypes import DEFAULT_FLOAT, from_numpy


class PrintOptions:
    precision = 4
    threshold = 1000
    edgeitems = 3
    linewidth = 80
    sci_mode = None


OPTS = PrintOptions()


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None,
                     sci_mode=None):
    if profile is not None:
        OPTS.precision, OPTS.threshold, OPTS.edgeitems, OPTS.linewidth = {
            "default": (4, 1000, 3, 80), "short": (2, 1000, 2, 80), "full": (4, math.inf, 3, 80)}[profile]
    for name, value in (("precision", precision), ("threshold", threshold), ("edgeitems", edgeitems),
                        ("linewidth", linewidth)):
        if value is not None:
            setattr(OPTS, name, value)
    OPTS.sci_mode = sci_mode


class _Formatter:
    """Chooses one format for all elements: integers, 'int mode' floats (`1.`), fixed or scientific."""

    def __init__(self, values: np.ndarray):
        self.floating = values.dtype.kind == "f"
        self.int_mode, self.sci_mode, self.max_width = True, False, 1
        flat = values.reshape(-1)
        if not self.floating:
            for value in flat.tolist():
                self.max_width = max(self.max_width, len(_plain(value)))
            return
        finite = flat[np.isfinite(flat) & (flat != 0)].astype(np.float64)
        if finite.size == 0:
            return
        magnitude = np.abs(finite)
        lo, hi = magnitude.min(), magnitude.max()
        self.int_mode = bool(np.all(finite == np.ceil(finite)))
        self.sci_mode = (hi / lo > 1000.0 or hi > 1.0e8 or lo < 1.0e-4) if OPTS.sci_mode is None else OPTS.sci_mode
        p = OPTS.precision
        for value in finite.tolist():
            if self.sci_mode:
                width = len(f"{value:.{p}e}")
            elif self.int_mode:
                width = len(f"{value:.0f}") + 1
            else:
                width = len(f"{value:.{p}f}")
            self.max_width = max(self.max_width, width)

    def format(self, value) -> str:
        p = OPTS.precision
        if self.floating:
            if self.sci_mode:
                text = f"{value:{self.max_width}.{p}e}"
            elif self.int_mode:
                text = f"{value:.0f}"
                if not (math.isinf(value) or math.isnan(value)):
                    text += "."
            else:
                text = f"{value:.{p}f}"
        else:
            text = _plain(value)
        return (self.max_width - len(text)) * " " + text


def _plain(value) -> str:
    return str(value)          # Python int / bool, as torch prints them


def _vector_str(values: np.ndarray, indent: int, summarize: bool, fmt: _Formatter) -> str:
    element_length = fmt.max_width + 2
    per_line = max(1, math.floor((OPTS.linewidth - indent) / element_length))
    edge = OPTS.edgeitems
    if summarize and not edge:
        data = ["..."]
    elif summarize and values.shape[0] > 2 * edge:
        data = ([fmt.format(v) for v in values[:edge].tolist()] + [" ..."]
                + [fmt.format(v) for v in values[-edge:].tolist()])
    else:
        data = [fmt.format(v) for v in values.tolist()]
    lines = [", ".join(data[i:i + per_line]) for i in range(0, len(data), per_line)]
    return "[" + ("," + "\n" + " " * (indent + 1)).join(lines) + "]"


def _tensor_str_with_formatter(values: np.ndarray, indent: int, summarize: bool, fmt: _Formatter) -> str:
    dim = values.ndim
    if dim == 0:
        return fmt.format(values.item())
    if dim == 1:
        return _vector_str(values, indent, summarize, fmt)
    edge = OPTS.edgeitems
    if summarize and values.shape[0] > 2 * edge:
        rows = ([_tensor_str_with_formatter(values[i], indent + 1, summarize, fmt) for i in range(edge)]
                + ["..."]
                + [_tensor_str_with_formatter(values[i], indent + 1, summarize, fmt)
                   for i in range(len(values) - edge, len(values))])
    else:
        rows = [_tensor_str_with_formatter(values[i], indent + 1, summarize, fmt) for i in range(values.shape[0])]
    return "[" + ("," + "\n" * (dim - 1) + " " * (indent + 1)).join(rows) + "]"


def _summarized(values: np.ndarray) -> np.ndarray:
    """The elements a summarized print shows (edge items of every dimension), for the formatter."""
    edge = OPTS.edgeitems
    if values.ndim == 0:
        return values
    if values.ndim == 1:
        return np.concatenate((values[:edge], values[-edge:])) if values.shape[0] > 2 * edge else values
    if not edge:
        return values[:0]
    if values.shape[0] > 2 * edge:
        rows = list(range(edge)) + list(range(len(values) - edge, len(values)))
    else:
        rows = range(values.shape[0])
    return np.stack([_summarized(values[i]) for i in rows])


def tensor_str(values: np.ndarray, indent: int) -> str:
    if values.size == 0:
        return "[]"
    summarize = values.size > OPTS.threshold
    fmt = _Formatter(_summarized(values) if summarize else values)
    return _tensor_str_with_formatter(values, indent, summarize, fmt)


def _add_suffixes(text: str, suffixes: list[str], indent: int) -> str:
    parts = [text]
    last_line_len = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if last_line_len + len(suffix) + 2 > OPTS.linewidth:
            parts.append(",\n" + " " * indent + suffix)
            last_line_len = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            last_line_len += len(suffix) + 2
    parts.append(")")
    return "".join(parts)


def tensor_repr(t, prefix: str = "tensor(") -> str:
    """What torch prints for a tensor: values, then dtype / grad_fn / requires_grad suffixes."""
    values = t._data
    indent = len(prefix)
    suffixes = []
    dt = from_numpy(values.dtype)
    if values.size == 0:
        if values.ndim != 1:
            suffixes.append("size=" + str(tuple(values.shape)))
        if dt is not DEFAULT_FLOAT:
            suffixes.append("dtype=" + repr(dt))
        text = "[]"
    else:
        if not OPTS.edgeitems:
            suffixes.append("size=" + str(tuple(values.shape)))
        if dt.name not in (DEFAULT_FLOAT.name, "int64", "bool"):
            suffixes.append("dtype=" + repr(dt))
        text = tensor_str(values, indent)
    if t.grad_fn is not None:
        suffixes.append(f"grad_fn=<{type(t.grad_fn).__name__}>")
    elif t.requires_grad:
        suffixes.append("requires_grad=True")
    if t.tangent is not None:
        suffixes.append(f"tangent={tensor_repr(t.tangent) if hasattr(t.tangent, 'data') else t.tangent}")
    return _add_suffixes(prefix + text, suffixes, indent)
