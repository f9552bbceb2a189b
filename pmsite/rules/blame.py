"""Blame: words that judge people instead of describing what they faced."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Iterator

from pmsite.rules.base import (
    Hit, Rule, Sentence, capitalise, clean_phrase, is_negated, noun_phrase, object_of, participle, span_text,
    subject_of,
)

if TYPE_CHECKING:
    from spacy.tokens import Token

# -- blame/judgmental-word ---------------------------------------------------------------------

_JUDGMENTAL = (
    r"careless(?:ly|ness)?|negligen(?:t|tly|ce)|sloppy|sloppily|sloppiness|lazy|lazily|laziness"
    r"|reckless(?:ly|ness)?|incompeten(?:t|tly|ce)|irresponsib(?:le|ly|ility)|inattentive(?:ly|ness)?"
    r"|inattention|stupid(?:ly|ity)?|dumb|foolish(?:ly|ness)?|idiotic|clueless|thoughtless(?:ly|ness)?"
    r"|heedless(?:ly)?|unprofessional(?:ly)?|boneheaded|slapdash|blunder(?:ed|s)?|screw-?ups?|goof(?:ed|s)?"
    r"|rookie mistakes?|(?:silly|dumb|stupid|basic|simple|avoidable|careless) (?:mistake|error|slip)s?|cowboy"
    r"|(?:be|being|been|was|were) (?:more|extra|much more) (?:careful|attentive|diligent|vigilant|thorough)"
    r"|(?:poor|bad|lack of|questionable|no) (?:discipline|judge?ment|diligence|care|attention to detail)"
    r"|lapses? (?:in|of) judge?ment|lack of (?:attention|care|rigou?r|professionalism|vigilance|caution|diligence"
    r"|(?:situational )?awareness|airmanship|judge?ment)"
    r"|dropp(?:ed|ing) the ball|drops the ball|asleep at the wheel|cut(?:ting|s)? corners"
    r"|(?:not|n't|never|stopped) (?:paying|pay) attention|without thinking"
    r"|inexcusabl[ey]|unforgivabl[ey]|indefensibl[ey]|unjustifiabl[ey]|(?:wholly |entirely )?without justification"
    r"|lax(?:ity|ness)|complacen(?:t|cy|ce)|took (?:our|my|his|her|their|the) eyes? off the ball"
    r"|(?:take|taking|takes) (?:our|my|his|her|their|the) eyes? off the ball|fell asleep at the switch"
    r"|(?:our|my) bad|mea culpa|should(?: have|'ve| 've) known better|(?:error|lapse)s? (?:of|in) judge?ment"
)
_JUDGMENTAL_RE = re.compile(rf"\b(?:{_JUDGMENTAL})\b", re.I)
#: Judgments carried by a verb: only about people when a person is the subject.
_PERSON_VERBS = re.compile(
    r"\b(?:mess(?:ed|es|ing)?(?: \w+){0,2} up|screw(?:ed|s|ing)?(?: \w+){0,2} up|botch(?:ed|es|ing)?"
    r"|fumbled|blew it|let (?:you|our users|our customers|everyone) down|failed (?:you|our users))\b", re.I)
#: Technical terms that reuse a judgmental word ("lazy loading", "sloppy quorum").
_TECHNICAL = re.compile(
    r"\blaz(?:y|ily)[- ](?:load|loaded|loading|eval|evaluat|init|instantiat|import|iterat|bind|binding|delet|"
    r"expir|alloc|fetch|propert|mode|val\b|sequence|comput|sync|lookup|creat|start|connect|mount)"
    r"|\bsloppy[- ]quorum|\bdumb[- ](?:pipe|terminal|client|proxy)|\bcowboy[- ]hat", re.I)
_ADVERB_SUFFIX = "ly"
_PLEDGE = re.compile(r"\b(?:have to|has to|need to|needs to|must|should|will|'ll|going to|want to|try to|aim to)\s+$",
                     re.I)


def _judged_token(sentence: Sentence, start: int, end: int) -> "Token | None":
    span = sentence.doc.char_span(start, end, alignment_mode="expand")
    return span.root if span is not None else None


def _negated_judgment(token: "Token") -> bool:
    """"was not careless", "this was not negligence": the author rules the judgment out."""
    if is_negated(token) or is_negated(token.head):
        return True
    return any(t.lower_ in ("not", "n't", "never", "no") for t in token.doc[max(0, token.i - 2): token.i])


def _judgment_rewrite(sentence: Sentence, token: "Token", word: str) -> str:
    doc = sentence.doc
    root = next((t for t in doc if t.dep_ == "ROOT"), token)
    if token.pos_ in ("ADV", "ADJ") and token.dep_ in ("advmod", "amod") and " " not in word \
            and root.pos_ in ("VERB", "AUX"):
        dropped = {token.i} | {t.i for c in token.children if c.dep_ in ("conj", "cc") for t in c.subtree}
        if token.dep_ == "conj":
            dropped |= {c.i for c in token.head.children if c.dep_ == "cc"} | {token.head.i}
        kept = [t for t in doc if t.i not in dropped and not (t.i - 1 in dropped and t.text == ",")]
        text = "".join(t.text_with_ws for t in kept).strip()
        return f"{capitalise(text)} What made that look like the right thing to do at the time?"
    if token.dep_ == "acomp":
        with_object = [c for p in token.children if p.lower_ == "with" for c in p.children if c.dep_ == "pobj"]
        if with_object:
            return f"What made {clean_phrase(with_object[0], sentence.people)} easy to get wrong at that moment?"
        subject = subject_of(token.head)
        if subject is not None:
            return (f"Describe what {noun_phrase(subject, subject=True)} did and what made it look reasonable "
                    "at the time.")
    if token.dep_ in ("nsubj", "nsubjpass") and token.head.pos_ in ("VERB", "AUX"):
        thing = object_of(token.head)
        if thing is not None and token.head.lemma_ in ("cause", "lead", "create", "introduce", "trigger", "cost",
                                                        "result", "mean", "make", "contribute", "extend", "prolong"):
            return f"Which conditions led to {clean_phrase(thing, sentence.people)}, and what made them hard to see?"
        if thing is not None:
            return (f"What let {clean_phrase(thing, sentence.people)} be {participle(token.head.lemma_)}, "
                    "and what made that hard to see at the time?")
    return "Describe what happened and what made it make sense at the time, without the judgment."


def find_judgmental_words(sentence: Sentence) -> Iterator[Hit]:
    text = sentence.text
    technical = [m.span() for m in _TECHNICAL.finditer(text)]
    for match in _JUDGMENTAL_RE.finditer(text):
        if any(start <= match.start() < end for start, end in technical):
            continue
        token = _judged_token(sentence, *match.span())
        if token is None or (not match.group(0).lower().startswith(("not", "n't", "never")) and _negated_judgment(token)):
            continue
        word = match.group(0)
        before = text[:match.start()]
        if word.lower().startswith("be ") and (_PLEDGE.search(before) or not before.strip()):
            continue  # "we have to be more careful": a resolution (quality/ask-people-to-try-harder judges those)
        yield Hit(match.start(), match.end(), f"'{word}' judges people instead of describing what they faced",
                  _judgment_rewrite(sentence, token, word))
    for match in _PERSON_VERBS.finditer(text):
        token = _judged_token(sentence, match.start(), match.start() + len(match.group(0).split()[0]))
        if token is None:
            continue
        subject = subject_of(token)
        agent = next((p for c in token.children if c.dep_ == "agent" for p in c.children if p.dep_ == "pobj"), None)
        if agent is not None:  # "the release was botched by the person on duty"
            subject = agent
        if not sentence.people.refers_to_person(subject) or is_negated(token):
            continue
        thing = object_of(token) if agent is None else None
        if thing is not None and sentence.people.refers_to_person(thing):
            thing = None  # "we failed you", "let our users down": say what happened instead
        suggestion = (f"{capitalise(clean_phrase(thing, sentence.people))} ended up wrong: "
                      "what made the change look right at the time?" if thing is not None else
                      f"Describe what {noun_phrase(subject, subject=True)} did and what made it look right at the time.")
        yield Hit(match.start(), match.end(),
                  f"'{match.group(0)}' judges {noun_phrase(subject)} instead of describing the work", suggestion)


# -- blame/human-error -------------------------------------------------------------------------

_HUMAN_ERROR = re.compile(
    r"\b(?:human|operator|user|admin|administrator|engineer|developer|personnel|staff|people|manual|individual"
    r"|pilot|crew|controller|technician|nurse|driver|dispatcher|employee)[- ]"
    r"(?:error|mistake|failure|fault|slip|lapse|misunderstanding|oversight)s?\b"
    r"|\bfat[- ]finger(?:ed|ing)?(?:\s+(?:mistake|error|typo)s?)?\b"
    r"|\b(?:slip|lapse|misstep)s?\s+(?:by|of|on the part of)\s+(?:the\s+|an?\s+|our\s+)?[\w-]+", re.I)
#: "inadvertently deleted ..., causing the outage": an accident by a person, presented as the cause.
_ACCIDENTAL = re.compile(r"\b(?:accidentally|inadvertently|unintentionally|unknowingly)\b", re.I)
_NOT_A_CAUSE = re.compile(r"\b(?:not|never|n't)\b[^.;]{0,30}\bcause", re.I)
_CAUSE_CUES = re.compile(
    r"\b(?:due to|because|caus|root[- ]?cause|results? (?:of|from)|resulted (?:of|from)|attribut|blam|fault"
    r"|responsib|led to|leads? to|trigger|reason|stem(?:s|med)|boil(?:s|ed)? down|c[ao]mes? down|contribut"
    r"|culprit|origin|part of the problem|(?:error|mistake)s? (?:was|were) made)", re.I)
_CAUSE_LABEL = re.compile(r"^\W*(?:(?:root|primary|main|proximate)\s+)?(?:cause|reason|why)\s*:", re.I)
_COPULA_BEFORE = re.compile(r"\b(?:is|was|were|are|be|been)\s+(?:\w+\s+){0,2}$", re.I)
_RULED_OUT = frozenset({"not", "n't", "never", "no", "rather", "instead", "beyond", "avoid", "stop", "reject",
                        "myth", "without", "nor"})


def _slip_by_a_person(sentence: Sentence, span) -> bool:
    """"a slip by the release manager": the words after "by/of" must name a person."""
    return any(t.dep_ == "pobj" and sentence.people.refers_to_person(t) for t in span.root.subtree)


def find_human_error(sentence: Sentence) -> Iterator[Hit]:
    text = sentence.text
    if _NOT_A_CAUSE.search(text):
        return  # "human error is never a root cause"
    yield from _accidents(sentence)
    for match in _HUMAN_ERROR.finditer(text):
        span = sentence.doc.char_span(match.start(), match.end(), alignment_mode="expand")
        if span is None:
            continue
        term = match.group(0)
        slip = term.lower().startswith(("slip", "lapse", "misstep"))
        if slip and not _slip_by_a_person(sentence, span):
            continue
        before = text[: match.start()]
        fragment = span.root.dep_ == "ROOT" and not before.strip()  # "Human error when setting the flag."
        if not (fragment or slip or term.lower().startswith("fat") or _CAUSE_CUES.search(text)
                or _CAUSE_LABEL.search(text) or _COPULA_BEFORE.search(before)):
            continue
        if any(t.lower_ in _RULED_OUT or t.lemma_.lower() in _RULED_OUT
               for t in sentence.doc[max(0, span.start - 6): span.start]):
            continue
        after = [t for t in span.root.subtree if t.i >= span.end] + [
            t for c in span.root.head.children if c.i >= span.end and c.dep_ in ("advcl", "prep", "acl")
            for t in c.subtree]
        words = [t for t in sorted(set(after), key=lambda t: t.i) if t.lower_ not in ("while", "when")]
        context = span_text(words).rstrip(" .")
        if not words or words[0].tag_ != "VBG" or len(words) > 12:
            context = ""  # only "... while resizing the volume" names the work in a few words
        suggestion = (f"Name the conditions instead: what made {context} error-prone "
                      "(tools, defaults, missing checks, time pressure)?" if context and not slip else
                      "Name the conditions that made the action possible and likely instead: "
                      "which tool, default or missing check let it cause the failure?")
        yield Hit(match.start(), match.end(), f"'{term}' is given as a cause; it ends the inquiry where it "
                  "should start", suggestion)


def _has_consequence(sentence: Sentence) -> bool:
    """A cause cue, or a clause of consequence: "..., which de-energized the pumps", "..., leaving the port open"."""
    if _CAUSE_CUES.search(sentence.text) or "outage" in sentence.text.lower():
        return True
    return any((t.lower_ == "which" and t.dep_ == "nsubj" and t.head.dep_ == "relcl")
               or (t.tag_ == "VBG" and t.dep_ == "advcl" and t.i > 0 and t.doc[t.i - 1].text == ",")
               for t in sentence.doc)


def _accidents(sentence: Sentence) -> Iterator[Hit]:
    text = sentence.text
    if not _has_consequence(sentence):
        return
    for match in _ACCIDENTAL.finditer(text):
        token = _judged_token(sentence, *match.span())
        if token is None or token.head.pos_ not in ("VERB", "AUX"):
            continue
        subject = subject_of(token.head)
        if not sentence.people.refers_to_person(subject) or subject.dep_ == "nsubjpass" or is_negated(token.head):
            continue
        kept = [t for t in sentence.doc if t.i != token.i]
        yield Hit(match.start(), match.end(), f"'{match.group(0)}' presents a slip by {noun_phrase(subject)} as "
                  "the cause", f"{capitalise(span_text(kept))} What made that step easy to take by accident?")


# -- blame/fault-word --------------------------------------------------------------------------

_FAULT_TRIGGER = re.compile(
    r"(?:'s|s'|\bmade|\bmake|\bmakes|\bmaking)\s+(?:an?\s+|the\s+)?(?:[\w-]+\s+)?(?:error|mistake|blunder)"
    r"|\b(?:error|mistake|blunder|typo)s?\s+(?:made\s+)?(?:by|of|from|on the part of)\b|\bfault|\bblam|\bculprit"
    r"|\b(?:our|my|his|her|their)\s+(?:own\s+)?(?:error|mistake|blunder)s?\b"
    r"|\bresponsible for|\b(?:is|was|are|were|'s)\s+(?:all\s+|entirely\s+|squarely\s+)?on\s+"
    r"(?:me|him|her|them|us|you|the\s+(?:[\w-]+\s+){0,2}[\w-]+|[A-Z][a-z]+)\s*(?:[.;,!]|$)", re.I)
_INCIDENT_WORDS = frozenset("""
    outage incident failure this that it mistake error problem issue downtime breakage regression
    one bug leak loss disruption
