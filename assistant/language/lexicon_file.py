"""Reading pose lexicon files: the bundled one, and a corpus's own ``poses.yaml`` that extends it.

A corpus's file is read as carefully as an article: a size limit, no links outside the
corpus, no YAML aliases (a few hundred bytes of nested aliases expand to gigabytes), and a
limit on poses and names; each problem is one line.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from assistant.errors import CorpusError
from assistant.language.poses import Lexicon, pose_from_dict

LEXICON_FILE = "poses.yaml"
#: limits on a corpus's own lexicon file (the bundled one has 76 poses)
MAX_LEXICON_BYTES = 1_000_000
MAX_POSES = 5_000


def _read_entries(text: str, where: str) -> list[dict[str, Any]]:
    """The lexicon's entries. YAML aliases (``*name``) are refused before anything is built: a few
    hundred bytes of nested aliases expand to gigabytes."""
    try:
        if any(isinstance(event, yaml.AliasEvent) for event in yaml.parse(text, Loader=yaml.SafeLoader)):
            raise CorpusError(f"{where} uses YAML aliases (*name); write each pose out in full")
        data = yaml.safe_load(text)
    except (yaml.YAMLError, RecursionError):
        raise CorpusError(f"{where} is not valid YAML; fix it or remove it") from None
    entries = data.get("poses") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise CorpusError(f"{where} needs a top-level 'poses:' list; see assistant/data/poses.yaml")
    if len(entries) > MAX_POSES:
        raise CorpusError(f"{where} has over {MAX_POSES:,} poses; a pose lexicon is a few hundred")
    return entries


def load_lexicon(corpus_dir: Path | None = None) -> Lexicon:
    """The bundled lexicon, extended (and overridden by id) by ``corpus_dir/poses.yaml``."""
    bundled = resources.files("assistant").joinpath(f"data/{LEXICON_FILE}").read_text(encoding="utf-8")
    entries = {e["id"]: e for e in _read_entries(bundled, "assistant/data/poses.yaml")}
    local = corpus_dir / LEXICON_FILE if corpus_dir else None
    if local is not None and local.is_file():
        if corpus_dir is not None and not local.resolve().is_relative_to(corpus_dir.resolve()):
            raise CorpusError(f"{local} links outside the corpus folder; copy the file in instead")
        if local.stat().st_size > MAX_LEXICON_BYTES:
            raise CorpusError(f"{local} is over 1 MB; a pose lexicon is a few hundred lines")
        try:
            text = local.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            raise CorpusError(f"{local} cannot be read as UTF-8 text; save it as UTF-8") from None
        for e in _read_entries(text, str(local)):
            pose = pose_from_dict(e)
            entries[pose.id] = e
    return Lexicon.from_dicts(list(entries.values()))
