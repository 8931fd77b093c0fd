"""Build speed: passages per second of our embedding stage against plain
SentenceTransformer.encode (fp32, default batch) on the same passages, and of torch in bf16
where the CPU has it. "Ours" is what a large build with precision auto embeds with: the
backend measured fastest here (embedders.fastest). And what it costs in retrieval quality (eval
with an index built at that precision minus the fp32 one)."""

from __future__ import annotations

import argparse
import shutil

import numpy as np
from common import CACHE, ROOT, emit, median, run_cli, timed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    repeat, copies = (2, 3) if args.quick else (3, 10)

    from assistant.config import load_settings
    from assistant.embed.embedders import SAMPLE, fastest, make_embedder
    from assistant.embed.model_files import resolve_model
    from assistant.index.reader import Index

    settings = load_settings(env={})
    fast_dir, fp32_dir = CACHE / "build-fast", CACHE / "build-fp32"
    for folder in (fast_dir, fp32_dir):
        shutil.rmtree(folder, ignore_errors=True)
    run_cli("build", "--index", str(fp32_dir), "--precision", "fp32")

    index = Index.open(settings.with_(index_dir=fp32_dir))
    texts, spans = [], []
    for k in range(copies):  # the real passages, each copy made distinct
        for c in index.chunks:
            texts.append(f"{c.text} ({k})")
            spans.append([(s - c.start, e - c.start) for s, e in c.sentences])

    # what a large build with precision auto embeds with: the fastest measured here
    sample = np.linspace(0, len(texts) - 1, SAMPLE).astype(int)
    ours, speeds = fastest(
        lambda p: make_embedder(settings.model, p, fast_dir / "models"),
        [texts[i] for i in sample],
        [spans[i] for i in sample],
    )
    run_cli("build", "--index", str(fast_dir), "--precision", ours.precision)  # its retrieval quality
    ours.encode_passages(texts[:32], spans[:32])  # warm up outside the timing
    ours_s = median(timed(lambda: ours.encode_passages(texts, spans), repeat))

    from assistant.embed.torch_embedder import cpu_supports_bf16

    bf16_s = None
    if cpu_supports_bf16():  # torch in bf16: the other fast path, fastest on CPUs with AMX
        bf16 = make_embedder(settings.model, "bf16", fast_dir / "models")
        bf16.encode_passages(texts[:32], spans[:32])
        bf16_s = median(timed(lambda: bf16.encode_passages(texts, spans), repeat))

    import torch  # noqa: F401  (the baseline as a tutorial would write it)
    from sentence_transformers import SentenceTransformer

    plain = SentenceTransformer(resolve_model(settings.model), device="cpu")
    plain.encode(texts[:32])
    plain_s = median(timed(lambda: plain.encode(texts), repeat))

    from assistant.evaluation import retrieval as ev
    from assistant.ingest.corpus import load_corpus
    from assistant.pipeline import Assistant

    questions = ev.load_questions(ROOT / "eval" / "questions.jsonl")
    located = ev.locate(questions, {a.id: a.body for a in load_corpus(settings.corpus_dir).articles})
    quality = {}
    for name, folder in (("fast", fast_dir), ("fp32", fp32_dir)):
        assistant = Assistant(settings.with_(index_dir=folder))
        quality[name] = ev.metrics(ev.run(questions, located, assistant.retrieve))
    emit(
        {
            "build_passages": len(texts),
            "build_backend": f"onnxruntime {ours.precision}" if ours.precision == "int8" else f"torch {ours.precision}",
            "build_passages_per_s": len(texts) / ours_s,
            "baseline_passages_per_s": len(texts) / plain_s,
            "build_speedup": plain_s / ours_s,
            "build_chosen_from": speeds,
            **({"bf16_passages_per_s": len(texts) / bf16_s} if bf16_s else {}),
            "eval_recall400t_fast": quality["fast"]["recall@400t"],
            "eval_recall400t_fp32": quality["fp32"]["recall@400t"],
            "eval_delta_recall400t": quality["fast"]["recall@400t"] - quality["fp32"]["recall@400t"],
            "eval_delta_mrr10": quality["fast"]["mrr@10"] - quality["fp32"]["mrr@10"],
        }
    )


if __name__ == "__main__":
    main()
