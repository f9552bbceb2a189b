"""Blame carried by evaluation: adverbs, adjectives and verbs that grade what a person did.

"The operator wrongly isolated the feeder", "inadequate supervision by the shift
lead", "an ill-advised decision", "we underestimated the backfill". The word
alone is not enough: "the job was mistakenly marked as passed" grades a program
and "inadequate monitoring of the disk queue" a missing mechanism. The parse
decides whether the graded act is a person's: the verb's subject (or the
passive's "by" agent) is a person, or the graded noun is an act only people do
(supervision, judgement, a decision, conduct).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Iterator

from pmsite.rules.base import Hit, Rule, Sentence, capitalise, is_negated, noun_phrase, span_text, subject_of

if TYPE_CHECKING:
    from spacy.tokens import Token

#: Adverbs that grade how an act was done.
_ADVERBS = frozenset("""
    wrongly erroneously improperly incorrectly mistakenly inappropriately hastily unwisely needlessly
    prematurely wrongfully ill-advisedly imprudently injudiciously
""".split())
#: Adjectives that grade an act ("inadequate supervision", "the decision was wrong").
_ADJECTIVES = frozenset("""
    inadequate insufficient poor improper faulty wrong bad incorrect ill-advised unwise questionable hasty
    inappropriate deficient unacceptable misguided imprudent injudicious flawed
""".split())
#: ... and those that grade it when negated ("the decision was not right").
_GOOD_ADJECTIVES = frozenset({"right", "appropriate", "acceptable", "wise", "correct", "adequate", "prudent",
                              "justified", "professional"})
#: Acts only people perform: grading one grades the person.
ACT_NOUNS = frozenset("""
    supervision oversight caution care attention planning preparation briefing judgement judgment decision
    choice call leadership conduct behavior behaviour vigilance airmanship discipline diligence workmanship
    decision-making seamanship stewardship idea move
""".split())
#: Verbs that say a person judged or handled something badly.
_MISJUDGE_VERBS = frozenset("""
    misjudge underestimate overestimate mismanage mishandle misinterpret misread misunderstand misconfigure
    misapply mistake misstep miscalculate misdiagnose violate contravene disobey
""".split())
#: Verbs of believing and judging: their doer is a person even when the sentence does not say who.
_BELIEF_VERBS = frozenset("assume believe think conclude decide judge assess estimate expect presume".split())
#: Rules people are bound by: "the regulations were violated" grades the people who broke them.
_RULE_NOUNS = frozenset("""
    regulation rule procedure policy protocol standard requirement instruction checklist order law
