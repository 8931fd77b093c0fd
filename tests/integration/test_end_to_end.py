"""The main path with the real bundled model on the real corpus: build, ask, eval, chat."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys

from assistant.config import Settings
from assistant.embed.torch_embedder import SentenceTransformerEmbedder
from assistant.index.reader import Index
from assistant.ingest.corpus import load_corpus
from assistant.pipeline import Assistant

from ..conftest import CORPUS, QUESTIONS, ROOT


def cli(*args: str, settings: Settings | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
    extra = ["--corpus", str(settings.corpus_dir), "--index", str(settings.index_dir)] if settings else []
    cmd = [sys.executable, "-m", "assistant", args[0], *extra, *args[1:]]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    if check and done.returncode:
        raise AssertionError(done.stderr)
    return done


def test_no_passage_exceeds_the_models_limit(real_settings: Settings) -> None:
    index = Index.open(real_settings)
    embedder = SentenceTransformerEmbedder()
    assert embedder.max_tokens == 256
    for chunk in index.chunks:
        assert embedder.fits(chunk.text)
        ids = embedder.model.tokenizer(chunk.text, truncation=False)["input_ids"]
        assert len(ids) <= 256


def test_feet_hurt_in_hero_cites_hero_passages(real_assistant: Assistant) -> None:
    answer = real_assistant.ask("what if my feet hurt in Hero?")
    assert not answer.abstained and answer.citations
    hero_articles = {a for a, info in real_assistant.index.articles.items() if "virasana" in info.poses}
    assert {c.article for c in answer.citations} <= hero_articles
    assert re.search(r"\[\d+\]", answer.text)


def test_every_citation_is_an_exact_span_containing_its_sentences(real_assistant: Assistant) -> None:
    bodies = {a.id: a.body for a in load_corpus(CORPUS).articles}
    for q in ["how long do I hold pyramid pose?", "my knees hurt in virasana", "how do I stretch the back of my leg?"]:
        answer = real_assistant.ask(q)
        numbers = {int(n) for n in re.findall(r"\[(\d+)\]", answer.text)}
        assert numbers == {c.n for c in answer.citations}
        for c in answer.citations:
            assert bodies[c.article][c.start : c.end] == c.text
            assert all(c.start <= s < e <= c.end for s, e in c.highlights)
            for s, e in c.highlights:
                assert " ".join(bodies[c.article][s:e].split()) in answer.text


def test_unknown_pose_abstains_and_says_what_is_covered(real_assistant: Assistant) -> None:
    answer = real_assistant.ask("how do I do a headstand?")
    assert answer.abstained and not answer.citations
    assert "Headstand" in answer.text and "Hero Pose" in answer.text and "Pyramid Pose" in answer.text


def test_follow_up_keeps_the_pose_of_the_conversation(real_assistant: Assistant) -> None:
    answer = real_assistant.ask("how long should I hold it?", ["how do I do pyramid pose?"])
    assert "5-8 breaths" in answer.text
    assert all(c.article == "parsvottanasana-hamstrings" for c in answer.citations[:1])


def test_cli_ask_json_has_the_documented_shape(real_settings: Settings) -> None:
    done = cli("ask", "how long do I hold pyramid pose?", "--json", settings=real_settings)
    data = json.loads(done.stdout)
    assert set(data) >= {"answer", "abstained", "citations"}
    c = data["citations"][0]
    assert {"n", "article", "title", "start", "end", "text"} <= set(c)
    assert isinstance(c["start"], int) and c["end"] > c["start"]


def test_cli_ask_questions_file_answers_every_question(real_settings: Settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    qfile = tmp_path / "q.jsonl"
    qfile.write_text(
        '{"id": "a", "question": "how do I do hero pose?", "evidence": []}\n'
        '{"id": "b", "question": "and how long?", "evidence": [], "history": ["pyramid pose please"]}\n'
    )
    done = cli("ask", "--questions", str(qfile), "--json", settings=real_settings)
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["id"] for r in rows] == ["a", "b"]
    assert "5-8 breaths" in rows[1]["answer"]


def test_cli_eval_prints_the_table_and_writes_json(real_settings: Settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "eval.json"
    done = cli("eval", "--questions", str(QUESTIONS), "--json", str(out), settings=real_settings)
    for name in ["hit@5", "recall@5", "mrr@10", "ndcg@10", "recall@400t", "abstain_accuracy"]:
        assert name in done.stdout
    data = json.loads(out.read_text())
    assert set(data["metrics"]) == {"hit@5", "recall@5", "mrr@10", "ndcg@10", "recall@400t", "abstain_accuracy"}
    assert {"id", "hit", "first_rank", "covered", "missed", "abstained"} <= set(data["questions"][0])
    assert data["metrics"]["hit@5"] >= 0.85  # far below our measured figure: a floor, not a target


def test_user_errors_are_one_line_and_exit_1(real_settings: Settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    empty = cli("ask", "   ", settings=real_settings, check=False)
    assert empty.returncode == 1 and empty.stderr.count("\n") == 1 and "empty" in empty.stderr
    missing = cli("ask", "hero?", "--index", str(tmp_path / "none"), check=False)
    assert missing.returncode == 1 and "yoga-assistant build" in missing.stderr
    assert "Traceback" not in missing.stderr
    nocorpus = cli("build", "--corpus", str(tmp_path / "nothing"), "--index", str(tmp_path / "i"), check=False)
    assert nocorpus.returncode == 1 and "--corpus" in nocorpus.stderr and "Traceback" not in nocorpus.stderr


def test_a_port_in_use_is_one_line_and_exit_1(real_settings: Settings) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        done = cli("serve", "--port", port, settings=real_settings, check=False)
    assert done.returncode == 1 and done.stdout == "", done.stdout
    assert done.stderr.count("\n") == 1 and f"port {port}" in done.stderr and "--port" in done.stderr


def test_a_reader_that_stops_early_gets_no_error(real_settings: Settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """`ask --questions ... | head -1`: the pipe closes after the first line."""
    cmd = [sys.executable, "-m", "assistant", "ask", "--questions", str(QUESTIONS), "--json"]
    cmd += ["--corpus", str(real_settings.corpus_dir), "--index", str(real_settings.index_dir)]
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        assert json.loads(proc.stdout.readline())["id"]
        proc.stdout.close()
        err = proc.stderr.read().decode()
        code = proc.wait(timeout=300)
    assert code == 0 and err == "", err


def test_build_is_incremental_with_the_real_model(real_settings: Settings) -> None:
    done = cli("build", settings=real_settings)
    assert "up to date" in done.stdout


def test_cli_eval_answers_prints_the_metrics_and_the_worst_answers_marked(real_settings: Settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "answers.json"
    done = cli("eval", "--answers", str(ROOT / "eval" / "answers.jsonl"), "--json", str(out), settings=real_settings)
    for name in ["must_recall", "precision", "first_sentence_key_fact", "first_sentence_relevant"]:
        assert name in done.stdout
    assert re.search(r"wrongly_abstained\s+\d+ of 80", done.stdout)
    assert re.search(r"^      [+-] ", done.stdout, re.MULTILINE)  # each sentence of a worst answer is marked
    data = json.loads(out.read_text())
    assert data["metrics"]["unanswerable"] == 12 and len(data["questions"]) == 92
    first = data["questions"][0]
    assert {"id", "question", "answer", "abstained", "must_recall", "precision", "sentences", "missed"} <= set(first)
    assert data["metrics"]["must_recall"] >= 0.75 and data["metrics"]["precision"] >= 0.7  # floors, not targets
    wrong = cli(
        "eval", "--answers", str(ROOT / "eval" / "answers.jsonl"), "--compare", settings=real_settings, check=False
    )
    assert wrong.returncode == 1 and "--questions" in wrong.stderr


def test_the_sentence_before_is_found_across_passages(real_settings: Settings) -> None:
    index = Index.open(real_settings)
    starts = [int(index.first_sentence[i]) for i in range(1, len(index.chunks))]
    row = next(
        r for r in starts if index.chunks[int(index.owner[r])].article == index.chunks[int(index.owner[r - 1])].article
    )
    assert index.previous(index.sentence(row)) == index.sentence(row - 1)
    assert index.previous(index.sentence(0)) is None


def searches_of(assistant: Assistant) -> list[str]:
    """The questions ``assistant``'s retriever searches for from now on, in order."""
    searched: list[str] = []
    search = assistant.loaded().retriever.search

    def counting(question, history, **kwargs):  # type: ignore[no-untyped-def]
        searched.append(question)
        return search(question, history, **kwargs)

    assistant.loaded().retriever.search = counting  # type: ignore[method-assign]
    return searched


