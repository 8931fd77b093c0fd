"""Which poses an article teaches: what its front matter says, else its title, else its body."""

from __future__ import annotations

from collections import Counter

from assistant.language.poses import Lexicon
from assistant.records import Article, Pose

#: an article without front matter or a pose in its title teaches the poses its body names most,
#: counted in its first this many characters (a long article names its own pose early and often)
POSE_COUNT_CHARS = 200_000
#: where an article says which pose it is about: its first paragraphs
OPENING_CHARS = 800


def taught_poses(article: Article, lexicon: Lexicon) -> tuple[Pose, ...]:
    """The poses an article teaches: its front matter, else those its title names, else those
    its body names most (at least twice, and at least three quarters as often as the most named
    one: a class on downward dog that twice says 'rest in child's pose' does not teach it).
    A title that names its pose only by another name people use ('Seated hamstring stretch')
    gives way to the pose the article's opening names by its Sanskrit name (Paschimottanasana):
    the article's own statement beats the lexicon's guess."""
    if article.poses:
        return tuple(dict.fromkeys(lexicon.resolve(name) for name in article.poses))
    titled = lexicon.mentions(article.title)
    named = tuple(dict.fromkeys(m.pose for m in titled))
    if titled and all(lexicon.by_alias(m) for m in titled):
        family = {f for p in named for f in lexicon.family(p)}
        opening = lexicon.mentions(article.body[:OPENING_CHARS])
        stated = tuple(dict.fromkeys(m.pose for m in opening if lexicon.sanskrit_name(m) and m.pose not in family))
        named = stated or named
    if not named:
        counts = Counter(m.pose for m in lexicon.mentions(article.body[:POSE_COUNT_CHARS]))
        top = max(counts.values(), default=0)
        named = tuple(p for p, n in counts.items() if n >= 2 and 4 * n >= 3 * top)
    return tuple(lexicon.poses[p] for p in named)
