"""Counterfactuals: what people did not do, instead of what they did and why it made sense."""

from __future__ import annotations

import difflib
import re
from typing import TYPE_CHECKING, Iterator

from pmsite.rules.base import (
    NEGATIVE_PEOPLE, Hit, Rule, Sentence, capitalise, clean_phrase, gerund, is_instruction, is_negated, modal_have,
    negation_of,
    object_of,
    infinitive, noun_phrase, participle, subject_of, verb_phrase, words,
)
from pmsite.rules.hindsight import KNOW_VERBS

if TYPE_CHECKING:
    from spacy.tokens import Token

#: "failed to log in" is an outcome people suffered, not something they did not do.
_OUTCOME_VERBS = frozenset("""
    log sign connect access reach authenticate receive load download upload complete join get find locate
    reproduce obtain
""".split())


def _verb_words(verb: "Token") -> tuple[str, str]:
    """Lemma with its particle, and the participle with it: ("scale down", "scaled down")."""
    particle = " ".join(c.lower_ for c in verb.children if c.dep_ == "prt")
    lemma = verb.lemma_.lower()
    return f"{lemma} {particle}".strip(), f"{participle(lemma)} {particle}".strip()


def _pronoun(thing: "Token") -> str:
    return "them" if thing.tag_ in ("NNS", "NNPS") or thing.lower_ in ("someone", "somebody") else "it"


def _passive_subject(thing: "Token | None", sentence: Sentence) -> bool:
    """Can this object become the subject of "... was not done"? A short phrase naming a thing."""
    return (thing is not None and thing.dep_ in ("dobj", "obj") and thing.pos_ in ("NOUN", "PROPN")
            and not sentence.people.is_person(thing) and len(list(thing.subtree)) <= 8
            and not any(t.pos_ == "VERB" or t.dep_ == "cc" for t in thing.subtree))


def _not_done(sentence: Sentence, action: "Token", question: str) -> str:
    """"The page was not acknowledged: what made it hard to acknowledge at that moment?"."""
    thing = object_of(action)
    base, done = _verb_words(action)
    if _passive_subject(thing, sentence):
        be = "were" if thing.tag_ in ("NNS", "NNPS") else "was"
        verb, _, particle = base.partition(" ")
        return (f"{capitalise(clean_phrase(thing, sentence.people))} {be} not {done}: "
                + question.format(verb=f"{verb} {_pronoun(thing)} {particle}".strip(),
                                  gerund=f"{gerund(verb)} {_pronoun(thing)} {particle}".strip()))
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
                          _not_done(sentence, action, "what made {gerund} hard at that moment?"))
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
        if lemma == "fail" and action.lemma_.lower() in _OUTCOME_VERBS:
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
            suggestion = _not_done(sentence, action, question)
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
                          f"what made {_pronoun(thing)} easy to {word} at that moment?")
        else:
            suggestion = f"Describe what was visible at the time and what made it easy to {word}."
        yield Hit(verb.idx, verb.idx + len(verb.text),
                  f"'{verb.text}' makes {noun_phrase(subject)} the cause instead of what they faced", suggestion)


# -- counterfactual/did-not-follow -------------------------------------------------------------

_DUTY_VERBS = frozenset("""
    follow adhere comply check verify test read review double-check validate confirm consult escalate
""".split())


def find_did_not_follow(sentence: Sentence) -> Iterator[Hit]:
    if sentence.is_question:
        return  # "Why did the on-call not escalate?": a question asked on the reader's behalf
    for verb in sentence.doc:
        if verb.lemma_.lower() not in _DUTY_VERBS or verb.pos_ != "VERB" or not is_negated(verb):
            continue
        auxes = {c.lower_ for c in verb.children if c.dep_ in ("aux", "auxpass")}
        if auxes & {"could", "can", "ca", "would", "will", "wo", "need", "may", "might"} or verb.dep_ == "xcomp":
            continue  # "could not open": inability, not omission; "will not": a plan
        if _explained(verb):
            continue  # "did not escalate because the alert said low priority": the conditions are given
        subject = subject_of(verb)
        if subject is None or subject.dep_ == "nsubjpass" or not sentence.people.refers_to_person(subject):
            continue
        start = min([negation_of(verb).idx] + [c.idx for c in verb.children if c.dep_ == "aux" and c.i < verb.i])
        yield Hit(start, verb.idx + len(verb.text),
                  f"'{sentence.text[start:verb.idx + len(verb.text)]}' makes {noun_phrase(subject)} the cause "
                  "instead of the conditions",
                  _not_done(sentence, verb, "what made {gerund} hard or unhelpful at that moment?"))


