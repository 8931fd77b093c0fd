"""A chat assistant over yoga pose articles: cited answers from the articles' own sentences.

    from assistant import Assistant, build_index, load_settings
    from assistant.embed.embedders import make_embedder

    settings = load_settings()  # ASSISTANT_* variables, else defaults
    build_index(settings, lambda: make_embedder(settings.model, settings.precision, settings.models_dir))
    answer = Assistant(settings).ask("how long do I hold pyramid pose?")
    print(answer.text, [c.title for c in answer.citations])

``import assistant`` is cheap: it loads no model, reads no file and imports neither torch,
gradio nor faiss. ``Assistant`` and ``build_index`` load their stages when first named.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from assistant.config import Settings as Settings
from assistant.config import load_settings as load_settings
from assistant.errors import AssistantError as AssistantError
from assistant.records import Answer as Answer
from assistant.records import Article as Article
from assistant.records import Chunk as Chunk
from assistant.records import Citation as Citation
from assistant.records import Hit as Hit
from assistant.records import Turn as Turn

if TYPE_CHECKING:
    from assistant.index.build import build_index as build_index
    from assistant.pipeline import Assistant as Assistant

__all__ = [
    "Answer",
    "Article",
    "Assistant",
    "AssistantError",
    "Chunk",
    "Citation",
    "Hit",
    "Settings",
    "Turn",
    "build_index",
    "load_settings",
]
__version__ = "0.1.0"

_LAZY = {"Assistant": "pipeline", "build_index": "index.build"}


def __getattr__(name: str) -> Any:
    """``Assistant`` and ``build_index`` import their (heavier) modules on first use."""
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