def test_a_chat_sent_whole_with_each_request_has_each_earlier_question_answered_once(real_settings: Settings) -> None:
    """The HTTP API gets the chat's earlier questions as text with every request: each is
    answered once per index to learn what it was about, not again on every request."""
    assistant = Assistant(real_settings)
    fresh = Assistant(real_settings)
    chat = ["how do I do hero pose?", "what if my feet hurt?", "what about pyramid pose?", "how long do I hold it?"]
    searched = searches_of(assistant)
    for n in range(1, len(chat) + 1):  # as a chat over the API: the whole history each time
        searched.clear()
        answer = assistant.ask(chat[n - 1], chat[: n - 1])
        assert searched == [*chat[n - 2 : n - 1], chat[n - 1]]  # only the newest earlier question, then this one
        assert answer.text == fresh.ask(chat[n - 1], chat[: n - 1]).text  # the same answer as reading them all
    assert "[1]" in answer.text and answer.poses == ("parsvottanasana",)


def test_a_chat_that_sends_back_its_turns_has_no_earlier_question_read_again(real_settings: Settings) -> None:
    """``/api/ask`` returns each answer's turn; sent back as history, it costs no search, and the
    answer is the one the questions as text give."""
    assistant = Assistant(real_settings)
    chat = ["how do I do hero pose?", "what if my feet hurt?", "what about pyramid pose?"]
    turns = []
    for question in chat:
        turns.append(assistant.turn(assistant.ask(question, turns)))
    searched = searches_of(assistant)
    answer = assistant.ask("how long do I hold it?", turns)
    assert searched == ["how long do I hold it?"]
    assert answer.text == Assistant(real_settings).ask("how long do I hold it?", chat).text
    assert [t.poses for t in turns] == [("virasana",), ("virasana",), ("parsvottanasana",)]
