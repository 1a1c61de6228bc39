"""Gradio entry point: `python ui.py` serves the chat page alone, as Gradio apps do.

The page is built by `qa.frontends.webui`; this file only picks the index (QA_INDEX_DIR, default
"index") and launches. `qa serve` runs the same page together with the HTTP API.
"""

import os
import sys

from qa.errors import QAError


def main() -> int:
    from qa.service import LiveAssistant
    from qa.frontends.webui import build_ui, page_style

    try:
        state = LiveAssistant(os.environ.get("QA_INDEX_DIR", "index"))
    except QAError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    build_ui(state).launch(**page_style())
    return 0


if __name__ == "__main__":
    sys.exit(main())
