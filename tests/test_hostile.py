"""Hostile queries: each is a clear QueryError or a bounded answer in bounded
time, never a traceback. Plus fuzzing of the parser and the engine."""

from __future__ import annotations

import datetime as dt
import json
import random
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from index.errors import QueryError, ZsucheError
from search import SearchEngine
from search import query as q
from search.cli import main

#: seconds a hostile query may take on the small indexes of these tests
QUICK = 5.0


@pytest.fixture(scope="module")
def engine(corpus_index: Path) -> Iterator[SearchEngine]:
    with SearchEngine(corpus_index) as e:
        yield e


def _many_rows() -> list[dict[str, str]]:
    rnd = random.Random(7)
    letters = "bcdfghjklmnprstvwz"
    rows = []
    for n in range(40):
        words = ["ab" + "".join(rnd.choice(letters) for _ in range(6)) for _ in range(100)]
        rows.append(
            {
                "id": f"m{n:02d}",
                "title": f"Wortliste {n}",
                "body": " ".join(words) + ".",
                "date": f"2025-02-{n % 28 + 1:02d}",
                "source": "test",
            }
        )
    return rows


@pytest.fixture(scope="module")
def many_terms(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SearchEngine]:
    """40 articles of 100 made-up words each, all starting with "ab": 4,000 terms
    behind one short prefix."""
    from index.builder import Indexer

    rows = _many_rows()
    folder = tmp_path_factory.mktemp("many-terms")
    src = folder / "words.jsonl"
    src.write_text("\n".join(json.dumps(r) for r in rows) + "\n", "utf-8")
    report = Indexer(folder / "index", procs=1).build([src])
    assert report.failed == 0
    with SearchEngine(folder / "index") as e:
        yield e


def timed_error(engine: SearchEngine, query: str, **kw: object) -> QueryError:
    start = time.perf_counter()
    with pytest.raises(QueryError) as info:
        engine.search(query, **kw)  # type: ignore[arg-type]
    assert time.perf_counter() - start < QUICK
    assert isinstance(info.value, ZsucheError)
    assert info.value.reason
    return info.value


# -- each hostile input --------------------------------------------------------------
@pytest.mark.parametrize(
    "query",
    ['"Die Linke', 'Zoll "', '"""', "((Zoll)", "(Zoll))", ")(", "(", ")", "()"],
)
def test_unbalanced_quotes_and_parentheses(engine: SearchEngine, query: str) -> None:
    err = timed_error(engine, query)
    assert err.position is not None
    assert 0 <= err.position <= len(query)


@pytest.mark.parametrize("query", ["*", "**", "Zoll *", "* Zoll", "titel:*", "a*", "ä*", "1*"])
def test_lone_and_short_wildcards(engine: SearchEngine, query: str) -> None:
    err = timed_error(engine, query)
    assert "wildcard" in err.reason


def test_short_prefix_over_many_terms(many_terms: SearchEngine) -> None:
    timed_error(many_terms, "a*")
    start = time.perf_counter()
    results = many_terms.search("ab*", facets=True)
    assert time.perf_counter() - start < QUICK
    # bounded: only the MAX_EXPANSION most frequent "ab" terms are searched
    # (ties alphabetically), so only the articles that hold one of them match
    from index.analysis import get_analysis
    from search.matching import MAX_EXPANSION

    analysis = get_analysis()
    docs_of: dict[str, set[str]] = {}
    for row in _many_rows():
        for word in row["body"].rstrip(".").split():
            docs_of.setdefault(analysis.query_term(word), set()).add(row["id"])
    chosen = sorted(docs_of, key=lambda t: (-len(docs_of[t]), t))[:MAX_EXPANSION]
    expected = set().union(*(docs_of[t] for t in chosen))
    assert 0 < len(expected) < 40
    assert results.total == len(expected)
    assert any("most frequent" in n for n in results.notices), results.notices
    assert len(results.hits) == 10


def test_too_many_wildcards(many_terms: SearchEngine) -> None:
    many = " ".join(f"ab{c}*" for c in "bcdfghjklm")  # ten prefixes
    err = timed_error(many_terms, many)
    assert "wildcard" in err.reason
    assert err.position == many.index("ab" + "bcdfghjklm"[q.MAX_EXPANDING])
    start = time.perf_counter()
    many_terms.search(" ".join(["abcd*", "abzz~1"]))
    assert time.perf_counter() - start < QUICK


def test_ten_thousand_terms(engine: SearchEngine) -> None:
    words = [f"w{n}" for n in range(10_000)]
    err = timed_error(engine, " ".join(words))
    assert "characters" in err.reason or "terms" in err.reason
    # short enough in characters, too many terms
    err = timed_error(engine, " ".join(["Zo"] * 3000))
    assert "terms" in err.reason
    err = timed_error(engine, "Zoll ODER " * 900 + "Zoll")
    assert "terms" in err.reason
    # plain-word mode reads the first words only, in bounded time
    start = time.perf_counter()
    engine.search(" ".join(["Zoll"] * 10_000)[: q.MAX_QUERY_CHARS], syntax=False)
    assert time.perf_counter() - start < QUICK


