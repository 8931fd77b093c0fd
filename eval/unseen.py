"""Answer quality on articles the tuning never saw, added to the corpus as a user would add them.

    .venv/bin/python eval/unseen.py [--set 1|2|3|4] [--worst N] [--json OUT]

Set 1: the five articles in tests/fixtures/articles/ (a class transcript, a listicle with an
author bio, an FAQ page, a blog with filler, a reference entry on a pose the lexicon lacks)
with eval/answers-unseen.jsonl. Set 2: the four in tests/fixtures/articles-2/ (a how-to page
with ads and tips, a physiotherapist's blog, a reference entry, a podcast transcript) with
eval/answers-unseen-2.jsonl, written after the composer was tuned on set 1. Set 3: five articles
in tests/fixtures/articles-3/ (a magazine guide, a teacher's class notes, an FAQ, a video
transcript, a reference entry) with eval/answers-unseen-3.jsonl, written and frozen before the
learned answer stage and never tuned on (docs/answers.md). Set 4: five more (a listicle, a forum
thread, a blog, a fitness page, a clinic handout) with eval/answers-unseen-4.jsonl, written as
training data for the learned scorer. Each set's articles
are copied beside the corpus into a temporary folder, built into a temporary index, and its
questions are run with `yoga-assistant eval --answers`.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from assistant.cli import main as cli

ROOT = Path(__file__).resolve().parents[1]
SETS = {
    "1": (ROOT / "tests" / "fixtures" / "articles", ROOT / "eval" / "answers-unseen.jsonl"),
    "2": (ROOT / "tests" / "fixtures" / "articles-2", ROOT / "eval" / "answers-unseen-2.jsonl"),
    "3": (ROOT / "tests" / "fixtures" / "articles-3", ROOT / "eval" / "answers-unseen-3.jsonl"),
    "4": (ROOT / "tests" / "fixtures" / "articles-4", ROOT / "eval" / "answers-unseen-4.jsonl"),
}
FIXTURES = SETS["1"][0]


@contextmanager
def with_fixtures(fixtures: Path = FIXTURES) -> Iterator[list[str]]:
    """A temporary corpus (corpus/ plus the articles in ``fixtures``) built into a temporary
    index; yields the ``--corpus``/``--index`` arguments for the CLI."""
    with tempfile.TemporaryDirectory(prefix="unseen-") as tmp:
        corpus, index = Path(tmp) / "corpus", Path(tmp) / "index"
        shutil.copytree(ROOT / "corpus", corpus)
        for article in sorted(fixtures.iterdir()):
            shutil.copy(article, corpus / article.name)
        where = ["--corpus", str(corpus), "--index", str(index)]
        if cli(["build", *where]):
            raise SystemExit("the build failed")
        yield where


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=sorted(SETS), default="1")
    args, rest = parser.parse_known_args(argv)
    fixtures, answers = SETS[args.set]
    with with_fixtures(fixtures) as where:
        return cli(["eval", "--answers", str(answers), *where, *rest])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
