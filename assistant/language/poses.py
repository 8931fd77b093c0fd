"""The pose lexicon: which poses a text names, tolerant of case, accents and small typos."""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterable
from typing import Any

from rapidfuzz.distance import OSA

from assistant.errors import CorpusError
from assistant.language.text import fold, word_spans, words
from assistant.records import Mention, Pose, Spoken

#: limits on a pose's names in a lexicon (the bundled one's are under 60 characters)
MAX_ALIASES = 50
MAX_NAME_CHARS = 200
#: words before "pose" that describe a pose rather than name one ("a standing pose", "do gate pose")
_NOT_A_NAME = frozenset(
    """
    a an the this that these those any each every which what whose my your our their his her its yoga best good
    great easy easier easiest hard harder hardest simple basic difficult gentle next same other another first last
    final one two three new whole full starting start resting rest restorative standing seated sitting kneeling lying
    supine prone balancing balance inverted inversion opening hip heart chest beginner beginners advanced favourite
    favorite reclining reclined twisting twist bending backbend forward previous following similar different
    preparatory counter peak relaxing calming do doing does did hold holding try trying practice practise get into in
    for of and or with about to from on at is are was be like after before than vs versus say said called named
    fold bend stretch shape position
    """.split()
)
#: first words of pose names that are too common to name the pose alone
_COMMON_HEADS = frozenset("child easy happy table chair staff mountain corpse plank side half".split())
_NAME_BEFORE_POSE = re.compile(r"((?:[a-z]+ ){0,2})(?<!<)pose\b")
_SANSKRIT_NAME = re.compile(r"\b[a-z]{3,}asana\b")


def _key(name: str) -> tuple[str, ...]:
    return tuple(words(name.replace("-", " ")))


def edit_distance(a: str, b: str, limit: int) -> int:
    """Edit distance counting a swap of two neighbours as one edit (optimal string alignment,
    rapidfuzz), or ``limit + 1`` when it is over ``limit``."""
    return int(OSA.distance(a, b, score_cutoff=limit))


def _typo_budget(word: str) -> int:
    return 0 if len(word) < 6 else 1 if len(word) < 10 else 2


