"""What each sentence of an article is for: steps, hold time, props, cautions, ... or not an answer.

Two signals, combined by a small classifier:

- **cue words** (below): general English and yoga wording for each role ("hold ... for N
  breaths", "avoid", "inhale", "subscribe"), never one article's phrasing;
- **the sentence's meaning**: its vector from the embedding model.

The classifier is one logistic regression per role over [cues, heading, vector], trained at
build time on the example sentences in data/roles.yaml (embedded by the same model), so it
works with any embedding model. Headings, questions and lines that say nothing about a pose
are ``none``: never quoted. docs/answers.md has the measurements behind each choice.

Pure: the vectors come in as arrays; nothing here loads a model or reads the index.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import yaml

from assistant.language.vocabulary import CAUTIONS, HEADING_WORDS, HOUSEHOLD, PROPS

ROLES = ("steps", "hold", "easier", "deeper", "benefits", "cautions", "breathing", "why", "naming", "none")
NONE = "none"
#: a role is given when the classifier's probability reaches this (chosen with eval/roles.py)
THRESHOLD = 0.3
#: roles whose cue words alone are enough (their cues are precise: eval/roles.py)
TRUSTED_CUES = frozenset({"steps", "hold"})
#: words that give a role on their own however the rest reads ("avoid", "on an exhale")
DECISIVE = {
    "cautions": re.compile(
        rf"\b(?:{CAUTIONS}|"
        r"skip (?:it|this|the)|(?:those|people|anyone|anybody) with\b[^.]{0,40}\b(?:should|must|need))\b",
        re.IGNORECASE,
    ),
    "breathing": re.compile(
        r"^(?:\w+,? )?(?:inhale|exhale|breathe)\b|\b(?:on|with) (?:an?|the|your|each) (?:inhale|exhale)\b",
        re.IGNORECASE,
    ),
}
#: web furniture and class logistics: never an answer, whatever else the sentence says
FURNITURE = re.compile(
    r"\b(?:subscribe|newsletter|affiliate links?|comments? (?:below|section)|leave a (?:reply|comment)|"
    r"all rights reserved|cookie (?:policy|settings)|privacy policy|follow (?:me|us|her|him) on|"
    rf"(?:make sure|have|keep|grab|get) (?:your |a |some )?(?:{PROPS}|mats?)"
    r"(?: and (?:a |your )?\w+)?(?: \w+)? (?:nearby|handy|ready|within reach|close by)|"
    rf"grab (?:a|your|some) (?:{PROPS}|mats?)|"
    r"(?:look at|see|watch) (?:the|this) (?:picture|image|photo|diagram|illustration|video)|pictured (?:above|below)|"
    r"shown (?:above|below)|(?:click|tap) (?:here|below)|shop (?:our|my|the|now)|buy (?:now|here|it here)|"
    r"discount code|use (?:the )?code|hi,? (?:i['’]?m|my name is|everyone|everybody|guys)|welcome (?:back|to)|"
    r"i just showed you|thanks? (?:you )?for (?:watching|reading|coming|joining))\b|©",
    re.IGNORECASE,
)
#: part of the classifier's fingerprint, with this file's own bytes (see ``fingerprint``)
VERSION = 1

_NUMBER = r"(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|twelve|fifteen|twenty|thirty|sixty|a few|several)"
_ACTIONS = (
    "begin|start|stand|sit|kneel|lie|lay|place|put|bring|step|move|press|push|lift|lower|raise|reach|extend|"
    "straighten|bend|fold|turn|rotate|draw|keep|let|relax|rest|walk|shift|tuck|spread|tense|stretch|allow|"
    "make sure|release|seal|ground|gaze|look|roll|interlace|hug|slide|come|hinge|square|pull|flex|sink|"
    "cross|bounce|repeat|follow|imagine|feel|grasp|clasp|hold|drop|root|open|engage|squeeze|point|check|go|take|use|try|"
    "lean|sweep|swing|float|hover|soften|lengthen|widen|tilt|tip|rock|settle|melt|stack|align|line up|tuck|lie"
)
#: spoken openers before an instruction: "So, now you're going to ...", "Let's ..."
_LEAD = r"^(?:(?:so|now|then|and|okay|ok|alright|next|first|finally|slowly|gently|once|initially)[,]?\s+)*"
_WHO = (
    r"(?:you(?:['’]re| are)? (?:going to|gonna|want to|will|should|can|need to) |"
    r"we(?:['’]re| are)? going to |let['’]?s |we['’]ll |i['’]m going to )?"
)

CUES: dict[str, tuple[str, ...]] = {
    "steps": (
        _LEAD + _WHO + rf"(?:{_ACTIONS})\b",
        _LEAD + r"(?:to (?:come out|release|exit|get out)|from (?:a|an|the) \w+ (?:position|pose|stance)|"
        r"from (?:all fours|(?:a |an |the )?(?:kneeling|standing|seated|sitting|lying|tabletop|plank)\b))",
        rf"^if\b[^,.]{{0,60}},\s*(?:then\s+)?(?:{_ACTIONS})\b",
        r"^(?:so,? |now,? )?what you['’]re (?:going to|gonna) do is\b",
        r"^(?:on|with) (?:an?|each|the|your) (?:next )?(?:inhal\w*|exhal\w*)\b",
        r"\b(?:should be placed|is placed|are placed|faces? forward|is extended|are raised|stays? (?:straight|bent))\b",
        r"^(?:your|the) \w+(?: \w+)? (?:should|must) ",
        r"^(?:wrists|hands|feet|knees|hips|shoulders|heels|toes|arms|legs) (?:under|over|together|apart|on)\b",
        # a reference entry's third person: "The practitioner sits sideways ...", "the arms are raised"
        r"^(?:the |one )?(?:practitioner|student|yogi|person|one)\b[^.]{0,30}\b(?:sits?|stands?|kneels?|lies|"
        r"places?|lowers?|raises?|swings?|bends?|steps?|extends?|rests?|holds?)\b",
        r"\b(?:is|are) (?:raised|extended|placed|lowered|bent|kept|straightened|stacked|turned|lifted)\b",
    ),
    "hold": (
        rf"\b(?:hold|stay|remain|keep|rest)\w*\b[^.]{{0,60}}\b{_NUMBER}\b[^.]{{0,20}}\b(?:seconds?|minutes?|breaths?|counts?|times?)\b",
        r"\b(?:\d+\s*(?:-|to|–)\s*)?\d+\s*(?:seconds?|minutes?|mins?|breaths?)\b",
        rf"\b{_NUMBER}(?: to {_NUMBER})? (?:seconds?|minutes?|breaths?)\b",
        r"\b(?:hold|stay)\w* (?:in )?(?:it|this|the pose|the position|there|here)? ?(?:for )?as long as\b",
    ),
    "easier": (
        rf"\b(?:{PROPS}|{HOUSEHOLD}|book|padding|pad\w*|support\w*)\b",
        r"\b(?:modif\w+|beginners?|easier|gentler|instead|alternative)\b",
        r"\bif (?:you|your)\b[^.]*\b(?:can['’]?t|cannot|don['’]?t|doesn['’]?t|too|not able|unable|new|tight|stiff|"
        r"sensitive|uncomfortable)\b",
        r"\b(?:bend your knees|keep (?:your|the) knees? bent|shorten your (?:stance|stride))\b",
    ),
    "deeper": (
        r"\b(?:deepen\w*|deeper|intensif\w*|intensity|intense|advanced|more challeng\w*|challenge|further|"
        r"full expression|more demanding|harder|recline|reclining|reclined)\b",
        r"\bas you (?:get|become) more flexible\b",
        r"\b(?:there is a|a|another) variation\b",
    ),
    "benefits": (
        r"(?<!^)(?<!you )(?<!to )\b(?:stretch(?:es)? (?:the|your|out the)|deep stretch)\b",
        r"\b(?:benefit\w*|improv\w*|strengthen\w*|opens? (?:the|your|up)|opening|relie\w+|calm\w*|therapeutic|"
        r"good for|great (?:pose |stretch )?for|loosen\w*|tones?|lengthen\w*|energi\w*|stress|digest\w*|circulation|"
        r"flexib\w+|reduc\w+|works the|builds?)\b",
        r"\bhelp(?:s|ing)? (?:to )?(?:\w+ )?(?:lower|reduce|improve|relieve|ease|release|allay|strengthen)\b",
    ),
    "cautions": (
        r"\b(?:(?:those|people|anyone|anybody) with|if you (?:have|are|feel|suffer)|"
        r"if (?:it|this) (?:hurts|is painful)|important (?:to|that)|patience|instead of)\b",
        r"\b(?:avoid\w*|contraindicat\w*|cautions?|careful|never|injur\w*|hurt\w*|forc\w+|strain\w*|"
        r"not (?:advised|recommended)|skip|glaucoma|back (?:off|out)|stop|risk\w*|dangerous|unsafe|don['’]?t push|"
        r"push (?:yourself|it) (?:to|too) hard|listen to your body|pinch\w*|difficult for|challenging pose for|"
        r"immediately|right away)\b",
    ),
    "breathing": (r"\b(?:breath\w*|breathe|breathing|inhal\w*|exhal\w*|ujjayi)\b",),
    "why": (
        r"\b(?:because|reason|in order to|muscles?|flexors?|pelvi\w+|spine|spinal|vertebra\w*|tendons?|ligaments?|"
        r"joints?|anatom\w*|lumbar|attach\w*|pressure|tilt|gravity|traction|quadriceps|hamstrings?|glute\w*|psoas|"
        r"so that|which means|that way|matters)\b",
    ),
    "naming": (
        r"\b(?:sanskrit|means|meaning|translat\w*|called|known as|names?|comes? from|the word|in english|"
        r"preparatory pose|follow-up pose|counter ?pose|resembles?)\b",
        r"^(?:[A-Z]\w+(?: [A-Z]\w+)*|this|it)(?: pose)?(?: \([^)]*\))?(?:,? or [^,]+,)? is (?:a|an|the|one of)\b"
        r"[^.]*\b(?:pose|posture|asana|stretch|bend|backbend|twist|inversion|balance)\b",
    ),
    "none": (
        r"\b(?:subscribe|newsletter|comments?|affiliate|commission|click|download|share this|"
        r"follow (?:me|us|her|him)|instagram|facebook|youtube|twitter|pinterest|tiktok|channel|video|article|blog|"
        r"this post|the post|©|copyright|"
        r"rights reserved|cookies?|privacy|e-?mail|updated|posted|about the author|related posts?|read more|welcome|"
        r"thanks for|thank you for|hi,? i['’]?m|i['’]?m going to show|just showed|i hope this helps|message me|"
        r"my (?:cat|dog|husband|wife|kids|family)|shop|schedules?|prices?|certified|lives in|hobbies|series|part \d)\b",
    ),
}
_COMPILED = {role: tuple(re.compile(p, re.IGNORECASE) for p in patterns) for role, patterns in CUES.items()}


def cues(text: str) -> tuple[bool, ...]:
    """Per role (in ROLES order): does the sentence use that role's cue words?"""
    return tuple(any(p.search(text) for p in _COMPILED[role]) for role in ROLES)


