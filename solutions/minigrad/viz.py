"""The computation graph, as data (for trace tables) and as a picture (SVG drawn by hand, and the same
picture as PNG through matplotlib for notebooks that are not trusted yet).

    trace(y, names={"x1": x1, "x2": x2})      tensors in topological order (inputs before users)
    graph_data(y, names=...)                  {"nodes": [...], "edges": [(src, dst), ...]}
    draw_graph(y, names=...)                  an object Jupyter displays; .save("g.svg" or "g.png")
"""
from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

import numpy as np

from .graph import AccumulateGrad, vertex
from .tensor import Tensor


@dataclass
class GraphNode:
    """One vertex of the graph: a leaf tensor, or an op (its grad_fn) and the tensor it produced."""
    id: int                       # position in topological order
    name: str | None              # from `names`, if given
    op: str | None                # grad_fn name (MulBackward0), None for a leaf
    shape: tuple
    value: np.ndarray | None      # the tensor's values, when the tensor is known (a leaf, the root, a named one)
    inputs: list[int] = field(default_factory=list)
    tensor: Tensor | None = field(default=None, repr=False)

    @property
    def label(self) -> str:
        return self.name or (self.op.replace("Backward0", "").replace("Backward1", "") if self.op else "leaf")


def _collect(root) -> list:
    """Every node `root` depends on, breadth first."""
    seen, found, frontier = {root}, [root], [root]
    while frontier:
        nxt = []
        for node in frontier:
            for x in node.inputs:
                if x is not None and x not in seen:
                    seen.add(x)
                    found.append(x)
                    nxt.append(x)
        frontier = nxt
    return found


def trace(root: Tensor, names: dict | None = None) -> list[GraphNode]:
    """The graph's vertices in topological order: leaves first, then the ops in the order the program
    ran them (Kahn's algorithm: a vertex once all its inputs are listed)."""
    tensors = {vertex(t): (k, t) for k, t in (names or {}).items() if isinstance(t, Tensor) and t.requires_grad}
    tensors.setdefault(vertex(root), (None, root))
    nodes = _collect(vertex(root))
    for n in nodes:                  # intermediate values the graph saved for backward
        for s in n.saved or ():
            if isinstance(s, Tensor) and s.requires_grad:
                tensors.setdefault(vertex(s), (None, s))
    inputs = {n: [x for x in n.inputs if x is not None] for n in nodes}
    waiting = {n: len(set(inputs[n])) for n in nodes}
    users: dict = {}
    for n in nodes:
        for x in set(inputs[n]):
            users.setdefault(x, []).append(n)
    ready = [n for n in nodes if waiting[n] == 0]
    order, position = [], {}
    while ready:
        ready.sort(key=lambda n: (type(n) is not AccumulateGrad, n.seq))
        n = ready.pop(0)
        position[n] = len(order)
        name, tensor = tensors.get(n, (None, None))
        leaf = type(n) is AccumulateGrad
        if leaf:
            tensor = n.variable
        order.append(GraphNode(len(order), name, None if leaf else n.name(), tuple(n.meta[0]),
                               None if tensor is None else np.array(tensor._data),
                               [position[x] for x in inputs[n]], tensor))
        for user in users.get(n, []):
            waiting[user] -= 1
            if waiting[user] == 0:
                ready.append(user)
    return order


def graph_data(root: Tensor, names: dict | None = None) -> dict:
    nodes = trace(root, names)
    return {"nodes": nodes, "edges": [(i, n.id) for n in nodes for i in n.inputs]}


@dataclass
class Box:
    """One drawn vertex: top-left corner, colour and two lines of text."""
    x: float
    y: float
    fill: str
    title: str
    detail: str


@dataclass
class GraphDrawing:
    """A laid-out picture of the graph. Jupyter shows it as SVG where the notebook is trusted and as PNG
    (drawn with matplotlib) where it is not, as in a freshly opened notebook."""
    boxes: list[Box]
    edges: list[tuple[int, int]]          # (from box, to box)
    width: float
    height: float
    BOX_W = 150
    BOX_H = 46

    def __repr__(self) -> str:
        return f"<graph: {len(self.boxes)} vertices, {len(self.edges)} edges>"

    def _repr_svg_(self) -> str:
        return _svg(self)

    def _repr_png_(self) -> bytes:
        return _png(self)

    def save(self, path) -> None:
        """Write the picture; the file's suffix (.svg or .png) picks the format."""
        suffix = str(path).rsplit(".", 1)[-1]
        if suffix not in ("svg", "png"):
            raise ValueError(f"save({str(path)!r}): give a file name ending in .svg or .png")
        with open(path, "wb") as f:
            f.write(_svg(self).encode("utf-8") if suffix == "svg" else _png(self))


def _layers(nodes: list[GraphNode]) -> list[int]:
    depth = []
    for n in nodes:
        depth.append(1 + max((depth[i] for i in n.inputs), default=-1))
    return depth


