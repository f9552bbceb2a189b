"""What a lint rule is, and the grammar helpers the rules share.

A rule sees one sentence (a spaCy ``Doc``) and the ``People`` of its file, and
returns ``Hit`` spans as character offsets into the sentence; it knows nothing
about files, lines or output formats (``pmsite.lint`` maps the offsets).
Before any parse, each rule's ``trigger`` regex (and, for rules about a person,
``People.mentioned``) decides whether a sentence is worth parsing at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Callable, Iterable

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

#: Words for people and groups of people, as lemmas (lowercase). ``lint.person_nouns`` adds more.
ROLE_NOUNS = frozenset("""
    engineer developer dev programmer coder operator sre dba admin administrator sysadmin
    on-call oncall on-caller responder commander reviewer approver author committer maintainer
    contributor assignee owner team squad crew staff staffer employee colleague coworker teammate
    person people human individual intern contractor consultant analyst tester architect lead
    manager member newcomer newbie hire technician ops devops specialist expert qa
""".split())
#: Role nouns that also name software ("the Kubernetes operator", "the package manager"):
#: people only without a modifier or with one of ``HUMAN_MODIFIERS``.
AMBIGUOUS_ROLES = frozenset({"operator", "manager", "owner", "lead", "admin", "member", "hire"})
HUMAN_MODIFIERS = frozenset("""
    release incident engineering product project program delivery change escalation duty shift
    on-call oncall human database network security team tech technical senior junior new
    experienced service system cluster site
""".split())
PERSON_PRONOUNS = frozenset("""
    i me we us you he him she her they them someone somebody anyone anybody everyone everybody
    nobody whoever
""".split())
NEGATIVE_PEOPLE = frozenset({"nobody", "none", "neither"})
#: Software that small English models often take for a person's name.
KNOWN_SYSTEMS = frozenset("""
    kafka prometheus jenkins terraform ansible flux argo envoy consul vault nomad redis cassandra
    grafana kibana traefik nginx istio linkerd celery sidekiq django rails heroku jira slack
    pagerduty opsgenie datadog sentry travis kubernetes docker helm elasticsearch logstash fluentd
    loki jaeger zookeeper airflow puppet chef hadoop spark postgres mysql mongo karpenter velero
    calico cilium coredns kiam kube2iam keda hikaricp pgbouncer
""".split())
#: Capitalised words that start ordinary sentences; any other capitalised word may be a name.
_SENTENCE_STARTERS = frozenset("""
    the a an this that these those it its our their his her my your after before during when while
    once then since as at on in by for from to of with without because but and or so if although
    though each every all no some most many both several there here what which who how why where
    we they he she i you however also later finally first next until around about over under
    between within root fault error alerts alert one two three four five six seven eight nine ten
