"""Folding and stopwords (index.normalize)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from index.normalize import APOSTROPHES, INVISIBLE, STOPWORDS, fold, fold_stopword, is_stopword


@pytest.mark.parametrize(
    ("word", "folded"),
    [
        # case
        ("Zoll", "zoll"),
        ("ZOLL", "zoll"),
        ("zoll", "zoll"),
        # umlauts
        ("Zölle", "zolle"),
        ("ÄÖÜäöü", "aouaou"),
        ("Düsseldorf", "dusseldorf"),
        # ae/oe/ue after a consonant or at the start of a word: an umlaut
        ("Zoelle", "zolle"),
        ("Mueller", "muller"),
        ("Duesseldorf", "dusseldorf"),
        ("Aerzte", "arzte"),
        ("Oesterreich", "osterreich"),
        ("Uebernahme", "ubernahme"),
        ("Goethe", "gothe"),
        ("Schroeder", "schroder"),
        # ... but not where the e follows a vowel: neue, Bauer, Quelle stay
        ("neue", "neue"),
        ("Bauer", "bauer"),
        ("Quelle", "quelle"),
        ("Feuer", "feuer"),
        ("Treue", "treue"),
        ("Steuer", "steuer"),
        ("Abenteuer", "abenteuer"),
        # ß and the capital sharp s
        ("Straße", "strasse"),
        ("STRAẞE", "strasse"),
        ("ẞ", "ss"),
        ("Fluß", "fluss"),
        ("Strasse", "strasse"),
        # accents and letters NFKD does not decompose
        ("Erdoğan", "erdogan"),
        ("José", "jose"),
        ("François", "francois"),
        ("Łódź", "lodz"),
        ("Øresund", "oresund"),
        ("Đoković", "dokovic"),
        ("Dvořák", "dvorak"),
        ("Nguyễn", "nguyen"),
        ("İstanbul", "istanbul"),
        ("ﬁnanz", "finanz"),
        # apostrophes are dropped
        ("geht's", "gehts"),
        ("geht’s", "gehts"),
        ("gibt`s", "gibts"),
        ("Ku'damm", "kudamm"),
        # soft hyphens, zero-width characters and dots are dropped
        ("Kri\u00adse", "krise"),
        ("Kri\u200bse", "krise"),
        ("Kri\u200c\u200dse\u2060\ufeff", "krise"),
        ("U.S.A.", "usa"),
        ("z.B.", "zb"),
        # digits stay; the decimal comma stays, dots go
        ("2025", "2025"),
        ("1,5", "1,5"),
        ("26.08.2025", "26082025"),
        ("", ""),
    ],
)
def test_fold(word: str, folded: str) -> None:
    assert fold(word) == folded


@pytest.mark.parametrize(
    "variants",
    [
        ("Zölle", "Zoelle", "Zolle", "ZÖLLE", "ZOELLE"),
        ("Straße", "Strasse", "STRASSE", "STRAẞE"),
        ("Müller", "Mueller", "Muller", "MÜLLER"),
        ("Kri\u00adse", "Krise", "KRISE"),
    ],
    ids=["Zölle", "Straße", "Müller", "Krise"],
)
def test_fold_makes_spellings_equal(variants: tuple[str, ...]) -> None:
    assert len({fold(v) for v in variants}) == 1


# the acute accent is listed as an apostrophe but is not dropped: see
# test_fold_drops_acute_accent_apostrophe below
_DROPPED = INVISIBLE + APOSTROPHES.replace("´", "")


def test_fold_drops_every_invisible_character_and_apostrophe() -> None:
    for c in _DROPPED:
        assert fold(f"Wa{c}sser") == "wasser", repr(c)


def test_stopwords() -> None:
    assert is_stopword("die")
    assert is_stopword("Die")
    assert is_stopword("DIE")
    assert is_stopword("über")
    assert is_stopword("Über")
    assert is_stopword("dass")
    assert is_stopword("daß")  # pre-1996 spelling, ß -> ss
    assert is_stopword("für")
    # umlauts are kept for the stopword test: Uber and Fur are words
    assert not is_stopword("Uber")
    assert not is_stopword("uber")
    assert not is_stopword("fur")
    assert not is_stopword("Linke")
    assert not is_stopword("Zoll")
    assert fold_stopword("Über") == "über"
    assert fold_stopword("DAß") == "dass"


def test_stopword_list_is_normalised() -> None:
    assert len(STOPWORDS) > 200
    for word in STOPWORDS:
        assert word == word.lower(), word
        assert "ß" not in word, word  # stored with ss, as fold_stopword makes it
        assert fold_stopword(word) == word, word


_LATIN = (
    "".join(
        chr(c)
        for c in range(0xC0, 0x180)
        if chr(c).isalpha() and chr(c) not in "ÐðÞþĦħĸĿŀŊŋŦŧ"  # no ASCII form
    )
    + "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZẞ"
    + _DROPPED
)


@settings(max_examples=1000, deadline=500)
@given(word=st.text(alphabet=_LATIN, max_size=20))
def test_fold_of_latin_words_is_lower_case_ascii(word: str) -> None:
    folded = fold(word)
    assert folded.isascii(), folded
    assert folded == folded.lower(), folded
    assert folded.isalpha() or not folded, folded


@settings(max_examples=1000, deadline=500)
@given(word=st.text(max_size=20))
def test_fold_never_raises_and_drops_invisibles(word: str) -> None:
    folded = fold(word)
    assert not any(c in folded for c in _DROPPED + ".")


# -- known oddities (strict: they fail the run once fixed; then drop the mark) ----


@pytest.mark.parametrize("word", ["𝐀rbeit", "ℌaus", "Marke™"])
def test_fold_is_lower_case(word: str) -> None:
    folded = fold(word)
    assert folded == folded.lower()


@pytest.mark.xfail(
    strict=True,
    raises=AssertionError,
    reason="the ae/oe/ue rule runs once: aee -> ae -> a (fold is not idempotent)",
)
@pytest.mark.parametrize("word", ["aee", "ÆË"])
def test_fold_is_idempotent(word: str) -> None:
    assert fold(fold(word)) == fold(word)


def test_fold_drops_acute_accent_apostrophe() -> None:
    assert fold("geht´s") == "gehts"
