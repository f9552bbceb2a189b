"""The safety-culture pulse: anonymous Likert answers, k-anonymous figures (docs/pulse.md).

Stages, each a module with one job:

- ``settings``: the questions (``questions.yaml`` or ``pulse:`` in pmsite.yaml) and thresholds;
- ``store``: answer files ``content/pulse/YYYY-Www.csv`` holding only team, week, question, answer;
- ``importer``: form-tool exports (canonical CSV, Google Forms, Microsoft Forms, Slack) into the store;
- ``privacy``: which groups (team x quarter) may be shown, with complementary suppression;
- ``stats``: medians, exact bootstrap intervals, Spearman correlation with a bootstrap interval;
- ``report``: the figures the CLI and the Culture page print; ``form`` and ``slack`` collect answers.

Nothing here runs during a build unless the repository has a pulse folder.
"""
