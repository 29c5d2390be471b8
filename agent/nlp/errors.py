"""The parser's one error: a phrase that was understood but cannot be honoured."""

from __future__ import annotations


class PhraseError(ValueError):
    """Its message is written for the user ("that date is too far away ...")."""


TOO_FAR = "that date is too far away; please pick one before the year 9000"
