"""Chainlit's interface words that depend on how the app runs.

The footer under the composer ("chat.watermark" in translations/en-US.json) says that LLMs can
make mistakes: true in LLM mode, not in offline mode, where no language model answers. There
it says what answers instead."""

from __future__ import annotations

from typing import Any

OFFLINE_WATERMARK = "Offline mode: a rule-based assistant answers, no AI model."


def word_for_mode(offline: bool) -> None:
    """Chainlit serves its translations from `config.load_translation` (read per request):
    wrapped here so the offline footer is ours. Idempotent (one wrapper per process)."""
    from chainlit.config import config

    original = getattr(config.load_translation, "__wrapped__", config.load_translation)

    def load_translation(language: str) -> dict[str, Any]:
        translation: dict[str, Any] = original(language)
        if offline:
            translation.setdefault("chat", {})["watermark"] = OFFLINE_WATERMARK
        return translation

    load_translation.__wrapped__ = original  # type: ignore[attr-defined]
    # a pydantic settings object: set past its field check, on this instance only
    object.__setattr__(config, "load_translation", load_translation)