def _box(n: GraphNode, last: int, show_values: bool) -> tuple[str, str, str]:
    """Colour, title and detail line of one vertex."""
    leaf = n.op is None
    fill = "#dbeafe" if leaf else ("#fde68a" if n.id == last else "#f3f4f6")
    title = n.name if leaf or not n.name else f"{n.name} = {n.op}"
    title = title if title else (n.op or "leaf")
    detail = f"shape {list(n.shape)}"
    known = leaf or n.name or n.id == last      # values of leaves, named tensors, the output
    if show_values and known and n.value is not None and n.value.size == 1:
        detail = f"{float(n.value):.6g}"
    return fill, title, detail


def _rows(columns: dict[int, list[GraphNode]], step: float) -> dict[int, float]:
    """Vertical position of every vertex: leaves stacked; every other vertex at the mean height of its
    inputs (so arrows run nearly level), pushed down just enough not to overlap the one above it."""
    y: dict[int, float] = {}
    for d in sorted(columns):
        wanted = [(sum(y[i] for i in n.inputs) / len(n.inputs) if n.inputs else k * step, n.id)
                  for k, n in enumerate(columns[d])]
        floor = float("-inf")
        for target, node in sorted(wanted):
            y[node] = floor = max(target, floor + step)
    low = min(y.values())
    return {node: value - low for node, value in y.items()}


def draw_graph(root: Tensor, names: dict | None = None, show_values: bool = True) -> GraphDrawing:
    """Leaves on the left, the output on the right; one box per tensor, labelled with its name or the
    op that made it (grad_fn), and its value (a single number, for leaves, named tensors and the
    output) or its shape."""
    nodes = trace(root, names)
    columns: dict[int, list[GraphNode]] = {}
    for n, d in zip(nodes, _layers(nodes)):
        columns.setdefault(d, []).append(n)
    box_w, box_h, gap_x, gap_y, margin = GraphDrawing.BOX_W, GraphDrawing.BOX_H, 60, 22, 12
    rows = _rows(columns, box_h + gap_y)
    boxes: dict[int, Box] = {}
    for d, column in columns.items():
        for n in column:
            boxes[n.id] = Box(margin + d * (box_w + gap_x), margin + rows[n.id], *_box(n, len(nodes) - 1, show_values))
    width = len(columns) * (box_w + gap_x) - gap_x + 2 * margin
    height = max(rows.values()) + box_h + 2 * margin
    edges = [(i, n.id) for n in nodes for i in n.inputs]
    return GraphDrawing([boxes[n.id] for n in nodes], edges, width, height)


def _svg(g: GraphDrawing) -> str:
    w, h = g.BOX_W, g.BOX_H
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{g.width}" height="{g.height}" '
             f'font-family="monospace" font-size="12">',
             '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
             'orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#555"/></marker></defs>']
    for i, j in g.edges:
        a, b = g.boxes[i], g.boxes[j]
        parts.append(f'<line x1="{a.x + w}" y1="{a.y + h / 2}" x2="{b.x}" y2="{b.y + h / 2}" '
                     f'stroke="#555" marker-end="url(#arrow)"/>')
    for b in g.boxes:
        parts.append(f'<rect x="{b.x}" y="{b.y}" width="{w}" height="{h}" rx="8" fill="{b.fill}" stroke="#333"/>')
        parts.append(f'<text x="{b.x + w / 2}" y="{b.y + 19}" text-anchor="middle">{escape(b.title)}</text>')
        parts.append(f'<text x="{b.x + w / 2}" y="{b.y + 36}" text-anchor="middle" fill="#444">{escape(b.detail)}</text>')
    parts.append("</svg>")
    return "\n".join(parts)


def _png(g: GraphDrawing, dpi: int = 100) -> bytes:
    """The same picture drawn by matplotlib, in SVG pixels (y grows downwards)."""
    import io

    from matplotlib.figure import Figure            # no pyplot: nothing global, no window
    from matplotlib.patches import FancyBboxPatch

    w, h = g.BOX_W, g.BOX_H
    fig = Figure(figsize=(g.width / dpi, g.height / dpi), dpi=dpi)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, g.width)
    ax.set_ylim(g.height, 0)
    ax.axis("off")
    for i, j in g.edges:
        a, b = g.boxes[i], g.boxes[j]
        ax.annotate("", xy=(b.x, b.y + h / 2), xytext=(a.x + w, a.y + h / 2),
                    arrowprops=dict(arrowstyle="-|>", color="#555", shrinkA=0, shrinkB=0, lw=1))
    font = dict(ha="center", va="center", family="monospace", fontsize=12 * 72 / dpi)
    for b in g.boxes:
        ax.add_patch(FancyBboxPatch((b.x, b.y), w, h, boxstyle="round,pad=0,rounding_size=8",
                                    facecolor=b.fill, edgecolor="#333", lw=1))
        ax.text(b.x + w / 2, b.y + 15, b.title, **font)
        ax.text(b.x + w / 2, b.y + 32, b.detail, color="#444", **font)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    return buffer.getvalue()
