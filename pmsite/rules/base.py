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
    pilot copilot co-pilot captain crew crewmember aviator officer controller dispatcher nurse doctor
    physician surgeon clinician pharmacist paramedic driver motorist trucker conductor engineman signalman
    mechanic machinist electrician fitter welder inspector supervisor foreman worker workman personnel
    clerk trainee apprentice company management leadership user
""".split())
#: Role nouns that also name software ("the Kubernetes operator", "the package manager"):
#: people only without a modifier or with one of ``HUMAN_MODIFIERS``.
AMBIGUOUS_ROLES = frozenset({"operator", "manager", "owner", "lead", "admin", "member", "hire", "controller",
                             "driver", "conductor", "supervisor", "worker", "inspector"})
#: Of ``AMBIGUOUS_ROLES``, those that name software more often than people: a person only with a
#: human modifier ("the air traffic controller") or among ``HUMAN_DOMAIN_CUES``.
MOSTLY_SOFTWARE_ROLES = frozenset({"controller", "driver", "conductor", "supervisor", "worker", "inspector"})
HUMAN_MODIFIERS = frozenset("""
    release incident engineering product project program delivery change escalation duty shift
    on-call oncall human database network security team tech technical senior junior new
    experienced service system cluster site air traffic approach tower ground area center centre
    flight first second safety maintenance night day relief chief head line field plant station
    train bus truck truck ambulance delivery charge ward floor unit rail yard control room
""".split())
#: Words that place a sentence among people at work outside software (cockpits, wards, railways,
#: plants): there "the controller" or "the driver" is a person, not a program.
HUMAN_DOMAIN_CUES = frozenset("""
    aircraft airplane airliner flight approach runway altitude cockpit clearance tower atc radar
    advisory pilot crew patient ward dose medication train locomotive signal vehicle road
    passenger pump valve shift handover radio dispatcher
""".split())
PERSON_PRONOUNS = frozenset("""
    i me we us you he him she her they them someone somebody anyone anybody everyone everybody
    nobody whoever my our his your
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
#: A cause listed without its subject ("Did not disable the pipeline", "Not considering the scope"):
#: the missing subject is the people who acted.
_SUBJECTLESS = re.compile(r"\W*(?:not|did not|didn't|never)\s+[a-z]+", re.I)
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
        if _word_pattern(self.nouns | PERSON_PRONOUNS | {"no one"}).search(text) or _SUBJECTLESS.match(text):
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
            if lower in ("they", "them"):
                return resolve_they(token, self)
            if lower in ("we", "us"):
                return not describes_code(token)
            return True
        if lower == "one" and any(child.lower_ == "no" for child in token.children):
            return True
        if token.pos_ in ("NUM", "PRON", "DET", "ADJ", "NOUN") and lower in _PARTITIVES:
            part_of = next((p for c in token.children if c.dep_ == "prep" and c.lower_ == "of"
                            for p in c.children if p.dep_ == "pobj"), None)
            if part_of is not None:
                return self.is_person(part_of)  # "one of our engineers", "two of the crew"
        if lower == "who" and token.dep_ in ("nsubj", "nsubjpass") and token.head.dep_ == "relcl":
            return self.is_person(token.head.head)
        if lemma in self.nouns or lower in self.nouns:
            if token.dep_ == "compound" or token.pos_ not in ("NOUN", "PROPN"):
                return False  # "the pilot project", "crew scheduling": a modifier, not a person
            if lower == "lead" and token.i + 1 < len(token.doc) and token.doc[token.i + 1].lower_ == "to":
                return False  # "the change lead to an outage": a typo for "led", not a team lead
            if lemma in AMBIGUOUS_ROLES or lower in AMBIGUOUS_ROLES:
                modifiers = [c.lower_ for c in token.children if c.dep_ in ("compound", "nmod")]
                if not all(m in HUMAN_MODIFIERS for m in modifiers):
                    return False
                if lemma in MOSTLY_SOFTWARE_ROLES and not modifiers:
                    return any(t.lower_ in HUMAN_DOMAIN_CUES or t.lemma_.lower() in HUMAN_DOMAIN_CUES
                               for t in token.doc)
                return True
            return True
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


_PARTITIVES = frozenset("one two three some many several each all none most few both either neither any".split())
#: Verbs whose subject is a person whenever it is a name: "If Ana had read the alert".
HUMAN_VERBS = frozenset("""
    read ask decide think forget neglect bother notice realize realise escalate acknowledge approve
    review say tell write feel believe assume hesitate choose agree answer reply page call
    know realize realise anticipate foresee understand
""".split())


def _acts_like_a_person(token: "Token") -> bool:
    """A name the model did not tag: a person when it does what only people do, or is "she" later."""
    verbs = [token.head, *(c for c in token.head.children if c.dep_ == "xcomp")]  # "Kofi ought to have known"
    if token.dep_ in ("nsubj", "nsubjpass") and any(v.lemma_.lower() in HUMAN_VERBS for v in verbs):
        return True
    return token.text[:1].isupper() and not token.text.isupper() and any(
        t.lower_ in ("he", "she", "his", "her", "him") for t in token.doc[token.i + 1:])


def resolve_they(token: "Token", people: People) -> bool:
    """Is "they" a group of people? Resolved against the paragraph, nearest plural first.

    The heuristic (no coreference model installs here): walk back through the
    sentence, then the earlier sentences of its paragraph (``Doc.user_data
    ["previous"]``, parsed only when a rule asks), and take the nearest plural
    noun ("the pods", "the warnings", "the engineers") or pair of conjoined
    nouns; preferring subjects, whose referent a following "they" usually
    continues. Number agreement picks the candidates and animacy (the people
    nouns) decides. With no plural noun in reach "they" stays a person.
    """
    candidates = [t for t in token.doc[: token.i] if _plural_noun(t)]
    if candidates:
        return people.is_person(candidates[-1])
    earlier = token.doc.user_data.get("previous")
    for doc in (earlier() if callable(earlier) else ()):
        plurals = [t for t in doc if _plural_noun(t)]
        if plurals:
            subjects = [t for t in plurals if t.dep_ in ("nsubj", "nsubjpass")]
            return people.is_person((subjects or plurals)[-1])
    return True


