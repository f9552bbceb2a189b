"""Hindsight: knowledge of the outcome projected back onto the people in the incident."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Iterator

from pmsite.rules.base import (
    NEGATIVE_PEOPLE, Hit, Rule, Sentence, capitalise, clean_phrase, infinitive, is_instruction, is_negated, modal_have,
    noun_phrase,
    object_of, span_text, subject_of, verb_phrase, words,
)

if TYPE_CHECKING:
    from spacy.tokens import Token

#: Verbs of knowing and perceiving: "should have known/noticed" is hindsight, not a missed action.
KNOW_VERBS = frozenset("""
    know realize realise notice see spot catch recognize recognise anticipate foresee expect understand
    predict suspect guess figure detect identify sense
""".split())


# -- hindsight/should-have-known ---------------------------------------------------------------

def find_should_have_known(sentence: Sentence) -> Iterator[Hit]:
    if sentence.is_question or is_instruction(sentence.doc):
        return
    for verb in sentence.doc:
        if verb.lemma_.lower() not in KNOW_VERBS or verb.pos_ not in ("VERB", "AUX"):
            continue
        modal = modal_have(verb)
        if modal not in ("should", "must", "ought", "could"):
            continue
        subject = subject_of(verb)
        if subject is None or subject.dep_ == "nsubjpass" or not sentence.people.refers_to_person(subject):
            continue
        if subject.lower_ in NEGATIVE_PEOPLE or (modal == "could" and is_negated(verb)):
            continue  # "nobody could have known", "they could not have seen": the blameless reading
        start = min(t.idx for t in verb.children if t.dep_ in ("aux",) and t.i < verb.i)
        who = noun_phrase(subject, subject=True)
        thing = object_of(verb)
        if any(c.dep_ == "ccomp" for c in verb.children):
            known = verb_phrase(verb).rstrip(".")
            if not known.lower().startswith(("that", "what", "how", "why", "whether")):
                known = f"that {known}"
            suggestion = f"What did {who} know at the time, and what would have shown {known}?"
        elif thing is not None:
            suggestion = (f"What did {who} see at the time, and what would have made "
                          f"{clean_phrase(thing, sentence.people)} stand out?")
        else:
            suggestion = f"What did {who} know at the time, and what would have shown them more?"
        yield Hit(start, verb.idx + len(verb.text),
                  f"'{sentence.text[start:verb.idx + len(verb.text)]}' judges {noun_phrase(subject)} with knowledge of the outcome",
                  suggestion)


# -- hindsight/obviousness ---------------------------------------------------------------------

_OBVIOUS = (r"obvious(?:ly)?|clearly|evident(?:ly)?|self-evident|plain to see|no-brainer|glaring(?:ly)?"
            r"|blatant(?:ly)?|(?:was|were|is|been) clear (?:that|from)|should have been clear")
_OBVIOUS_RE = re.compile(rf"\b(?:{_OBVIOUS})\b", re.I)
_RULED_OUT = frozenset({"not", "n't", "never", "no", "non", "hardly", "less", "nothing", "anything", "far", "un"})


def _obviousness_negated(token: "Token") -> bool:
    previous = [t.lower_ for t in token.doc[max(0, token.i - 3): token.i]]
    return (is_negated(token) or is_negated(token.head) or any(w in _RULED_OUT for w in previous)
            or token.lower_.startswith(("non", "un")))


#: Verbs through which a signal *shows* something: "the logs clearly showed" means shown by.
_SHOWING_VERBS = frozenset("""
    show indicate reveal display demonstrate point confirm state record capture mark highlight suggest
