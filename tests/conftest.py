"""Shared fixtures: a deterministic fake embedder for the stages around the model, and one
real index (bundled model, real corpus) built once per test session for the main path."""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from assistant.config import Settings, load_settings
from assistant.language.text import tokenize

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
QUESTIONS = ROOT / "eval" / "questions.jsonl"


class FakeEmbedder:
    """Bag of stemmed words hashed into 64 dimensions: similar words, similar vectors. No model."""

    def __init__(self, name: str = "fake", dim: int = 64, max_words: int = 400) -> None:
        self.name = name
        self._dim = dim
        self.max_words = max_words
        self.encoded: list[str] = []

    @property
    def dim(self) -> int:
        return self._dim

    @property
    def precision(self) -> str:
        return "fp32"

    def _vector(self, text: str) -> np.ndarray:
        v = np.zeros(self._dim, dtype=np.float32)
        for word in tokenize(text) or ["_"]:
            h = int(hashlib.md5((self.name + word).encode()).hexdigest(), 16)
            v[h % self._dim] += 1.0 if (h >> 8) % 2 else -1.0
        norm = np.linalg.norm(v)
        return v / norm if norm else v

    def encode(self, texts: Sequence[str], *, progress: Callable[[int], None] | None = None) -> np.ndarray:
        self.encoded.extend(texts)
        if progress:
            progress(len(texts))
        return np.stack([self._vector(t) for t in texts]) if texts else np.zeros((0, self._dim), np.float32)

    def encode_passages(self, texts, sentences, *, progress=None):  # type: ignore[no-untyped-def]
        pieces = [t[s:e] for t, spans in zip(texts, sentences, strict=True) for s, e in spans]
        passages = self.encode(texts, progress=progress)
        return passages, (np.stack([self._vector(p) for p in pieces]) if pieces else np.zeros((0, self._dim)))

    def encode_query(self, text: str) -> np.ndarray:
        return self._vector(text)

    def fits(self, text: str) -> bool:
        return len(text.split()) <= self.max_words

    def fingerprint(self) -> list[float]:
        return [round(float(x), 4) for x in self._vector("probe")]


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture
def corpus_copy(tmp_path: Path) -> Path:
    """A writable copy of the real corpus."""
    target = tmp_path / "corpus"
    shutil.copytree(CORPUS, target)
    return target


@pytest.fixture
def fake_settings(tmp_path: Path, corpus_copy: Path) -> Settings:
    return load_settings(env={}, corpus_dir=corpus_copy, index_dir=tmp_path / "index", model="fake")


@pytest.fixture(scope="session")
def real_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The real corpus with an index built by the real bundled model (once per session)."""
    from assistant.cli import run_build

    settings = load_settings(env={}, corpus_dir=CORPUS, index_dir=tmp_path_factory.mktemp("real") / "index")
    run_build(settings, quiet=True)
    return settings


@pytest.fixture(scope="session")
def real_assistant(real_settings: Settings):  # type: ignore[no-untyped-def]
    from assistant.pipeline import Assistant

    return Assistant(real_settings)


#: fixtures with the real bundled model: the integration tier's, never a unit test's
REAL = frozenset({"real_settings", "real_assistant"})


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The folder is the tier: tests/integration is ``slow`` (make test-all), tests/e2e is marked
    ``e2e`` or ``load`` in its files; a unit test that asks for the real model is a mistake."""
    for item in items:
        tier = item.path.parent.name
        if tier == "integration":
            item.add_marker(pytest.mark.slow)
        elif tier == "unit" and REAL & set(getattr(item, "fixturenames", ())):
            raise pytest.UsageError(f"{item.nodeid} uses the real model: move it to tests/integration")
