"""Strange questions: never an exception, a friendly message where a question cannot be used,
and a length limit enforced on the server."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from assistant.errors import QuestionError
from assistant.pipeline import Assistant
from assistant.records import Answer

ANY_CHARACTER = st.characters(codec=None, categories=None)  # includes NUL, controls, lone surrogates
questions = st.one_of(
    st.text(ANY_CHARACTER, max_size=300),
    st.text(st.sampled_from(" \t\n\r\x00\x0b\u200b\u202e\ufeff?!.,;:-–—…()[]{}<>\"'`~"), max_size=60),
    st.builds(
        lambda a, b: a + b,
        st.sampled_from(["hero pose ", "how long ", "", "virasna ", "פוזה "]),
        st.text(ANY_CHARACTER, max_size=80),
    ),
    st.text(st.characters(min_codepoint=0x1F300, max_codepoint=0x1FAFF), max_size=20),  # emoji
)
EDGES = [
    "",
    "   ",
    "\x00",
    "\x00hero\x00",
    "hero\x07\x1b[31mpose",
    "\ud800",
    "hero \udfff pose",
    "?!?...",
    "מה עם תנוחת הגיבור?",
    "كيف أمارس وضعية البطل؟",
    "hero pose \u202eesop oreh",
    "🧘‍♀️🦶💥",
    "x" * 20_000,
    "hero " * 4000,
    "<script>alert(1)</script>",
    "'; DROP TABLE poses; --",
]


def check(assistant: Assistant, question: str) -> None:
    try:
        answer = assistant.ask(question)
    except QuestionError as error:  # unusable: the message says what to do
        assert str(error) and "\n" not in str(error)
        return
    assert isinstance(answer, Answer) and answer.text
    if len(" ".join(question.split())) > assistant.settings.max_question_chars:
        raise AssertionError("an over-long question was answered")


@settings(max_examples=1100, deadline=None, suppress_health_check=list(HealthCheck))
@given(questions)
@example("x" * 20_000)
@example("\ud800")
def test_ask_takes_any_question(real_assistant: Assistant, question: str) -> None:
    check(real_assistant, question)


@settings(max_examples=1000, deadline=None, suppress_health_check=list(HealthCheck))
@given(questions, st.lists(st.text(ANY_CHARACTER, max_size=40), max_size=3))
def test_the_chat_takes_any_question(real_assistant: Assistant, question: str, earlier: list[str]) -> None:
    from assistant.serve.ui import respond

    history = [{"role": "user", "content": e} for e in earlier]
    chat, _, _ = list(respond(real_assistant, question, history))[-1]
    reply = chat[-1]
    assert reply["role"] == "assistant" and reply["content"]
    assert "something went wrong" not in reply["content"]  # the catch-all for bugs was not needed


@pytest.mark.parametrize("question", EDGES)
def test_edge_questions(real_assistant: Assistant, question: str) -> None:
    check(real_assistant, question)


def test_the_length_limit_is_enforced_on_the_server(real_assistant: Assistant) -> None:
    with pytest.raises(QuestionError, match="under 2,000"):
        real_assistant.ask("hero " * 1000)
