"""Omissions: what people did not do, in the active ("we did not update") and the passive ("was never tested").

Split from ``counterfactual`` for size; the rules belong to the counterfactual
category. The hard part is what is *not* an omission: states, beliefs and
outcomes ("did not expect", "did not receive"), plans, permissions, conditions,
the present tense, and negations the sentence already explains.
"""

from __future__ import annotations

import difflib
import re
from typing import TYPE_CHECKING, Iterator

from pmsite.rules.base import (
    Hit, Rule, Sentence, gerund, infinitive, is_instruction, is_negated, modal_have, negation_of,
    noun_phrase, participle, subject_of,
)
from pmsite.rules.counterfactual import (
    DUTY_VERBS, OUTCOME_VERBS, already_explained, not_done_rewrite, pronoun_for,
)

if TYPE_CHECKING:
    from spacy.tokens import Token


# -- counterfactual/person-did-not -------------------------------------------------------------

#: Verbs whose negation reports a state, a belief or an outcome people suffered, not an omission:
#: "we did not expect", "the team did not receive an alert", "we didn't want to delay".
_NOT_OMISSIONS = frozenset("""
    be have know expect anticipate foresee believe seem appear need want wish like intend mean care matter
    exist happen work help change occur receive get find see hear feel detect observe experience encounter
    suffer lose affect impact hit break fail succeed manage seem look sound include involve require use
    cause mind hesitate allow let make remember recall pay learn stop cease disrupt interrupt degrade
    attend undergo pass hold
""".split()) | DUTY_VERBS
_NOT_OMISSION_LIST = sorted(w for w in _NOT_OMISSIONS | OUTCOME_VERBS if len(w) >= 5)
#: What "nobody" and "no one" did not do that a review would call an omission.
_NOBODY_VERBS = frozenset("""
    consider think check verify test review notice question ask read own update monitor look follow
    raise escalate flag report challenge catch spot realize realise document communicate tell
""".split())


#: What people are expected to use: "did not use the checklist" is an omission, "did not use the endpoint" not.
_SAFEGUARDS = frozenset("""
    checklist procedure runbook playbook tool guard harness lock lockout protection equipment ppe seatbelt
    belt helmet gloves goggles interlock safeguard callout
""".split())


def _not_an_omission(lemma: str, verb: "Token | None" = None) -> bool:
    """A state, belief or outcome verb, also when misspelt: "we did not receve alerts"."""
    if lemma == "use" and verb is not None and any(
            c.dep_ in ("dobj", "obj") and c.lemma_.lower() in _SAFEGUARDS for c in verb.children):
        return False
    if lemma in _NOT_OMISSIONS or lemma in OUTCOME_VERBS:
        return True
    return len(lemma) >= 5 and bool(difflib.get_close_matches(lemma, _NOT_OMISSION_LIST, n=1, cutoff=0.86))


def _omission_hit(sentence: Sentence, verb: "Token", start: int, subject: "Token") -> Hit:
    end = verb.idx + len(verb.text)
    particle = next((c for c in verb.children if c.dep_ == "prt"), None)
    if particle is not None:
        end = particle.idx + len(particle.text)
    return Hit(start, end, f"'{sentence.text[start:end]}' makes {noun_phrase(subject)} the cause instead of "
               "the conditions", not_done_rewrite(sentence, verb, "what made {gerund} unlikely at that moment?"))