class Lexicon:
    """Pose names to ids. Build with :func:`load_lexicon` or :meth:`from_dicts`."""

    def __init__(self, poses: list[Pose]) -> None:
        self.poses: dict[str, Pose] = {p.id: p for p in poses}
        self._names: dict[tuple[str, ...], str] = {}
        for pose in self.poses.values():
            for name in (pose.english, pose.sanskrit, *pose.aliases, pose.id):
                key = _key(name)
                if key:
                    self._names.setdefault(key, pose.id)
        self._longest = max((len(k) for k in self._names), default=1)
        self._first_words = {k[0] for k in self._names}
        self._corrected: dict[tuple[str, bool], tuple[str, bool]] = {}
        # words of names that may match with a typo: five letters or more
        self._fuzzy: dict[str, set[str]] = {}
        for key in self._names:
            for w in key:
                if len(w) >= 5:
                    self._fuzzy.setdefault(w[0], set()).add(w)

    @classmethod
    def from_dicts(cls, entries: list[dict[str, Any]]) -> Lexicon:
        return cls([pose_from_dict(e) for e in entries])

    def to_dicts(self) -> list[dict[str, Any]]:
        return [
            {
                "id": p.id,
                "english": p.english,
                "sanskrit": p.sanskrit,
                "aliases": list(p.aliases),
                **({"variant_of": p.variant_of} if p.variant_of else {}),
            }
            for p in self.poses.values()
        ]

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(json.dumps(self.to_dicts(), sort_keys=True).encode()).hexdigest()[:16]

    def mentions(self, text: str) -> list[Mention]:
        """Pose names in ``text``, longest first, left to right, without overlaps. A word right
        before 'pose' is read as a name, so it may have a typo ('piramid pose')."""
        return list(self.spoken(text).mentions)

    def spoken(self, text: str) -> Spoken:
        """``text`` read once for pose names: its folded words and where they stand, and the
        names among them (what :meth:`mentions`, :meth:`blank` and :meth:`unknown_names` read)."""
        folded = fold(text.replace("-", " "))
        spans = tuple(word_spans(folded))
        return Spoken(folded, spans, tuple(self._mentions([w for w, _, _ in spans])))

    def _mentions(self, raw: list[str]) -> list[Mention]:
        ws = [self._correct(w, named=i + 1 < len(raw) and raw[i + 1] in ("pose", "poses")) for i, w in enumerate(raw)]
        plain = [w for w, _ in ws]
        found: list[Mention] = []
        i = 0
        while i < len(ws):
            if plain[i] not in self._first_words:  # most words start no name: skip the lookups
                i += 1
                continue
            for n in range(min(self._longest, len(ws) - i), 0, -1):
                key = tuple(plain[i : i + n])
                if key in self._names:
                    exact = all(e for _, e in ws[i : i + n])
                    found.append(Mention(self._names[key], i, i + n, exact, key))
                    i += n
                    break
            else:
                i += 1
        return found

    def blank(self, text: str | Spoken, placeholder: str = "pose") -> str:
        """``text`` folded, with every pose name in it replaced by the word 'pose', so that what
        is asked can be read apart from what it is asked about ('chair pose' is not a prop)."""
        spoken = text if isinstance(text, Spoken) else self.spoken(text)
        folded, spans = spoken.folded, spoken.spans
        for m in reversed(spoken.mentions):
            folded = folded[: spans[m.first][1]] + placeholder + folded[spans[m.last - 1][2] :]
        return folded

    def unknown_names(self, text: str | Spoken, *, repeats: bool = False) -> tuple[str, ...]:
        """Pose names in ``text`` that this lexicon does not know: 'Gate Pose' in "is gate pose good
        for hips?", or any '...asana' word; in order, each once unless ``repeats``."""
        blanked = self.blank(text, placeholder="<pose>")
        found = []
        for m in _NAME_BEFORE_POSE.finditer(blanked):
            name: list[str] = []
            for word in reversed(m.group(1).split()):
                if word in _NOT_A_NAME or word == "pose":
                    break
                name.insert(0, word)
            if name:
                found.append((m.start(), " ".join([*name, "pose"]).title()))
        found.extend((m.start(), m.group().title()) for m in _SANSKRIT_NAME.finditer(blanked))
        names = [name for _, name in sorted(found)]
        return tuple(names if repeats else dict.fromkeys(names))

    def discover(self, title: str, body: str) -> list[Pose]:
        """Poses an article names that this lexicon lacks: those its title names ('Parighasana
        (Gate Pose)': an English and a Sanskrit name there are one pose), and those its body names
        three times or more."""
        in_title = self.unknown_names(title)
        english = [n for n in in_title if n.endswith(" Pose")]
        sanskrit = [n for n in in_title if not n.endswith(" Pose")]
        found = []
        if english and sanskrit:
            found.append(self.resolve(f"{english.pop(0)} ({sanskrit.pop(0)})"))
        found.extend(self.resolve(n) for n in [*english, *sanskrit])
        counts = Counter(self.unknown_names(body[:200_000], repeats=True))
        known = {n for p in found for n in (p.english, p.sanskrit)}
        found.extend(self.resolve(n) for n, c in counts.items() if c >= 3 and n not in known)
        return found

    def head_words(self, pose_ids: Iterable[str]) -> dict[str, str]:
        """The one-word names people use for ``pose_ids`` ('bridge' for Bridge Pose): the first word
        of an English name '<Word> Pose', unless it is a common word ('child', 'easy')."""
        heads: dict[str, str] = {}
        for pose_id in pose_ids:
            pose = self.poses.get(pose_id)
            name = _key(pose.english) if pose else ()
            if len(name) == 2 and name[1] == "pose" and len(name[0]) >= 4 and name[0] not in _COMMON_HEADS:
                heads.setdefault(name[0], pose_id)
        return heads

    def names(self, pose_id: str) -> list[str]:
        """What people call the pose: its English and Sanskrit names and aliases ([] if unknown)."""
        pose = self.poses.get(pose_id)
        return [pose.english, pose.sanskrit, *pose.aliases] if pose else []

    def find(self, text: str) -> tuple[str, ...]:
        """Ids of the poses ``text`` names, in order of first mention, without repeats."""
        return tuple(dict.fromkeys(m.pose for m in self.mentions(text)))

    @staticmethod
    def sanskrit_name(mention: Mention) -> bool:
        """The mention names its pose by a Sanskrit name, in any spelling ('Paschimottanasana')."""
        return bool(mention.name) and bool(_SANSKRIT_NAME.fullmatch(mention.name[-1]))

    def by_alias(self, mention: Mention) -> bool:
        """The mention names its pose by neither its English nor its Sanskrit name, but by one of
        the other names people use ('seated hamstring stretch' for Head-to-Knee Forward Bend)."""
        pose = self.poses.get(mention.pose)
        return pose is not None and mention.name not in {_key(pose.english), _key(pose.sanskrit), _key(pose.id)}

    def family(self, pose_id: str) -> set[str]:
        """The pose, the pose it is a variant of, and its own variants."""
        pose = self.poses.get(pose_id)
        if pose is None:
            return {pose_id}
        base = pose.variant_of or pose.id
        return {base, pose_id} | {p.id for p in self.poses.values() if p.variant_of == base}

    def resolve(self, name: str) -> Pose:
        """The lexicon pose a front-matter name refers to; unknown names become new poses."""
        found = self.find(name)
        if found:
            return self.poses[found[0]]
        english, _, rest = name.partition("(")
        sanskrit = rest.rstrip(") ").strip()
        pose_id = "-".join(_key(english or sanskrit)) or "pose"
        return Pose(pose_id, english.strip() or sanskrit, sanskrit, aliases=(name,))

    def with_poses(self, extra: list[Pose]) -> Lexicon:
        new = [p for p in extra if p.id not in self.poses]
        return self if not new else Lexicon([*self.poses.values(), *new])

    def _correct(self, word: str, *, named: bool = False) -> tuple[str, bool]:
        """``word`` itself if it is a known name word, else the unique name word within its typo
        budget (only for words that look like names, or stand right before 'pose': ``named``)."""
        key = (word, named)
        if key not in self._corrected:
            if len(self._corrected) > 100_000:
                self._corrected.clear()
            self._corrected[key] = self._closest(word, named)
        return self._corrected[key]

    def _closest(self, word: str, named: bool = False) -> tuple[str, bool]:
        budget = _typo_budget(word) if not named else 1 if 5 <= len(word) < 10 else _typo_budget(word)
        candidates = self._fuzzy.get(word[:1], set())
        if word in candidates or not budget or not (named or _looks_like_name(word)):
            return word, True
        best: list[str] = []
        best_d = budget + 1
        for cand in candidates:
            d = edit_distance(word, cand, budget)
            if d < best_d:
                best, best_d = [cand], d
            elif d == best_d and d <= budget:
                best.append(cand)
        if best_d > budget:
            return word, True
        # ties are fine when every candidate names the same pose on its own ('virasan', 'virasana')
        if len(best) == 1 or (
            len({self._names.get((c,)) for c in best} - {None}) == 1 and all((c,) in self._names for c in best)
        ):
            return sorted(best)[0], False
        return word, True