""".split())
_CAPITALISED = re.compile(r"\b[A-Z][a-z]+(?:[A-Z][a-z]+)?\b")


@lru_cache(maxsize=32)
def _word_pattern(words: frozenset[str]) -> re.Pattern:
    alternatives = "|".join(re.escape(word).replace(r"\-", "[- ]?")
                            for word in sorted(words, key=len, reverse=True))
    return re.compile(rf"\b(?:{alternatives})(?:e?s)?\b", re.I)


@dataclass(frozen=True)
class People:
    """Who counts as a person in one file: role nouns, pronouns, names; minus known systems."""

    nouns: frozenset[str] = ROLE_NOUNS
    names: frozenset[str] = frozenset()
    systems: frozenset[str] = KNOWN_SYSTEMS
    #: Words the file writes in lowercase: a capitalised one of them at a sentence start is no name.
    common_words: frozenset[str] = frozenset()

    def mentioned(self, text: str) -> bool:
        """Cheap test before parsing: could this sentence be about a person at all?"""
        if _word_pattern(self.nouns | PERSON_PRONOUNS | {"no one"}).search(text):
            return True
        for match in _CAPITALISED.finditer(text):
            word = match.group(0).lower()
            if word in _SENTENCE_STARTERS or word in self.systems:
                continue
            if match.start() == 0 and word in self.common_words:
                continue  # "Latency rose ...": a common word the file also writes in lowercase
            return True
        return bool(self.names) and any(word in self.names for word in re.findall(r"[\w-]+", text.lower()))

    def is_person(self, token: "Token") -> bool:
        """Does this noun phrase head (or pronoun) refer to a person or a team of people?"""
        lower, lemma = token.lower_, token.lemma_.lower()
        if lower in self.systems or lemma in self.systems:
            return False
        if lower in PERSON_PRONOUNS or lemma in PERSON_PRONOUNS:
            return lower not in ("they", "them") or not _plural_thing_before(token, self)
        if lower == "one" and any(child.lower_ == "no" for child in token.children):
            return True
        if lower == "who" and token.dep_ in ("nsubj", "nsubjpass") and token.head.dep_ == "relcl":
            return self.is_person(token.head.head)
        if lemma in self.nouns or lower in self.nouns:
            if lemma in AMBIGUOUS_ROLES or lower in AMBIGUOUS_ROLES:
                modifiers = [c.lower_ for c in token.children if c.dep_ in ("compound", "nmod")]
                return all(m in HUMAN_MODIFIERS for m in modifiers)
            return token.pos_ in ("NOUN", "PROPN")
        if lower in self.names:
            return True
        if token.pos_ != "PROPN" or token.ent_type_ not in ("PERSON", ""):
            return False
        return token.ent_type_ == "PERSON" or _acts_like_a_person(token)

    def refers_to_person(self, token: "Token | None") -> bool:
        """Like ``is_person``, also true when any conjunct is a person ("Ana and the bot")."""
        if token is None:
            return False
        return self.is_person(token) or any(self.is_person(c) for c in token.conjuncts)


#: Verbs whose subject is a person whenever it is a name: "If Ana had read the alert".
HUMAN_VERBS = frozenset("""
    read ask decide think forget neglect bother notice realize realise escalate acknowledge approve
    review say tell write feel believe assume hesitate choose agree answer reply page call
