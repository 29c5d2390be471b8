"""User-supplied text shown in the chat never loads remote content.

Task titles, notification bodies and model replies (which may quote a title) are markdown in
the browser; `![alt](https://…)` would make every viewer's browser fetch that URL (tracking,
phishing banners). Escaping the `[` after `!` shows the text as typed and loads nothing.
Raw HTML is already off (`unsafe_allow_html = false` in .chainlit/config.toml).
"""

from __future__ import annotations


def inert_images(text: str) -> str:
    return text.replace("![", "!\\[")


class InertImageStream:
    """The same, for text that arrives in chunks: a chunk ending in "!" waits for the next."""

    def __init__(self) -> None:
        self._held = ""

    def feed(self, chunk: str) -> str:
        text = inert_images(self._held + chunk)
        self._held = ""
        if text.endswith("!") and not text.endswith("\\!"):
            text, self._held = text[:-1], "!"
        return text

    def flush(self) -> str:
        held, self._held = self._held, ""
        return held
