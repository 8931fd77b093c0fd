"""What an index was built from, and the one check of whether it still fits.

Every generation's ``manifest.json`` says which model (name, files, weights, precision), which
passage cutting, which pose lexicon, which sentence-role classifier and which articles it was
built from. ``Manifest.check`` compares all of that with the settings, the lexicon, the model
and the articles at hand, once, and ``Fit`` says what can be reused and what must be redone;
the build, the loaded index, the chat and ``eval`` all ask it, and nothing else reads the
fields to decide.
"""

from __future__ import annotations

import contextlib
import platform
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from assistant.config import Settings
from assistant.embed.embedding import Embedder, same_model
from assistant.embed.model_files import model_signature
from assistant.errors import IndexCorruptError, IndexMismatchError
from assistant.index import store
from assistant.language import roles
from assistant.language.text import TOKENIZER
from assistant.records import Article

#: bump when what is embedded, or the passage splitting, changes meaning
EMBED_TEMPLATE = 2
SPLITTER_VERSION = 3
#: bump when how an article's poses are found changes (passages are cut and tagged again)
POSES_VERSION = 3


def chunker_settings(settings: Settings) -> dict[str, Any]:
    """How passages are cut, tagged and embedded: a change to any of these re-cuts them."""
    return {
        "target_tokens": settings.chunk_tokens,
        "max_tokens": settings.chunk_max_tokens,
        "tokenizer": TOKENIZER,
        "splitter_version": SPLITTER_VERSION,
        "poses_version": POSES_VERSION,
        "embed_template": EMBED_TEMPLATE,
    }


def library_versions() -> dict[str, str]:
    names = ["faiss-cpu", "sentence-transformers", "torch", "transformers", "tiktoken", "bm25s", "numpy"]
    versions = {"python": platform.python_version()}
    for name in names:
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions[name] = metadata.version(name)
    return versions


@dataclass(frozen=True, slots=True)
class ModelInfo:
    name: str  # as the settings named it
    dim: int
    precision: str  # what the vectors were computed in: int8, bf16 or fp32
    precision_setting: str  # what the settings asked for (auto picks one per machine)
    fingerprint: tuple[float, ...]  # the probe text's vector (embedding.PROBE_TEXT)
    signature: str  # the model files' identity (model_files.model_signature)
    speeds: Mapping[str, float] = field(default_factory=dict)  # passages/s measured when auto chose


@dataclass(frozen=True, slots=True)
class ArticleEntry:
    sha256: str
    title: str
    path: str
    source: str
    poses: tuple[str, ...]  # the pose ids it teaches
    chunks: int


@dataclass(frozen=True, slots=True)
class Fit:
    """How a built index fits what is at hand; each field is one thing that can be reused."""

    model: bool  # the model the settings name, with the same files
    precision: bool  # built for the precision the settings ask for
    weights: bool  # the loaded model's weights and dimension (True when no model was given)
    vectors: bool  # passage vectors can be copied: same weights, dimension, precision, embedding template
    passages: bool  # passages cut and tagged the same way: model, chunker settings, lexicon
    poses: bool  # each unchanged article's taught poses: same lexicon and pose finding
    roles: bool  # sentences tagged by the same role classifier
    articles: bool  # built from exactly these articles (True when none were given)

    @property
    def up_to_date(self) -> bool:
        """Nothing to rebuild."""
        return self.model and self.precision and self.passages and self.roles and self.articles


