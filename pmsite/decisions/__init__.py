"""Decision maps: the decision points of an incident response, told without hindsight.

A postmortem's ``decisions:`` front-matter records, for each decision point,
what people saw, which options they had, why the chosen one made sense then,
and which cues were missing, misleading, late, ambiguous or conflicting
(docs/decisions.md). The modules here each do one job:

- ``model``: the front-matter block read into small dataclasses;
- ``check``: validation rules beyond the JSON Schema (time window, order, choice);
- ``block``: writes the ``decisions:`` block into a file, leaving every other byte alone;
- ``interview``: the counterfactual questions, asked one at a time, answers linted;
- ``cues``: cues grouped across postmortems (the "What misled us" page, patterns).

The map drawn on postmortem pages is ``pmsite.render.decision_map``.
"""