def find_person_did_not(sentence: Sentence) -> Iterator[Hit]:
    if sentence.is_question or is_instruction(sentence.doc):
        return
    people = sentence.people
    for verb in sentence.doc:
        if verb.pos_ != "VERB" or verb.dep_ in ("xcomp", "aux", "auxpass", "amod"):
            continue
        lemma = verb.lemma_.lower()
        subject = subject_of(verb)
        if subject is None or subject.dep_ == "nsubjpass" or not people.refers_to_person(subject):
            continue
        auxes = {c.lower_ for c in verb.children if c.dep_ in ("aux", "auxpass")}
        if auxes & {"could", "can", "ca", "would", "will", "wo", "may", "might", "must", "should", "shall"}:
            continue  # inability, a plan, or a "should have" (its own rule)
        if subject.lower_ in ("nobody", "noone") or (subject.lower_ == "one" and
                                                      any(c.lower_ == "no" for c in subject.children)):
            if lemma in _NOBODY_VERBS and not is_negated(verb) and verb.dep_ in ("ROOT", "conj", "ccomp"):
                yield _omission_hit(sentence, verb, subject.idx, subject)
            continue
        negated = verb
        if lemma == "manage" and is_negated(verb):  # "we've not yet managed to set up a beta process"
            verb = next((c for c in verb.children if c.dep_ == "xcomp" and c.pos_ == "VERB"), verb)
            lemma = verb.lemma_.lower()
            if verb.dep_ != "xcomp" or _not_an_omission(lemma):
                continue
        elif _not_an_omission(lemma, verb) or not is_negated(verb) or already_explained(verb):
            continue
        if any(c.dep_ == "ccomp" for c in verb.children) and lemma in ("think", "say", "tell"):
            continue  # "we did not think it would matter": a belief
        if any(c.dep_ == "mark" and c.lower_ in ("if", "unless", "when", "whether") for c in verb.children):
            continue  # "if people didn't book": a condition, not an omission
        if any(c.lower_ in ("do", "does", "don't", "doesn't") for c in negated.children) or negated.tag_ in ("VBZ",
                                                                                                            "VBP"):
            continue  # "we don't guard against ...": how things are, said in the present
        if negated.tag_ == "VBG" and not auxes & {"was", "were"}:
            continue
        start = min([negation_of(negated).idx] + [c.idx for c in negated.children if c.dep_ == "aux"
                                                  and c.i < negated.i])
        yield _omission_hit(sentence, verb, start, subject)
    yield from _without_step(sentence)
    yield from _bare_omission(sentence)
    for marker in sentence.doc:
        if marker.lower_ not in ("than", "of") or marker.i == 0:
            continue
        if sentence.doc[marker.i - 1].lower_ not in ("rather", "instead"):
            continue
        instead = next((c for c in marker.children if c.tag_ == "VBG"), None)
        if instead is None:
            instead = next((t for t in sentence.doc[marker.i + 1: marker.i + 3] if t.tag_ == "VBG"), None)
        if instead is not None and instead.lemma_.lower() not in _SKIPPED_STEPS | {"use", "follow", "wait"}:
            continue  # "paused sales rather than taking the shop offline": a choice, not a skipped step
        main = next((t for t in sentence.doc if t.dep_ == "ROOT"), None)
        subject = subject_of(main) if main is not None else None
        if instead is None or main is None or not people.refers_to_person(subject) or _wish(main):
            continue
        start = sentence.doc[marker.i - 1].idx
        end = instead.idx + len(instead.text)
        yield Hit(start, end, f"'{sentence.text[start:end]}' measures {noun_phrase(subject)} against a path "
                  "not taken", f"What made it look less suitable to {infinitive(instead)} at the time?")


_MODALS = frozenset({"may", "might", "can", "could", "should", "must", "will", "would", "shall"})


def _wish(verb: "Token") -> bool:
    """"we need monitoring instead of ...", "engineers may turn it off without asking": no omission told."""
    return verb.lemma_.lower() in ("need", "want", "require", "prefer", "recommend", "suggest", "propose") or bool(
        _MODALS & {c.lower_ for c in verb.children if c.dep_ == "aux"})
_SKIPPED_STEPS = _NOBODY_VERBS | DUTY_VERBS | frozenset({"inform", "notify", "coordinate", "consult", "wait", "ask",
                                                          "run", "execute", "rerun"})


