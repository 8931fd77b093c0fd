"""The learned sentence scorer: the probability that a candidate sentence belongs in the answer,
and the policy that turns those probabilities into an answer or a decline.

A logistic regression over the features of features.py, trained by ``eval/train_scorer.py`` on
our labelled answer sets (a sentence a good answer may quote is a positive, every other candidate
a negative) and shipped as ``assistant/data/scorer.json``: the feature names, their scaling, the
weights, the policy, and the figures it was chosen by. The policy's four numbers are chosen by
the same script, on held-out predictions: no candidate reaches ``decline`` -> the articles don't
answer; every sentence from ``include`` (and at least ``relative`` of the best one's probability)
goes in, best first, up to ``cap``.

Pure apart from reading that file; numpy only (scikit-learn is needed to train, not to answer).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from assistant.answer.features import FEATURES
from assistant.errors import ConfigError

#: bump when the file's shape changes
FORMAT = 1


@dataclass(frozen=True, slots=True)
class Policy:
    """How probabilities become an answer (see the module docstring)."""

    decline: float = 0.5
    include: float = 0.5
    relative: float = 0.0
    cap: int = 4


@dataclass(frozen=True)
class Scorer:
    """Logistic regression over standardised features, and the answer policy."""

    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: float
    policy: Policy = field(default_factory=Policy)
    notes: dict[str, Any] = field(default_factory=dict, compare=False)

    def probabilities(self, rows: np.ndarray) -> np.ndarray:
        """P(belongs in the answer) for each row of features.FEATURES."""
        if not len(rows):
            return np.zeros(0)
        z = ((rows - self.mean) / self.scale) @ self.weights + self.bias
        return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))

    @classmethod
    def neutral(cls, policy: Policy | None = None) -> Scorer:
        """Every sentence at 0.5: what training starts from before any scorer exists."""
        n = len(FEATURES)
        return cls(FEATURES, np.zeros(n), np.ones(n), np.zeros(n), 0.0, policy or Policy())

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "model": "logistic regression over standardised features",
            "features": list(self.features),
            "mean": [round(float(x), 6) for x in self.mean],
            "scale": [round(float(x), 6) for x in self.scale],
            "weights": [round(float(x), 6) for x in self.weights],
            "bias": round(float(self.bias), 6),
            "policy": asdict(self.policy),
            **self.notes,
        }

    @classmethod
    def from_dict(cls, raw: dict[str, Any], where: str = "the scorer file") -> Scorer:
        if raw.get("format") != FORMAT or tuple(raw.get("features", ())) != FEATURES:
            raise ConfigError(
                f"{where} was trained for another version of the answer stage; "
                "retrain it with: .venv/bin/python eval/train_scorer.py"
            )
        known = {"format", "model", "features", "mean", "scale", "weights", "bias", "policy"}
        return cls(
            FEATURES,
            np.asarray(raw["mean"], dtype=np.float64),
            np.asarray(raw["scale"], dtype=np.float64),
            np.asarray(raw["weights"], dtype=np.float64),
            float(raw["bias"]),
            Policy(**raw["policy"]),
            {k: v for k, v in raw.items() if k not in known},
        )

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.to_dict(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


@lru_cache(maxsize=1)
def shipped() -> Scorer:
    """The scorer shipped with the package (assistant/data/scorer.json)."""
    text = resources.files("assistant").joinpath("data/scorer.json").read_text("utf-8")
    return Scorer.from_dict(json.loads(text), "assistant/data/scorer.json")
