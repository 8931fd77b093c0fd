from hypothesis import given
from hypothesis import strategies as st

from assistant.language.text import collapse_for_match, count_tokens, fold, sentence_spans, words


def test_fold_removes_case_diacritics_and_curly_quotes() -> None:
    assert fold("Vīrāsana") == "virasana"
    assert fold("Hero’s") == "hero's"


def test_words_drop_possessive_and_apostrophes() -> None:
    assert words("Hero’s pose, can't Pārśvottānāsana!") == ["hero", "pose", "cant", "parsvottanasana"]


def test_sentences_split_on_punctuation_and_lines_but_not_abbreviations() -> None:
    text = "Title line\n\n  • Begin by kneeling. Sit back, e.g. on a block.\n  2. Hold for 5-8 breaths. Done!"
    got = [text[s:e] for s, e in sentence_spans(text)]
    assert got == ["Title line", "Begin by kneeling.", "Sit back, e.g. on a block.", "Hold for 5-8 breaths.", "Done!"]


def test_sentences_keep_lowercase_continuations_together() -> None:
    text = "Tucking the tail is important here b/c in order to stretch. this stays? yes."
    assert [text[s:e] for s, e in sentence_spans(text)] == [text]


@given(st.text(max_size=400))
def test_sentence_spans_are_ordered_trimmed_and_inside(text: str) -> None:
    last = 0
    for s, e in sentence_spans(text):
        assert last <= s < e <= len(text)
        assert not text[s].isspace() and not text[e - 1].isspace()
        last = e


def test_collapse_maps_back_to_source_offsets() -> None:
    text = "It’s  a\n\nstretch"
    collapsed, where = collapse_for_match(text)
    assert collapsed == "It's a stretch"
    i = collapsed.index("stretch")
    assert text[where[i] : where[i + len("stretch") - 1] + 1] == "stretch"


def test_count_tokens_uses_cl100k() -> None:
    assert count_tokens("hello world") == 2
    assert count_tokens("<|endoftext|>") > 1  # special tokens are plain text here


def test_sentences_end_after_contractions_and_a_bare_no() -> None:
    def split(text: str) -> list[str]:
        return [text[s:e] for s, e in sentence_spans(text)]

    assert split("They don't. Honestly, most of us.") == ["They don't.", "Honestly, most of us."]
    assert split("It won’t. Then go.") == ["It won’t.", "Then go."]
    assert split("No. Pain is a signal.") == ["No.", "Pain is a signal."]
    assert split("See No. 5 for more. Iyengar, B. K. S. Light on Yoga.") == [
        "See No. 5 for more.",
        "Iyengar, B. K. S. Light on Yoga.",
    ]


def test_speaker_labels_are_left_out_like_list_markers() -> None:
    text = "HOST: So, how long?\nANNA REYES: Five breaths. Then rest.\nQ: Is it safe?\nNote: keep going."
    got = [text[s:e] for s, e in sentence_spans(text)]
    assert got == ["So, how long?", "Five breaths.", "Then rest.", "Is it safe?", "Note: keep going."]


def test_the_word_caches_keep_short_texts_only() -> None:
    """Long unique questions used to fill fold's cache (about 545 MB after 10,000 of them)."""
    import random
    import string

    from assistant.language import text

    rng = random.Random(3)
    before = (text._fold_cached.cache_info().currsize, text._stem_cached.cache_info().currsize)
    for _ in range(300):
        question = " ".join("".join(rng.choices(string.ascii_lowercase, k=1999)) for _ in range(1))
        assert text.fold(question) == question and text.tokenize(question)
    after = (text._fold_cached.cache_info().currsize, text._stem_cached.cache_info().currsize)
    assert after == before
    assert text.fold("Vīrāsana") == "virasana" and text._fold_cached.cache_info().currsize >= 1


def test_the_question_cache_is_bounded_by_bytes_as_well_as_count() -> None:
    import numpy as np

    from assistant.embed.embedding import QueryCache

    cache = QueryCache(size=512, max_bytes=100_000)
    for n in range(200):
        cache.get(f"{n:04d}" + "x" * 1995, lambda t: np.zeros(384, dtype=np.float32))
    assert len(cache) == 100_000 // (1999 + 1536)  # bounded by bytes
    short = QueryCache(size=8, max_bytes=100_000)
    computed = []
    for n in [*range(20), 19, 0]:
        short.get(str(n), lambda t: computed.append(t) or np.zeros(4, dtype=np.float32))
    assert len(short) == 8  # bounded by count
    assert computed == [str(n) for n in range(20)] + ["0"]  # the most recent kept, the oldest forgotten


def test_a_heading_glued_to_its_sentence_is_a_sentence_of_its_own() -> None:
    text = "ParsvottanasanaParsvottanasana is such a great pose. First, look.\nBaba is here. Hello hello."
    assert [text[s:e] for s, e in sentence_spans(text)] == [
        "Parsvottanasana",
        "Parsvottanasana is such a great pose.",
        "First, look.",
        "Baba is here.",
        "Hello hello.",
    ]
