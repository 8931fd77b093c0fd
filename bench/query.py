"""Retrieval latency (question in, ranked passages out, encoding included) at 10k, 100k
and 1M passages; recall@10 of the approximate FAISS index against exact search; peak
memory of a process serving each size.

The large corpora are synthetic, made so both legs behave as on real text:
- text: each passage is two sentences drawn at random from the real articles, so BM25
  posting lists are as long as a corpus of this size would make them (longer, in fact:
  the vocabulary is small);
- vectors: each passage and sentence vector is a random mixture of three real MiniLM
  vectors of the corpus, plus noise (random unit vectors have no neighbourhood structure,
  which no embedding model produces);
- poses: 5% of passages are tagged Hero Pose and 5% Pyramid Pose, so questions naming a
  pose exercise the pose focus at scale.
Questions are the real question set, encoded by the real model, each asked once.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
from common import CACHE, ROOT, emit, peak_rss_mb, percentile

DATA_VERSION = 3


def folder_for(size: int):  # type: ignore[no-untyped-def]
    from assistant.index.store import FORMAT_VERSION

    # a new index format makes the cached synthetic index unreadable: key the cache by it
    return CACHE / f"query-{size}-v{DATA_VERSION}-f{FORMAT_VERSION}"


def prepare(size: int) -> None:
    """Write a synthetic index of ``size`` passages (cached between runs)."""
    from dataclasses import replace

    from assistant.config import load_settings
    from assistant.index import dense, store
    from assistant.index.bm25 import LexicalIndex
    from assistant.index.generation import write_generation
    from assistant.index.manifest import ArticleEntry
    from assistant.index.reader import Index
    from assistant.language.text import tokenize
    from assistant.records import Chunk

    folder = folder_for(size)
    if (folder / "index" / "CURRENT").exists():
        return
    settings = load_settings(env={})
    real = Index.open(settings)
    rng = np.random.default_rng(size)
    base = np.concatenate([np.asarray(real.vectors), np.asarray(real.sentence_vectors)])

    def mixtures(n: int) -> np.ndarray:
        out = np.empty((n, base.shape[1]), dtype=np.float32)
        for start in range(0, n, 100_000):
            m = min(100_000, n - start)
            comp = rng.integers(0, len(base), size=(m, 3))
            w = rng.dirichlet([1.0, 1.0, 1.0], size=m).astype(np.float32)
            v = (
                np.einsum("nk,nkd->nd", w, base[comp])
                + rng.standard_normal((m, base.shape[1]), dtype=np.float32) * 0.02
            )
            out[start : start + m] = v / np.linalg.norm(v, axis=1, keepdims=True)
        return out

    sentences = [c.text[s - c.start : e - c.start] for c in real.chunks for s, e in c.sentences]
    roles = [r for c in real.chunks for r in (c.roles or ((),) * len(c.sentences))]
    tokens = [tokenize(s) for s in sentences]
    pick = rng.integers(0, len(sentences), size=(size, 2))
    tags = rng.random(size)
    chunks, passage_tokens, sentence_tokens = [], [], []
    for i, (a, b) in enumerate(pick.tolist()):
        text = f"{sentences[a]} {sentences[b]}"
        start = (i % 20) * 1000
        split = start + len(sentences[a])
        poses = ("virasana",) if tags[i] < 0.05 else ("parsvottanasana",) if tags[i] < 0.10 else ()
        chunks.append(
            Chunk(
                f"synthetic-{i // 20}",
                start,
                start + len(text),
                text,
                len(text) // 4,
                ((start, split), (split + 1, start + len(text))),
                poses,
                (roles[a], roles[b]),
            )
        )
        passage_tokens.append(tokens[a] + tokens[b])
        sentence_tokens += [tokens[a], tokens[b]]
    vectors, sentence_vectors = mixtures(size), mixtures(2 * size)
    lexical = (LexicalIndex.from_tokens(passage_tokens), LexicalIndex.from_tokens(sentence_tokens))
    params = dense.choose_params(size)
    index_dir = folder / "index"
    staging = store.new_staging(index_dir)
    write_generation(staging, chunks, vectors, sentence_vectors, real.lexicon, params, lexical=lexical)
    articles = {
        f"synthetic-{a}": ArticleEntry("", f"Synthetic {a}", "", "", ("virasana",), 20)
        for a in range((size + 19) // 20)
    }
    manifest = replace(
        real.manifest, dense=params, articles=articles, chunks=size, created_at="synthetic", libraries={}
    )
    store.commit(index_dir, staging, manifest.dump())


def measure(size: int, queries: int, *, recall: bool = True) -> dict[str, float]:
    import time

    import faiss

    from assistant.config import load_settings
    from assistant.embed.embedders import make_embedder
    from assistant.embed.embedding import QueryCache
    from assistant.evaluation import retrieval as ev
    from assistant.index import dense
    from assistant.pipeline import Assistant

    settings = load_settings(env={})
    embedder = make_embedder(settings.model, "int8", settings.models_dir)
    t = time.perf_counter()
    assistant = Assistant(settings.with_(index_dir=folder_for(size) / "index"), embedder=embedder)
    index = assistant.index
    load_s = time.perf_counter() - t
    questions = [q for q in ev.load_questions(ROOT / "eval" / "questions.jsonl") if not q.history][:queries]
    assistant.retrieve("warm up the hero pose")

    def one_pass() -> list[float]:
        embedder._queries = QueryCache()  # no question's vector is remembered from an earlier pass
        latencies = []
        for q in questions:
            t = time.perf_counter()
            assistant.retrieve(q.question)
            latencies.append((time.perf_counter() - t) * 1000)
        return latencies

    # the first pass right after loading reads what the page cache lacks from disk (the
    # generation's files are warmed in the background meanwhile); the second is a chat serving
    first, latencies = one_pass(), one_pass()
    result = {
        "p50_ms": percentile(latencies, 50),
        "p95_ms": percentile(latencies, 95),
        "first_pass_p50_ms": percentile(first, 50),
        "load_s": load_s,
        "peak_rss_mb": peak_rss_mb(),
    }  # before the exact-search copy made below for the recall figure
    if recall and index.manifest.dense["type"] != "flat-ip":
        exact = faiss.IndexFlatIP(index.manifest.model.dim)
        exact.add(np.ascontiguousarray(index.vectors, dtype=np.float32))
        recalls = []
        for q in questions:
            v = embedder.encode_query(q.question)
            got = dense.search(index.dense, v, 10, vectors=index.vectors)[0]  # as retrieval asks
            truth = exact.search(v.reshape(1, -1), 10)[1][0]
            recalls.append(len(set(got.tolist()) & set(truth.tolist())) / 10)
        result["ann_recall10"] = float(np.mean(recalls))
    return result


def smaps_mb(pid: int | str = "self") -> dict[str, float]:
    """A process's resident memory (rss), its proportional share of pages shared with other
    processes (pss) and the pages only it has (private), from /proc/PID/smaps_rollup."""
    kb = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text(encoding="ascii").splitlines()[1:]:
        name, value = line.split(":", 1)
        kb[name] = int(value.split()[0])
    return {
        "rss": kb["Rss"] / 1024,
        "pss": kb["Pss"] / 1024,
        "private": (kb["Private_Clean"] + kb["Private_Dirty"]) / 1024,
    }


def serve(size: int, queries: int) -> None:
    """Load the index and answer the questions as a chat process would, print its memory, and
    stay up (holding the index) until stdin closes."""
    measure(size, queries, recall=False)
    print(json.dumps(smaps_mb()), flush=True)
    sys.stdin.read()


def two_processes(size: int, queries: int) -> dict[str, float]:
    """The memory of two processes serving the same index: the second maps the pages the first
    has already brought in, so it should add little beyond its own Python and model."""
    me = [sys.executable, __file__, "--size", str(size), "--queries", str(queries), "--serve"]
    procs, alone = [], {}
    try:
        for n in range(2):
            proc = subprocess.Popen(me, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            procs.append(proc)
            line = next((x for x in proc.stdout or () if x.startswith("{")), "")  # past any warnings
            if not line:
                sys.exit(f"bench query: serving process {n + 1} at {size} passages failed")
            if n == 0:
                alone = json.loads(line)
        both = [smaps_mb(p.pid) for p in procs]
    finally:
        for proc in procs:
            proc.communicate("")
    return {
        "one_pss_mb": alone["pss"],
        "two_pss_mb": both[0]["pss"] + both[1]["pss"],
        "second_adds_mb": both[0]["pss"] + both[1]["pss"] - alone["pss"],
        "second_private_mb": both[1]["private"],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--size", type=int)
    parser.add_argument("--prepare", action="store_true")
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--serve", action="store_true", help="serve and hold the index until stdin closes")
    args = parser.parse_args()
    if args.size and args.prepare:
        prepare(args.size)
        return
    if args.size and args.serve:
        serve(args.size, args.queries)
        return
    if args.size:
        print(json.dumps(measure(args.size, args.queries)))
        return
    sizes = (
        {"10k": 10_000, "100k": 30_000, "1m": 60_000}
        if args.quick
        else {"10k": 10_000, "100k": 100_000, "1m": 1_000_000}
    )
    queries = 40 if args.quick else 100
    out: dict[str, object] = {"query_sizes": sizes}
    for key, size in sizes.items():
        me = [sys.executable, __file__, "--size", str(size)]
        subprocess.run([*me, "--prepare"], check=True, cwd=ROOT)
        done = subprocess.run([*me, "--queries", str(queries)], cwd=ROOT, capture_output=True, text=True)
        if done.returncode:
            sys.exit(f"bench query at {size} passages failed:\n{done.stderr}")
        r = json.loads(done.stdout.strip().splitlines()[-1])
        out[f"query_p50_ms_{key}"] = r["p50_ms"]
        out[f"query_p95_ms_{key}"] = r["p95_ms"]
        out[f"serve_peak_rss_mb_{key}"] = r["peak_rss_mb"]
        out[f"index_load_s_{key}"] = r["load_s"]
        out[f"query_first_pass_p50_ms_{key}"] = r["first_pass_p50_ms"]
        if "ann_recall10" in r:
            out[f"ann_recall10_{key}"] = r["ann_recall10"]
    largest, size = list(sizes.items())[-1]
    for name, value in two_processes(size, queries).items():
        out[f"serve_{name}_{largest}"] = value
    emit(out)


if __name__ == "__main__":
    main()
