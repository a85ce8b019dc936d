"""The autograder: `python -m coursekit grade SUBMISSION... --out DIR` and `python -m coursekit gradescope OUT.zip`.

One module per job:
- submission.py unpacks a folder or zip safely; notebooks.py reads its notebooks' exercise cells (a
  notebook that cannot be read costs only its own exercises);
- plan.py lists the cases to run (PlanItem), child_protocol.py drives the child of one submission and compares
  its answers with PyTorch; sandbox.py starts and ends the confined child (child.py runs inside it,
  bubblewrap.py builds its sandbox);
- grader.py grades one submission and a batch, pool.py runs a batch in worker processes and stops it on
  SIGINT/SIGTERM, outfolder.py trusts earlier results only when their digest verifies;
- outcome.py holds what was found (with each exercise's first failure as data), results.py writes and
  signs Gradescope's results.json, feedback.py the Chinese feedback.md;
- tables.py writes grades.csv and gradebook.csv from one score table (spreadsheet-safe cells),
  report.py the class report (report.html from templates/report.html.j2), progress.py the tqdm bar;
- gradescope.py builds the Gradescope bundle, cli.py registers the two verbs.

How student code is confined, from the outside in:
- the boundary is bubblewrap (sandbox.Isolation.BWRAP, the default): new user, PID, mount, network, IPC
  and UTS namespaces, own session, dies with its parent; a read-only minimal filesystem (interpreter,
  standard library without site-packages, numpy, the working copy) and a size-limited tmpfs as the only
  writable place; as an unused host uid without capabilities when the grader is root. Nothing of the
  grader (environment, memory, processes, output folder, key) is visible. Without bubblewrap `grade`
  refuses; `--trusted-code` (Isolation.TRUSTED) runs without it, for the instructor's own code;
  Isolation.CONTAINER is for Gradescope, where each submission has its own container and the child
  runs as `nobody`;
- resource limits: processes (per host uid), address space, CPU time, file size, no core files;
  per-exercise and per-submission time limits enforced by the parent;
- `python -I -S`, a minimal environment, `sys.path` = working copy + numpy + standard library; the
  working copy holds the student's minigrad/ and a coursekit/ without hidden cases, grader or solutions;
- an audit hook refuses torch, new processes, signals, ctypes, and file access outside the working
  copy, numpy and the standard library: a second layer, which the tests deliberately get around;
- the parent accepts only plain arrays (validated keys, dtypes, shapes, sizes; never unpickles),
  compares with PyTorch itself on hidden inputs drawn at grading time, caps everything it reads, writes
  results only after the child is gone and signs them (HMAC, per-output-folder key).
"""
