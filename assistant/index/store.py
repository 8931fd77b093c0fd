"""The index on disk: generations, an atomic pointer, checksums and a build lock.

``index/`` holds complete generations ``gen-*/`` and a one-line file ``CURRENT`` that
names the live one. A build writes a new generation beside the live one, fsyncs it, and
then replaces ``CURRENT`` with one atomic rename, so a crash at any moment leaves
either the old or the new index loadable, never a mix. Every file's SHA-256 is in the
generation's ``manifest.json`` and is checked before the index is used. Hashing gigabytes at
every start would cost seconds, so ``checked.json`` remembers each file's size, modification
time and inode when its hash last matched: a file still in that state is not read again
(any write changes it), as git trusts its index for files whose stat data is unchanged.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import signal
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import filelock

from assistant.errors import IndexCorruptError, IndexFormatError, IndexLockedError, IndexMissingError, IndexWriteError

FORMAT_VERSION = 4
POINTER = "CURRENT"
LOCK = ".lock"
#: private copies of vector files that chats before format 4 mapped (left only by a crash)
SERVING_PREFIX = ".serving-"
MANIFEST = "manifest.json"
#: which files' checksums were verified, and in what state (size, modification time, inode)
CHECKED = "checked.json"
#: a file modified this close to when it was checked may have changed within one tick of the
#: file system's clock after it was read (as git's "racy" files): it is checked again
RACY_NS = 2_000_000_000
KEEP_GENERATIONS = 2  # the live one and the one before, for readers still using it
BUILD_HINT = "run 'yoga-assistant build'"
#: environment variable naming a crash point (tests only; see crash_point)
CRASH_AT = "ASSISTANT_CRASH_AT"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_tree(folder: Path) -> None:
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            with path.open("rb") as f:
                os.fsync(f.fileno())
    for path in sorted((p for p in folder.rglob("*") if p.is_dir()), reverse=True):
        _fsync_dir(path)
    _fsync_dir(folder)


def current_generation(index_dir: Path) -> Path | None:
    """The live generation folder, or None when no build has completed."""
    try:
        name = (index_dir / POINTER).read_text(encoding="utf-8").strip()
    except (FileNotFoundError, NotADirectoryError):
        return None
    except (OSError, UnicodeDecodeError):
        raise IndexCorruptError(f"{index_dir / POINTER} is unreadable; {BUILD_HINT}") from None
    if not name.startswith("gen-") or "/" in name or name != name.strip():
        raise IndexCorruptError(f"{index_dir / POINTER} names no generation; {BUILD_HINT}")
    return index_dir / name


def new_staging(index_dir: Path) -> Path:
    """A fresh folder to write a generation into; invisible to readers until committed."""
    index_dir.mkdir(parents=True, exist_ok=True)
    staging = index_dir / f".staging-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    staging.mkdir()
    return staging


def crash_point(name: str) -> None:
    """Fault injection for the crash tests: die here, as SIGKILL would, when asked to."""
    if os.environ.get(CRASH_AT) == name:
        os.kill(os.getpid(), signal.SIGKILL)


def commit(index_dir: Path, staging: Path, manifest: dict[str, Any]) -> Path:
    """Checksum, fsync and publish ``staging`` as the live generation; returns its folder."""
    files, states = {}, {}
    hashed_at = time.time_ns()
    for path in sorted(p for p in staging.rglob("*") if p.is_file()):
        rel = path.relative_to(staging).as_posix()
        states[rel] = _state(path)
        files[rel] = {"sha256": sha256_file(path), "bytes": states[rel][0]}
    manifest = {**manifest, "format_version": FORMAT_VERSION, "files": files}
    (staging / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True), encoding="utf-8")
    _write_checked(staging, states, hashed_at)
    _fsync_tree(staging)
    crash_point("staged")
    name = f"gen-{_number(index_dir) + 1:06d}-{uuid.uuid4().hex[:6]}"
    generation = index_dir / name
    staging.rename(generation)
    pointer_tmp = index_dir / f".{POINTER}.{os.getpid()}.tmp"
    try:
        _fsync_dir(index_dir)
        with pointer_tmp.open("w", encoding="utf-8") as f:
            f.write(name + "\n")
            f.flush()
            os.fsync(f.fileno())
        crash_point("before-swap")
        os.replace(pointer_tmp, index_dir / POINTER)  # the one atomic step that publishes the build
    except BaseException:  # not published: leave nothing behind
        pointer_tmp.unlink(missing_ok=True)
        shutil.rmtree(generation, ignore_errors=True)
        raise
    crash_point("after-swap")
    _fsync_dir(index_dir)
    return generation


def generation_number(path: Path) -> int:
    """Generations are numbered in the order they were published: gen-000012-1a2b3c is the 12th
    (0 for a name without a number, such as one written by an older version)."""
    part = path.name.split("-")[1] if path.name.count("-") >= 2 else ""
    return int(part) if part.isdigit() else 0


def _number(index_dir: Path) -> int:
    """The highest generation number in ``index_dir``."""
    return max((generation_number(p) for p in index_dir.glob("gen-*")), default=0)


def clean(index_dir: Path) -> list[str]:
    """Remove unfinished builds and generations older than the ones kept; returns what went."""
    if not index_dir.is_dir():
        return []
    live = current_generation(index_dir)
    keep: set[Path] = set()
    if live is not None and live.is_dir():
        older = sorted(
            (p for p in index_dir.glob("gen-*") if p.is_dir() and generation_number(p) < generation_number(live)),
            key=generation_number,
        )
        keep = {live, *older[len(older) - (KEEP_GENERATIONS - 1) :]}
    removed = []
    for path in sorted(index_dir.iterdir()):
        stale = path.name.startswith((".staging-", f".{POINTER}.", SERVING_PREFIX))
        if stale or (path.name.startswith("gen-") and path not in keep):
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
            removed.append(path.name)
            crash_point("cleaning")
    return removed


@contextlib.contextmanager
def build_lock(index_dir: Path, *, wait: float = 0.0) -> Iterator[None]:
    """Hold the index's build lock (an flock on ``.lock``, through filelock); ``IndexLockedError``
    if another build keeps it past ``wait`` s, ``IndexWriteError`` when the folder cannot be written."""
    lock = filelock.FileLock(index_dir / LOCK, timeout=wait)
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
        lock.acquire()
    except filelock.Timeout:
        raise IndexLockedError(
            f"another build is running on {index_dir}; wait for it to finish and try again"
        ) from None
    except (FileExistsError, NotADirectoryError):
        raise IndexWriteError(f"{index_dir} is a file, not a folder; pass --index with a folder") from None
    except OSError as error:
        raise IndexWriteError(
            f"cannot write to the index folder {index_dir} ({error.strerror}); fix its permissions or pass --index DIR"
        ) from None
    try:
        yield
    finally:
        lock.release()


def read_manifest(generation: Path) -> dict[str, Any]:
    try:
        manifest = json.loads((generation / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise IndexCorruptError(f"{generation / MANIFEST} is missing; {BUILD_HINT}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        raise IndexCorruptError(f"{generation / MANIFEST} is damaged; {BUILD_HINT}") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        raise IndexCorruptError(f"{generation / MANIFEST} is damaged; {BUILD_HINT}")
    found = manifest.get("format_version")
    if found != FORMAT_VERSION:
        by = "an older" if isinstance(found, int) and found < FORMAT_VERSION else "another"
        raise IndexFormatError(
            f"the index in {generation.parent} was written by {by} version (format {found}; this version "
            f"reads {FORMAT_VERSION}); {BUILD_HINT} to rebuild it",
            found,
        )
    return manifest


def _state(path: Path) -> list[int]:
    st = path.stat()
    return [st.st_size, st.st_mtime_ns, st.st_ino]


def _read_checked(generation: Path) -> tuple[int, dict[str, list[int]]]:
    """When the files were last checked, and the state each was in (nothing when unreadable)."""
    try:
        raw = json.loads((generation / CHECKED).read_text(encoding="utf-8"))
        return int(raw["at"]), {str(k): [int(x) for x in v] for k, v in raw["files"].items()}
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return 0, {}


def _write_checked(generation: Path, states: dict[str, list[int]], at: int) -> None:
    """Remember ``states`` as checked at ``at`` (best effort: a read-only index is checked in full)."""
    tmp = generation / f".{CHECKED}.{os.getpid()}.tmp"
    try:
        tmp.write_text(json.dumps({"at": at, "files": states}), encoding="utf-8")
        os.replace(tmp, generation / CHECKED)
    except OSError:
        tmp.unlink(missing_ok=True)


def verify(generation: Path, manifest: dict[str, Any]) -> None:
    """Every file the manifest lists exists with its size and SHA-256. A file's hash is not
    computed again while its state is the one recorded when it last matched (see the module)."""
    at, checked = _read_checked(generation)
    now = time.time_ns()
    states, hashed = {}, False
    for rel, meta in manifest["files"].items():
        path = generation / rel
        if not path.is_file():
            raise IndexCorruptError(f"index file {rel} is missing; {BUILD_HINT}")
        state = _state(path)
        if state[0] != meta.get("bytes"):
            raise IndexCorruptError(f"index file {rel} is damaged (checksum mismatch); {BUILD_HINT}")
        if checked.get(rel) != state or state[1] > at - RACY_NS:
            if sha256_file(path) != meta.get("sha256"):
                raise IndexCorruptError(f"index file {rel} is damaged (checksum mismatch); {BUILD_HINT}")
            hashed = True
        states[rel] = state
    if hashed:
        _write_checked(generation, states, now)


def open_generation(index_dir: Path, *, check: bool = True) -> tuple[Path, dict[str, Any]]:
    """The live generation and its manifest, verified; errors say what to run."""
    generation = current_generation(index_dir)
    if generation is None:
        raise IndexMissingError(f"no index in {index_dir}; {BUILD_HINT} first")
    if not generation.is_dir():
        raise IndexCorruptError(f"the live index folder {generation.name} is missing; {BUILD_HINT}")
    manifest = read_manifest(generation)
    if check:
        verify(generation, manifest)
    return generation, manifest