#: the article talking about itself: "Let's talk about what it does.", "Here is how I teach it."
_DISCOURSE = re.compile(
    r"^(?:so,? |now,? |ok(?:ay)?,? )?(?:let['’]?s|let me) (?:talk|look|dive|get started|chat|think)"
    r"(?: about| at| into| on)?\b"
    r"|^(?:so,? |now,? |ok(?:ay)?,? )?here(?:['’]s| is) (?:how|what|why|the thing|my)\b"
    r"|\bgoing to do (?:it|this|that) (?:correctly|properly|right|together)\b",
    re.IGNORECASE,
)
#: an author's biography: "Sarah is STOTT certified in ...", "She lives in Portland with ..."
_BIO = re.compile(
    r"\b(?:e-?ryt|ryt-?\d*|(?:is|am) (?:a |an )?(?:[\w-]+ ){0,2}(?:certified|registered|licensed)|certified in|"
    r"has (?:studied|taught|worked|been teaching)|lives in|"
    r"(?:with|and) (?:her|his|their|my) (?:family|husband|wife|partner|kids|children|dog|cat|cats|dogs)|"
    r"when (?:she|he|they)(?:['’]s| is| are)? not)\b"
)
_BYLINE = re.compile(r"^(?:By|Written by|Author:) (?:Dr\.? )?[A-Z][a-z]+ [A-Z]")
#: a question restated in the text: "It hurts my knees.", "People often ask me whether ..."
_RESTATED = re.compile(
    r"\b(?:people|students|you|readers|clients|many of you|some of you) (?:often |always |sometimes |keep )?"
    r"ask(?:ed|ing)? (?:me )?(?:whether|if|how|why|what|about)\b|\bi (?:often |always )?(?:get|hear) asked\b",
    re.IGNORECASE,
)
_FIRST_PERSON = re.compile(r"\b(?:i|i['’]m|i['’]ve|my|me)\b", re.IGNORECASE)
_SECOND_PERSON = re.compile(r"\b(?:you|your|yourself)\b", re.IGNORECASE)


