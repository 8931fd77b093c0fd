"""How well sentences get their roles: the labelled sentences in eval/roles.jsonl against the index.

    .venv/bin/python eval/roles.py [--errors ROLE]

Builds the corpus plus the fixture articles (as eval/unseen.py does) and compares each labelled
sentence's stored roles with its labels: precision, recall and F1 per role, separately for the
corpus and for the fixture articles (written in other styles, never used to tune the cue words).
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path

from unseen import ROOT, with_fixtures

from assistant.config import load_settings
from assistant.index.reader import Index
from assistant.language.roles import ROLES


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--errors", metavar="ROLE", help="list the sentences this role gets wrong")
    args = parser.parse_args()
    rows = [json.loads(line) for line in (ROOT / "eval" / "roles.jsonl").read_text(encoding="utf-8").splitlines()]
    with with_fixtures() as where:
        index = Index.open(load_settings(corpus_dir=Path(where[1]), index_dir=Path(where[3])))
        stored = {}
        for row in range(len(index.owner)):
            s = index.sentence(row)
            stored[(s.chunk.article, s.text)] = set(s.roles)
    counts: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])  # (set, role) -> tp, fp, fn
    exact: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    errors = []
    for r in rows:
        got, want = stored[(r["article"], r["text"])], set(r["roles"])
        exact[r["set"]][0] += got == want
        exact[r["set"]][1] += 1
        for role in ROLES:
            c = counts[(r["set"], role)]
            c[0] += role in got and role in want
            c[1] += role in got and role not in want
            c[2] += role not in got and role in want
            if role == args.errors and (role in got) != (role in want):
                errors.append(f"  {'extra' if role in got else 'missed'} ({r['set']}): {r['text'][:100]}")
    print(f"{'role':<11}" + "".join(f"{s + ' P/R/F1':>22}" for s in ("corpus", "unseen")))
    macro = {}
    for role in ROLES:
        cells = []
        for kind in ("corpus", "unseen"):
            tp, fp, fn = counts[(kind, role)]
            p, rec = tp / max(1, tp + fp), tp / max(1, tp + fn)
            f1 = 2 * tp / max(1, 2 * tp + fp + fn)
            macro.setdefault(kind, []).append(f1)
            cells.append(f"{p:.2f} / {rec:.2f} / {f1:.2f}")
        print(f"{role:<11}" + "".join(f"{c:>22}" for c in cells))
    print(f"{'macro F1':<11}" + "".join(f"{sum(m) / len(m):>22.3f}" for m in macro.values()))
    print(f"{'all roles right':<11}" + "".join(f"{e[0] / e[1]:>18.3f}" for e in exact.values()))
    print("\n".join(errors))


if __name__ == "__main__":
    main()
