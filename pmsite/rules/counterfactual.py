"""Counterfactuals: what people did not do, instead of what they did and why it made sense."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Iterator

from pmsite.rules.base import (
    NEGATIVE_PEOPLE, Hit, Rule, Sentence, capitalise, clean_phrase, gerund, infinitive, is_instruction, is_negated,
    modal_have, negation_of, noun_phrase, object_of, participle, subject_of, words,
)
from pmsite.rules.hindsight import KNOW_VERBS

if TYPE_CHECKING:
    from spacy.tokens import Token

#: "failed to log in" is an outcome people suffered, not something they did not do.
OUTCOME_VERBS = frozenset("""
    log sign connect access reach authenticate receive load download upload complete join get find locate
    reproduce obtain
""".split())


def _verb_words(verb: "Token") -> tuple[str, str]:
    """Lemma with its particle, and the participle with it: ("scale down", "scaled down")."""
    particle = " ".join(c.lower_ for c in verb.children if c.dep_ == "prt")
    lemma = verb.lemma_.lower()
    return f"{lemma} {particle}".strip(), f"{participle(lemma)} {particle}".strip()


def pronoun_for(thing: "Token") -> str:
    return "them" if thing.tag_ in ("NNS", "NNPS") or thing.lower_ in ("someone", "somebody") else "it"


def _passive_subject(thing: "Token | None", sentence: Sentence) -> bool:
    """Can this object become the subject of "... was not done"? A short phrase naming a thing."""
    return (thing is not None and thing.dep_ in ("dobj", "obj") and thing.pos_ in ("NOUN", "PROPN")
            and not sentence.people.is_person(thing) and len(list(thing.subtree)) <= 8
            and not any(t.pos_ == "VERB" or t.dep_ == "cc" for t in thing.subtree))


def not_done_rewrite(sentence: Sentence, action: "Token", question: str) -> str:
    """"The page was not acknowledged: what made it hard to acknowledge at that moment?"."""
    thing = object_of(action)
    base, done = _verb_words(action)
    if _passive_subject(thing, sentence):
        be = "were" if thing.tag_ in ("NNS", "NNPS") else "was"
        verb, _, particle = base.partition(" ")
        return (f"{capitalise(clean_phrase(thing, sentence.people))} {be} not {done}: "
                + question.format(verb=f"{verb} {pronoun_for(thing)} {particle}".strip(),
                                  gerund=f"{gerund(verb)} {pronoun_for(thing)} {particle}".strip()))
    return f"What made it hard to {infinitive(action)} at that moment?"


# -- counterfactual/person-failed-to -----------------------------------------------------------

def _failure_owner(failure: "Token") -> "Token | None":
    """Whose failure: "the pilot's failure", "failure of the technician to", "failure by the crew to"."""
    for child in failure.children:
        if child.dep_ == "poss":
            return child
        if child.dep_ == "prep" and child.lower_ in ("of", "by", "on"):
            found = next((p for p in child.children if p.dep_ == "pobj"), None)
            if found is not None:
                return found
    return None


_FAIL_VERBS = frozenset({"fail", "neglect", "forget", "omit", "bother", "skip"})


def find_person_failed_to(sentence: Sentence) -> Iterator[Hit]:
    if sentence.is_question:
        return
    people = sentence.people
    for verb in sentence.doc:
        lemma = verb.lemma_.lower()
        if lemma in ("forgot", "forgotten"):
            lemma = "forget"  # tagged VBP, the small model keeps the past form as its lemma
        if lemma == "failure" and verb.pos_ == "NOUN":
            owner = _failure_owner(verb)
            action = next((c for c in verb.subtree if c.dep_ in ("acl", "relcl", "xcomp") and c.pos_ == "VERB"
                           and c.head.i in (verb.i, owner.i if owner is not None else -1)), None)
            if people.refers_to_person(owner) and action is not None:
                yield Hit(verb.idx, action.idx + len(action.text),
                          f"'{sentence.text[verb.idx:action.idx + len(action.text)]}' makes "
                          f"{noun_phrase(owner)} the cause",
                          not_done_rewrite(sentence, action, "what made {gerund} hard at that moment?"))
            continue
        if lemma not in _FAIL_VERBS or verb.pos_ != "VERB":
            continue
        action = next((c for c in verb.children if c.dep_ == "xcomp" and c.pos_ in ("VERB", "AUX")), None)
        if action is None:  # "neglected to double-check": the small model sometimes reads a noun after "to"
            action = next((p for c in verb.children if c.dep_ == "prep" and c.lower_ == "to" and c.i == verb.i + 1
                           for p in c.children if p.dep_ == "pobj" and p.i == c.i + 1), None)
        if action is None and lemma == "fail":  # "failed miserably at following the protocol"
            action = next((p for c in verb.children if c.dep_ == "prep" and c.lower_ in ("at", "in")
                           for p in c.children if p.dep_ == "pcomp" and p.tag_ == "VBG"), None)
        if action is None and (lemma in ("fail", "bother") or object_of(verb) is None):
            continue  # "omitted the torque check", "neglected the disk alert": the step named as an object
        if lemma == "fail" and action.lemma_.lower() in OUTCOME_VERBS:
            continue
        subject = subject_of(verb)
        if not people.refers_to_person(subject):
            continue
        if lemma == "bother" and not (is_negated(verb) or subject.lower_ in NEGATIVE_PEOPLE
                                      or any(c.lower_ == "no" for c in subject.children)):
            continue
        if lemma != "bother" and (subject.lower_ in NEGATIVE_PEOPLE or is_negated(verb)):
            continue  # "nobody forgot", "the team did not fail to ..." are not claims of omission
        end = (action or verb).idx + len((action or verb).text)
        if action is not None:
            question = ("what would have reminded someone to {verb} at that moment?" if lemma == "forget"
                        else "what made {gerund} hard at that moment?")
            suggestion = not_done_rewrite(sentence, action, question)
        else:
            thing = object_of(verb)
            be = "were" if thing is not None and thing.tag_ in ("NNS", "NNPS") else "was"
            suggestion = (f"{capitalise(clean_phrase(thing, sentence.people))} {be} left out: what made it easy "
                          "to leave out at that moment?" if thing is not None else
                          "Describe what was left out and what would have reminded someone at that moment.")
        yield Hit(verb.idx, end, f"'{sentence.text[verb.idx:end]}' makes {noun_phrase(subject)} the cause "
                  "instead of the conditions", suggestion)


# -- counterfactual/person-missed --------------------------------------------------------------

_MISS_VERBS = frozenset({"miss", "overlook", "ignore", "disregard"})
_GOALS = frozenset({"slo", "sla", "slos", "slas", "target", "objective", "budget", "goal", "deadline", "bus"})


def find_person_missed(sentence: Sentence) -> Iterator[Hit]:
    for verb in sentence.doc:
        if verb.lemma_.lower() not in _MISS_VERBS or verb.pos_ != "VERB" or is_negated(verb):
            continue
        if verb.tag_ == "VBG" and any(c.lemma_ == "be" for c in verb.children if c.dep_ == "aux"):
            continue  # "we are missing alerting": lacking, not overlooking
        subject = subject_of(verb)
        if subject is None or subject.dep_ == "nsubjpass" or not sentence.people.refers_to_person(subject):
            continue
        if subject.lower_ in NEGATIVE_PEOPLE:
            continue
        thing = object_of(verb)
        if thing is not None and thing.lemma_.lower() in _GOALS:
            continue
        word = verb.lemma_.lower()
        if thing is not None and thing.dep_ in ("dobj", "obj") and thing.pos_ != "PRON":
            be = "were" if thing.tag_ in ("NNS", "NNPS") else "was"
            suggestion = (f"{capitalise(clean_phrase(thing, sentence.people))} {be} {participle(word)}: "
                          f"what made {pronoun_for(thing)} easy to {word} at that moment?")
        else:
            suggestion = f"Describe what was visible at the time and what made it easy to {word}."
        yield Hit(verb.idx, verb.idx + len(verb.text),
                  f"'{verb.text}' makes {noun_phrase(subject)} the cause instead of what they faced", suggestion)


# -- counterfactual/did-not-follow -------------------------------------------------------------

DUTY_VERBS = frozenset("""
    follow adhere comply check verify test read review double-check validate confirm consult escalate