def _bare_omission(sentence: Sentence) -> Iterator[Hit]:
    """A cause listed without its subject: "Did not disable the pipeline despite the risk"."""
    doc = sentence.doc
    words = [t for t in doc if not t.is_punct]
    if len(words) < 3 or words[0].lower_ not in ("did", "didn't") or words[1].lower_ not in ("not", "n't"):
        return
    verb = words[1].head if words[1].head.pos_ == "VERB" else words[2]
    if verb.pos_ != "VERB" or _not_an_omission(verb.lemma_.lower()) or subject_of(verb) is not None:
        return
    start = words[0].idx
    end = verb.idx + len(verb.text)
    yield Hit(start, end, f"'{doc.text[start:end]}' names a step people did not take",
              not_done_rewrite(sentence, verb, "what made {gerund} unlikely at that moment?"))


def _without_step(sentence: Sentence) -> Iterator[Hit]:
    """"we deployed without checking in with the operator"; "Not considering the default scope ..."."""
    doc = sentence.doc
    for token in doc:
        if token.tag_ != "VBG" or token.lemma_.lower() not in _SKIPPED_STEPS or token.i == 0:
            continue
        before = doc[token.i - 1]
        if before.lower_ == "not" and before.i == 0:
            start = before.idx  # a cause written as a fragment
        elif before.lower_ == "without":
            main = before.head if before.head.pos_ in ("VERB", "AUX") else None
            subject = subject_of(main) if main is not None else None
            if subject is None or not sentence.people.refers_to_person(subject) or _wish(main):
                continue  # "engineers may turn it off without asking": a permission, not an omission
            start = before.idx
        else:
            continue
        end = token.idx + len(token.text)
        yield Hit(start, end, f"'{doc.text[start:end]}' names a step people did not take",
                  f"What made it unlikely to {infinitive(token)} at that moment?")


# -- counterfactual/not-done -------------------------------------------------------------------

#: Work that people do: passive and without an agent, "was never tested" still names an omission.
_REVIEW_VERBS = frozenset("""
    test review check verify validate communicate escalate announce catch consider update deploy roll revert
    inspect approve coordinate brief address fix
""".split())


_REVIEW_PARTICIPLES = {participle(verb) for verb in _REVIEW_VERBS} | {"load-tested", "rolled"}


def _conditional(verb: "Token") -> bool:
    """Inside "if ..." or "whether ...": "Reflect if the ALBs should have been communicated"."""
    token = verb
    for _ in range(4):
        if any(c.dep_ == "mark" and c.lower_ in ("if", "whether", "unless") for c in token.children):
            return True
        if token.head.i == token.i:
            return False
        token = token.head
    return False


def find_not_done(sentence: Sentence) -> Iterator[Hit]:
    if sentence.is_question or is_instruction(sentence.doc):
        return
    for verb in sentence.doc:
        if verb.tag_ != "VBN" or not any(c.dep_ == "auxpass" for c in verb.children):
            continue
        subject = next((c for c in verb.children if c.dep_ in ("nsubjpass", "csubjpass")), None)
        if subject is None or sentence.people.refers_to_person(subject) or _conditional(verb):
            continue
        lemma = verb.lemma_.lower()
        modal = modal_have(verb)
        agent = next((c for c in verb.children if c.dep_ == "agent"), None)
        by_step = next((p for c in verb.children if c.dep_ == "prep" and c.lower_ == "by"
                        for p in c.children if p.tag_ == "VBG"), None)
        if subject.lower_ == "nothing" and lemma in ("do", "try", "attempt") and modal is None:
            start = subject.idx
        elif lemma in ("overlook", "disregard") and agent is None and not is_negated(verb):
            start = min(c.idx for c in verb.children if c.dep_ == "auxpass")  # "... was overlooked"
        elif lemma in ("avoid", "prevent", "catch", "mitigate") and modal in ("could", "should") and by_step is not None:
            start = min(c.idx for c in verb.children if c.dep_ in ("aux", "auxpass"))  # "could have been avoided by"
        elif lemma not in _REVIEW_VERBS or (agent is not None and not any(
                sentence.people.refers_to_person(p) for p in agent.children if p.dep_ == "pobj")):
            continue
        elif modal in ("should", "ought"):
            start = min(c.idx for c in verb.children if c.dep_ in ("aux", "auxpass"))
        elif any(c.lower_ == "never" for c in verb.children) or (
                is_negated(verb) and modal is None and verb.dep_ in ("ROOT", "conj")
                and not any(c.dep_ == "mark" for c in verb.children) and not already_explained(verb)):
            start = min(c.idx for c in verb.children if c.dep_ in ("auxpass", "neg") or c.lower_ == "never")
        else:
            continue
        end = verb.idx + len(verb.text)
        particle = next((c for c in verb.children if c.dep_ == "prt"), None)
        if particle is not None:
            end = particle.idx + len(particle.text)
        suggestion = ("What held the next step back at that time, and what would have prompted it?"
                      if subject.lower_ == "nothing" else
                      f"What made {pronoun_for(subject)} easy to {lemma} at the time, and what would have drawn "
                      "attention to it?" if lemma in ("overlook", "disregard") else
                      f"What made {gerund(lemma)} {pronoun_for(subject)} unlikely at the time, and what would have "
                      "prompted it?")
        yield Hit(start, end, f"'{sentence.text[start:end]}' describes a step people did not take, judged "
                  "by the outcome", suggestion)


