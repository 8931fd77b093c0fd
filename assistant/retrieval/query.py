"""Understanding a question: which poses it names, what it asks about them, in the articles' words.

A pose the question names is handled by focusing on that pose's passages, so the text that
ranks them is the question without the pose's name (its *topic*); colloquial words are
bridged to the words articles use (data/expansions.yaml). ``clean_question`` turns what
was typed into text fit to read, or says why not. Pure: needs only the pose lexicon.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from operator import attrgetter

import yaml
from cachetools import LRUCache, cachedmethod

from assistant.errors import QuestionError
from assistant.language.intent import ANSWERED_BY, Intent, understand
from assistant.language.poses import Lexicon, edit_distance
from assistant.language.text import stems, tokenize, words
from assistant.records import Spoken

#: words for "a pose": in every article, so they rank nothing (left out of the BM25 query)
POSE_WORDS = frozenset(tokenize("yoga pose poses posture postures asana asanas"))
#: words every question here could use; they say nothing about whether the articles answer it
DOMAIN = POSE_WORDS | frozenset(tokenize("stretch stretching exercise practice practise class mat mats"))
#: question words that say nothing about the topic
GENERIC = frozenset(
    tokenize(
        "pose poses yoga asana posture do doing how what which why when where should can could would "
        "much many long good bad best better way ways thing things get make tell know need want like "
        "feel feeling help also just really about ok okay please thanks anyone someone use used using one ones "
        "whats hows whos wheres whens whys thats its im ive youre dont doesnt cant wont isnt far often"
    )
)


#: texts whose reading is kept: the latest questions, which come back as the next ones' history
READINGS = 4096
#: an elliptical follow-up: "and for pyramid pose?", "what about the reclined one?"
_ELLIPTICAL = re.compile(r"^(?:and|what about|how about|same for|and for|and in|and with|or)\b", re.IGNORECASE)
#: the question points back at what was discussed
_POINTS_BACK = re.compile(r"\b(?:it|that|this|there|those|them|these|the same)\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Query:
    """What the retriever understood of the question."""

    question: str
    named: tuple[str, ...]  # poses the question names
    carried: tuple[str, ...]  # poses of the conversation, when the question names none
    tokens: tuple[str, ...]  # BM25 query (question words twice, bridged words once)
    topic: str = ""  # the question without the pose's name, for ranking passages about the pose
    intent: Intent = field(default_factory=lambda: Intent("general", ()))
    context: str = ""  # in a follow-up, what the earlier question asked (its topic)
    unknown: tuple[str, ...] = ()  # pose names the lexicon does not know ("Gate Pose")
    variant: tuple[str, ...] = ()  # words that tell a named variant from its base pose ("reclining")

    @property
    def poses(self) -> tuple[str, ...]:
        return self.named or self.carried


@dataclass(frozen=True, slots=True)
class Reading:
    """One text (a question, or an earlier one of the chat) read once: the poses it names, its
    topic (the text without their names), its words with the names blanked, what it asks, and
    pose names the lexicon lacks."""

    named: tuple[str, ...]
    topic: str
    blanked: str
    intent: Intent
    unknown: tuple[str, ...]


#: words that say what kind of thing is asked (hold, avoid, easier, ...), not what it is about
ASKING = frozenset(
    tokenize(
        "hold long stay breath breathe breathing inhale exhale avoid safe dangerous contraindication caution "
        "benefit help easier easy modify modification prop props deeper deepen advanced intense variation version "
        "steps step instructions start begin first position hurt pain ache sore injury mean name called different "
        "difference compare better worse stretch muscles work tips come out get into normal ok okay right wrong"
    )
)


@lru_cache(maxsize=1)
def expansions() -> tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]:
    """(trigger phrase, words to add) pairs from data/expansions.yaml, all stemmed. Triggers keep
    their function words, so "why should" does not fire on every "should"."""
    data = yaml.safe_load(resources.files("assistant").joinpath("data/expansions.yaml").read_text("utf-8"))
    rules = []
    for entry in data["expansions"]:
        add = tuple(t for phrase in entry["add"] for t in tokenize(str(phrase)) if t not in GENERIC | DOMAIN)
        for phrase in entry["when"]:
            trigger = tuple(stems(str(phrase)))
            if trigger:
                rules.append((trigger, add))
    return tuple(rules)


def bridge(text: str) -> list[str]:
    """Words the articles use for what ``text`` says ('feet hurt' -> towel, padding, ...)."""
    tokens = stems(text)
    present = set(tokens)
    added: list[str] = []
    for trigger, add in expansions():
        n = len(trigger)
        if trigger[0] not in present:  # most rules: no need to look for the phrase
            continue
        if any(tuple(tokens[i : i + n]) == trigger for i in range(len(tokens) - n + 1)):
            added.extend(t for t in add if t not in added)
    return added


def key_words(topic: str) -> set[str]:
    """The words of ``topic`` that say what is asked (not how, not which pose)."""
    return {w for w in tokenize(topic) if w not in GENERIC and w not in DOMAIN and not w.isdigit()}


def follows_on(question: str, topic: str) -> bool:
    """A question that continues the one before it: it points back ("how long do I hold it?"),
    is elliptical ("and for pyramid pose?"), or asks nothing of its own ("how many breaths?")."""
    return bool(_POINTS_BACK.search(question) or _ELLIPTICAL.match(question)) or not key_words(topic) - ASKING


class QueryReader:
    """Reads questions against one pose lexicon. ``bridges`` and ``strip_names`` exist to
    measure what each adds (eval/ablation.py)."""

    def __init__(
        self,
        lexicon: Lexicon,
        covered: Sequence[str] = (),
        *,
        bridges: bool = True,
        strip_names: bool = True,
        known: Callable[[str], bool] = lambda word: False,
    ) -> None:
        self.lexicon = lexicon
        self.bridges = bridges
        self.strip_names = strip_names
        #: one-word names of the poses the articles teach ("is bridge easier than wheel?")
        self.heads = lexicon.head_words(covered)
        #: the longer words of taught poses' names, for a misspelled one alone ("piramid"); a word
        #: the articles themselves use ("hamstrings") is no misspelling
        self.known = known
        self.loose = {
            w: p
            for p in covered
            if p in lexicon.poses
            for name in (lexicon.poses[p].english, *lexicon.poses[p].aliases)
            for w in words(name.replace("-", " "))
            if len(w) >= 6 and w not in {"pose", "poses", "stretch"}
        }
        self._readings: LRUCache[str, Reading] = LRUCache(READINGS)
        self._lock = threading.Lock()

    def read(
        self,
        question: str,
        named: tuple[str, ...],
        topic: str,
        carried: tuple[str, ...],
        history: Sequence[str] = (),
    ) -> Query:
        """The query for ``question`` whose poses and topic are ``named`` and ``topic`` (see
        :meth:`topic`), with ``carried`` the poses of the conversation."""
        reading = self.reading(question)
        blanked, intent = reading.blanked, reading.intent
        if intent.kind == "definition" and named and not key_words(intent.term.replace("pose", "")):
            intent = Intent("naming", ANSWERED_BY["naming"], intent.medical)  # "what is parsvottanasana?"
        context = ""
        names = {w for p in named for w in words(self._label(p))}
        own = key_words(topic) - names  # what this turn asks about, beyond which pose
        earlier = next((t for t in reversed(history) if key_words(self.reading(t).topic)), "")
        if earlier:
            earlier_topic = self.reading(earlier).topic
            elliptical = not own or bool(_ELLIPTICAL.match(question))
            if not own:  # "and for the pyramid one?" asks the earlier question again, about this pose
                topic = earlier_topic if named else f"{topic} {earlier_topic}"
            if elliptical and not intent.specific:
                intent = self.reading(earlier).intent
            if not named or _POINTS_BACK.search(blanked):
                context = earlier_topic
        ranked = [w for w in tokenize(topic) if w not in POSE_WORDS]
        tokens = tuple(ranked * 2) + (tuple(bridge(topic)) if self.bridges else ())
        variant = tuple(w for p in named for w in self._variant_words(p))
        return Query(question, named, carried, tokens, topic, intent, context, reading.unknown, variant)

    def _misspelled(self, word: str) -> str:
        """The taught pose one of whose longer name words ``word`` is, with one typo."""
        if len(word) < 6 or word in self.loose or self.known(word):
            return ""
        close = {p for w, p in self.loose.items() if abs(len(w) - len(word)) <= 1 and edit_distance(word, w, 1) <= 1}
        return close.pop() if len(close) == 1 else ""

    def _label(self, pose_id: str) -> str:
        return " ".join(self.lexicon.names(pose_id)) or pose_id

    def _variant_word(self, pose_id: str, word: str) -> bool:
        """A word of a variant's name that its base pose's name lacks ('reclining' of Reclining Hero):
        the focus covers the whole family, so this word is what tells the variant's passages apart."""
        pose = self.lexicon.poses.get(pose_id)
        base = self.lexicon.poses.get(pose.variant_of) if pose and pose.variant_of else None
        if base is None:
            return False
        return word not in set(words(" ".join(self.lexicon.names(base.id)))) | {"pose", "poses"}

    def topic(self, text: str) -> tuple[tuple[str, ...], str]:
        """The poses ``text`` names, and ``text`` without their names: a pose is handled by the
        focus on its passages, which are then ranked by what is asked about it."""
        reading = self.reading(text)
        return reading.named, reading.topic

    @cachedmethod(attrgetter("_readings"), lock=attrgetter("_lock"))
    def reading(self, text: str) -> Reading:
        """``text`` read once (kept for the chat's next questions, which read it again as history)."""
        spoken = self.lexicon.spoken(text)
        named, topic = self._topic(spoken)
        blanked = self.lexicon.blank(spoken)
        return Reading(named, topic, blanked, understand(blanked), self.lexicon.unknown_names(spoken))

    def _topic(self, spoken: Spoken) -> tuple[tuple[str, ...], str]:
        mentions = spoken.mentions
        all_words = spoken.words
        spoken_at = {i for m in mentions for i in range(m.first, m.last)}
        heads = [(i, self.heads[w]) for i, w in enumerate(all_words) if w in self.heads and i not in spoken_at]
        if not mentions and not heads:  # a taught pose's name with one typo ("how long do I hold piramid?")
            heads = [(i, p) for i, w in enumerate(all_words) if (p := self._misspelled(w))]
        named = tuple(dict.fromkeys(p for _, p in sorted([(m.first, m.pose) for m in mentions] + heads)))
        in_name = {i for m in mentions for i in range(m.first, m.last) if not self._variant_word(m.pose, all_words[i])}
        in_name |= {i for i, _ in heads}
        topic = [w for i, w in enumerate(all_words) if i not in in_name] if self.strip_names else all_words
        if self.strip_names:  # a variant's other names' own words ('supta' asked, 'reclining' written)
            topic += [w for p in named for w in self._variant_words(p) if w not in topic]
        return named, " ".join(topic if tokenize(" ".join(topic)) else all_words)

    def _variant_words(self, pose_id: str) -> list[str]:
        """The words of a variant's names that its base pose's names lack."""
        pose = self.lexicon.poses.get(pose_id)
        if pose is None or not pose.variant_of:
            return []
        names = words(" ".join(self.lexicon.names(pose_id)).replace("-", " "))
        return [w for w in dict.fromkeys(names) if self._variant_word(pose_id, w) and tokenize(w)]


#: control and invisible formatting characters, which no question needs
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def clean_question(text: object, *, max_chars: int) -> str:
    """The question as plain text, or ``QuestionError`` with what to do instead."""
    if not isinstance(text, str):
        raise QuestionError("the question must be text")
    text = text.encode("utf-8", "replace").decode("utf-8")  # lone surrogates become '?'
    text = unicodedata.normalize("NFC", _CONTROL.sub(" ", text))
    text = " ".join(text.split())
    if not text:
        raise QuestionError("the question is empty; type a question about a pose, e.g. 'how long do I hold hero pose?'")
    if len(text) > max_chars:
        raise QuestionError(f"the question is {len(text):,} characters; please keep it under {max_chars:,}")
    if not any(c.isalnum() for c in text):
        raise QuestionError("the question has no words; ask in words, e.g. 'what if my knees hurt in hero pose?'")
    return text
