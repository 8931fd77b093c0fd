"""What each retrieval component adds: the full pipeline, then each part switched off.

    .venv/bin/python eval/ablation.py [--questions eval/questions.jsonl]

Uses the built index (run `yoga-assistant build` first) and prints one row per variant.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from assistant import evaluation as ev
from assistant.config import load_settings
from assistant.corpus import load_corpus
from assistant.pipeline import Assistant
from assistant.retrieval import Retriever

VARIANTS: dict[str, dict[str, object]] = {
    "hybrid (all components)": {},
    "dense only": {"mode": "dense"},
    "bm25 only": {"mode": "bm25"},
    "- pose focus": {"pose_focus": False},
    "- colloquial bridges": {"bridges": False},
    "- sentence-level signals": {"sentences": False},
    "- pose name kept in ranking query": {"strip_names": False},
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
    for label, options in VARIANTS.items():
        retriever = Retriever(base.index, base.encoder, **options)  # type: ignore[arg-type]
        m = ev.metrics(ev.run(questions, located, retriever.search))
        print(f"{label:<36}" + "".join(f"{m[n]:>18.3f}" for n in names))


if __name__ == "__main__":
    main()