RULES = (
    Rule(
        id="counterfactual/person-did-not",
        severity="warning",
        summary="What a person or team did not do: 'we did not update', 'nobody considered', 'rather than using'.",
        advice=("Listing what people did not do describes a path not taken and puts them at the centre. "
                "Say what was not done, then ask what made doing it unlikely at that moment."),
        trigger=re.compile(r"(?:\b(?:did|do|had|has|have)|'ve|'d)(?:\s+not|n't)\b|\bnever\b|\bnobody|\bno[- ]one"
                           r"|\b(?:was|were)(?:\s+not|n't)\s+\w+ing\b|\b(?:rather than|instead of|without)\s+\w+ing"
                           r"|^\W*not\s+\w+ing\b", re.I),
        find=find_person_did_not,
        keywords=("not", "n't", "never", "nobody", "no one", "no-one", "rather than", "instead of", "without"),
        fails=("We did not update the base image after the advisory was published.",
               "Nobody considered the retry storm when the timeout was lowered.",
               "Rather than using the shared library, a developer hand-rolled the parser."),
        passes=("We did not expect the vendor to change the default in a patch release.",
                "The team did not receive an alert because the integration was disabled.",
                "We were not escaping the delimiter in the serializer, so quoted fields broke the import."),
    ),
    Rule(
        id="counterfactual/not-done",
        severity="warning",
        summary="A step people did not take, in the passive: 'was never tested', 'should have been reviewed'.",
        advice=("The passive hides the people but keeps the judgement: a step 'should have been' taken. "
                "Describe what was done, and ask what made the missing step unlikely at the time."),
        trigger=re.compile(r"\b(?:should|ought|could)(?: not|n't)? (?:to )?have been\b|\bnothing (?:was|has been)"
                           r"|\b(?:was|were|been) (?:\w+ )?(?:overlooked|disregarded)\b"
                           rf"|(?:\b(?:was|were|is|are|been) (?:not|never)|\b(?:wasn't|weren't|isn't|aren't)|\bnever)"
                           rf"(?: \w+ly)? (?:{'|'.join(sorted(_REVIEW_PARTICIPLES))})\b", re.I),
        find=find_not_done,
        keywords=("been", "never", "not", "n't", "nothing", "overlooked", "disregarded"),
        needs_person=False,
        fails=("The migration should have been reviewed by the database team before it ran.",
               "The new endpoint was never tested against production-sized data.",
               "Once the cause was known, nothing was done for another two hours."),
        passes=("The alert should have been routed to the secondary by the paging policy.",
                "The error was not caught because both environments used the same value.",
                "The right engine, which was not inspected, showed no damage."),
    ),
)
