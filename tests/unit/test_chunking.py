from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.index.chunking import chunk_text
from assistant.ingest.corpus import load_corpus
from assistant.language.text import count_tokens, sentence_spans

from ..conftest import CORPUS


def words_count(text: str) -> int:
    return len(text.split())


def test_sentences_are_packed_up_to_the_target() -> None:
    body = "One two three. Four five six. Seven eight nine. Ten eleven twelve."
    pieces = chunk_text(body, target=6, max_tokens=20, count=words_count)
    assert [body[p.start : p.end] for p in pieces] == [
        "One two three. Four five six.",
        "Seven eight nine. Ten eleven twelve.",
    ]


def test_heading_line_moves_to_the_passage_it_introduces() -> None:
    body = "First paragraph has words here.\nBenefits\nSecond part explains the benefits well."
    pieces = chunk_text(body, target=7, max_tokens=20, count=words_count)
    assert body[pieces[-1].start : pieces[-1].end].startswith("Benefits")


def test_a_sentence_longer_than_the_cap_is_cut_at_words() -> None:
    body = " ".join(f"w{i}" for i in range(50)) + "."
    pieces = chunk_text(body, target=10, max_tokens=12, count=words_count)
    assert all(words_count(body[p.start : p.end]) <= 12 for p in pieces)
    assert " ".join(body[p.start : p.end] for p in pieces) == body


def test_model_limit_splits_further() -> None:
    body = "Alpha beta gamma delta. Epsilon zeta eta theta. Iota kappa lambda mu."
    pieces = chunk_text(body, target=100, max_tokens=100, count=words_count, fits=lambda t: words_count(t) <= 4)
    assert len(pieces) == 3


text_strategy = st.lists(
    st.one_of(
        st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=0x250), min_size=1, max_size=80),
        st.sampled_from(["\n", "\n\n", ". ", "! ", "  • ", "1. ", "A"]),
    ),
    max_size=60,
).map("".join)


@settings(max_examples=150, deadline=None)
@given(text_strategy, st.integers(5, 60))
def test_chunks_cover_sentences_in_order_within_limits(body: str, target: int) -> None:
    cap = target * 2
    pieces = chunk_text(body, target=target, max_tokens=cap, count=count_tokens, fits=lambda t: count_tokens(t) <= cap)
    last = 0
    for p in pieces:
        assert last <= p.start < p.end <= len(body)
        assert count_tokens(body[p.start : p.end]) <= cap
        assert all(p.start <= s < e <= p.end for s, e in p.sentences)
        last = p.end
    # every character of every sentence is inside some passage
    covered = {i for p in pieces for s, e in p.sentences for i in range(s, e)}
    for s, e in sentence_spans(body):
        assert all(i in covered for i in range(s, e) if not body[i].isspace())


def test_real_articles_chunk_into_small_precise_passages() -> None:
    for article in load_corpus(CORPUS).articles:
        pieces = chunk_text(article.body, target=60, max_tokens=160, count=count_tokens)
        assert pieces and all(count_tokens(article.body[p.start : p.end]) <= 160 for p in pieces)
