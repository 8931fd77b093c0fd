"""Rebuild time on a corpus of 1,000 articles (synthetic: the real articles' sentences
recombined): `yoga-assistant build` with nothing changed, and with one article changed.
Each run is the command as a user types it (a new process, imports included)."""

from __future__ import annotations

import argparse
import random
import shutil

from common import CACHE, corpus_sentences, emit, median, run_cli


def write_corpus(folder, n: int, seed: int = 7) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(seed)
    sentences = corpus_sentences()
    folder.mkdir(parents=True)
    for i in range(n):
        paragraphs = ["\n".join(rng.sample(sentences, 4)) for _ in range(3)]
        body = f"Practice notes {i}\n\n" + "\n\n".join(paragraphs) + f"\n\nThese are notes number {i}.\n"
        (folder / f"notes-{i:04d}.md").write_text(body, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    articles, repeat = (200, 3) if args.quick else (1000, 5)
    corpus, index = CACHE / "rebuild-corpus", CACHE / "rebuild-index"
    shutil.rmtree(corpus, ignore_errors=True)
    shutil.rmtree(index, ignore_errors=True)
    write_corpus(corpus, articles)
    where = ("--corpus", str(corpus), "--index", str(index))
    first, _ = run_cli("build", *where)
    noop = [run_cli("build", *where)[0] for _ in range(repeat)]
    one = []
    for i in range(repeat):
        path = corpus / f"notes-{i * 7:04d}.md"
        path.write_text(path.read_text(encoding="utf-8") + f"An added closing line, edit {i}.\n", encoding="utf-8")
        one.append(run_cli("build", *where)[0])
    emit(
        {
            "rebuild_articles": articles,
            "rebuild_first_s": first,
            "rebuild_noop_s": median(noop),
            "rebuild_one_s": median(one),
        }
    )


if __name__ == "__main__":
    main()
