"""Action-item quality: items that ask people to try harder instead of changing the system.

These rules only read action items: the ``title`` of each ``action_items`` entry
in the front-matter, and sentences under an "Action items" (or "Follow-ups",
"Remediation", "Next steps", "Corrective actions") heading. A sentence of the
narrative that says "we have to be more careful" is the author's resolution,
not an item someone will be held to.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Iterator

from pmsite.rules.base import Hit, Rule, Sentence, is_negated, subject_of

if TYPE_CHECKING:
    from spacy.tokens import Token

#: What being better looks like when asked of people.
_VIGILANCE = frozenset("""
    careful attentive vigilant diligent thorough mindful aware cautious rigorous disciplined alert
""".split())
#: Verbs that act on people instead of on the system.
_TRAIN_VERBS = frozenset("""
    remind retrain train educate coach instruct warn tell encourage urge ask
""".split())
#: Checks a person is asked to repeat by hand.
_MANUAL_CHECKS = frozenset({"double-check", "recheck", "re-check", "triple-check"})
_ATTENTION = re.compile(r"\bpay (?:more |closer |extra )?attention\b|\btake (?:more |extra )?care\b"
                        r"|\bmake sure to\b|\bremember to\b|\bdon't forget\b|\bthink twice\b", re.I)
_TRIGGER = re.compile(
    rf"\b(?:be|stay|remain|being)\s+(?:\w+\s+)?(?:{'|'.join(sorted(_VIGILANCE))})\b"
    rf"|\b(?:re-?train\w*|train|educate|coach|instruct|remind\w*|double-check\w*|re-?check\w*|triple-check\w*)\b"
    rf"|\b(?:{'|'.join(sorted(_TRAIN_VERBS))})\w*\s+(?:the\s+|all\s+|our\s+)?(?:[\w-]+\s+)?"
    rf"(?:engineers?|developers?|team|people|staff|everyone|operators?|on-?call)\b", re.I)
_SYSTEMIC_ALTERNATIVE = ("Change the system so the careful path is the easy one: a check in the pipeline, a "
                         "safer default, a guard-rail or an automated test that fails before the risky step.")


def _people_object(verb: "Token", sentence: Sentence) -> bool:
    return any(c.dep_ in ("dobj", "obj") and sentence.people.refers_to_person(c) for c in verb.children)


def _asks_people(verb: "Token", sentence: Sentence) -> bool:
    """"Be more careful" (imperative) or "engineers must be more careful": people asked, not "Kubernetes is not aware"."""
    subject = subject_of(verb)
    return subject is None or sentence.people.refers_to_person(subject)


def find_try_harder(sentence: Sentence) -> Iterator[Hit]:
    if sentence.action is None:
        return
    doc = sentence.doc
    for token in doc:
        lemma = token.lemma_.lower()
        if lemma in _VIGILANCE and token.dep_ in ("acomp", "oprd") and token.head.lemma_ in ("be", "stay", "remain") \
                and not is_negated(token.head) and _asks_people(token.head, sentence):
            start = token.head.idx
        elif (lemma in _TRAIN_VERBS or token.lower_ in _TRAIN_VERBS) and (token.pos_ == "VERB" or token.i == 0) and (
                _people_object(token, sentence) or token.lower_ in ("retrain", "train", "educate", "remind")):
            start = token.idx
        elif lemma.replace("-", "") in {c.replace("-", "") for c in _MANUAL_CHECKS} or token.lower_.startswith(
                ("double-check", "recheck", "re-check", "triple-check")):
            start = token.idx
        else:
            continue
        end = token.idx + len(token.text)
        yield Hit(start, end, f"'{doc.text[start:end]}' asks people to try harder; the next person will face the "
                  "same conditions", _SYSTEMIC_ALTERNATIVE)
        return
    match = _ATTENTION.search(doc.text)
    if match:
        yield Hit(match.start(), match.end(), f"'{match.group(0)}' asks people to try harder; the next person "
                  "will face the same conditions", _SYSTEMIC_ALTERNATIVE)


_DOC_NOUNS = frozenset("""
    runbook runbooks playbook playbooks wiki doc docs documentation readme note notes confluence
""".split())
_DOC_VERBS = frozenset({"add", "update", "document", "write", "note", "mention", "extend", "amend", "expand",
                        "improve", "clarify", "create", "edit", "link", "describe", "record"})


def find_runbook_only(sentence: Sentence) -> Iterator[Hit]:
    """A ``systemic`` item that only writes something down: a note nobody is made to read."""
    if sentence.action != "systemic":
        return
    doc = sentence.doc
    verbs = [t for t in doc if t.pos_ == "VERB" and t.dep_ in ("ROOT", "conj", "xcomp")]
    if not verbs or any(v.lemma_.lower() not in _DOC_VERBS for v in verbs):
        return
    nouns = {t.lemma_.lower() for t in doc if t.pos_ in ("NOUN", "PROPN")}
    if not nouns & _DOC_NOUNS and not any(v.lemma_.lower() == "document" for v in verbs):
        return
    first = verbs[0]
    yield Hit(first.idx, len(doc.text.rstrip(". ")),
              "a systemic action item that only adds documentation changes nothing the next responder meets",
              "Keep the runbook note as a mitigation item, and add a systemic one that changes the system: "
              "automate the step, add a guard-rail, or alert with the runbook link attached.")


RULES = (
    Rule(
        id="quality/try-harder",
        severity="warning",
        summary="Action items that ask people to be better: 'be more careful', 'remind engineers to', 'retrain'.",
        advice=("An action item that asks people to be more careful leaves the conditions that made the "
                "mistake easy in place, and the next person meets them. Change the system so the careful "
                "path is the easy one: a check in the pipeline, a safer default, a guard-rail, a test."),
        trigger=re.compile(f"{_TRIGGER.pattern}|{_ATTENTION.pattern}", re.I),
        find=find_try_harder,
        keywords=("careful", "attentive", "vigilant", "diligent", "thorough", "mindful", "aware", "cautious",
                  "rigorous", "disciplined", "alert", "remind", "train", "educate", "coach", "instruct", "warn",
                  "tell", "encourage", "urge", "ask", "check", "attention", "care", "make sure", "remember",
                  "forget", "twice"),
        needs_person=False,
        scope="actions",
        fails=("Be more careful when editing the production load balancer.",
               "Remind engineers to double-check the target cluster before deploying.",
               "Retrain the on-call team on the failover procedure."),
        passes=("Add a confirmation prompt that shows the target cluster before a deploy.",
                "Alert when the certificate expires in less than 14 days."),
    ),
    Rule(
        id="quality/runbook-only",
        severity="warning",
        summary="A 'systemic' action item whose title only adds a runbook or documentation note.",
        advice=("A note in a runbook helps whoever finds it, but it changes nothing the next responder meets "
                "unprompted. Keep the note as a mitigation, and make the systemic item change the system."),
        trigger=re.compile(r"\b(?:runbooks?|playbooks?|wiki|docs?|documentation|readme|notes?|confluence|document\w*)\b",
                           re.I),
        find=find_runbook_only,
        keywords=("runbook", "playbook", "wiki", "doc", "readme", "note", "confluence"),
        needs_person=False,
        scope="items",
        fails=("Add a note about the failover flag to the runbook.",),
        passes=("Make the failover flag default to safe and link the runbook from the alert.",),
    ),
)
