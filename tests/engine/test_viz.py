"""minigrad.viz: the graph of the text's y = ln(x1) + x1·x2 − sin(x2), as data and as a picture that
Jupyter can show both in trusted notebooks (SVG) and in freshly opened ones (PNG)."""
from __future__ import annotations

import re

import pytest


@pytest.fixture
def graph(mg):
    x1 = mg.tensor(2.0, requires_grad=True)
    x2 = mg.tensor(5.0, requires_grad=True)
    y = mg.log(x1) + x1 * x2 - mg.sin(x2)
    return y, {"x1": x1, "x2": x2, "y": y}


def test_trace_lists_leaves_first_then_ops_in_program_order(mg, graph):
    from minigrad.viz import trace
    y, names = graph
    nodes = trace(y, names)
    assert [n.label for n in nodes] == ["x1", "x2", "Log", "Mul", "Add", "Sin", "y"]
    assert [n.op for n in nodes][2:] == ["LogBackward0", "MulBackward0", "AddBackward0", "SinBackward0",
                                         "SubBackward0"]
    assert [n.inputs for n in nodes] == [[], [], [0], [0, 1], [2, 3], [1], [4, 5]]


def test_drawing_has_a_box_per_vertex_and_an_arrow_per_edge(mg, graph):
    from minigrad.viz import draw_graph, graph_data
    y, names = graph
    drawing, data = draw_graph(y, names), graph_data(y, names)
    assert len(drawing.boxes) == len(data["nodes"]) == 7
    assert len(drawing.edges) == len(data["edges"]) == 8
    svg = drawing._repr_svg_()
    assert svg.count("<rect") == 7 and svg.count("<line") == 8
    assert "y = SubBackward0" in svg and ">11.6521<" in svg    # the output's value, as in the text


def test_repr_names_no_memory_address(mg, graph):
    from minigrad.viz import draw_graph
    y, names = graph
    text = repr(draw_graph(y, names))
    assert text == "<graph: 7 vertices, 8 edges>" and not re.search(r"0x[0-9a-f]+", text)


def test_png_is_the_same_size_as_the_svg(mg, graph):
    from minigrad.viz import draw_graph
    y, names = graph
    drawing = draw_graph(y, names)
    png = drawing._repr_png_()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert (width, height) == (round(drawing.width), round(drawing.height))


def test_save_picks_the_format_from_the_suffix(mg, graph, tmp_path):
    from minigrad.viz import draw_graph
    drawing = draw_graph(*graph)
    drawing.save(tmp_path / "g.svg")
    drawing.save(tmp_path / "g.png")
    assert (tmp_path / "g.svg").read_text(encoding="utf-8").startswith("<svg")
    assert (tmp_path / "g.png").read_bytes()[:4] == b"\x89PNG"
    with pytest.raises(ValueError, match=r"\.svg or \.png"):
        drawing.save(tmp_path / "g.pdf")