def not_an_answer(text: str) -> bool:
    """Web furniture, class logistics, an author's biography or byline, a restated question, the
    article talking about itself, or a short first-person line that speaks to no one ("It hurts
    my knees.", "I used to."): never quoted, whatever else it says."""
    if FURNITURE.search(text) or _RESTATED.search(text) or _DISCOURSE.search(text) or _BYLINE.match(text):
        return True
    if _BIO.search(text.lower()):
        return True
    return len(text.split()) < 8 and bool(_FIRST_PERSON.search(text)) and not _SECOND_PERSON.search(text)


def is_heading(text: str) -> bool:
    """A heading, a label or a question: under four words, a short line without an end mark, or '?'."""
    n = len(text.split())
    return n < 4 or (text[-1:] not in ".!…)\"'’”" and n <= HEADING_WORDS) or text.rstrip().endswith("?")


def features(texts: Sequence[str], vectors: np.ndarray, cued: Sequence[tuple[bool, ...]] | None = None) -> np.ndarray:
    """[cue per role, heading, vector] per sentence: what the classifier reads (``cued``: the
    sentences' :func:`cues`, when the caller has them already)."""
    cued = cued if cued is not None else [cues(t) for t in texts]
    flags = np.array([[*c, is_heading(t)] for t, c in zip(texts, cued, strict=True)], dtype=np.float32)
    return np.hstack(
        [flags.reshape(len(texts), len(ROLES) + 1), np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1)]
    )


