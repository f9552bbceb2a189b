"""Every lint rule, joined from the family modules (proselint's ``checks/*/__init__.py`` style).

``RULESET_VERSION`` is a hash of the rule and masking code, so the lint cache is
dropped automatically whenever a rule changes.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from pmsite.rules import blame, counterfactual, hindsight, judged, omissions, quality
from pmsite.rules.base import Rule

RULES: tuple[Rule, ...] = (blame.RULES + judged.RULES + hindsight.RULES + counterfactual.RULES + omissions.RULES
                           + quality.RULES)
RULES_BY_ID: dict[str, Rule] = {rule.id: rule for rule in RULES}
CATEGORIES: tuple[str, ...] = tuple(dict.fromkeys(rule.category for rule in RULES))

DOCS_URL = "https://github.com/pmsite/pmsite/blob/main/docs/"


def documentation_url(rule_id: str) -> str:
    """Where a finding's rule is explained: its lint-rules.md heading, or the front-matter guide."""
    if rule_id in RULES_BY_ID:
        return f"{DOCS_URL}lint-rules.md#{rule_id.replace('/', '')}"
    return f"{DOCS_URL}authoring.md#the-front-matter"


def _source_hash() -> str:
    package = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(package.glob("*.py")) + [package.parent / name for name in ("textmask.py", "lint.py", "fixes.py", "sections.py")]:
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


RULESET_VERSION = _source_hash()
