"""``{"findings": [...]}`` with the Finding fields of DESIGN.md."""

from __future__ import annotations

import json

from pmsite.formats import FormatOptions, register
from pmsite.model import Finding


@register("json")
def format_json(findings: list[Finding], options: FormatOptions) -> str:
    document = {"findings": [f.to_dict() for f in findings], **options.extra}
    return json.dumps(document, indent=2, ensure_ascii=False)
