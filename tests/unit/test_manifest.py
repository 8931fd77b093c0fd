"""The one check of whether a built index fits the settings, the model and the articles."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from assistant.config import Settings
from assistant.errors import IndexCorruptError, IndexMismatchError
from assistant.index import store
from assistant.index.build import build_index
from assistant.index.manifest import Manifest
from assistant.ingest.corpus import load_corpus

from ..conftest import FakeEmbedder


@pytest.fixture
def built(fake_settings: Settings) -> Manifest:
    build_index(fake_settings, FakeEmbedder)
    generation, _ = store.open_generation(fake_settings.index_dir)
    return Manifest.load(generation)


def test_the_manifest_reads_back_what_it_wrote(fake_settings: Settings, built: Manifest) -> None:
    assert Manifest.from_dict(built.dump()) == built
    _, raw = store.open_generation(fake_settings.index_dir)
    assert {k: raw[k] for k in built.dump()} == built.dump()  # the file holds exactly these fields
    assert built.model.name == "fake" and built.model.dim == 64 and built.chunks > 20


def test_a_fresh_index_fits_in_every_respect(fake_settings: Settings, built: Manifest) -> None:
    articles = load_corpus(fake_settings.corpus_dir).articles
    fit = built.check(fake_settings, model=FakeEmbedder(), articles=articles)
    assert fit.up_to_date and fit.weights and fit.vectors and fit.passages and fit.poses and fit.roles


def test_each_change_says_what_can_still_be_reused(fake_settings: Settings, built: Manifest) -> None:
    bigger = replace(fake_settings, chunk_tokens=fake_settings.chunk_tokens + 10)
    fit = built.check(bigger, model=FakeEmbedder())
    assert not fit.up_to_date and not fit.passages and fit.vectors  # re-cut, but same texts keep their vectors
    other = built.check(fake_settings, model=FakeEmbedder(name="other"))
    assert not other.weights and not other.vectors and not other.roles
    assert not built.check(fake_settings, lexicon="another lexicon").passages
    assert not built.check(replace(fake_settings, precision="fp32")).up_to_date  # settings said auto
    articles = load_corpus(fake_settings.corpus_dir).articles
    assert not built.check(fake_settings, articles=articles[1:]).articles


def test_require_says_what_to_run(fake_settings: Settings, built: Manifest) -> None:
    with pytest.raises(IndexMismatchError, match=r"settings ask for other.*yoga-assistant build"):
        built.require(replace(fake_settings, model="other"))
    with pytest.raises(IndexMismatchError, match=r"different model weights.*build --force"):
        built.require(fake_settings, model=FakeEmbedder(name="other"))
    articles = load_corpus(fake_settings.corpus_dir).articles
    with pytest.raises(IndexMismatchError, match="older than the articles"):
        built.require(fake_settings, articles=articles[1:])
    built.require(fake_settings, model=FakeEmbedder(), articles=articles)


def test_a_damaged_manifest_is_an_index_error_not_a_crash(fake_settings: Settings, built: Manifest) -> None:
    generation, raw = store.open_generation(fake_settings.index_dir)
    del raw["model"]["dim"]
    (generation / store.MANIFEST).write_text(json.dumps(raw))
    with pytest.raises(IndexCorruptError, match="damaged; run 'yoga-assistant build'"):
        Manifest.load(generation)
