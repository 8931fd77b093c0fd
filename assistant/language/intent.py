"""What a question asks for: the sentence roles that answer it, and how to answer.

Questions are short and their forms are English, not an article's: "how long", "who should
avoid", "what does ... mean", "can I ... with a bad knee". A handful of patterns, tried from
the most specific to the most general, give the question's ``kind`` and the sentence roles
(assistant/roles.py) that answer it, best first. Measured on the labelled questions in
eval/intents.jsonl with ``eval/intents.py``.

Pure: text in, an ``Intent`` out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.language.vocabulary import HOUSEHOLD, PROPS

KINDS = (
    "comparison",
    "naming",
    "condition",
    "hold",
    "breathing",
    "pain",
    "deeper",
    "easier",
    "cautions",
    "benefits",
    "why",
    "steps",
    "definition",
    "general",
)
#: the sentence roles that answer each kind of question, best first
ANSWERED_BY: dict[str, tuple[str, ...]] = {
    "comparison": ("naming", "benefits"),
    "naming": ("naming",),
    "condition": ("cautions",),
    "hold": ("hold",),
    "breathing": ("breathing",),
    "pain": ("easier", "cautions"),
    "deeper": ("deeper",),
    "easier": ("easier",),
    "cautions": ("cautions",),
    "benefits": ("benefits", "why"),
    "why": ("why", "benefits"),
    "steps": ("steps",),
    "definition": ("naming", "why"),
    "general": (),
}

_HEALTH = (
    r"injur\w*|surgery|operation|pregnan\w*|expecting|blood pressure|hypertension|heart|asthma|diabet\w*|arthritis|"
    r"glaucoma|sprain\w*|torn|tear|meniscus|acl|herniat\w*|slipped disc|sciatica|condition|replacement|osteopor\w*|"
    r"migraine\w*|headaches?|vertigo|carpal tunnel|recovering|bad (?:knee|knees|back|hip|hips|ankle|ankles|neck|"
    r"shoulder|shoulders|wrist|wrists)|(?:knee|back|hip|ankle|neck|shoulder|wrist) problems?|problems? with my|"
    r"illness|disease|medication|period|menstruat\w*"
)
_PATTERNS: tuple[tuple[str, str], ...] = (
    (
        "comparison",
        r"\b(?:difference|differ|different from|compare[ds]?|comparison|vs\.?|versus|better than|easier than|"
        r"harder than|similar to|which (?:one )?is (?:better|easier|harder|more|gentler))\b",
    ),
    (
        "naming",
        r"\b(?:mean|means|meaning|sanskrit|names?|named|called|translat\w*|same as|also known|stand for|"
        r"(?:what|which) (?:kind|type|sort) of (?:a )?(?:pose|asana|posture|stretch)|prepar\w*|follow[- ]?up pose|"
        r"counter ?pose|sequenc\w*)\b"
        rf"|\b(?:pose|asana|stretch) (?:should i do |to do |comes )?(?:before|after)\b(?!.*\b(?:{_HEALTH})\b)",
    ),
    (  # "can it help my asthma?" asks what the pose does for a condition, not whether it is safe with it
        "benefits",
        rf"\b(?:help|helps|helpful|relieve|reliev\w*|improve|ease|cure|treat|reduce|good for|benefit\w*)\b.*"
        rf"\b(?:{_HEALTH}|pain|aches?|soreness|stiffness|tightness)\b"
        r"|\bdoes (?:it|this|that|\w+(?: pose)?) (?:open|stretch|strengthen|work|help|improve|relieve|calm|tone)\b",
    ),
    (
        "condition",
        rf"\b(?:can|could|should|may|ok|okay|alright|fine|safe|allowed)\b.*\b(?:{_HEALTH})\b"
        rf"|\b(?:{_HEALTH})\b.*\b(?:can|could|should|may|ok|okay|alright|fine|safe|allowed)\b"
        rf"|\bi(?:['’]m| am| have| had|['’]ve got| was)\b.*\b(?:{_HEALTH})\b",
    ),
    (
        "hold",
        r"\bhow long\b|\bhow many (?:breaths|seconds|minutes|counts|rounds|times)\b|"
        r"\b(?:duration|hold time|how much time)\b|\b(?:stay|hold|remain)\w*(?: \w+)? (?:longer|shorter)\b|"
        r"\blonger than\b|\b(?:\d+|one|two|three|four|five|six|seven|eight|ten) (?:breaths|seconds|minutes)\b",
    ),
    ("breathing", r"\b(?:breath\w*|breathe|breathing|inhal\w*|exhal\w*)\b"),
    ("why", r"^(?:and |so |but )?why\b(?!.*\b(?:good|benefit\w*|should i|would i|do i do)\b)"),
    (
        "pain",
        r"\b(?:hurts?|hurting|pain\w*|ache|aches|aching|sore\w*|uncomfortable|discomfort|strain\w*|pinch\w*|burn\w*|"
        r"cramp\w*|numb\w*|tingl\w*|twinge\w*)\b",
    ),
    (
        "deeper",
        r"\b(?:deeper|deepen\w*|harder|advanced|more intense|intensif\w*|challeng\w*|further|more out of|progress\w*|"
        r"next level|more of a stretch)\b|(?<!easier )(?<!easy )(?<!gentler )(?<!simpler )\bvariations?\b",
    ),
    (
        "easier",
        r"\b(?:easier|easiest|simplest|gentlest|easy version|gentler|gentle|modif\w*|less intense|"
        r"too (?:hard|much|intense|difficult)|beginners?|"
        r"can['’]?t|cannot|can not|unable|(?:don['’]?t|doesn['’]?t|does not|won['’]?t) (?:reach|touch)|not flexible|"
        rf"{PROPS}|{HOUSEHOLD}|support|alternatives?|instead|"
        r"(?:put|place|use) (?:under|beneath|between)|what can i (?:use|put)|"
        r"my \w+ (?:is|are|feel|feels) (?:too |really |very |so |super |quite |pretty |a bit |a little )?"
        r"(?:tight|stiff|weak|inflexible)\b(?=.*\bpose\b))\b",
    ),
    (
        "cautions",
        r"\b(?:avoid|shouldn['’]?t|should not|who should|contraindicat\w*|safe|unsafe|dangerous|risks?|careful|"
        r"precautions?|cautions?|warnings?|is it bad|bad for|kids|children|seniors|elderly|older people|teens?)\b",
    ),
    (
        "benefits",
        r"\b(?:benefits?|good for|help(?:s)? (?:with|my|me|for)|does .* help|why (?:should|would|do) (?:i|you)|"
        r"what does (?!my |your )\w.* do\b(?! with)|improve\w*|reliev\w*|worth|why is .* good|good at|useful|"
        r"point of|purpose|"
        r"calm\w*|relax\w*|stress\w*|sleep|energ\w*|digest\w*|build\w* (?:strength|muscle)|strengthen\w*)\b"
        r"|\b(?:what|which) muscles?\b|\bwhat does .* (?:stretch|work|strengthen|target|open)\b",
    ),
    (
        "why",
        r"\bwhy\b|\bhow does .* work\b|\b(?:where|what) should i feel\b|\banatom\w*\b",
    ),
    (
        "steps",
        r"\bhow (?:do|should|can|would|to)\b|\bsteps?\b|\binstructions?\b|\bwalk me through\b|\bguide\b|"
        r"\bwhere (?:do|does|should)\b|\bwhat (?:do|should) i do with\b|\bhow far\b|\bposition\w*\b|\bplace\w*\b|"
        r"\balign\w*\b|\bboth sides\b|\bother side\b|\bstart\w*\b|\bbegin\w*\b|\bcome out\b|\bget out\b|\bget into\b|"
        r"\bshould my \w+ be\b|\bfirst step\b|\bwhat (?:should|do|does) (?:my|your|the) (?:\w+ ){1,2}do\b",
    ),
)
_COMPILED = tuple((kind, re.compile(p, re.IGNORECASE)) for kind, p in _PATTERNS)
#: words that make "what is the X of Y?" a question about the pose, not a definition
_NOT_A_TERM = re.compile(
    r"\b(?:benefits?|steps?|instructions?|props?|cautions?|contraindications?|point|purpose|difference|best|way|"
    r"good|bad|right|correct|proper|first|last|next|easiest|hardest|for|about|like|when|how)\b",
    re.IGNORECASE,
)
#: a term may use these kinds' words and still be a term ("ujjayi breathing", "a bolster")
_TERM_KINDS = frozenset({"", "breathing", "easier", "steps"})
#: "what is X?" / "what are the X?" / "define X": a definition when X is not a pose
_DEFINITION = re.compile(
    r"^(?:so |and |but )?(?:what|who)(?:['’]s| is| are| was| were)(?: an?| the)? (?P<term>[^?]+?)\s*\??$"
    r"|^(?:define|explain) (?:an? |the )?(?P<term2>[^?]+?)\s*\??$",
    re.IGNORECASE,
)
#: a steps question asking for the whole procedure ("how do I do ...", "walk me through ...")
_PROCEDURE = re.compile(
    r"\bhow (?:do|should|can|would) (?:i|you|we|one) (?:do|perform|practi[cs]e|get into|go into|enter|set up|stretch)\b"
    r"|\bhow to (?:do|perform|practi[cs]e|get into)\b|\bstep by step\b|\bsteps\b|\binstructions\b|"
    r"\bwalk me through\b|\bteach me\b|\bguide me\b",
    re.IGNORECASE,
)
#: ... or only how it starts ("what's the first step?", "where do I start?")
_START = re.compile(
    r"\bfirst (?:thing|step)s?\b|\bstart(?:ing)? (?:position|point)\b|\bhow (?:do|should) (?:i|you) (?:start|begin)\b|"
    r"\bwhere do (?:i|you) (?:start|begin)\b",
    re.IGNORECASE,
)
#: a question about health or pain gets the not-medical-advice note
_MEDICAL = re.compile(
    rf"\b(?:pain\w*|hurt\w*|ache\w*|aching|sore\w*|injur\w*|medical|doctor|safe|unsafe|dangerous|contraindicat\w*|"
    rf"{_HEALTH})\b",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Intent:
    """What the question asks for."""

    kind: str  # one of KINDS
    roles: tuple[str, ...]  # sentence roles that answer it, best first
    medical: bool = False  # mentions pain, injury, pregnancy or a health condition
    term: str = ""  # for a definition: the term asked about
    procedure: str = ""  # for steps: "whole" (the way into the pose) or "start" (how it starts), not a detail

    @property
    def specific(self) -> bool:
        return bool(self.roles)


_HEALTH_WORDS = re.compile(rf"\b(?:{_HEALTH})\b", re.IGNORECASE)


def health_words(text: str) -> list[str]:
    """The conditions ``text`` names: 'heart', 'bad knee', 'pregnant', 'sprained'."""
    return [m.group() for m in _HEALTH_WORDS.finditer(text)]


#: what a pose is said to be good for: "good for balance", "help with sleep", "improve my posture"
_GOOD_FOR = re.compile(
    r"\b(?:good|great|helpful|useful|bad|better) for (?:my |your |the |a |an |people with |someone with )?"
    r"(?P<a>\w+(?: \w+)?)|\bhelps? (?:with |me with |my |to )?(?P<b>\w+(?: \w+)?)"
    r"|\bimproves? (?:my |your |the )?(?P<c>\w+(?: \w+)?)",
    re.IGNORECASE,
)


def good_for(text: str) -> str:
    """What ``text`` asks a pose to be good for ('balance' in "is it good for balance?"), or ''."""
    found = _GOOD_FOR.search(text)
    return next((g for g in found.groups() if g), "") if found else ""


def understand(question: str) -> Intent:
    """The question's kind and the roles that answer it: a definition for a bare "what is X?"
    (X up to four words, not about a pose's steps, benefits, ...), else the first pattern of
    _PATTERNS that matches, else general. Pose names are best replaced by the word "pose"
    first (``Lexicon.blank``), so that "chair pose" does not read as a prop."""
    text = " ".join(question.split())
    medical = bool(_MEDICAL.search(text))
    found = _DEFINITION.match(text)
    if found:
        term = (found.group("term") or found.group("term2") or "").strip(" .!")
        about_pose = next((kind for kind, pattern in _COMPILED if pattern.search(term)), "")
        if len(term.split()) <= 4 and not _NOT_A_TERM.search(term) and about_pose in _TERM_KINDS:
            return Intent("definition", ANSWERED_BY["definition"], medical, term)
    for kind, pattern in _COMPILED:
        if pattern.search(text):
            procedure = (
                ""
                if kind != "steps"
                else "start"
                if _START.search(text)
                else "whole"
                if _PROCEDURE.search(text)
                else ""
            )
            return Intent(kind, ANSWERED_BY[kind], medical, procedure=procedure)
    return Intent("general", (), medical)
