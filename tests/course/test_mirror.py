"""The mirror check: the notebooks carry the course text, in order, with the text's results as outputs."""
from pathlib import Path

import nbformat

from coursekit.mirror import check_mirror, parse_text

ROOT = Path(__file__).resolve().parents[2]
TEXT = """# Chapter
## 1.1 Section
第一段，有两行
排在一起。

    - 列表项一
    - 列表项二
![一张图](1.jpg)

    x = 1
    x + 1
结果：

    2
### 1.1.1 Sub
最后一段。
"""


def _notebooks(*cells_per_notebook):
    notebooks = []
    for number, cells in enumerate(cells_per_notebook):
        notebooks.append((f"solutions/chapters/0{number}.ipynb", nbformat.v4.new_notebook(cells=list(cells))))
    return notebooks


def _md(text):
    return nbformat.v4.new_markdown_cell(text)


def _code(source, result=None):
    cell = nbformat.v4.new_code_cell(source)
    if result is not None:
        cell.outputs = [nbformat.v4.new_output("execute_result", {"text/plain": result}, execution_count=1)]
    return cell


def good():
    return [[_md("# Chapter\n## 1.1 Section"), _md("第一段，有两行排在一起。"), _md("- 列表项一\n- 列表项二"),
             _code("from coursekit.lessons import figure\nfigure()"), _md("图：一张图")],
            [_md("我自己的解释。"), _code("x = 1\nx + 1", "2"), _md("### 1.1.1 Sub\n\n最后一段。")]]


def test_parse_text_splits_headings_paragraphs_lists_figures_and_code_with_results():
    units = parse_text(TEXT)
    assert [u.kind for u in units] == ["heading", "heading", "paragraph", "paragraph", "paragraph", "paragraph",
                                       "figure", "code", "heading", "paragraph"]
    code = units[7]
    assert (code.text, code.result, code.line) == ("x = 1\nx + 1", "2", 10)


def test_a_faithful_set_of_notebooks_has_no_problems():
    assert check_mirror(TEXT, _notebooks(*good())) == []


def test_line_breaks_inside_a_paragraph_may_differ_but_characters_may_not():
    notebooks = good()
    notebooks[0][1] = _md("第一段，\n有两行排在\n一起。")
    assert check_mirror(TEXT, _notebooks(*notebooks)) == []
    notebooks[0][1] = _md("第一段，有两行排在一块。")
    [(where, fix)] = check_mirror(TEXT, _notebooks(*notebooks))
    assert where == "text/2.1_autodiff.md:4" and "missing" in fix


def test_a_heading_out_of_order_is_reported():
    notebooks = good()
    notebooks[1][2] = _md("最后一段。")
    notebooks[0].insert(0, _md("### 1.1.1 Sub"))
    problems = check_mirror(TEXT, _notebooks(*notebooks))
    assert any("text/2.1_autodiff.md:15" == where and "out of order" in fix for where, fix in problems)


def test_a_code_block_must_be_a_cell_with_the_same_lines():
    notebooks = good()
    notebooks[1][1] = _code("x = 1\nx + 2", "2")
    [(where, fix)] = check_mirror(TEXT, _notebooks(*notebooks))
    assert where == "text/2.1_autodiff.md:10" and "code block" in fix


def test_the_stored_output_must_equal_the_texts_result():
    notebooks = good()
    notebooks[1][1] = _code("x = 1\nx + 1", "3")
    [(where, fix)] = check_mirror(TEXT, _notebooks(*notebooks))
    assert where == "solutions/chapters/01.ipynb cell 1" and "'3'" in fix and "'2'" in fix


def test_a_missing_figure_caption_is_reported():
    notebooks = good()
    del notebooks[0][4]
    [(where, fix)] = check_mirror(TEXT, _notebooks(*notebooks))
    assert where == "text/2.1_autodiff.md:8" and "figure caption" in fix


def test_the_course_text_parses_into_every_heading_and_a_result_for_every_code_block():
    text = (ROOT / "text/2.1_autodiff.md").read_text(encoding="utf-8")
    units = parse_text(text)
    headings = [line.rstrip() for line in text.splitlines() if line.startswith("#")]
    assert [u.text for u in units if u.kind == "heading"] == headings
    codes = [u for u in units if u.kind == "code"]
    assert len(codes) == text.count("结果：") and all(u.result for u in codes)
    assert "import torch" in codes[0].text
