"""The raw seed articles through `yoga-assistant add`, against the hand-cleaned corpus/.

    .venv/bin/python eval/seeds.py [--seeds tests/fixtures/seeds] [--guess-poses]

Adds every raw seed file (as copied from the web) to a temporary corpus, then measures:

- **text**: the share of corpus/ sentences the added articles keep, and the share of the added
  articles' lines that are not in corpus/ (furniture the cleaning missed);
- **retrieval and answers**: `eval --questions eval/questions.jsonl` and `eval --answers
  eval/answers.jsonl` on an index built from the added articles, beside the same on corpus/.

Each seed is added with the poses of its corpus/ article passed as --poses, as a user confirms
the poses `add` prints; --guess-poses keeps what `add` found on its own instead.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
import tempfile
from pathlib import Path

from assistant.cli import main as cli
from assistant.ingest.corpus import load_corpus
from assistant.language.text import sentence_spans

ROOT = Path(__file__).resolve().parents[1]


def text_figures(corpus: Path, added: Path) -> tuple[float, float, list[str], list[str]]:
    """Share of corpus sentences kept; share of added lines not in the corpus; and both lists."""
    norm = " ".join
    bodies = " ".join(norm(a.body.split()) for a in load_corpus(corpus).articles)
    out = load_corpus(added).articles
    added_text = " ".join(norm(a.body.split()) for a in out)
    sentences = [a.body[s:e] for a in load_corpus(corpus).articles for s, e in sentence_spans(a.body)]
    lost = [s for s in sentences if norm(s.split()) not in added_text]
    lines = [line for a in out for line in a.body.splitlines() if line.strip()]
    extra = [line for line in lines if norm(line.split()) not in bodies]
    return 1 - len(lost) / len(sentences), len(extra) / len(lines), lost, extra


def evaluate(corpus: Path, index: Path) -> dict[str, float]:
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, flag, path in (
            ("q", "--questions", "eval/questions.jsonl"),
            ("a", "--answers", "eval/answers.jsonl"),
        ):
            out = Path(tmp) / f"{name}.json"
            args = ["eval", flag, str(ROOT / path), "--corpus", str(corpus), "--index", str(index), "--json", str(out)]
            with contextlib.redirect_stdout(io.StringIO()):
                cli(args)
            metrics = json.loads(out.read_text())["metrics"]
            figures.update({k: v for k, v in metrics.items() if isinstance(v, float)})
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=Path, default=ROOT / "tests" / "fixtures" / "seeds")
    parser.add_argument("--guess-poses", action="store_true", help="keep the poses add finds instead of corpus/'s")
    args = parser.parse_args()
    corpus = ROOT / "corpus"
    by_source = {a.source: a for a in load_corpus(corpus).articles}
    with tempfile.TemporaryDirectory() as tmp:
        added, index = Path(tmp) / "corpus", Path(tmp) / "index"
        for seed in sorted(args.seeds.glob("*.txt")):
            poses = [] if args.guess_poses or seed.name not in by_source else by_source[seed.name].poses
            with contextlib.redirect_stdout(io.StringIO()):
                cli(["add", str(seed), "--corpus", str(added), *(["--poses", ", ".join(poses)] if poses else [])])
        kept, extra, lost, furniture = text_figures(corpus, added)
        print(f"corpus sentences kept: {kept:.3f}")
        for s in lost:
            print(f"  lost: {s[:100]}")
        print(f"added lines not in the corpus: {extra:.3f}")
        for line in furniture:
            print(f"  extra: {line[:100]}")
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            cli(["build", "--corpus", str(added), "--index", str(index)])
        new = evaluate(added, index)
    old = evaluate(corpus, ROOT / "index")
    print(f"\n{'metric':28} {'corpus/':>9} {'added':>9} {'change':>9}")
    for key in old:
        print(f"{key:28} {old[key]:9.3f} {new[key]:9.3f} {new[key] - old[key]:+9.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
