import pytest

from assistant.errors import CorpusError
from assistant.language.lexicon_file import load_lexicon
from assistant.language.poses import Lexicon, edit_distance


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return load_lexicon()


def test_lexicon_has_at_least_60_poses_with_both_names(lexicon: Lexicon) -> None:
    assert len(lexicon.poses) >= 60
    assert all(p.english and p.sanskrit for p in lexicon.poses.values())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("what if my feet hurt in Hero?", ("virasana",)),
        ("Hero’s pose", ("virasana",)),
        ("Vīrāsana", ("virasana",)),
        ("virasna", ("virasana",)),  # typo
        ("reclining hero", ("supta-virasana",)),  # longest name wins
        ("Supta Virasana", ("supta-virasana",)),
        ("how long do I hold pyramid pose", ("parsvottanasana",)),
        ("intense side stretch", ("parsvottanasana",)),
        ("parsvotanasana", ("parsvottanasana",)),
        ("child's pose then lotus", ("balasana", "padmasana")),
        ("Warrior 1", ("virabhadrasana-1",)),
        ("warrior II", ("virabhadrasana-2",)),
        ("down dog", ("adho-mukha-svanasana",)),
        ("headstand", ("salamba-sirsasana",)),
    ],
)
def test_finds_poses_by_any_name(lexicon: Lexicon, text: str, expected: tuple[str, ...]) -> None:
    assert lexicon.find(text) == expected


@pytest.mark.parametrize(
    "text",
    ["how often should I water a plant", "a magnificent warrior", "my child is sick", "here is the tree", "the bridge"],
)
def test_common_words_are_not_poses(lexicon: Lexicon, text: str) -> None:
    assert lexicon.find(text) == ()


def test_variants_belong_to_their_base_pose(lexicon: Lexicon) -> None:
    assert lexicon.family("supta-virasana") == {"virasana", "supta-virasana"}
    assert "supta-virasana" in lexicon.family("virasana")


def test_unknown_front_matter_names_become_poses(lexicon: Lexicon) -> None:
    assert lexicon.resolve("Seated Hamstring Stretch (Janu Sirsasana)").id == "janu-sirsasana"
    assert lexicon.resolve("Frog Jump (Mandukasana Plus)").id == "mandukasana"  # a known name inside it
    pose = lexicon.resolve("Sky Reach (Akasha Asana)")
    assert (pose.id, pose.english, pose.sanskrit) == ("sky-reach", "Sky Reach", "Akasha Asana")
    assert "sky-reach" not in lexicon.poses
    extended = lexicon.with_poses([pose])
    assert extended.find("sky reach") == extended.find("akasha asana") == ("sky-reach",)


def test_corpus_lexicon_file_extends_the_bundled_one(tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "poses.yaml").write_text("poses:\n  - {id: sky-reach, english: Sky Reach, sanskrit: Akasasana}\n")
    assert load_lexicon(tmp_path).find("akasasana") == ("sky-reach",)


def test_edit_distance_counts_transpositions() -> None:
    assert edit_distance("virasna", "virasana", 2) == 1
    assert edit_distance("virasan", "virasna", 2) == 1
    assert edit_distance("abc", "xyz", 1) == 2


def test_pose_names_the_lexicon_lacks_are_found_in_questions(lexicon: Lexicon) -> None:
    assert lexicon.unknown_names("is gate pose good for tight hips?") == ("Gate Pose",)
    assert lexicon.unknown_names("can I do wild thing pose?") == ("Wild Thing Pose",)
    assert lexicon.unknown_names("is tittibhasana hard?") == ("Tittibhasana",)
    for text in ["how do I do a standing pose?", "walk me through pyramid pose", "the kneeling pose where you sit"]:
        assert lexicon.unknown_names(text) == ()


def test_an_articles_title_teaches_a_pose_the_lexicon_lacks(lexicon: Lexicon) -> None:
    (gate,) = lexicon.discover("Parighasana (Gate Pose)", "Gate Pose stretches the side body.")
    assert (gate.english, gate.sanskrit) == ("Gate Pose", "Parighasana")
    extended = lexicon.with_poses([gate])
    assert extended.find("what does parighasana mean?") == (gate.id,) == extended.find("how do I do gate pose?")
    assert lexicon.discover("7 Reasons Bridge Pose Belongs in Your Practice", "") == []  # known already
    assert lexicon.discover("A class", "do the forward fold pose, the forward fold pose, the forward fold pose") == []


def test_a_word_right_before_pose_may_have_a_typo_others_may_not(lexicon: Lexicon) -> None:
    assert lexicon.find("how long do I hold piramid pose?") == ("parsvottanasana",)
    assert lexicon.find("how do I do pyrimid pose") == ("parsvottanasana",)
    assert lexicon.find("a piramid") == ()  # not a name-like word, and no 'pose' after it


def test_blanking_names_and_one_word_names_of_taught_poses(lexicon: Lexicon) -> None:
    assert lexicon.blank("walk me through pyramid pose", placeholder="<pose>") == "walk me through <pose>"
    heads = lexicon.head_words(["setu-bandha-sarvangasana", "balasana", "virasana"])
    assert heads == {"bridge": "setu-bandha-sarvangasana", "hero": "virasana"}  # 'child' is too common


def test_a_lexicon_file_of_nested_aliases_is_refused_before_it_expands(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A few hundred bytes of YAML aliases, nested 9 deep and 9 wide, would expand to 9**9 names."""
    lines = ['a0: &a0 "Hero Pose Hero Pose"']
    lines += [f"a{d}: &a{d} [" + ", ".join([f"*a{d - 1}"] * 9) + "]" for d in range(1, 10)]
    lines.append("poses:\n  - {id: bomb, english: Bomb, aliases: *a9}")
    (tmp_path / "poses.yaml").write_text("\n".join(lines))
    assert (tmp_path / "poses.yaml").stat().st_size < 600
    with pytest.raises(CorpusError, match=r"uses YAML aliases \(\*name\); write each pose out in full"):
        load_lexicon(tmp_path)


@pytest.mark.parametrize(
    "entry",
    [
        "{id: long, english: '" + "x" * 300 + "'}",
        "{id: many, english: Many, aliases: [" + ", ".join(f"n{i}" for i in range(60)) + "]}",
    ],
)
def test_a_lexicon_entry_with_huge_names_is_refused(tmp_path, entry: str) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "poses.yaml").write_text(f"poses:\n  - {entry}\n")
    with pytest.raises(CorpusError, match="a pose has a few short names"):
        load_lexicon(tmp_path)