""".split())
_MISTAKE_WORDS = frozenset({"mistake", "error", "blunder", "misstep", "screwup", "fault", "typo", "slip"})


def _people_in(token: "Token", sentence: Sentence) -> "Token | None":
    """A person named in a phrase: the token itself or its possessor."""
    if sentence.people.refers_to_person(token):
        return token
    for child in token.children:
        if child.dep_ == "poss" and sentence.people.refers_to_person(child):
            return child
    return None


def _negative_person(token: "Token | None") -> bool:
    return token is not None and (token.lower_ in ("nobody", "none", "neither", "noone")
                                  or (token.lower_ in ("one", "anyone", "anybody")
                                      and any(c.lower_ in ("no", "not") for c in token.children)))


def _fault_target(token: "Token", sentence: Sentence) -> "Token | None":
    """The person a fault word points at, or None."""
    lemma = token.lemma_.lower()
    people = sentence.people
    for child in token.children:
        if child.dep_ == "poss" and people.refers_to_person(child):
            return child  # "Sara's fault", "the operator's mistake"
        if child.dep_ == "prep" and child.lower_ in ("of", "by", "from", "with", "on"):
            for pobj in child.children:
                if pobj.dep_ == "pobj" and people.refers_to_person(pobj):
                    return pobj  # "fault of the team", "a mistake by the on-call"
        if child.dep_ in ("appos", "acl") and people.refers_to_person(child):
            return child  # "Fault: the QA engineer who ..."
        if child.dep_ == "acl" and child.lemma_ == "make":
            agent = next((p for c in child.children if c.dep_ == "agent" for p in c.children if p.dep_ == "pobj"), None)
            if people.refers_to_person(agent):
                return agent  # "a typo made by one of our engineers"
    if lemma == "blame":
        if token.pos_ == "VERB":
            for child in token.children:
                if child.dep_ in ("dobj", "obj") and people.refers_to_person(child):
                    return child  # "we blame the vendor's engineer"
                if child.dep_ == "prep" and child.lower_ == "on":
                    return next((p for p in child.children if people.refers_to_person(p)), None)
            subject = subject_of(token)
            if token.dep_ == "xcomp" and people.refers_to_person(subject):
                return subject  # "the team is to blame"
            if any(c.dep_ == "nsubjpass" for c in token.children) and people.refers_to_person(subject):
                return subject  # "the operator was blamed"
        if token.pos_ == "NOUN" and token.head.lemma_ in ("lie", "fall", "rest"):
            for prep in token.head.children:
                if prep.dep_ == "prep":
                    found = next((p for p in prep.children if people.refers_to_person(p)), None)
                    if found is not None:
                        return found  # "the blame lies with the DBA"
    if lemma in _MISTAKE_WORDS and token.dep_ in ("dobj", "obj") and token.head.lemma_ == "make":
        subject = subject_of(token.head)
        if people.refers_to_person(subject) and subject.lower_ not in ("we", "i", "us"):
            return subject  # "the operator made a mistake"
    if lemma == "fault" and token.dep_ == "pobj" and token.head.lower_ == "at":
        subject = subject_of(token.head.head)
        if people.refers_to_person(subject):
            return subject  # "the on-call was at fault"
    if lemma == "culprit":
        verb = token.head if token.dep_ in ("nsubj", "attr") else None
        if verb is not None:
            other = next((c for c in verb.children if c.i != token.i and c.dep_ in ("attr", "nsubj")), None)
            if other is not None and people.refers_to_person(other):
                return other
    return None


def _target_of_on(token: "Token", sentence: Sentence) -> "Token | None":
    """"This outage is on the storage team": the copula's "on" points at people."""
    if token.lower_ != "on" or token.dep_ != "prep" or token.head.lemma_ != "be":
        return None
    subject = subject_of(token.head)
    if subject is None or subject.lemma_.lower() not in _INCIDENT_WORDS:
        return None
    return next((p for p in token.children if p.dep_ == "pobj" and sentence.people.refers_to_person(p)), None)


