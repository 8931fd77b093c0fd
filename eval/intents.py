"""How well questions get their kind: the labelled questions in eval/intents.jsonl.

    .venv/bin/python eval/intents.py

Prints the share of questions whose kind (assistant/intent.py) matches the label, for the
questions of the answer sets and for two fresh sets written to check them, then every miss.
Pose names are blanked with the bundled lexicon first, as the assistant does. No model or
index is needed.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from assistant.language.intent import understand
from assistant.language.lexicon_file import load_lexicon

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    lexicon = load_lexicon()
    rows = [json.loads(line) for line in (ROOT / "eval" / "intents.jsonl").read_text(encoding="utf-8").splitlines()]
    right, total = Counter(), Counter()
    misses = []
    for r in rows:
        got = understand(lexicon.blank(r["question"])).kind
        total[r["set"]] += 1
        right[r["set"]] += got == r["intent"]
        if got != r["intent"]:
            misses.append(f"  {r['set']:<12} want {r['intent']:<11} got {got:<11} {r['question']}")
    for kind in total:
        print(f"{kind:<12} {right[kind] / total[kind]:.3f} ({right[kind]} of {total[kind]})")
    print("\n".join(misses))


if __name__ == "__main__":
    main()
