"""Typo correction: grammar words put right, real English words never rewritten."""

from __future__ import annotations

import pytest

from agent.nlp.typos import correct_typos, is_english


@pytest.mark.parametrize(
    ("text", "fixed"),
    [
        ("call mom tommorow at 5", "call mom tomorrow at 5"),
        ("gym every wensday", "gym every wednesday"),
        ("remnid me to pay rent", "remind me to pay rent"),
        ("mondy gym", "monday gym"),
        ("thursdy 3pm", "thursday 3pm"),
        ("pay rent decembr 3", "pay rent december 3"),
        ("review annualy", "review annually"),
        ("set priorty high", "set priority high"),
        ("walk in the evenning", "walk in the evening"),
    ],
)
def test_misspelt_grammar_words_are_fixed(text: str, fixed: str) -> None:
    assert correct_typos(text) == fixed


@pytest.mark.parametrize(
    "text",
    [
        "actually delete that",  # was "annually delete that"
        "reopen it",
        "reopened the ticket",
        "sundae party",
        "remember the milk",
        "evenings out with friends",
        "monday meetings on fridays",
        "buy 'tommorow' the book",  # quoted: the user's own words
        "#wensday tag",
    ],
)
def test_real_words_and_quotes_stay(text: str) -> None:
    assert correct_typos(text) == text


def test_english_inflections_are_protected() -> None:
    assert is_english("actually")
    assert is_english("carried")
    assert is_english("saved")
    assert not is_english("tommorow")
    assert not is_english("minuts")