""".split())
_HEDGES = frozenset({"seem", "look", "appear", "sound", "become"})


def _about_the_time(token: "Token") -> bool:
    """Hindsight only when the outcome is framed as knowable to people *at the time*.

    The governing verb decides: a present tense ("it is clear that the captain
    was at the controls", "obviously we need more tests") is the author's view
    now; a hedge ("the fix seemed obvious", "looks obvious in retrospect") says
    the author knows it is hindsight; "once/when it was clear" dates the moment
    it became known; a signal that "clearly showed" something, or a thing
    "evident in the heap profiles", means shown by.
    """
    verb = token.head if token.dep_ in ("acomp", "attr", "advmod", "oprd") else token
    while verb.dep_ in ("xcomp", "ccomp") and verb.head.lemma_.lower() in _HEDGES | {"be"} and verb.head.i != verb.i:
        verb = verb.head
    if verb.lemma_.lower() in _HEDGES:
        return False
    dated = ("once", "when", "after", "until", "as", "because")
    if any(c.dep_ == "mark" and c.lower_ in dated for c in verb.children) or any(
            c.dep_ == "advcl" and any(m.dep_ in ("mark", "advmod") and m.lower_ in dated for m in c.children)
            for c in verb.children):
        return False  # "once it was clear", "the fix was obvious once we saw the stack trace"
    if any(c.dep_ == "prep" and (c.lower_ == "after" or (c.lower_ in ("by", "at", "until") and any(
            p.like_num or p.ent_type_ in ("TIME", "DATE") for p in c.subtree))) for c in verb.children):
        return False  # "after the last All Hands it was clear", "by 14:30 it was clear": the moment it was known
    if verb.lemma_.lower() in _SHOWING_VERBS:
        return False
    for word in token.doc[token.i + 1:]:
        following = token.doc[word.i + 1] if word.i + 1 < len(token.doc) else None
        if word.lower_ == "so" and following is not None and following.lower_ in ("we", "i", "they", "the"):
            return False  # "it was clear the database was the bottleneck, so we scaled it": reasoning at the time
    auxes = [c for c in verb.children if c.dep_ in ("aux", "auxpass")]
    tense_bearer = auxes[0] if auxes else verb
    framed = any(t.lower_ in ("hindsight", "retrospect") for t in token.doc) and any(
        c.dep_ in ("nsubj", "expl") and c.lower_ == "it" for c in verb.children)
    if (tense_bearer.tag_ in ("VBZ", "VBP") or tense_bearer.lower_ in ("will", "can", "may")) and not framed:
        return False  # the author's view now, unless "in hindsight, it's obvious that ..." says otherwise
    if token.dep_ in ("acomp", "attr") and token.lower_ != "clearly":
        subject = subject_of(verb)
        shown_in = any(c.dep_ == "prep" and c.lower_ in ("in", "on", "from") and not any(
            p.lower_ in ("hindsight", "retrospect") for p in c.children) for c in [*token.children, *verb.children])
        if shown_in and subject is not None and subject.lower_ not in ("it", "this", "that"):
            return False  # "the leak was evident in Tuesday's heap profiles"
    return True


def _clearly_counts(token: "Token") -> bool:
    """"Clearly, ..." and "the logs clearly showed" are hindsight; "clearly label the alert" is not."""
    if token.lower_ != "clearly":
        return True
    head = token.head
    if all(t.is_punct or t.pos_ == "CCONJ" for t in token.doc[: token.i]):
        return head.tag_ != "VB" or token.nbor(1).is_punct  # "Clearly label ..." is an instruction
    return head.pos_ == "ADJ" or (head.tag_ in ("VBD", "VBN", "VBZ", "VBP") and subject_of(head) is not None)


def _obviousness_rewrite(sentence: Sentence, token: "Token") -> str:
    people = sentence.people
    if token.pos_ == "ADV":
        kept = [t for t in sentence.doc if t.i != token.i and not (t.i == token.i + 1 and t.text == ",")]
        return f"{capitalise(span_text(kept))} What made this hard to see at the time?"
    head = token.head if token.dep_ in ("acomp", "attr") else token
    clause = next((c for c in head.children if c.dep_ in ("ccomp", "advcl")), None)
    if clause is None:  # "that the token had expired" is sometimes parsed under the "from" phrase
        clause = next((t for t in head.subtree if t.dep_ in ("ccomp", "relcl") and t.i > token.i), None)
    source = next((p for c in head.children if c.lower_ == "from" for p in c.children if p.dep_ == "pobj"), None)
    if clause is not None:
        that = span_text(t for t in clause.subtree if t.lower_ != "that" or t.i != clause.left_edge.i)
        that = that.rstrip(".")
        if source is not None:
            return f"{capitalise(clean_phrase(source, people))} showed that {that}; what made that hard to see at the time?"
        return f"What made it hard to see that {that} at the time?"
    subject = subject_of(head)
    if subject is not None and subject.lower_ not in ("it", "this", "that"):
        return f"What made {clean_phrase(subject, people)} hard to see or easy to dismiss at the time?"
    return f"Drop '{token.text}': say what was visible at the time and what made it hard to see."


def find_obviousness(sentence: Sentence) -> Iterator[Hit]:
    for match in _OBVIOUS_RE.finditer(sentence.text):
        span = sentence.doc.char_span(match.start(), match.end(), alignment_mode="expand")
        if span is None:
            continue
        token = next((t for t in span if t.lower_ not in ("was", "were", "is", "been", "should", "have", "that",
                                                           "from")), span.root)
        if _obviousness_negated(token) or not _clearly_counts(token) or not _about_the_time(token):
            continue
        yield Hit(match.start(), match.end(),
                  f"'{match.group(0)}' is hindsight: it was not obvious to the people in the incident",
                  _obviousness_rewrite(sentence, token))


# -- hindsight/idealized-actor -----------------------------------------------------------------

_IDEAL_ADJECTIVES = frozenset("""
    careful competent experienced good diligent attentive reasonable seasoned senior skilled sensible
    responsible thorough decent proper qualified trained capable smart alert
""".split())
_EVERYONE = frozenset({"anyone", "anybody", "everyone", "everybody"})


def _idealized(subject: "Token", sentence: Sentence) -> bool:
    if subject.lower_ in _EVERYONE:
        return True
    if not sentence.people.is_person(subject):
        return False
    determiners = {c.lower_ for c in subject.children if c.dep_ == "det"}
    adjectives = {c.lower_ for c in subject.children if c.dep_ == "amod"}
    return bool(determiners & {"any", "every"}) or bool(determiners & {"a", "an"} and adjectives & _IDEAL_ADJECTIVES)


def find_idealized_actor(sentence: Sentence) -> Iterator[Hit]:
    for verb in sentence.doc:
        if verb.pos_ not in ("VERB", "AUX") or verb.dep_ == "aux":
            continue
        would = next((c for c in verb.children if c.lower_ in ("would", "'d", "wouldn't") and c.i < verb.i), None)
        if would is None:
            continue
        subject = subject_of(verb)
        if subject is None or not _idealized(subject, sentence):
            continue
        start = subject.left_edge.idx
        yield Hit(start, verb.idx + len(verb.text),
                  f"'{sentence.text[start:verb.idx + len(verb.text)]}' measures people against an imagined "
                  "ideal who knew the outcome",
                  f"What did the people involved see at the time, and what made it hard to {infinitive(verb)}?")


# -- hindsight/simply-had-to -------------------------------------------------------------------

_SIMPLY = re.compile(
    r"\ball\b(?:(?!\ball\b)[^.;:]){0,40}?\b(?:had|needed|have|need|has|needs)\s+to\s+do\b"
    r"|\b(?:simply|just|only|merely)\s+(?:had|needed|need|has|have|needs)\s+to\b"
    r"|\b(?:was|is)\s+(?:just|simply|only)\s+a\s+matter\s+of\b", re.I)


def find_simply_had_to(sentence: Sentence) -> Iterator[Hit]:
    for match in _SIMPLY.finditer(sentence.text):
        span = sentence.doc.char_span(match.start(), match.end(), alignment_mode="expand")
        if span is None:
            continue
        need = next((t for t in span if t.lemma_ in ("have", "need") and t.dep_ != "aux"), None) or \
            next((t for t in span if t.lemma_ in ("have", "need")), span.root)
        subject = subject_of(need)
        if not match.group(0).lower().startswith("all") and not sentence.people.refers_to_person(subject):
            continue
        if match.group(0).lower().startswith("all") and not sentence.people.mentioned(match.group(0)):
            continue
        step = next((t for t in sentence.doc[span.end:] if t.pos_ == "VERB"), None)
        need_to = f"the need to {infinitive(step)}" if step is not None else "the step"
        yield Hit(match.start(), match.end(),
                  f"'{match.group(0)}' makes the response look simple; it only looks that way afterwards",
                  f"What made {need_to} less clear at the time than it is now?")


RULES = (
    Rule(
        id="hindsight/should-have-known",
        severity="warning",
        summary="'Should have known', 'must have seen', 'ought to have noticed' about a person.",
        advice=("Nobody in the incident knew the outcome you know now. Ask what they knew at the time "
                "and what would have shown them more."),
        trigger=words(r"(?:should|must|ought|could)(?:n't| not)?(?: to)?(?: \w+)?(?: have|'ve| 've)\b"),
        find=find_should_have_known,
        keywords=("should", "could", "must", "ought"),
        fails=("The engineer should have known the flag was shared across tenants.",
               "The responders ought to have noticed the latency trend earlier."),
        passes=("Nobody could have known that the flag was shared across tenants.",
                "The canary should have caught the regression, but it ran before peak traffic."),
    ),
    Rule(
        id="hindsight/obviousness",
        severity="warning",
        summary="'Obvious', 'clearly', 'evident', 'it was clear that' about what people faced.",
        advice=("Calling a signal obvious hides why it was not obvious to the people in the incident; "
                "that difference is the lesson. Say what was visible and what made it hard to see."),
        trigger=_OBVIOUS_RE,
        find=find_obviousness,
        keywords=("obvious", "clear", "evident", "plain to see", "no-brainer", "glaring", "blatant"),
        needs_person=False,
        fails=("It was obvious from the logs that the token had expired.",
               "In retrospect it was obvious that the cron job overlapped."),
        passes=("The cause was not obvious: the dashboard merged pool wait with query time.",
                "Clearly label informational alerts so they are not mistaken for pages.",
                "The leak was evident in Tuesday's heap profiles.",
                "The dashboard clearly shows the spike at 14:02."),
    ),
    Rule(
        id="hindsight/idealized-actor",
        severity="warning",
        summary="'Anyone would have seen', 'a careful reviewer would have spotted', 'any experienced engineer would have'.",
        advice=("An imagined ideal person who knew what you know now explains nothing about the real people "
                "and conditions. Describe what the people involved saw and what made the right move hard."),
        trigger=words(r"(?:any|every)(?:one|body)?\b|(?:a|an) \w+ \w+ (?:would|'d)"),
        find=find_idealized_actor,
        keywords=("would", "'d "),
        fails=("A careful reviewer would have spotted the infinite loop.",
               "Any experienced engineer would have rolled back right away."),
        passes=("A retry with backoff would have absorbed the spike.",
                "Anyone can page the incident commander from the chat bot."),
    ),
    Rule(
        id="hindsight/simply-had-to",
        severity="warning",
        summary="'All they had to do was', 'simply needed to', 'just had to' about people.",
        advice=("The step looks simple only once you know it was the right one. Describe what the people "
                "involved faced and what made the step less clear at the time."),
        trigger=_SIMPLY,
        find=find_simply_had_to,
        keywords=(" to do", "simply", "just", "only", "merely", "matter of"),
        fails=("All the on-call had to do was scale the consumer group.",
               "The responder simply needed to restart the consumer."),
        passes=("The service simply needed to restart to pick up the new certificate.",
                "All alerts had to do was page the secondary."),
    ),
)
