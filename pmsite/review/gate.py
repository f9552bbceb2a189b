"""The checks a postmortem's status asks for before a pull request may merge it.

- ``in-review``: a summary, the impact and the timeline are written;
- ``published``: every section of its template says something, no lint error,
  a systemic action item for SEV1/SEV2 (validate's depth rules), and enough
  approvals (``review.approvals``) from people other than its only author;
- ``wont_publish``: a reason (schema) and the same approvals.

Validation and lint findings are computed by their own stages and passed in;
this module adds the ``review/*`` findings and keeps the errors that block.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pmsite import sections
from pmsite.model import Finding, Position, Postmortem
from pmsite.review.changes import Identity
from pmsite.review.policy import ReviewPolicy

#: Template sections whose content may live in the front-matter instead of the body.
FRONT_MATTER_STANDS_IN = {"Summary": "summary", "Action items": "action_items", "Lessons": "lessons"}
IN_REVIEW_NEEDS = ("Summary", "Impact", "Timeline")


@dataclass
class Submission:
    """One changed postmortem as the gate sees it."""

    postmortem: Postmortem
    #: Status before the change (None: a new file).
    old_status: str | None = None
    #: Authors of the commits that changed the file; None when git history was not read, empty when it has none.
    authors: set[Identity] | None = None
    #: Findings of validate and lint for this file.
    findings: list[Finding] = field(default_factory=list)


def _finding(pm: Postmortem, position: Position, rule: str, message: str, suggestion: str,
             severity: str = "error") -> Finding:
    return Finding(path=pm.display_path, line=position.line, column=position.column, rule=rule, category="review",
                   severity=severity, message=message, suggestion=suggestion)


def _stands_in(pm: Postmortem, title: str) -> bool:
    key = FRONT_MATTER_STANDS_IN.get(title)
    return bool(key and pm.meta.get(key))


def _section_findings(pm: Postmortem, titles: list[str], already: set[str], need: str,
                      missing: str = "error") -> list[Finding]:
    from pmsite.validate import empty_section_finding

    findings = []
    for title, section in sections.find_sections(pm.body, titles).items():
        if title in already or _stands_in(pm, title):
            continue
        if section is None:
            findings.append(_finding(pm, pm.position_of(("status",)), "review/missing-section",
                                     f"{need} needs a '## {title}' section", "add it and fill it in",
                                     severity=missing))
        elif section.is_blank:
            finding = empty_section_finding(pm, section, need)
            finding.rule, finding.category = "review/empty-section", "review"
            findings.append(finding)
    return findings


def _approval_findings(pm: Postmortem, authors: set[Identity] | None, policy: ReviewPolicy) -> list[Finding]:
    needed = policy.approvals_for(pm.severity)
    approvers = pm.str_list("approved_by")
    where = pm.position_of(("approved_by",)) if "approved_by" in pm.meta else pm.position_of(("status",))
    findings = []
    valid = []
    sole_author = next(iter(authors)) if authors and len({a.email for a in authors}) == 1 else None
    named_authors = pm.str_list("authors")
    for index, approver in enumerate(approvers):
        by_git = sole_author is not None and sole_author.is_handle(approver)
        by_front_matter = not authors and named_authors == [approver]  # no commit of it yet
        if by_git or by_front_matter:
            source = "every commit of it" if by_git else "its authors list"
            findings.append(_finding(
                pm, pm.position_of(("approved_by", index)), "review/self-approval",
                f"{approver} approved the postmortem but is its only author ({source}); that approval does not count",
                "ask someone who did not write it to review it"))
        else:
            valid.append(approver)
    if len(valid) < needed:
        reviewers = pm.str_list("reviewers")
        ask = f"reviewers: {', '.join(reviewers)}" if reviewers else "list them under reviewers:"
        findings.append(_finding(
            pm, where, "review/approvals",
            f"a {pm.severity} postmortem needs {needed} approval{'s' if needed != 1 else ''} before it is "
            f"{'published' if pm.status == 'published' else 'closed without a write-up'}; it has {len(valid)}",
            f"add the reviewers who approved to approved_by ({ask}); review.approvals in pmsite.yaml sets the count"))
    return findings


def check(submission: Submission, policy: ReviewPolicy) -> list[Finding]:
    """Findings that block ``submission``'s status, plus warnings worth a look."""
    pm = submission.postmortem
    blocking = [f for f in submission.findings if f.severity == "error"]
    status = pm.status
    if status == "in-review":
        findings = _section_findings(pm, list(IN_REVIEW_NEEDS), set(), "a postmortem in review")
        if not pm.str_list("reviewers"):
            findings.append(_finding(pm, pm.position_of(("status",)), "review/no-reviewers",
                                     "nobody is asked to review this postmortem",
                                     "add reviewers: [name, ...] with the people who should approve it",
                                     severity="warning"))
        return blocking + findings
    if status == "published":
        incident_type = str(pm.meta.get("type", ""))
        titles = [s.title for s in sections.sections_for(pm.severity, incident_type)]
        # validate already reports missing or empty required sections of SEV1/SEV2
        already = set(sections.required_titles(pm.severity, incident_type)) if sections.is_deep(pm.severity) else set()
        # a missing optional section is a warning (older templates lacked some); an empty one is an error
        findings = _section_findings(pm, titles, already, f"a published {pm.severity} postmortem", "warning")
        return blocking + findings + _approval_findings(pm, submission.authors, policy)
    if status == "wont_publish":
        return blocking + _approval_findings(pm, submission.authors, policy)
    return blocking