def test_many_plain_words_with_suggestions_is_bounded(engine: SearchEngine) -> None:
    rnd = random.Random(3)
    words = ["".join(rnd.choice("bcdfghklmnrst") for _ in range(8)) for _ in range(q.MAX_TERMS)]
    start = time.perf_counter()
    results = engine.search(" ".join(words))
    assert time.perf_counter() - start < QUICK * 2
    assert results.total == 0


@pytest.mark.parametrize("query", ["Zoll\x00Japan", "\x00Zoll", "Zoll\x00", "Zo\x00ll*"])
def test_nul_bytes(engine: SearchEngine, query: str) -> None:
    # a NUL is read as a space: an answer, or a QueryError, never a crash
    try:
        results = engine.search(query)
    except QueryError:
        return
    assert results.total >= 0
    assert "\x00" not in results.query


def test_only_nul_bytes_is_empty(engine: SearchEngine) -> None:
    err = timed_error(engine, "\x00\x00\x00")
    assert "empty" in err.reason


@pytest.mark.parametrize("query", ["farbe:rot", "Zoll http://example.org", "x:y", "ÜBER:alles"])
def test_unknown_fields(engine: SearchEngine, query: str) -> None:
    err = timed_error(engine, query)
    assert "unknown field" in err.reason
    assert err.hint


@pytest.mark.parametrize("depth", [33, 100, 500, 3000])
def test_deeply_nested_parentheses(engine: SearchEngine, depth: int) -> None:
    query = "(" * depth + "Zoll" + ")" * depth
    err = timed_error(engine, query[: q.MAX_QUERY_CHARS])
    assert err.position is not None


def test_deeply_nested_fields_and_negations(engine: SearchEngine) -> None:
    timed_error(engine, "titel:" * 1600 + "Zoll")
    timed_error(engine, "NICHT " * 1600 + "Zoll")
    timed_error(engine, "-(" * 500 + "Zoll" + ")" * 500)


@pytest.mark.parametrize("limit", [10**9, 2**63, -1, 0])
def test_huge_limit(engine: SearchEngine, limit: int) -> None:
    timed_error(engine, "Zoll", limit=limit)
    timed_error(engine, "Zoll", page=10**12)


def test_huge_limit_on_the_command_line(
    corpus_index: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as info:
        main(["search", "Zoll", "--limit", "99999999999", "--index", str(corpus_index)])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "--limit" in err
    assert "Traceback" not in err


def test_hostile_queries_on_the_command_line(
    corpus_index: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for query in ['"Die Linke', "(" * 200, "*", "farbe:rot", "\x00", "a*", "Zoll)"]:
        code = main(["search", query, "--index", str(corpus_index)])
        captured = capsys.readouterr()
        assert code == 2, query
        assert captured.err.startswith("zsuche: error: bad query"), captured.err
        assert "Traceback" not in captured.err
        assert captured.out == ""


def test_dates_at_the_edges(engine: SearchEngine) -> None:
    assert engine.search("datum:0001..9999").total == 16
    timed_error(engine, "datum:0000")
    timed_error(engine, "datum:99999")
    assert engine.search("Zoll", since=dt.date(1, 1, 1), until=dt.date(9999, 12, 31)).total == 3


# -- fuzzing -------------------------------------------------------------------------
_PIECES = st.sampled_from(
    [
        " ", "Zoll", "Japan", "Die", "Linke", '"', "(", ")", "-", "*", "~", "~2", ":", "..",
        "titel:", "autor:", "tag:", "ort:", "quelle:", "datum:", "id:", "farbe:",
        "UND ", "ODER ", "NICHT ", " AND ", " OR ", " NOT ", "2025-08", "2025-13-40",
        "Zöll*", "Ishbia~", "ä", "ß", "\x00", "\t", "\n", "„", "“", "»", "US-", "ver.di",
        "İ", "ı", "ﬁ", "\u200b", "\u0301", "𝔷", "🙂",
    ]
)  # fmt: skip
QUERIES = st.one_of(st.text(max_size=80), st.lists(_PIECES, max_size=30).map("".join))


@settings(
    max_examples=400,
    deadline=dt.timedelta(seconds=2),
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(QUERIES)
def test_fuzz_parse(text: str) -> None:
    error: QueryError | None = None
    try:
        parsed = q.parse(text)
    except QueryError as exc:
        error = exc
    if error is not None:
        assert error.position is None or 0 <= error.position <= len(error.query)
        assert error.reason
    else:
        assert isinstance(parsed.tree, q.Node)


@settings(
    max_examples=120,
    deadline=dt.timedelta(seconds=10),
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(QUERIES, st.sampled_from(["relevance", "date", "recency"]))
def test_fuzz_search(engine: SearchEngine, text: str, sort: str) -> None:
    try:
        results = engine.search(text, limit=3, sort=sort, facets=True)
    except QueryError:
        return
    assert 0 <= len(results.hits) <= 3
    assert results.total >= len(results.hits)
    for hit in results.hits:
        for a, b in hit.snippet.highlights:
            assert 0 <= a < b <= len(hit.snippet.text)
        hit.snippet.html()
    json.dumps(results.to_dict())
