"""Drill kit: mock incidents a team runs to practise blameless reviews.

A drill is a small real system on 127.0.0.1, built from the standard library:
an HTTP API (``api``), a worker (``worker``) sharing a SQLite store, a traffic
generator (``traffic``) and a supervisor (``supervisor``) that fires the
scenario's trigger, evaluates alert rules and stops the drill at its time limit.
Each runs as ``python -m pmsite.drills.<role> --folder FOLDER`` in its own
process group, inside a temporary folder of its own.

- ``scenario``: scenarios as YAML data (the package's and a repository's ``drills/``), validated.
- ``control``: start, status and stop, with the state file that records pids, ports and folder.
- ``runtime``: what the role processes share (JSON-lines logs, the run description, the store).
- ``debrief``: the facilitator's script and the practice postmortem's inputs.
"""

#: The front-matter ``type`` of a practice postmortem: excluded from the incident metrics.
DRILL_TYPE = "drill"
