"""Words and sizes more than one stage reads, each defined once.

Each stage builds its own patterns from these, adding beside them only what is its own: a
question asking for something easier names a prop, a sentence offering one names it, a line
telling the reader to fetch one is class logistics. Pure data: imports nothing.
"""

from __future__ import annotations

#: things that support a pose
PROP_WORDS = ("block", "blanket", "strap", "bolster", "towel", "prop")
#: ... as a regular-expression alternation, singular or plural
PROPS = "|".join(f"{w}s?" for w in PROP_WORDS)
#: things at home that serve as props
HOUSEHOLD = r"cushions?|pillows?|chair|wall"
#: what a sentence says who should not do a pose with
CAUTIONS = r"avoid\w*|contraindicat\w*|cautions?|not (?:advised|recommended)|should not|shouldn['’]?t"
#: a line of at most this many words without an end mark is a heading (a passage's or a sentence's)
HEADING_WORDS = 8
#: a line of at most this many words without a sentence ending is a label of a page: menu item, tag,
#: heading (what ``add`` removes reads whole lines of a page, so it allows longer ones)
LABEL_WORDS = 12
