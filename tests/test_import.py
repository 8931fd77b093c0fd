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
