import pytest

from assistant.poses import Lexicon, edit_distance, load_lexicon


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
    pose = lexicon.resolve("Frog Jump (Mandukasana Plus)")
    assert lexicon.resolve("Seated Hamstring Stretch (Janu Sirsasana)").id == "janu-sirsasana"
    extended = lexicon.with_poses([lexicon.resolve("Sky Reach (Akasha Asana)")])
    assert extended.find("sky reach") == ("sky-reach",)
    assert pose.id


def test_corpus_lexicon_file_extends_the_bundled_one(tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "poses.yaml").write_text("poses:\n  - {id: sky-reach, english: Sky Reach, sanskrit: Akasasana}\n")
    assert load_lexicon(tmp_path).find("akasasana") == ("sky-reach",)


def test_edit_distance_counts_transpositions() -> None:
    assert edit_distance("virasna", "virasana", 2) == 1
    assert edit_distance("virasan", "virasna", 2) == 1
    assert edit_distance("abc", "xyz", 1) == 2
