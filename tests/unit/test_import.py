import subprocess
import sys


def test_import_is_cheap() -> None:
    """`import assistant` loads no model and imports neither torch nor gradio nor faiss."""
    code = (
        "import sys, assistant, assistant.config, assistant.records, assistant.errors\n"
        "heavy = {'torch', 'gradio', 'faiss', 'sentence_transformers', 'transformers'} & set(sys.modules)\n"
        "print(sorted(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_the_public_api_names_the_assistant_and_the_build_and_loads_them_when_used() -> None:
    code = (
        "import sys, assistant\n"
        "before = 'assistant.pipeline' in sys.modules or 'assistant.index.build' in sys.modules\n"
        "from assistant import Assistant, build_index\n"
        "from assistant.pipeline import Assistant as A\n"
        "from assistant.index.build import build_index as b\n"
        "print(before, Assistant is A, build_index is b, sorted(set(assistant.__all__) - set(dir(assistant))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False True True ['Assistant', 'build_index']"
