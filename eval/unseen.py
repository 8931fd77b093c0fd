"""Answer quality on articles the tuning never saw: the corpus plus tests/fixtures/articles/.

    .venv/bin/python eval/unseen.py [--worst N] [--json OUT]

The five fixture articles are written in styles the corpus does not have (a class transcript,
a listicle with an author bio, an FAQ page, a blog with filler, a reference entry on a pose the
lexicon lacks). They are copied beside the corpus into a temporary folder, built into a
temporary index, and eval/answers-unseen.jsonl is run against it, as a user adding articles would.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from assistant.cli import main as cli

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "articles"


@contextmanager
def with_fixtures() -> Iterator[list[str]]:
    """A temporary corpus (corpus/ plus the fixture articles) built into a temporary index;
    yields the ``--corpus``/``--index`` arguments for the CLI."""
    with tempfile.TemporaryDirectory(prefix="unseen-") as tmp:
        corpus, index = Path(tmp) / "corpus", Path(tmp) / "index"
        shutil.copytree(ROOT / "corpus", corpus)
        for article in sorted(FIXTURES.iterdir()):
            shutil.copy(article, corpus / article.name)
        where = ["--corpus", str(corpus), "--index", str(index)]
        if cli(["build", *where]):
            raise SystemExit("the build failed")
        yield where


def main(argv: list[str]) -> int:
    with with_fixtures() as where:
        return cli(["eval", "--answers", str(ROOT / "eval" / "answers-unseen.jsonl"), *where, *argv])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