@lru_cache(maxsize=1)
def examples() -> tuple[tuple[str, str], ...]:
    """(role, sentence) pairs from data/roles.yaml."""
    data = yaml.safe_load(resources.files("assistant").joinpath("data/roles.yaml").read_text("utf-8"))
    return tuple((role, str(text)) for role in ROLES for text in data["roles"].get(role, ()))


def fingerprint(model: Sequence[float]) -> str:
    """Identifies the classifier: this module's code (cue words, features, decisions), its
    examples and the embedding model's fingerprint. A build retags every sentence when it changes."""
    h = hashlib.sha256(Path(__file__).read_bytes())
    h.update(f"{VERSION}|{examples()}".encode())
    h.update(np.asarray(model, dtype=np.float32).round(4).tobytes())
    return h.hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class RoleModel:
    """One logistic regression per role (weights: features + 1 bias row, by role)."""

    weights: np.ndarray

    @classmethod
    def train(cls, texts: Sequence[str], labels: Sequence[str], vectors: np.ndarray) -> RoleModel:
        """Fit on example sentences with one role each: full-batch gradient descent from zero,
        so the same examples and vectors always give the same model."""
        x = _with_bias(features(texts, vectors))
        y = np.array([[label == role for role in ROLES] for label in labels], dtype=np.float32)
        w = np.zeros((x.shape[1], len(ROLES)), dtype=np.float32)
        for _ in range(3000):
            p = 1.0 / (1.0 + np.exp(-(x @ w)))
            w -= 0.5 * (x.T @ (p - y) / len(x) + 0.01 * w)
        return cls(w)

    def probabilities(
        self, texts: Sequence[str], vectors: np.ndarray, cued: Sequence[tuple[bool, ...]] | None = None
    ) -> np.ndarray:
        if not len(texts):
            return np.zeros((0, len(ROLES)), dtype=np.float32)
        return 1.0 / (1.0 + np.exp(-(_with_bias(features(texts, vectors, cued)) @ self.weights)))

    def classify(self, texts: Sequence[str], vectors: np.ndarray) -> list[tuple[str, ...]]:
        """The roles of each sentence: ``none`` for headings, questions and web furniture; else
        every role at or above THRESHOLD, and the roles its trusted cue words name; else ``none``
        if that is likely; else no role at all (a sentence the classifier cannot place: it may
        still answer a question by what it says, but is never picked for its role)."""
        out: list[tuple[str, ...]] = []
        flags = [cues(t) for t in texts]  # the cue words are read once, for the features and the trusted cues
        for text, flag, p in zip(texts, flags, self.probabilities(texts, vectors, flags), strict=True):
            cued = {role for role, on in zip(ROLES, flag, strict=True) if on and role in TRUSTED_CUES}
            cued |= {role for role, pattern in DECISIVE.items() if pattern.search(text)}
            found = tuple(role for role, q in zip(ROLES[:-1], p[:-1], strict=True) if q >= THRESHOLD or role in cued)
            if is_heading(text) or not_an_answer(text) or (not found and p[-1] >= THRESHOLD):
                out.append((NONE,))
            else:
                out.append(found)
        return out


def _with_bias(x: np.ndarray) -> np.ndarray:
    return np.hstack([x, np.ones((len(x), 1), dtype=np.float32)])
