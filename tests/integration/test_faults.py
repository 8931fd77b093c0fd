"""Faults: builds killed at any moment, damaged index files, bad corpus files, two builds at once.

These run the real command-line build in subprocesses with the real model, as a user would."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from assistant.config import Settings, load_settings
from assistant.errors import IndexCorruptError, IndexMismatchError
from assistant.index import store
from assistant.index.reader import Index
from assistant.pipeline import Assistant

from ..conftest import CORPUS, ROOT

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


#: every stage a build passes through, in order, and which index a kill there must leave live
CRASH_POINTS = [
    ("locked", "old"),  # lock taken, leftovers cleaned
    ("embedded", "old"),  # new passages embedded, nothing written
    ("writing", "old"),  # half the new generation's files written
    ("written", "old"),  # all written, not yet checksummed
    ("staged", "old"),  # checksummed and synced, not yet renamed
    ("before-swap", "old"),  # renamed into place, pointer not yet replaced
    ("after-swap", "new"),  # the pointer names the new generation
    ("cleaning", "new"),  # removing the generations no longer kept
]


@pytest.mark.parametrize(("point", "left"), CRASH_POINTS)
def test_a_build_killed_at_any_stage_leaves_the_old_or_the_new_index(two_corpora, point: str, left: str) -> None:  # type: ignore[no-untyped-def]
    """SIGKILL at each stage (as a crash or power loss would, deterministically): the index left
    is complete and is the old one until the pointer is swapped, the new one after; the next
    build finishes the job and leaves nothing behind."""
    tmp, new_corpus, old_index, old, new, embedder = two_corpora
    work = tmp / f"work-{point}"
    shutil.copytree(old_index, work)
    live = store.current_generation(work)
    assert live is not None
    shutil.copytree(live, work / "gen-000000-older")  # a generation the build's cleanup will remove
    done = run(build_cmd(new_corpus, work), **{store.CRASH_AT: point})
    assert done.returncode == -signal.SIGKILL, f"the build never reached {point}: {done.stderr[-500:]}"
    settings = load_settings(env={}, corpus_dir=new_corpus, index_dir=work)
    assert answer_of(settings, embedder) == {"old": old, "new": new}[left]  # loads and verifies the index
    assert run(build_cmd(new_corpus, work)).returncode == 0
    assert answer_of(settings, embedder) == new and not leftovers(work)
    assert len(list(work.glob("gen-*"))) <= store.KEEP_GENERATIONS
    shutil.rmtree(work)


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
    files = [p for p in generation.rglob("*") if p.is_file() and p.name not in (store.MANIFEST, store.CHECKED)]
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
    (generation / store.CHECKED).write_text("{damaged")  # only a record of checks: all are made again
    Index.open(settings)
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

    tokens = generation / "passages" / "tokens.npy"
    np.save(tokens, np.load(tokens)[:-1])  # one passage short

    def accept_file(m):  # type: ignore[no-untyped-def]  # as if the columns were written that way
        m["files"]["passages/tokens.npy"] = {"sha256": store.sha256_file(tokens), "bytes": tokens.stat().st_size}

    rewrite_manifest(generation, accept_file)
    with pytest.raises(IndexCorruptError, match="cannot be read"):
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


def test_processes_serving_one_index_at_once_answer_alike(real_settings: Settings, tmp_path: Path) -> None:
    """Chat replicas share one published index: several processes open it at once (the first
    records its checksums, the others find them recorded) and answer the same."""
    index = tmp_path / "index"
    shutil.copytree(real_settings.index_dir, index)
    cmd = [sys.executable, "-m", "assistant", "ask", "how long do I hold pyramid pose?", "--index", str(index)]
    procs = [
        subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT) for _ in range(3)
    ]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], [err for _, err in outs]
    assert outs[0][0] == outs[1][0] == outs[2][0] and "[1]" in outs[0][0]
    generation = store.current_generation(index)
    assert generation is not None and (generation / store.CHECKED).is_file()
    assert not [p for p in generation.iterdir() if p.name.startswith(f".{store.CHECKED}")]  # no leftovers