def _target_of_responsible(token: "Token", sentence: Sentence) -> "Token | None":
    """"The platform team was responsible for the outage" (not for the service)."""
    if token.lower_ != "responsible" or token.dep_ not in ("acomp", "amod"):
        return None
    for prep in token.children:
        if prep.lower_ == "for" and any(p.lemma_.lower() in _INCIDENT_WORDS for p in prep.children):
            subject = subject_of(token.head) if token.dep_ == "acomp" else token.head
            return subject if sentence.people.refers_to_person(subject) else None
    return None


def find_fault_words(sentence: Sentence) -> Iterator[Hit]:
    for token in sentence.doc:
        target = (_fault_target(token, sentence) if token.lemma_.lower() in _MISTAKE_WORDS | {"blame", "culprit"}
                  else _target_of_on(token, sentence) or _target_of_responsible(token, sentence))
        if target is None or _negative_person(target) or any(is_negated(t) for t in (token, token.head, token.head.head)):
            continue
        yield Hit(token.idx, token.idx + len(token.text), f"'{token.text}' assigns fault to {noun_phrase(target)}",
                  f"Say what {noun_phrase(target, subject=True)} knew and did at the time, and which conditions "
                  "made the outcome possible, instead of where the fault lies.")


RULES = (
    Rule(
        id="blame/judgmental-word",
        severity="error",
        summary=("Judgmental words and idioms about people: careless, negligent, lax, inexcusable, 'dropped the "
                 "ball', 'took our eye off the ball', 'we messed this one up'."),
        advice=("Judging a person ends the inquiry and teaches the next author to hide details. "
                "Describe what they did, what they saw, and what made it look right at the time."),
        trigger=re.compile(rf"\b(?:{_JUDGMENTAL})\b|{_PERSON_VERBS.pattern}", re.I),
        find=find_judgmental_words,
        keywords=("lack of", "inexcusab", "unforgivab", "indefensib", "unjustifiab", "justification", "laxity", "laxness", "complacen",
                  "eye off", "eyes off", "our bad", "my bad", "culpa", "known better", "let ", "failed ",
                  "careless", "negligen", "slopp", "lazy", "lazi", "reckless", "incompeten", "irresponsib", "inattenti", "stupid", "dumb", "foolish", "idiotic", "clueless", "thoughtless", "heedless", "unprofessional", "boneheaded", "slapdash", "blunder", "screw", "goof", "rookie", "mistake", "error", "slip", "cowboy", "discipline", "judg", "diligen", "care", "attenti", "rigo", "professionalism", "ball", "asleep", "corners", "thinking", "vigilant", "thorough", "mess", "botch", "fumbl", "blew"),
        needs_person=False,
        fails=("The deployment broke because the engineer was careless with the rollout percentage.",
               "Jordan messed up the firewall rules.",
               "The on-call engineer dropped the ball on the capacity alert.",
               "We took our eye off the ball during the migration."),
        passes=("We enabled lazy loading for the product images.",
                "The config change messed up the routing table.",
                "The operator was not careless: the two clusters had the same name in the console.",
                "We have to be more careful about the scale of those workflows."),
    ),
    Rule(
        id="blame/human-error",
        severity="error",
        summary=("Human error given as the cause, in any words: 'operator error', 'pilot error', 'a fat-finger "
                 "mistake', 'a slip by the release manager', a person who 'inadvertently' did what caused it."),
        advice=("'Human error' is where an investigation starts, not where it ends: ask which tools, defaults, "
                "pressures and missing checks made the action possible and likely."),
        trigger=re.compile(f"{_HUMAN_ERROR.pattern}|{_ACCIDENTAL.pattern}", re.I),
        find=find_human_error,
        keywords=("error", "mistake", "failure", "fault", "slip", "lapse", "misunderstanding", "oversight", "misstep",
                  "finger", "accidental", "inadvertent", "unintentional", "unknowing"),
        needs_person=False,
        fails=("The failure was due to human error.",
               "Root cause: operator error while resizing the volume.",
               "An engineer inadvertently deleted the production table, causing the outage."),
        passes=("We stopped writing human error as a root cause years ago, not because it is rude.",
                "The API returns a user error (HTTP 400) when the date is malformed.",
                "The proxy accidentally forwarded the internal headers, causing the leak."),
    ),
    Rule(
        id="blame/fault-word",
        severity="error",
        summary="Fault and blame aimed at people or teams: 'X's fault', 'a mistake by', 'to blame', 'is on the team'.",
        advice=("Assigning fault to a person or team explains nothing about why the system let the outcome "
                "happen. Say what they knew and did, and which conditions made the outcome possible."),
        trigger=_FAULT_TRIGGER,
        find=find_fault_words,
        keywords=("error", "mistake", "blunder", "typo", "fault", "blam", "culprit", "responsible", " on"),
        fails=("This outage is on the storage team.",
               "It was a mistake by the new on-call engineer.",
               "We blame the vendor's support engineer for the bad advice.",
               "That one is on us."),
        passes=("Nobody was at fault; the retry policy amplified a small blip.",
                "The page fault rate doubled after the kernel upgrade.",
                "The payments team is responsible for the checkout service.",
                "The crew was not at fault; the altimeter read 400 feet high."),
    ),
)