def _plural_noun(token: "Token") -> bool:
    if token.pos_ not in ("NOUN", "PROPN") or token.dep_ == "compound":
        return False
    return token.tag_ in ("NNS", "NNPS") or (token.dep_ in ("nsubj", "nsubjpass") and bool(token.conjuncts))


#: What code does, written with "we" as its subject: "we were not escaping the delimiter".
CODE_VERBS = frozenset("""
    escape unescape serialize deserialize encode decode parse return emit retry cache buffer truncate
    sanitize sanitise hash compress allocate spawn throttle handle quote validate normalize normalise
    close leak swallow drop batch flush index query fetch request send
""".split())


def describes_code(token: "Token") -> bool:
    """"We" as the program: a code verb, or the past progressive that narrates what code kept doing."""
    verb = token.head
    if token.dep_ not in ("nsubj", "nsubjpass") or verb.pos_ not in ("VERB", "AUX"):
        return False
    if verb.lemma_.lower() in CODE_VERBS:
        return True
    progressive = verb.tag_ == "VBG" and any(c.lower_ in ("was", "were") for c in verb.children if c.dep_ == "aux")
    thing = next((c for c in verb.children if c.dep_ in ("dobj", "obj")), None)
    return progressive and thing is not None and thing.pos_ in ("NOUN", "PROPN")


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
    #: None for narrative prose; for an action item its ``kind`` ("systemic", "mitigation", or "").
    action: str | None = None

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
    #: "prose": every sentence; "actions": only action items (front-matter titles, action-item sections);
    #: "items": only the titles of front-matter action items (where their ``kind`` is known).
    scope: str = "prose"

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
        if verb.dep_ == "pcomp" and verb.head.dep_ == "prep" and verb.head.head.pos_ in ("VERB", "AUX"):
            verb = verb.head.head  # "deviated from the procedure by failing to level off"
            seen += 1
        elif verb.dep_ in ("xcomp", "conj", "ccomp", "advcl") and verb.head.i != verb.i:
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


def negation_of(token: "Token") -> "Token | None":
    """The word that negates a verb: "did *not* follow", "*never* bothered".

    Also "*never* load-tested", where the parser hangs "never" on "load", the
    first half of a hyphenated verb.
    """
    doc = token.doc
    for child in token.children:
        if child.dep_ == "neg" or child.lower_ in ("never", "not", "n't"):
            return child
        if child.i + 2 == token.i and doc[child.i + 1].text == "-":
            found = negation_of(child)
            if found is not None:
                return found
    return None


def is_negated(token: "Token") -> bool:
    """"did not follow", "never bothered": a negation attached to the word or its auxiliaries."""
    return negation_of(token) is not None


def modal_have(verb: "Token") -> str | None:
    """For "should have escalated" return "should" (also could/ought/must/might/would)."""
    auxes = [child for child in verb.children if child.dep_ in ("aux", "auxpass") and child.i < verb.i]
    if not any(aux.lemma_ == "have" or aux.lower_ == "'ve" for aux in auxes):
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


_SUBJECT_CASE = {"me": "I", "us": "we", "him": "he", "her": "she", "them": "they", "my": "I", "our": "we",
                 "his": "he", "your": "you", "whom": "who"}
_OBJECT_CASE = {"i": "me", "we": "us", "he": "him", "she": "her", "they": "them", "my": "me", "our": "us",
                "his": "him", "your": "you", "who": "whom"}


def noun_phrase(token: "Token", subject: bool = False) -> str:
    """A short name for a person: "the QA engineer" from "the QA engineer who signed off".

    A pronoun takes the case of the place the rewrite puts it in: ``subject=True``
    for "what *we* knew", the object case otherwise ("makes *us* the cause").
    """
    tokens = [t for t in token.subtree if t.i <= token.i and not (t.dep_ == "advmod" and t.head.i == token.i)]
    while len(tokens) > 1 and tokens[0].lower_ in ("only", "just", "even", "also"):
        tokens = tokens[1:]  # "if only someone had checked": the person is "someone"
    if token.lower_ in ("anyone", "anybody", "everyone", "everybody"):
        return "the people involved"  # the imagined ideal is not who a rewrite asks about
    if token.lower_ in _PARTITIVES and any(c.dep_ == "prep" and c.lower_ == "of" for c in token.children):
        return _mid_sentence(token, span_text(token.subtree))  # "one of our engineers"
    if tokens and tokens[-1].i != token.i:
        tokens.append(token)
    text = _mid_sentence(token, span_text(tokens))
    cases = _SUBJECT_CASE if subject else _OBJECT_CASE
    return cases.get(text.lower(), "I" if text == "I" and subject else text)


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


def infinitive(verb: "Token") -> str:
    """The bare verb with what follows it, for "to ..." in a rewrite: "escalate sooner", "scale down the pool".

    Rewrites put it after "What made it hard to": the root stays "made", so the
    question parses as a sentence however long the copied phrase is.
    """
    lemma = verb.lemma_.lower() if verb.lemma_.lower() not in ("forgot", "forgotten") else "forget"
    return f"{lemma} {verb_phrase(verb)}".strip().rstrip(".,;:")


def capitalise(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text
