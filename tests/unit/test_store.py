import json
import multiprocessing
import os
from pathlib import Path

import pytest

from assistant.errors import IndexCorruptError, IndexLockedError, IndexMissingError
from assistant.index import store


def publish(index_dir: Path, payload: str) -> Path:
    staging = store.new_staging(index_dir)
    (staging / "data.txt").write_text(payload)
    return store.commit(index_dir, staging, {"note": payload})


def test_commit_publishes_a_verified_generation(tmp_path: Path) -> None:
    first = publish(tmp_path, "one")
    generation, manifest = store.open_generation(tmp_path)
    assert generation == first and manifest["note"] == "one"
    assert manifest["files"]["data.txt"]["bytes"] == 3


def test_no_index_says_to_build(tmp_path: Path) -> None:
    with pytest.raises(IndexMissingError, match="yoga-assistant build"):
        store.open_generation(tmp_path)


def test_changed_bytes_and_missing_files_are_detected(tmp_path: Path) -> None:
    generation = publish(tmp_path, "payload")
    (generation / "data.txt").write_text("paylo4d")
    with pytest.raises(IndexCorruptError, match="checksum"):
        store.open_generation(tmp_path)
    (generation / "data.txt").unlink()
    with pytest.raises(IndexCorruptError, match="missing"):
        store.open_generation(tmp_path)


def age(generation: Path, seconds: float) -> None:
    """Make every file of ``generation`` look written ``seconds`` ago."""
    for path in generation.rglob("*"):
        st = path.stat()
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns - int(seconds * 1e9)))


def count_hashes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    hashed: list[str] = []
    real = store.sha256_file

    def counting(path: Path) -> str:
        hashed.append(path.name)
        return real(path)

    monkeypatch.setattr(store, "sha256_file", counting)
    return hashed


def test_a_file_checked_before_and_unchanged_since_is_not_hashed_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    generation = publish(tmp_path, "payload")
    age(generation, 60)  # written long before it is checked: not within a clock tick of the check
    hashed = count_hashes(monkeypatch)
    store.open_generation(tmp_path)
    assert hashed == ["data.txt"]  # moved in time since the build recorded it: hashed once more
    store.open_generation(tmp_path)
    assert hashed == ["data.txt"]  # and trusted from then on
    (generation / "data.txt").write_text("paylo4d")  # the same size, written in place
    with pytest.raises(IndexCorruptError, match="checksum"):
        store.open_generation(tmp_path)


def test_a_file_changed_within_a_clock_tick_of_its_check_is_still_caught(tmp_path: Path) -> None:
    generation = publish(tmp_path, "payload")
    store.open_generation(tmp_path)  # checked right after it was written
    path = generation / "data.txt"
    state = path.stat()
    path.write_text("paylo4d")
    os.utime(path, ns=(state.st_atime_ns, state.st_mtime_ns))  # as if in the same tick: same stat data
    with pytest.raises(IndexCorruptError, match="checksum"):
        store.open_generation(tmp_path)


def test_an_unwritable_record_of_checks_means_checking_every_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    generation = publish(tmp_path, "payload")
    age(generation, 60)
    (generation / store.CHECKED).unlink()
    monkeypatch.setattr(store, "_write_checked", lambda *a: None)  # a read-only index
    hashed = count_hashes(monkeypatch)
    store.open_generation(tmp_path)
    store.open_generation(tmp_path)
    assert hashed == ["data.txt", "data.txt"]


def test_damaged_manifest_and_pointer(tmp_path: Path) -> None:
    generation = publish(tmp_path, "x")
    (generation / "manifest.json").write_text("{not json")
    with pytest.raises(IndexCorruptError, match="damaged"):
        store.open_generation(tmp_path)
    (tmp_path / "CURRENT").write_text("../../etc")
    with pytest.raises(IndexCorruptError):
        store.open_generation(tmp_path)


def test_clean_keeps_live_and_previous_and_removes_leftovers(tmp_path: Path) -> None:
    old = publish(tmp_path, "1")
    previous = publish(tmp_path, "2")
    live = publish(tmp_path, "3")
    assert [store.generation_number(p) for p in (old, previous, live)] == [1, 2, 3]
    leftover = store.new_staging(tmp_path)
    store.clean(tmp_path)
    names = {p.name for p in tmp_path.iterdir()}
    assert live.name in names and previous.name in names
    assert old.name not in names and leftover.name not in names
    assert json.loads((live / "manifest.json").read_text())["note"] == "3"


def _hold_lock(
    index_dir: str, ready: "multiprocessing.synchronize.Event", release: "multiprocessing.synchronize.Event"
) -> None:
    with store.build_lock(Path(index_dir)):
        ready.set()
        release.wait(10)


def test_a_second_build_is_told_the_index_is_locked(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("spawn")
    ready, release = ctx.Event(), ctx.Event()
    holder = ctx.Process(target=_hold_lock, args=(str(tmp_path), ready, release))
    holder.start()
    try:
        assert ready.wait(20)
        with pytest.raises(IndexLockedError, match="another build"), store.build_lock(tmp_path):
            pass
    finally:
        release.set()
        holder.join(10)
    with store.build_lock(tmp_path):  # free again once the other build ends
        pass
