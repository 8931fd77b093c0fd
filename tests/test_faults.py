"""Faults: builds killed at any moment, damaged index files, bad corpus files, two builds at once.

These run the real command-line build in subprocesses with the real model, as a user would."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from assistant import store
from assistant.config import Settings, load_settings
from assistant.errors import IndexCorruptError, IndexMismatchError
from assistant.index import Index
from assistant.pipeline import Assistant

from .conftest import CORPUS, ROOT

pytestmark = pytest.mark.slow
QUESTION = "how long should I hold tree pose?"
TREE = (
    "Tree Pose Notes\n\n"
    "Stand on one leg and press the foot into the inner thigh. Hold tree pose for ten slow breaths.\n"
)


def build_cmd(corpus: Path, index: Path) -> list[str]:
    return [sys.executable, "-m", "assistant", "build", "--corpus", str(corpus), "--index", str(index)]


def run(cmd: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env={**os.environ, **env}, timeout=300)


def answer_of(settings: Settings, embedder) -> str:  # type: ignore[no-untyped-def]
    a = Assistant(settings, embedder=embedder).ask(QUESTION)
    return json.dumps([a.text, [(c.article, c.start, c.end) for c in a.citations]])


@pytest.fixture(scope="module")
def two_corpora(  # type: ignore[no-untyped-def]
    tmp_path_factory: pytest.TempPathFactory, real_settings: Settings, real_assistant: Assistant
):
    """An index of the real corpus ('old') and the answers before and after adding an article."""
    tmp = tmp_path_factory.mktemp("faults")
    old_corpus, new_corpus = tmp / "old", tmp / "new"
    shutil.copytree(CORPUS, old_corpus)
    shutil.copytree(CORPUS, new_corpus)
    (new_corpus / "tree-notes.md").write_text(TREE)
    old_index = tmp / "old-index"
    old_index.mkdir()
    shutil.copytree(real_settings.models_dir, old_index / "models")  # no second model export
    assert run(build_cmd(old_corpus, old_index)).returncode == 0
    new_index = tmp / "new-index"
    shutil.copytree(old_index, new_index)
    assert run(build_cmd(new_corpus, new_index)).returncode == 0
    embedder = real_assistant.embedder
    old = answer_of(load_settings(env={}, corpus_dir=old_corpus, index_dir=old_index), embedder)
    new = answer_of(load_settings(env={}, corpus_dir=new_corpus, index_dir=new_index), embedder)
    assert old != new and "ten slow breaths" in new
    return tmp, new_corpus, old_index, old, new, embedder


def leftovers(index: Path) -> list[str]:
    return [p.name for p in index.iterdir() if p.name.startswith((".staging-", f".{store.POINTER}."))]


def test_a_build_killed_at_any_moment_leaves_the_old_or_the_new_index(two_corpora) -> None:  # type: ignore[no-untyped-def]
    tmp, new_corpus, old_index, old, new, embedder = two_corpora
    rng = random.Random(20261123)
    cases = [("random", rng.uniform(0.05, 1.5)) for _ in range(20)]
    cases += [(point, 0.0) for point in ("staged", "before-swap", "after-swap")]
    outcomes = []
    for n, (how, delay) in enumerate(cases):
        work = tmp / f"work-{n}"
        shutil.copytree(old_index, work)
        if how == "random":
            proc = subprocess.Popen(
                build_cmd(new_corpus, work), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            time.sleep(delay)
            proc.send_signal(signal.SIGKILL)
            proc.wait()
        else:
            done = run(build_cmd(new_corpus, work), **{store.CRASH_AT: how})
            assert done.returncode == -signal.SIGKILL, done.stderr
        settings = load_settings(env={}, corpus_dir=new_corpus, index_dir=work)
        got = answer_of(settings, embedder)  # loads and verifies the index
        assert got in (old, new), f"{how} after {delay:.2f} s: answered from neither index"
        outcomes.append(got == new)
        if how == "staged" or how == "before-swap":
            assert got == old
        if how == "after-swap":
            assert got == new
        if n % 4 == 0 or how != "random":  # the next build finishes the job and cleans up
            assert run(build_cmd(new_corpus, work)).returncode == 0
            assert answer_of(settings, embedder) == new and not leftovers(work)
            assert len(list(work.glob("gen-*"))) <= store.KEEP_GENERATIONS
        shutil.rmtree(work)
    assert any(outcomes) and not all(outcomes)  # the kills landed both before and after the swap


def test_a_second_build_is_told_the_index_is_locked(two_corpora) -> None:  # type: ignore[no-untyped-def]
    _, new_corpus, old_index, *_ = two_corpora
    with store.build_lock(old_index):
        done = run(build_cmd(new_corpus, old_index))
    assert done.returncode == 1 and "another build is running" in done.stderr
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr


def flip(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x5A
    path.write_bytes(bytes(data))


def test_damaged_index_files_are_detected_before_use(two_corpora, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _, new_corpus, old_index, *_ = two_corpora
    index = tmp_path / "index"
    shutil.copytree(old_index, index)
    settings = load_settings(env={}, corpus_dir=new_corpus, index_dir=index)
    generation = store.current_generation(index)
    assert generation is not None
    files = [p for p in generation.rglob("*") if p.is_file() and p.name != store.MANIFEST]
    assert len(files) >= 8
    for path in files:
        original = path.read_bytes()
        for damage in ("truncate", "flip", "delete"):
            if damage == "truncate":
                path.write_bytes(original[: len(original) // 2])
            elif damage == "flip":
                flip(path)
            else:
                path.unlink()
            with pytest.raises(IndexCorruptError, match="yoga-assistant build"):
                Index.open(settings)
            path.write_bytes(original)
    Index.open(settings)  # whole again
    cli = run([sys.executable, "-m", "assistant", "ask", "hero?", "--corpus", str(new_corpus), "--index", str(index)])
    assert cli.returncode == 0
    flip(generation / "vectors.npy")
    cli = run([sys.executable, "-m", "assistant", "ask", "hero?", "--corpus", str(new_corpus), "--index", str(index)])
    assert cli.returncode == 1 and cli.stderr.count("\n") == 1 and "yoga-assistant build" in cli.stderr


def rewrite_manifest(generation: Path, change) -> None:  # type: ignore[no-untyped-def]
    manifest = json.loads((generation / store.MANIFEST).read_text())
    change(manifest)
    (generation / store.MANIFEST).write_text(json.dumps(manifest))


def test_an_index_from_another_model_or_with_mismatched_records_is_refused(two_corpora, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _, new_corpus, old_index, _, _, embedder = two_corpora
    index = tmp_path / "index"
    shutil.copytree(old_index, index)
    settings = load_settings(env={}, corpus_dir=new_corpus, index_dir=index)
    generation = store.current_generation(index)
    assert generation is not None

    def other_weights(m):  # type: ignore[no-untyped-def]  # same name and dimension, other vectors
        m["model"]["fingerprint"] = [-x for x in m["model"]["fingerprint"]]

    rewrite_manifest(generation, other_weights)
    with pytest.raises(IndexMismatchError, match="different model weights"):
        Assistant(settings, embedder=embedder).ask("hero?")
    rewrite_manifest(generation, other_weights)  # back

    rewrite_manifest(generation, lambda m: m["model"].update(name="bge-small-en"))
    with pytest.raises(IndexMismatchError, match="bge-small-en"):
        Index.open(settings)
    rewrite_manifest(generation, lambda m: m["model"].update(name=settings.model))

    chunks = generation / "chunks.jsonl"
    chunks.write_text("".join(chunks.read_text().splitlines(keepends=True)[:-1]))  # one record short

    def accept_file(m):  # type: ignore[no-untyped-def]  # as if the records were written that way
        m["files"]["chunks.jsonl"] = {"sha256": store.sha256_file(chunks), "bytes": chunks.stat().st_size}

    rewrite_manifest(generation, accept_file)
    with pytest.raises(IndexCorruptError, match="do not match"):
        Index.open(settings)


def billion_laughs() -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [{','.join([f'*{prev}'] * 9)}]")
    return "---\n" + "\n".join(lines) + "\ntitle: Laughs\nposes: *i\n---\nHero pose text.\n"


def test_bad_corpus_files_are_skipped_with_reasons_or_fail_strict(two_corpora, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _, _, old_index, *_ = two_corpora
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    outside = tmp_path / "secret.md"
    outside.write_text("Secret\nNever index this.")
    bad = {
        "empty.md": b"",
        "spaces.md": b" \n\t \n",
        "latin1.md": "Hero pose, caf\u00e9 style".encode("latin-1"),
        "invalid.md": b"Hero \xc3\x28 pose",
        "binary.md": os.urandom(4096),
        "huge.md": b"a" * (50 * 1024 * 1024),
        "yaml.md": b"---\ntitle: [broken\n---\nBody.",
        "hostile-yaml.md": billion_laughs().encode(),
        "zz-duplicate.md": (CORPUS / "stretch-back-of-leg.md").read_bytes(),
    }
    for name, data in bad.items():
        (corpus / name).write_bytes(data)
    (corpus / "link.md").symlink_to(outside)
    (corpus / "one-line.md").write_text("Long line\n" + "hero pose knees " * 20_000)  # one 320 kB line
    index = tmp_path / "index"
    index.mkdir()
    shutil.copytree(old_index / "models", index / "models")
    done = run(build_cmd(corpus, index))
    assert done.returncode == 0, done.stderr
    skipped = {
        line.split(":")[0].removeprefix("skipped ") for line in done.stderr.splitlines() if line.startswith("skipped")
    }
    assert skipped == {*bad, "link.md"}, done.stderr
    assert "Traceback" not in done.stderr and "6 articles" in done.stdout  # the five, and the long one
    strict = run([*build_cmd(corpus, index), "--strict"])
    assert strict.returncode == 1 and strict.stderr.count("\n") == 1 and "--strict" in strict.stderr
