"""The autograder: `python -m coursekit grade SUBMISSION... --out DIR` and `python -m coursekit gradescope OUT.zip`.

submission.py unpacks safely, sandbox.py starts and ends the confined child (child.py is what runs
inside it), grader.py orchestrates and compares against PyTorch, outcome.py holds what was found,
results.py writes Gradescope's results.json, feedback.py the Chinese feedback.md, gradescope.py builds
the Gradescope bundle, cli.py registers the two verbs.

How student code is confined, from the outside in:
- it runs only in a child process, in its own session, killed with everything in it afterwards;
  as `nobody` when the grader is root and nobody can run the interpreter (Gradescope), so that it
  cannot raise its limits, signal the grader or write the grader's files;
- resource limits: address space, CPU time, file size, no core files; per-exercise and
  per-submission time limits enforced by the parent;
- `python -I -S`, a minimal environment, and `sys.path` = working copy + a folder with numpy only:
  torch is not importable; the working copy holds the student's minigrad/ and a coursekit/ without
  hidden cases, grader or solutions;
- an audit hook refuses torch, new processes, signals, ctypes, and file access outside the working
  copy, numpy and the standard library; it raises the bar, the parent does not rely on it:
- the parent checks /proc/<pid>/maps for PyTorch's libraries, accepts only plain arrays (validated
  keys, dtypes, shapes, sizes; never unpickles), compares with PyTorch itself on hidden inputs drawn
  at grading time, caps everything it reads, and puts back any result file changed during a run.
"""
