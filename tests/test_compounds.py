"""The compound splitter (index.compounds).

Golden ``forbidden_parts.tsv`` (with ``known_failures.tsv``), the splitting
rules on a small hand-made lexicon (independent of wordfreq's numbers), the
real lexicon, and properties of the parts. ``compounds.tsv`` and
``nosplit.txt`` are tested through the analyzer in ``test_analysis.py``.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from index.compounds import (
    MIN_PART,
    NOT_PARTS,
    Lexicon,
    Split,
    Splitter,
    cache_path,
)
from index.normalize import fold

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "analysis"


def _lines(name: str) -> Iterator[str]:
    for line in (FIXTURES / name).read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            yield line


def _known_failures(file: str) -> dict[str, str]:
    out = {}
    for line in _lines("known_failures.tsv"):
        f, entry, reason = line.split("\t")
        if f == file:
            out[entry] = reason
    return out


@pytest.fixture(scope="module")
def splitter() -> Splitter:
    """A splitter over the real (wordfreq) lexicon."""
    return Splitter()


# -- golden: forbidden_parts.tsv ------------------------------------------------------


def _forbidden_cases() -> list[object]:
    known = _known_failures("forbidden_parts.tsv")
    params = []
    for line in _lines("forbidden_parts.tsv"):
        word, parts = line.split("\t")
        for part in parts.split(" "):
            entry = f"{word} {part}"
            reason = known.get(entry)
            marks = (
                [pytest.mark.xfail(strict=True, raises=AssertionError, reason=reason)]
                if reason
                else []
            )
            params.append(pytest.param(word, part, id=entry, marks=marks))
    return params


@pytest.mark.parametrize(("word", "part"), _forbidden_cases())
def test_forbidden_part_is_never_produced(splitter: Splitter, word: str, part: str) -> None:
    # Compared on the splitter's folded parts, not on stems (forbidden_parts.tsv's
    # header suggests analysed terms): stemming conflates words such as Messe and
    # Messer (both "mess"), so Messergebnis -> messe + ergebnis would look like the
    # forbidden "Messer" at the stem level. That would test the stemmer, not the
    # splitter; the stemmer has its own tests (test_cistem.py, stems.tsv).
    parts = splitter.parts(fold(word))
    assert fold(part) not in parts, f"{word} -> {parts}"


def test_forbidden_known_failures_exist() -> None:
    entries = {
        f"{word} {part}"
        for word, parts in (line.split("\t") for line in _lines("forbidden_parts.tsv"))
        for part in parts.split(" ")
    }
    for entry in _known_failures("forbidden_parts.tsv"):
        assert entry in entries, f"known_failures.tsv: forbidden_parts.tsv has no {entry!r}"


# Nonsense splits of frequent words seen while reviewing the splitter, fixed by
# the rules they led to: the dropped -e needs a modifier of four letters that is
# no prefix (ent- -> Ente, unter- -> untere, geb- -> gebe), -ende is a head only
# after a linking element (folgende), three-letter parts come from a list
# (eng+land), frequent lower-case words (verb forms) stay whole (bestellen).
NONSENSE_SPLITS = [
    ("entsteht", "Ente"),
    ("entlassen", "Ente"),
    ("untersucht", "untere"),
    ("unterhalten", "untere"),
    ("Gebühren", "Uhren"),
    ("Gebrauch", "Rauch"),
    ("gehörte", "Orte"),
    ("Gehalt", "alt"),
    ("konntest", "Test"),
    ("bestellen", "Ellen"),
    ("Redaktion", "Rede"),
    ("profitieren", "Profi"),
    ("Amerikaner", "ner"),
    ("England", "eng"),
    ("Hermann", "here"),
    ("folgende", "Ende"),
    ("laufenden", "enden"),
    ("Mönchengladbach", "engladbach"),
]


@pytest.mark.parametrize(("word", "part"), NONSENSE_SPLITS, ids=[w for w, _ in NONSENSE_SPLITS])
def test_no_nonsense_split(splitter: Splitter, word: str, part: str) -> None:
    lowercase = word[:1].islower()
    assert fold(part) not in splitter.parts(fold(word), lowercase=lowercase)


# -- the rules, on a hand-made lexicon ---------------------------------------------------


def test_two_words_without_link() -> None:
    s = Splitter(Lexicon({"import": 5.0, "zolle": 4.0, "zoll": 4.5}))
    assert s.parts("importzolle") == ("import", "zolle")
    assert s.parts("zollimport") == ("zoll", "import")


@pytest.mark.parametrize(
    ("word", "lexicon", "parts"),
    [
        (
            "verteidigungsausgaben",
            {"verteidigung": 4.0, "ausgaben": 4.0},
            ("verteidigung", "ausgaben"),
        ),
        ("bundesregierung", {"bund": 4.5, "regierung": 5.0}, ("bund", "regierung")),
        ("sonnenenergie", {"sonne": 4.5, "energie": 4.5}, ("sonne", "energie")),
        ("frauenquote", {"frau": 5.0, "quote": 4.0}, ("frau", "quote")),
        ("namensrecht", {"name": 4.5, "recht": 5.0}, ("name", "recht")),
        ("schulbuch", {"schule": 4.5, "buch": 4.5}, ("schule", "buch")),
    ],
    ids=["-s-", "-es-", "-n-", "-en-", "-ns-", "dropped -e"],
)
def test_linking_elements(word: str, lexicon: dict[str, float], parts: tuple[str, ...]) -> None:
    assert Splitter(Lexicon(lexicon)).parts(word) == parts


def test_frequent_whole_word_stays_whole() -> None:
    lexicon = {"haus": 5.0, "tur": 4.0}
    assert Splitter(Lexicon(lexicon)).parts("haustur") == ("haus", "tur")
    # Koehn & Knight: a split must beat the frequency of the word itself
    assert Splitter(Lexicon({**lexicon, "haustur": 6.0})).parts("haustur") == ()


def test_three_parts_give_leaves_and_right_hand_sub_compound() -> None:
    s = Splitter(Lexicon({"import": 5.0, "zoll": 4.5, "haus": 5.0}))
    assert s.parts("importzollhaus") == ("import", "zoll", "zollhaus", "haus")


def test_affixes_function_words_and_short_parts_are_never_parts() -> None:
    lexicon = {
        "ver": 7.0,
        "antwort": 5.0,
        "ung": 7.0,
        "antwortung": 3.0,
        "und": 7.5,
        "ab": 7.0,
        "zug": 5.0,
        "reise": 5.0,
    }
    s = Splitter(Lexicon(lexicon))
    for part in s.parts("verantwortung"):
        assert part not in ("ver", "ung"), part
    assert "und" not in s.parts("undreise")
    assert s.parts("abzug") == ()  # too short, and "ab" is too short to be a part


def test_feminine_forms_split_like_the_masculine() -> None:
    s = Splitter(Lexicon({"arbeiter": 5.0, "arbeit": 5.5, "zwang": 4.0, "innen": 5.0}))
    # Arbeiterinnen is a form of Arbeiter, never arbeiter + innen
    assert s.parts("arbeiterinnen") == ("arbeiter",)
    assert s.parts("arbeiterin") == ("arbeiter",)
    assert s.parts("zwangsarbeiterinnen") == ("zwangsarbeiter", "zwang", "arbeiter")


def test_not_split() -> None:
    s = Splitter(Lexicon({"import": 5.0, "zolle": 4.0}))
    assert s.parts("import") == ()  # a word of its own
    assert s.parts("import2zolle") == ()  # not all letters
    assert s.parts("xyzzyplugh") == ()  # no known parts


def test_split_folds_and_parts_are_cached() -> None:
    s = Splitter(Lexicon({"import": 5.0, "zolle": 4.0}))
    assert s.split("Importzölle") == Split("importzolle", ("import", "zolle"))
    assert s.parts("importzolle") is s.parts("importzolle")


# -- the real lexicon ------------------------------------------------------------------


def test_lexicon_is_folded_german_words() -> None:
    lex = Lexicon.default()
    assert Lexicon.default() is lex
    assert len(lex) > 100_000
    assert "zoll" in lex
    assert "regierung" in lex
    assert "zölle" not in lex  # keys are folded
    for word, zipf in lex.zipf.items():
        assert len(word) >= MIN_PART, word
        assert word.isascii(), word
        assert word.isalpha(), word
        assert word == word.lower(), word
        assert 2.0 <= zipf < 9.0, (word, zipf)
        assert not math.isnan(zipf)


def test_lexicon_cache_follows_zsuche_cache() -> None:
    # conftest points ZSUCHE_CACHE away from the user's cache
    assert cache_path().parent == Path(os.environ["ZSUCHE_CACHE"])
    assert cache_path().name.startswith("lexicon-de-")


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("Importzölle", {"import", "zolle"}),
        ("Verteidigungsausgaben", {"verteidigung", "ausgaben"}),
        ("Schulbuch", {"schule", "buch"}),
        ("Hochspannungsnetzgerät", {"hochspannung", "netzgerat", "netz", "gerat", "spannung"}),
        ("Zwangsarbeiterinnen", {"zwangsarbeiter", "zwang", "arbeiter"}),
        ("Ministerinnen", {"minister"}),
        ("Bundesverfassungsgericht", {"verfassungsgericht", "verfassung", "gericht"}),
    ],
)
def test_real_splits(splitter: Splitter, word: str, expected: set[str]) -> None:
    parts = splitter.parts(fold(word))
    assert expected <= set(parts), parts


@pytest.mark.parametrize(
    "word", ["Dortmund", "Verantwortung", "Regierung", "Frankreich", "Ministerinnen"]
)
def test_real_words_stay_whole_or_give_only_their_base(splitter: Splitter, word: str) -> None:
    parts = splitter.parts(fold(word))
    assert parts in ((), ("minister",)), parts


# -- properties -------------------------------------------------------------------------

_COMMON = [
    "import",
    "zoll",
    "arbeit",
    "markt",
    "bund",
    "regierung",
    "land",
    "haus",
    "wahl",
    "kampf",
    "steuer",
    "reform",
    "wasser",
    "versorgung",
    "kind",
    "garten",
    "schule",
    "buch",
    "sonne",
    "energie",
    "frau",
    "hund",
    "stadt",
    "rat",
    "welt",
    "krieg",
    "gericht",
    "verfassung",
]
_COMPOUND = st.lists(
    st.tuples(st.sampled_from(_COMMON), st.sampled_from(["", "", "s", "es", "n", "en", "er"])),
    min_size=1,
    max_size=4,
).map(lambda xs: "".join(w + link for w, link in xs))
_ANY_WORD = st.one_of(
    _COMPOUND, st.text(alphabet="abcdefghiklmnoprstuvwz", min_size=1, max_size=30)
)


@settings(max_examples=500, deadline=500, suppress_health_check=[HealthCheck.too_slow])
@given(word=_ANY_WORD)
def test_parts_are_pieces_of_the_word(splitter: Splitter, word: str) -> None:
    parts = splitter.parts(word)
    assert splitter.parts(word) == parts
    for part in parts:
        assert part != word
        assert len(part) >= MIN_PART, (word, parts)
        assert part not in NOT_PARTS, (word, parts)
        # a piece of the word, or a piece that lost its final -e (Schul- <- Schule)
        assert part in word or (part.endswith("e") and part[:-1] in word), (word, parts)
