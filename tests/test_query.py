"""The query language: the parser's tree and errors, and what each construct
finds in the corpus index (corpus/README.md says what the articles contain)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from index.errors import QueryError, ZsucheError
from search import query as q
from search.query import parse

JAPAN = "000_ce6ee6d5b1d8a7b4"  # taz reference: Tokio, Japan, Südkorea, Ishiba, Importzoll
ZOELLE = "b02_importzoelle"  # Importzölle, Zölle, US-Zölle in the title's kicker
WAND = "b07_wandhalterung"  # 55-Zoll-Fernseher (the other Zoll)
MIETE = "b03_mietpreisbremse"  # „Die Linke“
BUNDESWEHR = "b08_verteidigung"  # Die Linke, three authors, 2024


@pytest.fixture(scope="module")
def engine(corpus_index: Path) -> Iterator[object]:
    from search import SearchEngine

    with SearchEngine(corpus_index) as e:
        yield e


def ids(engine: object, query: str, **kw: object) -> set[str]:
    results = engine.search(query, limit=100, **kw)  # type: ignore[attr-defined]
    assert results.total == len(results.hits)
    return {h.id for h in results.hits}


# -- the tree ---------------------------------------------------------------------
def test_plain_words_are_and_and_not_explicit() -> None:
    p = parse("Zoll Japan")
    assert p.tree == q.And([q.Word("Zoll"), q.Word("Japan")])
    assert p.explicit is False


@pytest.mark.parametrize(
    ("text", "tree"),
    [
        ('"Die Linke"', q.Phrase("Die Linke")),
        ("„Die Linke“", q.Phrase("Die Linke")),  # German quotation marks
        ('"Die Linke"~2', q.Phrase("Die Linke", 2)),
        ("-Trump", q.Not(q.Word("Trump"))),
        ("NICHT Trump", q.Not(q.Word("Trump"))),
        ("NOT Trump", q.Not(q.Word("Trump"))),
        ("Japan ODER Korea", q.Or([q.Word("Japan"), q.Word("Korea")])),
        ("Japan OR Korea", q.Or([q.Word("Japan"), q.Word("Korea")])),
        ("Japan UND Korea", q.And([q.Word("Japan"), q.Word("Korea")])),
        ("Japan AND Korea", q.And([q.Word("Japan"), q.Word("Korea")])),
        (
            "(Japan ODER Korea) Zoll",
            q.And([q.Or([q.Word("Japan"), q.Word("Korea")]), q.Word("Zoll")]),
        ),
        ("titel:Japan", q.InField("title", q.Word("Japan"))),
        ("title:Japan", q.InField("title", q.Word("Japan"))),
        ("autor:Fritz", q.InField("authors", q.Word("Fritz"))),
        ("author:Fritz", q.InField("authors", q.Word("Fritz"))),
        ("tag:Japan", q.InField("tags", q.Word("Japan"))),
        ("ort:Tokio", q.InField("place", q.Word("Tokio"))),
        ("place:Tokio", q.InField("place", q.Word("Tokio"))),
        ("quelle:taz.de", q.InField("source", q.Word("taz.de"))),
        ("source:taz.de", q.InField("source", q.Word("taz.de"))),
        ('autor:"Martin Fritz"', q.InField("authors", q.Phrase("Martin Fritz"))),
        ("Zoll*", q.Prefix("Zoll")),
        ("Ishbia~", q.Fuzzy("Ishbia")),
        ("Ishbia~1", q.Fuzzy("Ishbia", 1)),
        ("US-Zölle", q.Word("US-Zölle")),  # a hyphen inside a word is no minus
        (
            "datum:2025-08-01..2025-08-31",
            q.DateRange(dt.date(2025, 8, 1), dt.date(2025, 8, 31)),
        ),
        ("datum:2025-08", q.DateRange(dt.date(2025, 8, 1), dt.date(2025, 8, 31))),
        ("datum:2024-02", q.DateRange(dt.date(2024, 2, 1), dt.date(2024, 2, 29))),
        ("datum:2025", q.DateRange(dt.date(2025, 1, 1), dt.date(2025, 12, 31))),
        ("datum:..2025-06-30", q.DateRange(None, dt.date(2025, 6, 30))),
        ("date:2025-06..", q.DateRange(dt.date(2025, 6, 1), None)),
    ],
)
def test_parse_tree(text: str, tree: q.Node) -> None:
    assert parse(text).tree == tree


def test_operators_make_the_query_explicit() -> None:
    for text in ("a ODER b", "a UND b", "a -b", "NICHT a", "a OR b"):
        assert parse(text).explicit, text
    for text in ('"a b" c', "titel:a b", "ab* b~"):
        assert not parse(text).explicit, text


def test_operators_are_words_in_lower_case() -> None:
    # "und"/"oder" in lower case are words (stopwords), not operators
    assert parse("Japan oder Korea").tree == q.And(
        [q.Word("Japan"), q.Word("oder"), q.Word("Korea")]
    )


def test_positions_point_into_the_query() -> None:
    tree = parse("Zoll ODER titel:Japan").tree
    assert isinstance(tree, q.Or)
    assert [i.pos for i in tree.items] == [0, 10]


# -- errors -----------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "position", "reason"),
    [
        ('"Die Linke', 0, "quotation mark"),
        ('Die Linke"', 9, "quotation mark"),
        ('Zoll "Die Linke', 5, "quotation mark"),
        ("(Japan Korea", 0, "never closed"),
        ("Japan Korea)", 11, "no opening"),
        (")", 0, "no opening"),
        ("(Japan (Korea)", 0, "never closed"),
        ("()", 0, "empty parentheses"),
        ("Zoll ()", 5, "empty parentheses"),
        ("Japan AND", 9, "after"),
        ("Japan ODER", 10, "after"),
        ("ODER Japan", 0, "before"),
        ("AND Japan", 0, "before"),
        ("Japan ODER ODER Korea", 10, "after"),
        ("Japan NICHT", 11, "after"),
        ("Japan -", None, None),  # a lone dash is punctuation, see below
        ("foo:bar", 0, "unknown field 'foo'"),
        ("Zoll farbe:rot", 5, "unknown field 'farbe'"),
        ("titel:", 6, "needs a value"),
        ("titel: Japan", 6, "needs a value"),
        ("Japan autor:", 12, "needs a value"),
        ("datum:2025-13", 6, "impossible date"),
        ("datum:2025-02-30", 6, "impossible date"),
        ("datum:gestern", 6, "cannot read the date"),
        ("datum:2025-09..2025-08", 6, "ends before it starts"),
        ("*", 0, "too short"),
        ("Zoll *", 5, "too short"),
        ("a*", 0, "too short"),
        ("ä*", 0, "too short"),
        ("Zo*ll", 2, "trailing"),
        ("Wort~3", 0, "fuzzy distance"),
        ("titel:-Japan", 6, "cannot start"),
        ("titel:autor:Fritz", 6, "another field"),
        ("", 0, "empty"),
        ("   ", 0, "empty"),
    ],
)
def test_malformed_queries_raise_with_position(
    text: str, position: int | None, reason: str | None
) -> None:
    if reason is None:
        parse(text)  # accepted: checked in test_lone_dash_is_punctuation
        return
    with pytest.raises(QueryError) as info:
        parse(text)
    err = info.value
    assert isinstance(err, ZsucheError)
    assert reason in err.reason
    assert err.position == position
    assert err.query == text
    # the caret sits under the problem
    assert err.pointer().splitlines()[1] == " " * position + "^"


def test_bad_field_error_lists_the_known_fields() -> None:
    with pytest.raises(QueryError) as info:
        parse("farbe:rot")
    for name in ("titel", "autor", "tag", "ort", "quelle", "datum"):
        assert name in info.value.hint


def test_nesting_is_bounded() -> None:
    parse("(" * q.MAX_DEPTH + "Zoll" + ")" * q.MAX_DEPTH)
    deep = q.MAX_DEPTH + 1
    with pytest.raises(QueryError) as info:
        parse("(" * deep + "Zoll" + ")" * deep)
    assert info.value.position == q.MAX_DEPTH


def test_too_many_terms_and_too_long() -> None:
    with pytest.raises(QueryError, match="terms"):
        parse(" ".join(["Zoll"] * (q.MAX_TERMS + 1)))
    # the words of a phrase count as well
    with pytest.raises(QueryError, match="terms"):
        parse('"' + " ".join(["Zoll"] * (q.MAX_TERMS + 1)) + '"')
    with pytest.raises(QueryError, match="characters"):
        parse("x" * (q.MAX_QUERY_CHARS + 1))


def test_parse_date_for_since_and_until() -> None:
    assert q.parse_date("2025-08") == dt.date(2025, 8, 1)
    assert q.parse_date("2025") == dt.date(2025, 1, 1)
    assert q.parse_date(" 2025-08-31 ") == dt.date(2025, 8, 31)
    for bad in ("2025-13", "gestern", "25-08-01", ""):
        with pytest.raises(QueryError):
            q.parse_date(bad)


# -- what the constructs find ---------------------------------------------------------
def test_words_are_anded(engine: object) -> None:
    assert ids(engine, "Zoll Japan") == {JAPAN}
    assert ids(engine, "Zoll") == {JAPAN, ZOELLE, WAND}


def test_any_word_fallback_when_nothing_has_all_words(engine: object) -> None:
    results = engine.search("Zoll Mietpreisbremse", limit=20)  # type: ignore[attr-defined]
    assert results.mode == "any"
    assert results.notices, "the fallback must say so"
    assert {h.id for h in results.hits} == {JAPAN, ZOELLE, WAND, MIETE}
    # an explicit AND never falls back
    strict = engine.search("Zoll AND Mietpreisbremse")  # type: ignore[attr-defined]
    assert strict.total == 0
    assert strict.mode == "all"
    # all words present: no fallback, no notice
    normal = engine.search("Zoll Japan")  # type: ignore[attr-defined]
    assert normal.mode == "all"
    assert normal.notices == []


def test_phrases(engine: object) -> None:
    assert ids(engine, '"Die Linke"') == {MIETE, BUNDESWEHR}
    assert ids(engine, "„Die Linke“") == {MIETE, BUNDESWEHR}
    assert ids(engine, '"Donald Trump"') == {JAPAN, ZOELLE}
    assert ids(engine, '"Trump Donald"') == set()  # order matters in a phrase
    assert ids(engine, "Trump Donald") == {JAPAN, ZOELLE}
    # both words are in both articles, next to each other only in b02
    assert ids(engine, "neue Importzölle") == {JAPAN, ZOELLE}
    assert ids(engine, '"neue Importzölle"') == {ZOELLE}


def test_exclude(engine: object) -> None:
    assert ids(engine, "Zoll -Japan") == {ZOELLE, WAND}
    assert ids(engine, "Zoll NICHT Japan") == {ZOELLE, WAND}
    assert ids(engine, "Zoll NOT Japan") == {ZOELLE, WAND}
    everything = engine.search("quelle:beispiel").total  # type: ignore[attr-defined]
    assert everything == 12
    # a query of only exclusions: everything else
    assert len(ids(engine, "-Japan")) == 15
    assert JAPAN not in ids(engine, "-Japan")


def test_or_and_parentheses(engine: object) -> None:
    assert ids(engine, "Japan ODER Mietpreisbremse") == {JAPAN, MIETE}
    assert ids(engine, "Japan OR Mietpreisbremse") == {JAPAN, MIETE}
    assert ids(engine, "(Japan ODER Mietpreisbremse) Zoll") == {JAPAN}
    assert ids(engine, "Japan UND Zoll") == {JAPAN}
    assert ids(engine, "Zoll -(Japan ODER Fernseher)") == {ZOELLE}


def test_fields(engine: object) -> None:
    assert ids(engine, "titel:Japan") == {JAPAN}
    assert ids(engine, "title:Japan") == {JAPAN}
    # the title as the user sees it, also its part before the colon (the kicker)
    assert ids(engine, "titel:Tokio") == {JAPAN}
    assert ids(engine, "titel:Zölle") == {ZOELLE}
    assert ids(engine, "titel:Zoll") == {ZOELLE}  # b07 has Zoll only in the body
    assert ids(engine, "autor:Fritz") == {JAPAN}
    assert ids(engine, 'author:"Martin Fritz"') == {JAPAN}
    assert ids(engine, "autor:Japan") == set()
    assert ids(engine, "tag:Japan") == {JAPAN}
    assert ids(engine, "ort:Tokio") == {JAPAN}
    assert ids(engine, "place:Berlin") == {"b01_bahnstreik", MIETE, BUNDESWEHR}
    assert ids(engine, "quelle:taz.de") == {JAPAN}
    assert ids(engine, "source:beispiel-jsonl") == {
        "j01_radentscheid",
        "j02_ki_schule",
        "j03_hochwasserschutz",
    }
    assert ids(engine, "Zoll quelle:beispiel") == {ZOELLE, WAND}
    assert ids(engine, "Zoll -quelle:beispiel") == {JAPAN}


def test_prefix_is_analysed_like_words(engine: object) -> None:
    zoll = ids(engine, "Zoll*")
    assert zoll == {JAPAN, ZOELLE, WAND}
    assert ids(engine, "Zöll*") == zoll
    assert ids(engine, "Zoell*") == zoll
    assert ids(engine, "zoll*") == zoll
    # a prefix finds words the whole word does not: Zollbescheids
    assert ids(engine, "Zollbes*") == {ZOELLE}
    assert ids(engine, "Zollbes") == set()
    assert ids(engine, "Zollstr*") == {ZOELLE}  # Zollstreit


def test_prefix_does_not_widen_to_its_stem(engine: object) -> None:
    assert ids(engine, "Zollst*") == {ZOELLE}  # only Zollstreit starts with Zollst
    # a whole word with a star still finds the word itself, whose stem is shorter
    assert ZOELLE in ids(engine, "Zölle*")


def test_fuzzy(engine: object) -> None:
    assert ids(engine, "Ishiba") == {JAPAN}
    assert ids(engine, "Ishbia") == set()
    assert ids(engine, "Ishbia~") == {JAPAN}
    assert ids(engine, "Ishbia~2") == {JAPAN}


def test_date_ranges(engine: object) -> None:
    assert ids(engine, "datum:2025-08-01..2025-08-31") == {JAPAN}
    assert ids(engine, "datum:2025-08") == {JAPAN}
    assert ids(engine, "datum:2024") == {
        "b08_verteidigung",
        "b10_glasfaser",
        "b11_stadtbibliothek",
        "j03_hochwasserschutz",
    }
    assert ids(engine, "Zoll datum:2025-04") == {ZOELLE}
    assert ids(engine, "Zoll datum:..2025-04-09") == {ZOELLE}  # the end day counts
    assert ids(engine, "Zoll datum:2025-04-10..") == {JAPAN, WAND}
    assert ids(engine, "datum:2025-03") == {"b06_zwangsarbeit", "b09_homeoffice"}


def test_since_and_until(engine: object) -> None:
    assert ids(engine, "Zoll", since=dt.date(2025, 5, 1)) == {JAPAN, WAND}
    assert ids(engine, "Zoll", until=dt.date(2025, 4, 9)) == {ZOELLE}
    assert ids(engine, "Zoll", since=dt.date(2025, 8, 26), until=dt.date(2025, 8, 26)) == {JAPAN}
    assert ids(engine, "Zoll", since=dt.date(2026, 1, 1)) == set()


def test_field_with_only_stopwords_is_an_error(engine: object) -> None:
    with pytest.raises(QueryError, match="stopwords"):
        engine.search("der die das")  # type: ignore[attr-defined]
    with pytest.raises(QueryError):
        engine.search('""')  # type: ignore[attr-defined]


def test_never_silently_searches_something_else(engine: object) -> None:
    # each of these could be "repaired" into another query; the parser refuses
    for text in ('Zoll "Die Linke', "(Zoll", "Zoll)", "farbe:rot Zoll", "titel:-Zoll", "a* Zoll"):
        with pytest.raises(QueryError):
            engine.search(text)  # type: ignore[attr-defined]