""".split())
_MISNOUNS = re.compile(r"\bmis(?:management|judge?ments?|handling|calculations?)\b", re.I)
_MISTAKE_IN = re.compile(r"\b(?:mistake|blunder|misstep)s?\s+in\s+\w+ing\b", re.I)
_ADJ = "|".join(sorted(_ADJECTIVES, key=len, reverse=True))
_ACTS = "|".join(sorted(ACT_NOUNS, key=len, reverse=True))
#: The prefilter names the shapes the parse then checks: an adverb or misjudging verb; an adjective
#: next to an act noun or after a person's possessive; an act (noun or gerund) said to be graded.
_TRIGGER = re.compile(
    rf"\b(?:{'|'.join(sorted(_ADVERBS, key=len, reverse=True))}"
    rf"|(?:{'|'.join(v[:-1] for v in _MISJUDGE_VERBS)})\w*"
    rf"|(?:{_ADJ})\s+(?:[\w-]+\s+)?(?:{_ACTS})s?|(?:{_ADJ})\s+(?:crew|pilot|operator|controller|driver|team)\s+\w+"
    rf"|(?:{_ACTS})s?\b[^.;]{{0,60}}\b(?:was|were|is|are|been)\s+(?:\w+\s+){{0,2}}(?:{_ADJ}|{'|'.join(_GOOD_ADJECTIVES)})"
    rf"|\w+ing\b[^.;]{{0,60}}\b(?:was|were|is|are|been)\s+(?:\w+\s+){{0,2}}(?:{_ADJ})"
    rf")\b|(?:'s?|\bby (?:the |an? )?[\w-]+|\bmade (?:an? |the )?)\s*(?:\w+\s+)?(?:{_ADJ})\b", re.I)
_KEYWORDS = tuple(sorted({w[:7] for w in _ADVERBS | _ADJECTIVES | _MISJUDGE_VERBS} | {"not ", "mistake", "blunder"}))


def _doer(verb: "Token", sentence: Sentence) -> "Token | None":
    """The person who did what ``verb`` says: its subject, or the agent of a passive."""
    agent = next((p for c in verb.children if c.dep_ == "agent" for p in c.children if p.dep_ == "pobj"), None)
    if agent is not None:
        return agent if sentence.people.refers_to_person(agent) else None
    subject = subject_of(verb)
    if subject is None or subject.dep_ == "nsubjpass" or subject.lower_ in ("nobody", "none"):
        return None
    return subject if sentence.people.refers_to_person(subject) else None


def _without(sentence: Sentence, token: "Token") -> str:
    """The sentence with one word taken out (and a comma that only served it)."""
    kept = [t for t in sentence.doc if t.i != token.i and not (t.i == token.i + 1 and t.text == ",")]
    return capitalise(span_text(kept))


#: Conditions people work under, not acts they perform: "inadequate crew training" grades the organisation.
_CONDITION_NOUNS = frozenset("training staffing rest fatigue workload experience qualification equipment".split())


def _owned_by_a_person(noun: "Token", sentence: Sentence) -> bool:
    """"the engineer's handling", "handling by the crew", "crew coordination": an act with a person as its doer."""
    people = sentence.people
    if noun.lemma_.lower() in _CONDITION_NOUNS:
        return False
    return any((c.dep_ == "poss" and people.refers_to_person(c))
               or (c.dep_ == "compound" and c.lemma_.lower() in people.nouns and c.i == noun.i - 1)
               or (c.dep_ in ("prep", "agent") and c.lower_ == "by"
                   and any(p.dep_ == "pobj" and people.refers_to_person(p) for p in c.children))
               for c in noun.children)


def _act_judged(adjective: "Token", sentence: Sentence) -> "Token | None":
    """The act an adjective grades: "poor judgement", "the decision was wrong", "the crew's improper handling"."""
    if adjective.dep_ == "amod" and adjective.head.lemma_.lower() in ACT_NOUNS:
        return adjective.head
    noun = adjective.head
    if adjective.dep_ == "amod" and noun.pos_ == "NOUN" and (_owned_by_a_person(noun, sentence) or (
            noun.dep_ in ("dobj", "obj") and noun.head.lemma_ == "make"
            and sentence.people.refers_to_person(subject_of(noun.head)))):
        return noun  # "the engineer's improper handling", "I made an incorrect assumption"
    if adjective.dep_ == "amod" and noun.lemma_ == "thing" and any(c.lemma_ == "do" for c in noun.children):
        return noun  # "demoting the keynote was the wrong thing to do"
    if adjective.dep_ in ("acomp", "attr"):
        subject = subject_of(adjective.head)
        if subject is not None and subject.lemma_.lower() in ACT_NOUNS | {"conduct", "action", "actions"}:
            return subject
        if subject is not None and subject.tag_ == "VBG" or (subject is not None and subject.dep_ == "csubj"):
            return subject  # "Skipping the checklist was inexcusable"
    return None


def find_judged_acts(sentence: Sentence) -> Iterator[Hit]:
    doc = sentence.doc
    for token in doc:
        lower = token.lower_
        if lower in _ADVERBS and token.dep_ == "advmod" and token.head.pos_ in ("VERB", "AUX"):
            verb = token.head
            who = _doer(verb, sentence)
            belief = verb.lemma_.lower() in _BELIEF_VERBS and verb.tag_ == "VBG" and not any(
                c.dep_ in ("nsubj", "nsubjpass") for c in verb.children)
            if (who is None and not belief) or is_negated(verb):
                continue  # "(wrongly assuming its end at 11AM)": only people assume
            whose = f"what {noun_phrase(who, subject=True)} did" if who is not None else "a belief"
            yield Hit(token.idx, token.idx + len(token.text),
                      f"'{token.text}' grades {whose} instead of explaining it",
                      f"{_without(sentence, token)} What made that look right at the time?")
        elif lower in _ADJECTIVES or (lower in _GOOD_ADJECTIVES and is_negated(token.head if token.dep_ in
                                                                                ("acomp", "attr") else token)):
            act = _act_judged(token, sentence)
            if act is None or (lower in _ADJECTIVES and (is_negated(token) or is_negated(token.head))):
                continue
            if lower in _GOOD_ADJECTIVES:
                negation = next(c for c in token.head.children if c.dep_ == "neg" or c.lower_ in ("not", "never"))
                start = negation.idx
            else:
                start = token.idx
            end = token.idx + len(token.text)
            yield Hit(start, end, f"'{doc.text[start:end]}' grades a person's {act.lemma_ if act.pos_ == 'NOUN' else 'act'} "
                      "with knowledge of the outcome",
                      f"Describe the {act.lemma_.lower() if act.pos_ == 'NOUN' else 'choice'} as it looked at "
                      "the time: what was known, what pressed, and what made it look reasonable.")
        elif token.lemma_.lower() in _MISJUDGE_VERBS and token.pos_ == "VERB":
            who = _doer(token, sentence)
            broken = next((c for c in token.children if c.dep_ == "nsubjpass"), None)
            if who is None and broken is not None and broken.lower_.rstrip("s") in _RULE_NOUNS:
                who = broken  # "Civil Air Regulations were violated in conducting the flight"
            modals = {c.lower_ for c in token.children if c.dep_ == "aux"}
            if who is None or is_negated(token) or modals & {"could", "might", "may", "can", "would"}:
                continue
            yield Hit(token.idx, token.idx + len(token.text),
                      f"'{token.text}' grades what {noun_phrase(who, subject=True)} judged, knowing the outcome",
                      f"Describe what {noun_phrase(who, subject=True)} knew and expected at the time, and what "
                      "would have shown the real size of the problem.")
    for token in doc:
        if token.lemma_.lower() in ("mistake", "blunder", "misstep") and token.dep_ == "attr":
            act = next((p for c in token.children if c.dep_ == "prep" and c.lower_ == "in"
                        for p in c.children if p.tag_ == "VBG"), None)
            if act is None or is_negated(token.head):
                continue  # "this was a mistake in setting up the node pool": a person's act, graded
            what = span_text(act.subtree).rstrip(".")
            yield Hit(token.idx, token.idx + len(token.text), f"'{token.text}' grades {what} as a person's error",
                      f"Describe how {what} went, step by step, and what made the step easy to get wrong.")
    for match in _MISNOUNS.finditer(sentence.text):
        span = doc.char_span(*match.span(), alignment_mode="expand")
        if span is None or is_negated(span.root.head):
            continue
        yield Hit(match.start(), match.end(), f"'{match.group(0)}' grades how people handled the work",
                  "Describe what was done, in order, and what made each step look right at the time.")


RULES = (
    Rule(
        id="blame/judged-act",
        severity="warning",
        summary="Grading what a person did: 'wrongly isolated', 'inadequate supervision', 'an ill-advised decision'.",
        advice=("An adverb or adjective that grades a person's act ('wrongly', 'inadequate', 'ill-advised') "
                "passes judgement with the outcome in hand and explains nothing. Describe the act and what "
                "made it look right at the time."),
        trigger=re.compile(rf"{_TRIGGER.pattern}|{_MISNOUNS.pattern}|{_MISTAKE_IN.pattern}", re.I),
        find=find_judged_acts,
        keywords=_KEYWORDS,
        needs_person=False,
        fails=("The operator wrongly isolated the healthy feeder.",
               "Contributing factors included inadequate supervision by the shift lead.",
               "Taking the primary offline during peak hours was an ill-advised decision.",
               "We underestimated how long the backfill would take."),
        passes=("The job was mistakenly marked as successful by the scheduler.",
                "Inadequate monitoring of the disk queue delayed detection.",
                "The crew could have misread the altimeter in that light."),
    ),
)
