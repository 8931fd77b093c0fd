"""A full disk, a read-only or misnamed index folder, unreadable and looping corpus files: one
line each, and nothing lost (the live index stays as it was, nothing half-written is left)."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.cli import main
from assistant.config import Settings

from ..conftest import ROOT


def test_an_index_path_that_is_a_file_and_an_unwritable_json_path_are_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], real_settings: Settings
) -> None:
    (tmp_path / "a-file").write_text("x")
    assert main(["build", "--index", str(tmp_path / "a-file")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "is a file, not a folder; pass --index with a folder" in err
    built = ["--corpus", str(real_settings.corpus_dir), "--index", str(real_settings.index_dir)]
    answers = str(ROOT / "eval" / "answers-holdout.jsonl")
    assert main(["eval", "--answers", answers, *built, "--json", str(tmp_path / "no" / "x.json")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot write" in err and "pass --json a file you can write" in err