""".split())


def already_explained(verb: "Token") -> bool:
    """The sentence already gives the conditions, so the negation reports an outcome of them.

    "was not caught because both environments matched"; "no application uses the
    path, so we didn't catch the issue in testing".
    """
    doc = verb.doc
    first = min([verb.i] + [c.i for c in verb.children if c.dep_ in ("nsubj", "aux", "neg")])
    consequence = any(t.lower_ in ("so", "therefore", "thus", "hence") for t in doc[max(0, first - 2):first])
    return consequence or any(c.dep_ == "advcl" and any(m.lower_ in ("because", "since", "as") for m in c.children)
                              for c in verb.children)


def find_did_not_follow(sentence: Sentence) -> Iterator[Hit]:
    if sentence.is_question:
        return  # "Why did the on-call not escalate?": a question asked on the reader's behalf
    for verb in sentence.doc:
        if verb.lemma_.lower() not in DUTY_VERBS or verb.pos_ != "VERB" or not is_negated(verb):
            continue
        auxes = {c.lower_ for c in verb.children if c.dep_ in ("aux", "auxpass")}
        if auxes & {"could", "can", "ca", "would", "will", "wo", "need", "may", "might"} or verb.dep_ == "xcomp":
            continue  # "could not open": inability, not omission; "will not": a plan
        if already_explained(verb):
            continue  # "did not escalate because the alert said low priority": the conditions are given
        subject = subject_of(verb)
        if subject is None or subject.dep_ == "nsubjpass" or not sentence.people.refers_to_person(subject):
            continue
        start = min([negation_of(verb).idx] + [c.idx for c in verb.children if c.dep_ == "aux" and c.i < verb.i])
        yield Hit(start, verb.idx + len(verb.text),
                  f"'{sentence.text[start:verb.idx + len(verb.text)]}' makes {noun_phrase(subject)} the cause "
                  "instead of the conditions",
                  not_done_rewrite(sentence, verb, "what made {gerund} hard or unhelpful at that moment?"))


# -- counterfactual/should-have ----------------------------------------------------------------

def _capability(sentence: Sentence, verb: "Token", subject: "Token") -> bool:
    """"Could have" as what was possible, not what should have been done.

    "Any admin could have rotated the key" (anyone was able to), "we could have
    scaled out if the autoscaler had been enabled" (a conditional about the
    system), "the crew could have misread the altimeter" (how an error was possible).
    """
    if any(c.lower_ in ("any", "every") for c in subject.children) or subject.lower_ in ("anyone", "anybody"):
        return True
    if verb.lemma_.lower().startswith("mis"):
        return True
    return any(t.lower_ in ("if", "unless") and t.dep_ == "mark" for t in sentence.doc)


def find_should_have(sentence: Sentence) -> Iterator[Hit]:
    if sentence.is_question:
        return
    for verb in sentence.doc:
        if verb.pos_ not in ("VERB", "AUX") or verb.dep_ in ("aux", "auxpass") or verb.lemma_.lower() in KNOW_VERBS:
            continue
        modal = modal_have(verb)
        if modal not in ("should", "could", "ought") or verb.lemma_.lower() in ("have", "get", "experience"):
            continue  # "users should not have had lingering issues": an outcome, not an act
        subject = subject_of(verb)
        if subject is None or subject.dep_ == "nsubjpass" or not sentence.people.refers_to_person(subject):
            continue
        if subject.lower_ in NEGATIVE_PEOPLE or (modal == "could" and is_negated(verb)):
            continue  # "nobody could have prevented it": the blameless reading
        if modal == "could" and _capability(sentence, verb, subject):
            continue
        if any(c.lower_ in ("if", "so", "unless", "whether") for c in verb.children if c.dep_ == "mark"):
            continue  # conditionals have their own rules; "so they could have tested" is a purpose
        if is_instruction(sentence.doc):
            continue  # an action item: "Raise an incident quicker, and not assume we could have ..."
        auxes = [c for c in verb.children if c.dep_ in ("aux", "neg") and c.i < verb.i]
        start = min([c.idx for c in auxes] + ([verb.head.idx] if modal == "ought" and verb.dep_ == "xcomp" else []))
        action, who = infinitive(verb), noun_phrase(subject)
        suggestion = (f"What made it look right to {who} to {action} at that moment?" if is_negated(verb) else
                      f"What made it hard for {who} to {action} at that moment, and what would make it easier?")
        yield Hit(start, verb.idx + len(verb.text),
                  f"'{sentence.text[start:verb.idx + len(verb.text)]}' judges {noun_phrase(subject)} against a "
                  "path not taken", suggestion)


# -- counterfactual/if-only and counterfactual/if-had ------------------------------------------

_IF_ONLY = re.compile(r"\bif only\b(?!\s+(?:one|two|three|a few|a single|some|\d)\b)", re.I)
_WOULD_HAVE = re.compile(r"\b(?:would|could|might)(?:\s+not|n't)?\s+(?:have|'ve)\b|\b(?:had|'d)\s+\w+", re.I)


def _conditional_question(sentence: Sentence, verb: "Token") -> str:
    subject = subject_of(verb)
    who = f" for {noun_phrase(subject)}" if sentence.people.refers_to_person(subject) else ""
    return f"What made it unlikely{who} to {infinitive(verb)} at the time?"


def find_if_only(sentence: Sentence) -> Iterator[Hit]:
    for match in _IF_ONLY.finditer(sentence.text):
        if not _WOULD_HAVE.search(sentence.text, match.end()):
            continue
        span = sentence.doc.char_span(match.start(), match.end(), alignment_mode="expand")
        verb = span.root.head if span is not None else None
        suggestion = (_conditional_question(sentence, verb) if verb is not None and verb.pos_ in ("VERB", "AUX")
                      else "Describe what happened and what made it make sense, not the history that did not happen.")
        yield Hit(match.start(), match.end(), f"'{match.group(0)}' wishes for a past that did not happen", suggestion)


def _consequence(verb: "Token") -> bool:
    """The main clause of a counterfactual conditional: "... would (not) have happened"."""
    main = verb.head
    return main.i != verb.i and any(c.lower_ in ("would", "could", "might", "'d", "wouldn't", "couldn't")
                                    for c in main.children) and any(c.lemma_ == "have" for c in main.children)


def find_if_had(sentence: Sentence) -> Iterator[Hit]:
    doc = sentence.doc
    for verb in doc:
        if verb.dep_ != "advcl" or not _consequence(verb):
            continue
        had = next((c for c in verb.children if c.dep_ == "aux" and c.lower_ in ("had", "'d")), None)
        mark = next((c for c in verb.children if c.dep_ == "mark" and c.lower_ == "if"), None)
        subject = subject_of(verb)
        if had is None or subject is None or not sentence.people.refers_to_person(subject):
            continue
        if mark is None and not had.i < subject.i:
            continue  # neither "if X had ..." nor "Had X ..."
        if mark is not None and doc.text[mark.idx:mark.idx + 7].lower() == "if only":
            continue  # "if only" is its own rule
        start = (mark or had).idx
        yield Hit(start, verb.idx + len(verb.text),
                  f"'{doc.text[start:verb.idx + len(verb.text)]}' imagines what {noun_phrase(subject, subject=True)} could have "
                  "done instead of explaining what they did",
                  _conditional_question(sentence, verb))


RULES = (
    Rule(
        id="counterfactual/person-failed-to",
        severity="warning",
        summary=("A person or team as the subject of fail to, neglect to, forget, omit, skip, 'did not bother'; "
                 "also 'the pilot's failure to', 'failure of the technician to', 'by failing to'."),
        advice=("'Failed to' describes a path not taken and puts the person at the centre. Describe what was "
                "not done, then ask what made it hard to do at that moment."),
        trigger=words(r"fail(?:s|ed|ing)?\s+(?:\w+\s+)?(?:to|at|in)\b|failures?\s+(?:to|of|by)\b|neglect|forg[eo]t|omit"
                      r"|bother|skip"),
        find=find_person_failed_to,
        keywords=("fail", "neglect", "forg", "omit", "bother", "skip"),
        fails=("The on-call engineer failed to acknowledge the page.",
               "The author forgot to update the client library.",
               "Nobody bothered to test the restore procedure.",
               "Contributing to the accident was the failure of the technician to isolate the pump.",
               "The crew skipped the before-takeoff checklist."),
        passes=("The job failed to connect to the database after the password rotation.",
                "Engineers failed to log in to the VPN while the identity provider was down.",
                "The disk driver failed to flush the write cache."),
    ),
    Rule(
        id="counterfactual/person-missed",
        severity="warning",
        summary="A person or team as the subject of miss, overlook, ignore, disregard.",
        advice=("'Missed' and 'overlooked' state that something should have been seen. Describe what was "
                "visible at the time and what made it easy to miss."),
        trigger=words(r"miss(?:ed|es)?\b|overlook|ignor|disregard"),
        find=find_person_missed,
        keywords=("miss", "overlook", "ignor", "disregard"),
        fails=("The SRE missed the warning about the deprecated endpoint.",
               "The DBA overlooked the long-running transaction."),
        passes=("Prometheus missed two scrapes while the node was under memory pressure.",
                "The client ignored the Retry-After header."),
    ),
    Rule(
        id="counterfactual/did-not-follow",
        severity="warning",
        summary="A person or team as the subject of 'did not follow / check / verify / test / read'.",
        advice=("Procedures that are not followed are data about the procedure. Ask what made following it "
                "hard, slow or unhelpful at that moment."),
        trigger=re.compile(r"(?:\bnot|n't|\bnever)\s+(?:\w+[\s-]+)?(?:follow|adhere|comply|check|verif|test|read|review|"
                           r"double-check|validat|confirm|consult|escalat)", re.I),
        find=find_did_not_follow,
        keywords=("not", "n't", "never"),
        fails=("The engineer did not follow the deployment checklist.",
               "Ana never read the alert text."),
        passes=("The deploy pipeline did not check whether the target region matched the change ticket.",
                "The responder could not open the runbook because the wiki was down.",
                "Why did the on-call not escalate sooner?"),
    ),
    Rule(
        id="counterfactual/should-have",
        severity="warning",
        summary="'Should/could/ought (not) have' with a person or team as the subject.",
        advice=("'Should have' judges people against a path that only hindsight shows. Ask what made the "
                "other path hard or unlikely at that moment, and what would make it easier."),
        trigger=words(r"(?:should|could|ought)(?:n't| not)?(?: to)?(?: \w+)?(?: have|'ve| 've)\b"),
        find=find_should_have,
        keywords=("should", "could", "ought"),
        fails=("The responder should have escalated sooner.",
               "The operator should not have bypassed the approval step."),
        passes=("The alert should have paged the secondary.",
                "Could we have detected the expiry sooner?",
                "Any admin could have rotated the key from the console."),
    ),
    Rule(
        id="counterfactual/if-only",
        severity="warning",
        summary="'If only ... had ...': wishing for a different past.",
        advice=("'If only' replaces an explanation with regret. Describe what happened and what made the "
                "other path unlikely at the time."),
        trigger=_IF_ONLY,
        find=find_if_only,
        keywords=("if only",),
        needs_person=False,
        fails=("If only the reviewer had asked for a load test, this would not have happened.",),
        passes=("If only one replica is healthy, the cluster stops accepting writes.",),
    ),
    Rule(
        id="counterfactual/if-had",
        severity="warning",
        summary="'Had X done Y' / 'If X had done Y, ... would have' with a person as X.",
        advice=("A counterfactual about a person imagines a better past instead of explaining the real one. "
                "Ask what made the imagined action unlikely at the time."),
        trigger=re.compile(r"\b(?:had|'d)\b(?=.*\b(?:would|could|might|'d)(?:\s+not|n't)?\s+(?:have|'ve)\b)", re.I | re.S),
        find=find_if_had,
        keywords=("would", "could", "might", "'d"),
        fails=("Had the operator checked the target region, nothing would have been deleted.",
               "If Ana had read the alert text, she would have found the runbook link."),
        passes=("If the alert had fired, we would have failed over within minutes.",
                "Ana had restarted the broker before the lag alert fired."),
    ),
)
