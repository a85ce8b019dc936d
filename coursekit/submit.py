"""`python -m coursekit submit`: the student's hand-in. Checks what the grader will see, then writes
submission.zip with exactly the files the grader reads (coursekit/grading/submission.py keeps
`minigrad/**/*.py` and `chapters/**/*.ipynb`; tests/coursekit/test_submit.py proves the two rules agree).

Everything it says is Chinese (students read it); the zip is written even when work is unfinished, so
that finished exercises still count.
"""
from __future__ import annotations

import os
import tomllib
import zipfile
from pathlib import Path

from . import answers, exercises
from .engine import EngineNotFound, engine_root, fresh_engine
from .verdicts import check_command, torch_warnings

SUBMITTED = (("minigrad", ".py"), ("chapters", ".ipynb"))      # (top folder, file suffix) the grader keeps
SKIPPED_PARTS = ("__MACOSX", ".git", "__pycache__", ".ipynb_checkpoints")
MAX_FILE_BYTES = 2_000_000                                      # the grader skips larger files
ZIP_NAME = "submission.zip"
DEFAULT_UPLOAD_TO = "课程的 Gradescope 作业页面（老师另有说明时，按老师说的方式提交）"


def upload_destination(tool_settings: dict) -> str:
    """Where students hand in: `submit-to` of pyproject.toml's [tool.coursekit] (the instructor sets it)."""
    where = tool_settings.get("submit-to", DEFAULT_UPLOAD_TO)
    if not isinstance(where, str) or not where.strip():
        raise ValueError("[tool.coursekit] submit-to must be a non-empty string: where students upload "
                         f"{ZIP_NAME}, e.g. 'Gradescope 上的「作业 1」'")
    return where.strip()


def _course_destination(root: Path) -> str:
    """The course folder's destination; the default when its pyproject.toml is missing or unreadable."""
    try:
        settings = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
        return upload_destination(settings.get("tool", {}).get("coursekit", {}))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, ValueError, AttributeError):
        return DEFAULT_UPLOAD_TO


def is_submitted(parts: tuple[str, ...]) -> bool:
    """Whether a path (relative to the course folder) is one the grader reads."""
    if len(parts) < 2 or any(p in SKIPPED_PARTS or p.startswith(".") for p in parts):
        return False
    return any(parts[0] == top and parts[-1].endswith(suffix) for top, suffix in SUBMITTED)


def submitted_files(root: Path) -> list[str]:
    """The files of the course folder the grader reads, as sorted posix paths (no symlinks)."""
    found = []
    for top, _ in SUBMITTED:
        for folder, dirs, names in os.walk(root / top):
            here = Path(folder)
            dirs[:] = sorted(d for d in dirs if not (here / d).is_symlink())
            for name in names:
                path = here / name
                parts = path.relative_to(root).parts
                if is_submitted(parts) and path.is_file() and not path.is_symlink():
                    found.append("/".join(parts))
    return sorted(found)


def _notebook_error(path: Path) -> str | None:
    """Why the notebook at `path` cannot be read, or None; a JSON error says where (line, column)."""
    import nbformat
    not_json = answers.json_error(path)
    if not_json:
        return not_json
    try:
        nbformat.validate(nbformat.read(path, as_version=4))
    except Exception as error:       # noqa: BLE001 - not a notebook, or a schema error
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        return f"{type(error).__name__}: {first[:200]}"
    return None


def invalid_notebooks(root: Path) -> dict[str, str]:
    """{notebook: problem} for the notebooks the grader cannot read (so it cannot find their exercises)."""
    found = {}
    for relative in submitted_files(root):
        error = _notebook_error(root / relative) if relative.endswith(".ipynb") else None
        if error:
            found[relative] = (f"{relative} 不是有效的 Jupyter 笔记本（{error}）：评分时读不出其中的练习。"
                               f"请在 JupyterLab 中打开它，改好后保存；改不好时可以从课程仓库重新取一份，"
                               f"再把你的答案抄回去。")
    return found


def answer_cell_problems(root: Path, unreadable=()) -> list[str]:
    """Notebook exercises whose cell is missing or does not run on its own, as the grader runs it (the
    notebooks in `unreadable` are already reported)."""
    problems = []
    for exercise in exercises.all_exercises():
        if not exercise.answer or not (root / exercise.where).is_file() or exercise.where in unreadable:
            continue
        try:
            with fresh_engine(root) as minigrad:
                answers.load_answer(exercise, root, minigrad)
        except answers.AnswerNotFound as error:
            problems.append(str(error))
    return problems


def oversized(root: Path, files: list[str]) -> list[str]:
    return [f"{f} 超过 {MAX_FILE_BYTES // 1_000_000} MB，评分时会被跳过（清除笔记本里很大的输出后再保存）"
            for f in files if (root / f).stat().st_size > MAX_FILE_BYTES]


def write_zip(root: Path, files: list[str], target: Path) -> None:
    """Write the zip beside `target` first, then move it into place: a failure leaves no half zip."""
    temporary = target.with_name(target.name + ".part")
    try:
        with zipfile.ZipFile(temporary, "w", compression=zipfile.ZIP_DEFLATED, strict_timestamps=False) as archive:
            for relative in files:
                archive.write(root / relative, relative)
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


def _section(title: str) -> None:
    print(f"\n== {title} ==")


def submit(root: Path | None = None, out: Path | None = None) -> int:
    """Check, then write the zip. 0: all exercises pass; 1: zip written, something unfinished or wrong;
    2: nothing to submit."""
    try:
        root = Path(root or engine_root()).resolve()
    except EngineNotFound:
        print("找不到 minigrad/：请在课程文件夹（有 minigrad/ 和 chapters/ 的那个文件夹）里运行 python -m coursekit submit。")
        return 2
    files = submitted_files(root)
    if not any(f.startswith("minigrad/") for f in files):
        print(f"{root} 中没有 minigrad/ 的 .py 文件：没有可以提交的内容。")
        return 2
    print("提交的是磁盘上已保存的文件：请先在 JupyterLab 中保存所有笔记本（Ctrl+S）。")
    _section("1. 练习完成情况（和 python -m coursekit check 相同）")
    all_passed = check_command(root=root) == 0 and not torch_warnings(root)    # the table says which file
    _section("2. 笔记本和练习单元格（评分时只单独运行每个练习单元格）")
    invalid = invalid_notebooks(root)
    problems = [*invalid.values(), *answer_cell_problems(root, invalid), *oversized(root, files)]
    for problem in problems:
        print(f"⚠️ {problem}")
    if not problems:
        print("✅ 每个笔记本都是有效的 JSON，每个练习单元格都能单独运行。")
    target = Path(out).resolve() if out else root / ZIP_NAME
    try:
        write_zip(root, files, target)
    except OSError as error:
        print(f"无法写出 {target}（{error.strerror or error}）：请检查这个文件夹能否写入，"
              f"或用 --out 指定别的位置，例如 python -m coursekit submit --out ~/submission.zip")
        return 2
    _section("3. 提交文件")
    print(f"已写好 {target}：{len(files)} 个文件（minigrad/ 下的 .py 文件和 chapters/ 下的笔记本），"
          f"共 {target.stat().st_size / 1024:.0f} KB。")
    if not all_passed or problems:
        print("⚠️ 上面还有没完成或没通过的练习：现在提交也可以（已通过的练习照样得分），改完后再运行一次这个命令即可。")
    print(f"请把 {target.name} 上传到：{_course_destination(root)}")
    return 0 if all_passed and not problems else 1