@dataclass(frozen=True, slots=True)
class Manifest:
    model: ModelInfo
    chunker: Mapping[str, Any]
    lexicon: str  # the pose lexicon's fingerprint
    roles: str  # the role classifier's fingerprint
    dense: Mapping[str, Any]  # FAISS parameters (dense.choose_params)
    articles: Mapping[str, ArticleEntry]
    chunks: int
    created_at: str = field(default_factory=lambda: time.strftime("%Y-%m-%dT%H:%M:%S%z"))
    libraries: Mapping[str, str] = field(default_factory=library_versions)

    @classmethod
    def load(cls, generation: Path) -> Manifest:
        """The manifest of one generation (format version checked; file checksums are store's)."""
        return cls.from_dict(store.read_manifest(generation), generation)

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any], where: Path | None = None) -> Manifest:
        try:
            model = raw["model"]
            return cls(
                model=ModelInfo(
                    str(model["name"]),
                    int(model["dim"]),
                    str(model["precision"]),
                    str(model.get("precision_setting", "")),
                    tuple(float(x) for x in model["fingerprint"]),
                    str(model.get("signature", "")),
                    {str(k): float(v) for k, v in model.get("speeds", {}).items()},
                ),
                chunker=dict(raw["chunker"]),
                lexicon=str(raw["lexicon"]),
                roles=str(raw.get("roles", "")),
                dense=dict(raw["dense"]),
                articles={
                    str(aid): ArticleEntry(
                        str(a["sha256"]),
                        str(a["title"]),
                        str(a["path"]),
                        str(a["source"]),
                        tuple(str(p) for p in a["poses"]),
                        int(a["chunks"]),
                    )
                    for aid, a in raw["articles"].items()
                },
                chunks=int(raw["counts"]["chunks"]),
                created_at=str(raw.get("created_at", "")),
                libraries=dict(raw.get("libraries", {})),
            )
        except (KeyError, TypeError, ValueError, AttributeError):
            place = f"{where / store.MANIFEST}" if where else "the index manifest"
            raise IndexCorruptError(f"{place} is damaged; {store.BUILD_HINT}") from None

    def dump(self) -> dict[str, Any]:
        """The JSON form ``store.commit`` writes (it adds the format version and checksums)."""
        m = self.model
        return {
            "created_at": self.created_at,
            "model": {
                "name": m.name,
                "dim": m.dim,
                "precision": m.precision,
                "precision_setting": m.precision_setting,
                "fingerprint": list(m.fingerprint),
                "signature": m.signature,
                "speeds": dict(m.speeds),
            },
            "chunker": dict(self.chunker),
            "lexicon": self.lexicon,
            "roles": self.roles,
            "dense": dict(self.dense),
            "counts": {"articles": len(self.articles), "chunks": self.chunks},
            "articles": {
                aid: {
                    "sha256": a.sha256,
                    "title": a.title,
                    "path": a.path,
                    "source": a.source,
                    "poses": list(a.poses),
                    "chunks": a.chunks,
                }
                for aid, a in self.articles.items()
            },
            "libraries": dict(self.libraries),
        }

    def check(
        self,
        settings: Settings,
        *,
        lexicon: str | None = None,
        model: Embedder | None = None,
        articles: Sequence[Article] | None = None,
    ) -> Fit:
        """How this index fits ``settings`` and, where given, the lexicon's fingerprint, the loaded
        model and the articles."""
        same_model_files = self.model.name == settings.model and self.model.signature == model_signature(settings.model)
        same_lexicon = lexicon is None or self.lexicon == lexicon
        fingerprint = self.model.fingerprint if model is None else model.fingerprint()
        weights = model is None or (model.dim == self.model.dim and same_model(fingerprint, self.model.fingerprint))
        return Fit(
            model=same_model_files,
            precision=self.model.precision_setting == settings.precision,
            weights=weights,
            vectors=weights
            and model is not None
            and model.precision == self.model.precision
            and self.chunker.get("embed_template") == EMBED_TEMPLATE,
            passages=same_model_files and same_lexicon and dict(self.chunker) == chunker_settings(settings),
            poses=same_lexicon and self.chunker.get("poses_version") == POSES_VERSION,
            roles=self.roles == roles.fingerprint(fingerprint),
            articles=articles is None
            or {aid: a.sha256 for aid, a in self.articles.items()} == {a.id: a.sha256 for a in articles},
        )

    def require(self, settings: Settings, *, model: Embedder | None = None, articles: Sequence[Article] = ()) -> None:
        """``IndexMismatchError`` saying what to run when the index cannot serve these settings
        (with ``model``: that model; with ``articles``: exactly those articles)."""
        fit = self.check(settings, model=model, articles=articles or None)
        if self.model.name != settings.model:
            raise IndexMismatchError(
                f"index built with {self.model.name}, settings ask for {settings.model}; run 'yoga-assistant build'"
            )
        if not fit.weights:
            raise IndexMismatchError(
                f"the index was built with different model weights than {settings.model!r}; "
                "run 'yoga-assistant build --force'"
            )
        if not fit.articles:
            raise IndexMismatchError("the index is older than the articles in the corpus; run 'yoga-assistant build'")
