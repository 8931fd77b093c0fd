"""A chat assistant over yoga pose articles: cited answers from the articles' own sentences.

``import assistant`` is cheap: it loads no model, reads no file and imports neither torch
nor gradio. The heavy parts load when first used.
"""

from __future__ import annotations

from .config import Settings as Settings
from .config import load_settings as load_settings
from .errors import AssistantError as AssistantError
from .records import Answer as Answer
from .records import Article as Article
from .records import Chunk as Chunk
from .records import Citation as Citation
from .records import Hit as Hit

__version__ = "0.1.0"
