"""Judge runner of the QA Arena sandbox: protocol 2 (judge/PROTOCOL.md, DESIGN.md 4.1-4.4).

Stdlib only; pytest is imported by the zygote. Started as ``python3 -s -P -m runner`` with
the package's parent directory on PYTHONPATH. Three roles, one process each:

* supervisor (PID 1 of the container; supervisor.py): reads the request on stdin, plans the
  runs (plan.py), enforces the limits, kills and wipes everything after each run and prints
  the report (protocol.py). It never runs user code and makes itself non-dumpable.
* zygote (``-m runner --zygote FD``; zygote.py): started by exec, so its memory never held
  the request. It imports pytest once and forks one worker per run.
* worker (worker.py): a fork of the zygote. It receives the suite and ONE variant's source
  through a memfd, installs the source-less target loader (target.py) and the reference
  monitor (monitor.py), runs pytest and streams events back (recorder.py, capture.py).

This file imports nothing: every role loads only the modules it needs.
"""