""".split())


def _acts_like_a_person(token: "Token") -> bool:
    """A name the model did not tag: a person when it does what only people do, or is "she" later."""
    if token.dep_ in ("nsubj", "nsubjpass") and token.head.lemma_.lower() in HUMAN_VERBS:
        return True
    return token.text[:1].isupper() and not token.text.isupper() and any(
        t.lower_ in ("he", "she", "his", "her", "him") for t in token.doc[token.i + 1:])


def _plural_thing_before(token: "Token", people: People) -> bool:
    """"The pods restarted but they failed": "they" likely means the pods."""
    for previous in reversed(token.doc[: token.i]):
        if previous.pos_ in ("NOUN", "PROPN") and previous.tag_ in ("NNS", "NNPS"):
            return not people.is_person(previous)
    return False


@dataclass(frozen=True)
class Hit:
    """One match of a rule, as character offsets into the sentence."""

    start: int
    end: int
    #: What is wrong here, naming the words ("'careless' judges the engineer").
    message: str
    #: A rewrite built from the sentence itself.
    suggestion: str


@dataclass(frozen=True)
class Sentence:
    """What a rule sees: the parsed sentence and who counts as a person in its file."""

    doc: "Doc"
    people: People

    @property
    def text(self) -> str:
        return self.doc.text

    @property
    def is_question(self) -> bool:
        return self.doc.text.rstrip().endswith("?")


@dataclass(frozen=True)
class Rule:
    """A lint rule: data plus a ``find`` function (proselint's check style)."""

    id: str
    severity: str
    #: One line: what the rule looks for.
    summary: str
    #: Why the wording hurts learning and what to write instead (shown with every finding).
    advice: str
    #: Cheap regex on the raw sentence; only sentences it matches are parsed.
    trigger: re.Pattern
    find: Callable[[Sentence], Iterable[Hit]]
    #: Lowercase substrings, one of which every trigger match contains: a plain substring
    #: search over the whole file rules out most sentences before any regex runs.
    keywords: tuple[str, ...] = ()
    #: Examples for the docs and tests: sentences that must be reported, and must not be.
    fails: tuple[str, ...] = ()
    passes: tuple[str, ...] = ()
    #: Only parse when the sentence mentions a possible person (role noun, pronoun, name).
    needs_person: bool = True

    @property
    def category(self) -> str:
        return self.id.split("/", 1)[0]

    def wants(self, text: str, mentions_person: Callable[[], bool]) -> bool:
        """Prefilter: is this sentence a candidate for this rule? (``mentions_person`` is computed once.)"""
        return bool(self.trigger.search(text)) and (not self.needs_person or mentions_person())


def words(pattern: str) -> re.Pattern:
    """A case-insensitive regex of whole words (``words("fail|forg[eo]t")``)."""
    return re.compile(rf"\b(?:{pattern})", re.I)


# -- grammar helpers ---------------------------------------------------------------------------

def subject_of(verb: "Token") -> "Token | None":
    """The subject of a verb, following "chose to ignore" (xcomp) and "was lazy and skipped" (conj)."""
    seen = 0
    while verb is not None and seen < 6:
        for child in verb.children:
            if child.dep_ in ("nsubj", "nsubjpass"):
                return child
        if verb.dep_ in ("xcomp", "conj", "ccomp", "advcl") and verb.head.i != verb.i:
            if verb.dep_ in ("ccomp", "advcl") and any(c.dep_ == "mark" for c in verb.children):
                return None
            verb = verb.head
            seen += 1
        elif verb.dep_ == "relcl":
            return verb.head
        else:
            return None
    return None


def is_instruction(doc: "Doc") -> bool:
    """An action item in the imperative ("Add a check", "Raise an incident quicker")."""
    first = next((t for t in doc if not t.is_punct and not t.is_space), None)
    return (first is not None and first.tag_ == "VB" and first.dep_ == "ROOT"
            and not any(c.dep_ in ("nsubj", "nsubjpass") for c in first.children))


def is_negated(token: "Token") -> bool:
    """"did not follow", "never bothered": a negation attached to the word or its auxiliaries."""
    return any(child.dep_ == "neg" or child.lower_ in ("never", "not", "n't") for child in token.children)


def modal_have(verb: "Token") -> str | None:
    """For "should have escalated" return "should" (also could/ought/must/might/would)."""
    auxes = [child for child in verb.children if child.dep_ in ("aux", "auxpass") and child.i < verb.i]
    if not any(aux.lemma_ == "have" for aux in auxes):
        return None
    for aux in auxes:
        if aux.lower_ in ("should", "could", "must", "might", "would", "ought", "shouldn't", "couldn't",
                          "wouldn't", "mustn't", "'d"):
            return aux.lower_.replace("n't", "")
    if verb.dep_ == "xcomp" and verb.head.lower_ == "ought":
        return "ought"
    return None


def span_text(tokens: Iterable["Token"]) -> str:
    """The text of tokens in sentence order, with their own spacing."""
    ordered = sorted(tokens, key=lambda t: t.i)
    return "".join(t.text_with_ws for t in ordered).strip()


def phrase(token: "Token") -> str:
    """The whole noun phrase (or clause) a token heads: "the warning about the deprecated endpoint"."""
    return _mid_sentence(token, span_text(token.subtree))


def noun_phrase(token: "Token") -> str:
    """A short name for a person: "the QA engineer" from "the QA engineer who signed off"."""
    tokens = [t for t in token.subtree if t.i <= token.i and not (t.dep_ == "advmod" and t.head.i == token.i)]
    if tokens and tokens[-1].i != token.i:
        tokens.append(token)
    return _mid_sentence(token, span_text(tokens))


def _mid_sentence(token: "Token", text: str) -> str:
    """"The signs" at the start of a sentence reads "the signs" inside a rewrite."""
    first = token.left_edge
    if first.i == 0 and first.pos_ in ("DET", "PRON", "ADJ", "NOUN") and first.text not in ("I",) \
            and not first.text.isupper():
        return text[:1].lower() + text[1:]
    return text


def object_of(verb: "Token") -> "Token | None":
    for child in verb.children:
        if child.dep_ in ("dobj", "obj", "attr"):
            return child
    for child in verb.children:
        if child.dep_ == "prep":
            for grandchild in child.children:
                if grandchild.dep_ == "pobj":
                    return grandchild
    return None


def clean_phrase(token: "Token", people: People) -> str:
    """A noun phrase without the possessive of a person ("Sara's merge" -> "the merge")."""
    tokens = [t for t in token.subtree]
    for t in list(tokens):
        if t.dep_ == "poss" and t.head.i == token.i and (people.is_person(t) or t.pos_ == "PROPN"):
            tokens = [x for x in tokens if x not in t.subtree and not (x.dep_ == "case" and x.head.i == t.i)]
            return "the " + span_text(tokens)
    return _mid_sentence(token, span_text(tokens))


_IRREGULAR = {
    "be": "been", "begin": "begun", "break": "broken", "bring": "brought", "build": "built", "buy": "bought",
    "catch": "caught", "choose": "chosen", "do": "done", "draw": "drawn", "drive": "driven", "eat": "eaten",
    "fall": "fallen", "feel": "felt", "find": "found", "forget": "forgotten", "foresee": "foreseen",
    "get": "got", "give": "given", "go": "gone", "have": "had", "hear": "heard", "hide": "hidden",
    "hold": "held", "keep": "kept", "know": "known", "lead": "led", "leave": "left", "lose": "lost",
    "make": "made", "mean": "meant", "meet": "met", "overlook": "overlooked", "pay": "paid",
    "read": "read", "rerun": "rerun", "ring": "rung", "run": "run", "say": "said", "see": "seen",
    "sell": "sold", "send": "sent", "set": "set", "shut": "shut", "speak": "spoken", "spend": "spent",
    "split": "split", "take": "taken", "teach": "taught", "tell": "told", "think": "thought",
    "understand": "understood", "undo": "undone", "write": "written", "put": "put", "show": "shown",
    "spot": "spotted", "stop": "stopped", "plan": "planned", "ship": "shipped", "drop": "dropped",
    "skip": "skipped", "flag": "flagged", "tag": "tagged", "log": "logged", "scan": "scanned",
    "commit": "committed", "submit": "submitted", "admit": "admitted", "omit": "omitted",
    "permit": "permitted", "refer": "referred", "prefer": "preferred", "rotate": "rotated",
}


def participle(lemma: str) -> str:
    """Past participle for the rewrites ("notice" -> "noticed", "see" -> "seen")."""
    lemma = lemma.lower()
    if lemma in _IRREGULAR:
        return _IRREGULAR[lemma]
    if lemma.endswith("e"):
        return lemma + "d"
    if re.search(r"[^aeiou]y$", lemma):
        return lemma[:-1] + "ied"
    return lemma + "ed"


def gerund(lemma: str) -> str:
    """Present participle for the rewrites ("escalate" -> "escalating", "run" -> "running")."""
    lemma = lemma.lower()
    if participle(lemma) == lemma + lemma[-1:] + "ed" or lemma in ("run", "rerun", "set", "put", "shut", "get"):
        return lemma + lemma[-1] + "ing"
    if lemma.endswith("ie"):
        return lemma[:-2] + "ying"
    if lemma.endswith("e") and not lemma.endswith(("ee", "ye", "oe")) and lemma != "be":
        return lemma[:-1] + "ing"
    return lemma + "ing"


def verb_phrase(verb: "Token", drop: Iterable["Token"] = ()) -> str:
    """A verb's complements and modifiers after it ("escalated sooner" -> "sooner")."""
    skipped = {t.i for d in drop for t in d.subtree}
    tokens = [t for child in verb.children if child.i > verb.i and child.dep_ not in ("punct", "cc", "conj")
              for t in child.subtree if t.i not in skipped]
    return span_text(tokens)


def capitalise(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text
