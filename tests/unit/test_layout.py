"""The shape of the package: stages as sub-packages importing only the stages before them,
small modules, a small top level (README's Files section describes it)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "assistant"
#: each stage, with the stages it may import (the shared base, config, errors and records, always)
MAY_IMPORT = {
    "language": set(),
    "embed": set(),
    "ingest": {"language"},
    "index": {"ingest", "embed", "language"},
    "retrieval": {"index", "embed", "language"},
    "answer": {"retrieval", "index", "language"},
    "serve": {"pipeline", "ingest", "index", "language"},
    "evaluation": {"pipeline", "answer", "retrieval", "index", "ingest", "language"},
}
BASE = {"config", "errors", "records"}


def imports(path: Path) -> set[str]:
    """The first part under assistant/ of every module ``path`` imports from the package."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("assistant."):
            out.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            out |= {a.name.split(".")[1] for a in node.names if a.name.startswith("assistant.")}
    return out


def test_each_stage_imports_only_the_stages_before_it() -> None:
    wrong = []
    for stage, allowed in MAY_IMPORT.items():
        for path in (PACKAGE / stage).glob("*.py"):
            extra = imports(path) - allowed - BASE - {stage}
            if extra:
                wrong.append(f"{path.relative_to(PACKAGE)} imports {sorted(extra)}")
    assert not wrong, wrong
    assert {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()} == set(MAY_IMPORT)


def test_modules_are_small_and_the_top_level_is_the_shared_base_the_pipeline_and_the_command() -> None:
    long = [
        f"{p.relative_to(PACKAGE)}: {n}" for p in PACKAGE.rglob("*.py") if (n := len(p.read_text().splitlines())) > 300
    ]
    assert not long, long
    top = {p.stem for p in PACKAGE.glob("*.py")}
    assert top == {"__init__", "__main__", "cli", "pipeline"} | BASE
