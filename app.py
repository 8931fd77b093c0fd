"""The web chat: ``python app.py`` (same as ``yoga-assistant serve``).

Settings come from ASSISTANT_* variables (and Gradio's GRADIO_SERVER_NAME/PORT); see README.
"""

from __future__ import annotations

import os
import sys

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

from assistant.cli import main

if __name__ == "__main__":
    sys.exit(main(["serve", *sys.argv[1:]]))
