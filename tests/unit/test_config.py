"""Settings: precedence (argument > ASSISTANT_* > other tools' variables > default), conversion
of environment strings, validation with messages that say what to do, and which embedder a
precision setting gets."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import pytest

from assistant.config import BUNDLED_MODEL, Settings, api_key_rule, check_exposure, load_settings
from assistant.errors import ConfigError, ModelError


def test_an_argument_beats_the_environment_which_beats_the_default() -> None:
    assert load_settings(env={}).port == Settings().port == 7860
    assert load_settings(env={"GRADIO_SERVER_PORT": "7000"}).port == 7000  # another tool's variable
    env = {"ASSISTANT_PORT": "8000", "GRADIO_SERVER_PORT": "7000"}
    assert load_settings(env=env).port == 8000
    assert load_settings(env=env, port=9000).port == 9000
    assert load_settings(env=env, port=None).port == 8000  # None means not given
    assert load_settings(env={"ASSISTANT_PORT": "  "}).port == 7860  # blank means unset


def test_environment_strings_become_the_right_types() -> None:
    s = load_settings(
        env={
            "ASSISTANT_INDEX_DIR": "~/yoga-index",
            "ASSISTANT_LLM_TIMEOUT": "12.5",
            "ASSISTANT_CHUNK_TOKENS": "80",
            "OPENAI_BASE_URL": "http://127.0.0.1:8080/v1",
        }
    )
    assert s.index_dir == Path("~/yoga-index").expanduser() and s.models_dir == s.index_dir / "models"
    assert s.llm_timeout == 12.5 and s.chunk_tokens == 80 and s.llm_base_url == "http://127.0.0.1:8080/v1"
    assert s.model == BUNDLED_MODEL
    with pytest.raises(ConfigError, match=r"ASSISTANT_PORT='eighty' is not a valid int"):
        load_settings(env={"ASSISTANT_PORT": "eighty"})


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"ASSISTANT_RETRIEVER": "magic"}, "use one of hybrid, dense, bm25"),
        ({"ASSISTANT_PRECISION": "int4"}, "use auto, int8, bf16 or fp32"),
        ({"ASSISTANT_CHUNK_TOKENS": "600"}, "need 16 <= chunk_tokens <= chunk_max_tokens <= 512"),
        ({"ASSISTANT_CHUNK_TOKENS": "200", "ASSISTANT_CHUNK_MAX_TOKENS": "100"}, "chunk_tokens <= chunk_max_tokens"),
        ({"ASSISTANT_PORT": "70000"}, "use 1 to 65535"),
        ({"ASSISTANT_LLM_TIMEOUT": "0"}, "positive number of seconds"),
        ({"ASSISTANT_MAX_QUESTION_CHARS": "5"}, "at least 10"),
    ],
)
def test_bad_settings_say_what_to_use(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        load_settings(env=env)


def test_listening_beyond_loopback_needs_a_login() -> None:
    assert check_exposure(load_settings(env={})) is None
    with pytest.raises(ConfigError, match=r"refusing to listen on 0\.0\.0\.0 without a login"):
        check_exposure(load_settings(env={"ASSISTANT_HOST": "0.0.0.0"}))
    login = {"ASSISTANT_HOST": "0.0.0.0", "ASSISTANT_AUTH": "yogi:s3cret"}
    with pytest.raises(ConfigError, match=r"with an open API; set ASSISTANT_API_KEY"):
        check_exposure(load_settings(env=login))
    with pytest.raises(ConfigError, match="too short"):
        check_exposure(load_settings(env={**login, "ASSISTANT_API_KEY": "short"}))
    open_ = load_settings(env={**login, "ASSISTANT_API_KEY": "k" * 32})
    assert check_exposure(open_) == ("yogi", "s3cret")
    with pytest.raises(ConfigError, match="must be 'user:password'"):
        check_exposure(load_settings(env={"ASSISTANT_AUTH": "no-colon"}))


def test_the_api_is_open_only_on_loopback_without_a_login_or_key() -> None:
    assert api_key_rule(load_settings(env={})) is None
    assert api_key_rule(load_settings(env={"ASSISTANT_API_KEY": "k" * 32})) == "k" * 32
    assert api_key_rule(load_settings(env={"ASSISTANT_AUTH": "yogi:s3cret"})) == ""  # shut until a key is set


def test_secrets_stay_out_of_the_settings_repr() -> None:
    settings = load_settings(
        env={"ASSISTANT_AUTH": "yogi:s3cret", "ASSISTANT_API_KEY": "k" * 32, "OPENAI_API_KEY": "sk-x"}
    )
    assert "s3cret" not in repr(settings) and "kkkk" not in repr(settings) and "sk-x" not in repr(settings)


def test_the_fast_embedder_falls_back_to_torch_when_it_cannot_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """auto takes ONNX where it can and torch where it cannot; int8 asked for explicitly says why not.
    Nothing is loaded here: both backends load their model on first use."""
    from assistant.embed import onnx_embedder
    from assistant.embed.embedders import make_embedder
    from assistant.embed.torch_embedder import SentenceTransformerEmbedder

    def broken_export(model: str, target: Path) -> Path:
        raise RuntimeError("this architecture cannot be exported")

    monkeypatch.setattr(onnx_embedder, "export", broken_export)
    with caplog.at_level(logging.WARNING, logger="assistant"):
        fallback = make_embedder(BUNDLED_MODEL, "auto", tmp_path)
    assert isinstance(fallback, SentenceTransformerEmbedder) and fallback.precision in {"fp32", "bf16"}
    assert "ONNX export of all-MiniLM-L6-v2 failed (RuntimeError); embedding with torch instead" in caplog.text
    with pytest.raises(ModelError, match=r"cannot export 'all-MiniLM-L6-v2' to ONNX.*--precision fp32"):
        make_embedder(BUNDLED_MODEL, "int8", tmp_path)
    monkeypatch.setitem(sys.modules, "assistant.embed.onnx_embedder", None)  # onnxruntime not installed
    assert isinstance(make_embedder(BUNDLED_MODEL, "auto", tmp_path), SentenceTransformerEmbedder)
    with pytest.raises(ModelError, match="int8 embedding needs onnxruntime and onnx; run 'make install'"):
        make_embedder(BUNDLED_MODEL, "int8", tmp_path)
    assert isinstance(make_embedder(BUNDLED_MODEL, "fp32", tmp_path), SentenceTransformerEmbedder)
    assert not list(tmp_path.iterdir())  # nothing was exported
