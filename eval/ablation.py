"""What each retrieval component adds: the full pipeline, then each part switched off.

    .venv/bin/python eval/ablation.py [--questions eval/questions.jsonl]

Uses the built index (run `yoga-assistant build` first) and prints one row per variant.
"""

from __future__ import annotations

import argparse
from functools import partial
from pathlib import Path

from assistant.config import Retriever as Mode
from assistant.config import load_settings
from assistant.evaluation import retrieval as ev
from assistant.ingest.corpus import load_corpus
from assistant.pipeline import Assistant
from assistant.retrieval.retriever import Retriever

#: (retriever mode, switches turned off) per variant
VARIANTS: dict[str, tuple[Mode, dict[str, bool]]] = {
    "hybrid (all components)": ("hybrid", {}),
    "dense only": ("dense", {}),
    "bm25 only": ("bm25", {}),
    "- pose focus": ("hybrid", {"pose_focus": False}),
    "- colloquial bridges": ("hybrid", {"bridges": False}),
    "- sentence-level signals": ("hybrid", {"sentences": False}),
    "- pose name kept in ranking query": ("hybrid", {"strip_names": False}),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=Path, default=Path("eval/questions.jsonl"))
    args = parser.parse_args()
    settings = load_settings()
    questions = ev.load_questions(args.questions)
    located = ev.locate(questions, {a.id: a.body for a in load_corpus(settings.corpus_dir).articles})
    assistant = Assistant(settings)
    base = assistant.retriever
    names = ["hit@5", "recall@5", "mrr@10", "ndcg@10", "recall@400t", "abstain_accuracy"]
    print(f"{'variant':<36}" + "".join(f"{n:>18}" for n in names))
    for label, (mode, switches) in VARIANTS.items():
        retriever = Retriever(base.index, base.encoder, **switches)
        m = ev.metrics(ev.run(questions, located, partial(assistant.retrieve, mode=mode, retriever=retriever)))
        print(f"{label:<36}" + "".join(f"{m[n]:>18.3f}" for n in names))


if __name__ == "__main__":
    main()