_NAME_LIKE = re.compile(r"[a-z]*(asana|asan|asna|sana|sna|asanna|anasana)$")


def _looks_like_name(word: str) -> bool:
    """Only Sanskrit-looking or long words are typo-corrected, so 'plant' never becomes 'plank'."""
    return bool(_NAME_LIKE.match(word)) or len(word) >= 8


def pose_from_dict(entry: dict[str, Any]) -> Pose:
    if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
        raise CorpusError(f"pose lexicon entry {str(entry)[:80]!r} needs an 'id'; see assistant/data/poses.yaml")
    aliases = entry.get("aliases") or []
    if not isinstance(aliases, list):
        raise CorpusError(f"pose {entry['id'][:80]!r}: 'aliases' must be a list of names")
    names = [entry["id"], entry.get("english"), entry.get("sanskrit"), *aliases]
    if len(aliases) > MAX_ALIASES or any(len(str(n or "")) > MAX_NAME_CHARS for n in names):
        raise CorpusError(
            f"pose {entry['id'][:80]!r} has names over {MAX_NAME_CHARS} characters or over {MAX_ALIASES} "
            "aliases; a pose has a few short names"
        )
    return Pose(
        id=entry["id"],
        english=str(entry.get("english") or entry["id"]),
        sanskrit=str(entry.get("sanskrit") or ""),
        aliases=tuple(str(a) for a in aliases),
        variant_of=entry.get("variant_of"),
    )
