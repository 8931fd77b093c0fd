"""Web furniture removal measured on labelled pages (eval/furniture/; format in its README).

    .venv/bin/python eval/furniture.py [--errors] [--json OUT]

Copied text (``*.txt``) is cleaned with ``assistant.ingest.furniture.clean``; a labelled line (or
sentence) counts as removed when the cleaning removed it. Saved pages (``*.html``) go the whole
way ``add`` takes them (the page's text extracted, then cleaned); each line a browser shows is
furniture when it stands inside an element marked ``data-furniture``, and removed when it is not
in the article ``add`` would write. Furniture is the positive class: precision is the share of
removed lines that are furniture (article text lost), recall the share of furniture lines
removed (furniture left in the article).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from assistant.ingest.convert import from_html, left_out
from assistant.ingest.furniture import clean

PAGES = Path(__file__).resolve().parent / "furniture"


@dataclass(frozen=True)
class Unit:
    text: str
    furniture: bool
    line: str  # the whole line it is part of
    number: int  # that line's number in the page (from 1)


def parse(labelled: str) -> tuple[str, list[Unit]]:
    """The page as it was copied, and its labelled lines and sentences."""
    lines, units = [], []
    for number, raw in enumerate(labelled.split("\n"), 1):
        pieces = re.split(r"(\{[fc]\})", raw)
        label, plain, labelled = False, [], []
        for piece in pieces:
            if piece in ("{f}", "{c}"):
                label = piece == "{f}"
                continue
            plain.append(piece)
            if piece.strip():
                labelled.append((piece, label))
        line = "".join(plain)
        lines.append(line)
        units += [Unit(" ".join(piece.split()), label, " ".join(line.split()), number) for piece, label in labelled]
    return "\n".join(lines), units


def score(page: str, units: list[Unit]) -> list[tuple[Unit, bool]]:
    """Each unit with whether the cleaning removed it (itself, or the whole line it is on)."""
    removed = {(r.line, " ".join(r.text.split())) for r in clean(page).removed}
    return [(u, (u.number, u.text) in removed or (u.number, u.line) in removed) for u in units]


def score_html(raw: bytes) -> list[tuple[Unit, bool]]:
    """Each line a browser shows of a labelled page, with whether ``add`` would leave it out."""
    from lxml import html as lxml_html

    page = lxml_html.fromstring(raw)
    article = lxml_html.fromstring(raw)
    for element in article.xpath("//*[@data-furniture]"):
        element.drop_tree()
    for element in page.xpath("//*[@data-furniture]"):
        del element.attrib["data-furniture"]
    unlabelled = lxml_html.tostring(page, encoding="unicode").encode()
    extracted = from_html(unlabelled, "page")
    kept = clean(extracted.text, extracted.links).text
    shown = left_out(lxml_html.fromstring(unlabelled), "")  # every line a browser shows
    not_furniture = set(left_out(article, ""))
    removed = set(left_out(lxml_html.fromstring(unlabelled), kept))
    return [(Unit(line, line not in not_furniture, line, n), line in removed) for n, line in enumerate(shown, 1)]


def figures(rows: list[tuple[Unit, bool]]) -> dict[str, float]:
    tp = sum(u.furniture and cut for u, cut in rows)
    fp = sum(not u.furniture and cut for u, cut in rows)
    fn = sum(u.furniture and not cut for u, cut in rows)
    return {
        "lines": len(rows),
        "furniture": tp + fn,
        "precision": tp / (tp + fp) if tp + fp else 1.0,
        "recall": tp / (tp + fn) if tp + fn else 1.0,
        "article_lines_lost": fp,
        "furniture_lines_left": fn,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--errors", action="store_true", help="list every wrong line")
    parser.add_argument("--json", type=Path, metavar="OUT")
    args = parser.parse_args()
    every: list[tuple[Unit, bool]] = []
    per_page = {}
    print(f"{'page':28} {'lines':>6} {'furn.':>6} {'precision':>10} {'recall':>8}")
    for path in sorted([*PAGES.glob("*.txt"), *PAGES.glob("*.html")], key=lambda p: (p.suffix, p.name)):
        rows = score_html(path.read_bytes()) if path.suffix == ".html" else score(*parse(path.read_text("utf-8")))
        every += rows
        f = per_page[path.name] = figures(rows)
        print(f"{path.name:28} {f['lines']:6.0f} {f['furniture']:6.0f} {f['precision']:10.3f} {f['recall']:8.3f}")
        if args.errors:
            for unit, cut in rows:
                if unit.furniture != cut:
                    print(f"    {'lost' if cut else 'left'}: {unit.text[:100]}")
    total = figures(every)
    print(
        f"{'all':28} {total['lines']:6.0f} {total['furniture']:6.0f} {total['precision']:10.3f} {total['recall']:8.3f}"
    )
    if args.json:
        args.json.write_text(json.dumps({"all": total, "pages": per_page}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