# -- counterfactual/person-did-not -------------------------------------------------------------

#: Verbs whose negation reports a state, a belief or an outcome people suffered, not an omission:
#: "we did not expect", "the team did not receive an alert", "we didn't want to delay".
_NOT_OMISSIONS = frozenset("""
    be have know expect anticipate foresee believe seem appear need want wish like intend mean care matter
    exist happen work help change occur receive get find see hear feel detect observe experience encounter
    suffer lose affect impact hit break fail succeed manage seem look sound include involve require use
    cause mind hesitate allow let make remember recall pay learn stop cease disrupt interrupt degrade
""".split()) | _DUTY_VERBS
_NOT_OMISSION_LIST = sorted(w for w in _NOT_OMISSIONS | _OUTCOME_VERBS if len(w) >= 5)
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
    if lemma in _NOT_OMISSIONS or lemma in _OUTCOME_VERBS:
        return True
    return len(lemma) >= 5 and bool(difflib.get_close_matches(lemma, _NOT_OMISSION_LIST, n=1, cutoff=0.86))


def _omission_hit(sentence: Sentence, verb: "Token", start: int, subject: "Token") -> Hit:
    end = verb.idx + len(verb.text)
    particle = next((c for c in verb.children if c.dep_ == "prt"), None)
    if particle is not None:
        end = particle.idx + len(particle.text)
    return Hit(start, end, f"'{sentence.text[start:end]}' makes {noun_phrase(subject)} the cause instead of "
               "the conditions", _not_done(sentence, verb, "what made {gerund} unlikely at that moment?"))


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
        elif _not_an_omission(lemma, verb) or not is_negated(verb) or _explained(verb):
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
_SKIPPED_STEPS = _NOBODY_VERBS | _DUTY_VERBS | frozenset({"inform", "notify", "coordinate", "consult", "wait", "ask",
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
              _not_done(sentence, verb, "what made {gerund} unlikely at that moment?"))


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


def _explained(verb: "Token") -> bool:
    """The sentence already gives the conditions, so the negation reports an outcome of them.

    "was not caught because both environments matched"; "no application uses the
    path, so we didn't catch the issue in testing".
    """
    doc = verb.doc
    first = min([verb.i] + [c.i for c in verb.children if c.dep_ in ("nsubj", "aux", "neg")])
    consequence = any(t.lower_ in ("so", "therefore", "thus", "hence") for t in doc[max(0, first - 2):first])
    return consequence or any(c.dep_ == "advcl" and any(m.lower_ in ("because", "since", "as") for m in c.children)
                              for c in verb.children)


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
                and not any(c.dep_ == "mark" for c in verb.children) and not _explained(verb)):
            start = min(c.idx for c in verb.children if c.dep_ in ("auxpass", "neg") or c.lower_ == "never")
        else:
            continue
        end = verb.idx + len(verb.text)
        particle = next((c for c in verb.children if c.dep_ == "prt"), None)
        if particle is not None:
            end = particle.idx + len(particle.text)
        suggestion = ("What held the next step back at that time, and what would have prompted it?"
                      if subject.lower_ == "nothing" else
                      f"What made {_pronoun(subject)} easy to {lemma} at the time, and what would have drawn "
                      "attention to it?" if lemma in ("overlook", "disregard") else
                      f"What made {gerund(lemma)} {_pronoun(subject)} unlikely at the time, and what would have "
                      "prompted it?")
        yield Hit(start, end, f"'{sentence.text[start:end]}' describes a step people did not take, judged "
                  "by the outcome", suggestion)


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
