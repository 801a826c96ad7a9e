"""The vectorised evaluation gives the same hits and scores as Whoosh's own scoring."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from search import fastpath, ranking
from search.engine import SearchEngine

QUERIES = [
    "Zoll",
    "Zoll Japan",
    "Importzölle",
    "Japan Südkorea Beziehungen",
    "Fußball Verein",
    "Mietpreisbremse Berlin",
    "Die Linke",
    "Bürgerinnen",
    "Corona-Krise",
    # phrases, fields, wildcards, fuzzy terms, exclusions, OR, dates
    '"Martin Fritz"',
    '"Japan und Südkorea"',
    '"erste gemeinsame Erklärung"',
    '"Südkorea Japan"',
    '"Japan Freunde"',
    '"Südkorea wollen Freunde"',
    "titel:Japan",
    "tag:Zölle",
    "autor:Fritz",
    "quelle:taz.de",
    "Zoll*",
    "Impor*",
    "Ishiba~",
    "Zoll -Japan",
    "-Japan",
    "Japan ODER Zoll",
    "(Zoll ODER Streik) Japan",
    "Japan NICHT (Zoll ODER Streik)",
    "datum:2025-08-01..2025-08-31",
    "Japan datum:2025-01-01..2025-12-31",
]

FILTERS: list[dict[str, Any]] = [
    {},
    {"sources": ["taz.de"]},
    {"since": dt.date(2025, 8, 1)},
    {"until": dt.date(2025, 6, 30)},
    {"tags": ["Japan"]},
]


def _results(engine: SearchEngine, query: str, **kwargs: Any) -> list[tuple[str, float]]:
    res = engine.search(query, limit=50, snippets=False, suggest=False, **kwargs)
    return [(h.id, round(h.score, 6)) for h in res.hits] + [("total", float(res.total))]


def _both(
    engine: SearchEngine, monkeypatch: pytest.MonkeyPatch, query: str, **kwargs: Any
) -> tuple[list[tuple[str, float]], list[tuple[str, float]]]:
    fast = _results(engine, query, **kwargs)
    with monkeypatch.context() as m:
        m.setattr(fastpath, "ENABLED", False)
        slow = _results(engine, query, **kwargs)
    return fast, slow


@pytest.mark.parametrize("match", ["all", "any"])
@pytest.mark.parametrize("query", QUERIES)
def test_fast_path_equals_whoosh(
    corpus_index: Path, monkeypatch: pytest.MonkeyPatch, query: str, match: str
) -> None:
    with SearchEngine(corpus_index) as engine:
        fast, slow = _both(engine, monkeypatch, query, match=match)
    assert [d for d, _ in fast] == [d for d, _ in slow]
    assert [s for _, s in fast] == pytest.approx([s for _, s in slow], rel=1e-4)


@pytest.mark.parametrize("flt", FILTERS)
@pytest.mark.parametrize("query", ["Zoll", "Japan Zoll", '"Japan und Südkorea"', "-Streik"])
def test_filters_equal_whoosh(
    corpus_index: Path, monkeypatch: pytest.MonkeyPatch, query: str, flt: dict[str, Any]
) -> None:
    with SearchEngine(corpus_index) as engine:
        fast, slow = _both(engine, monkeypatch, query, **flt)
    assert [d for d, _ in fast] == [d for d, _ in slow]
    assert [s for _, s in fast] == pytest.approx([s for _, s in slow], rel=1e-4)


@pytest.mark.parametrize("query", ["Zoll", "Japan ODER Streik ODER Miete", "-Streik"])
def test_sort_orders_equal_whoosh(
    corpus_index: Path, monkeypatch: pytest.MonkeyPatch, query: str
) -> None:
    with SearchEngine(corpus_index) as engine:
        fast, slow = _both(engine, monkeypatch, query, sort="date")
        assert [d for d, _ in fast] == [d for d, _ in slow]
        fast, slow = _both(engine, monkeypatch, query, sort="recency")
    assert [d for d, _ in fast] == [d for d, _ in slow]
    assert [s for _, s in fast] == pytest.approx([s for _, s in slow], rel=1e-4)


def test_phrases_need_their_words_in_order_and_adjacent(corpus_index: Path) -> None:
    with SearchEngine(corpus_index) as engine:
        seed = "000_ce6ee6d5b1d8a7b4"
        assert seed in [h.id for h in engine.search('"Japan und Südkorea"').hits]
        assert seed in [h.id for h in engine.search('"Südkorea wollen Freunde"').hits]
        # near, but with a word between them / in the other order
        assert seed not in [h.id for h in engine.search('"Japan Freunde"').hits]
        assert seed not in [h.id for h in engine.search('"Freunde Südkorea"').hits]


def test_unknown_query_nodes_go_to_whoosh(corpus_index: Path) -> None:
    from whoosh import query as wq

    with SearchEngine(corpus_index) as engine:
        searcher = engine._searcher()
        with pytest.raises(fastpath.Unsupported):
            fastpath.run(searcher, wq.FuzzyTerm("text", "japan"), None, 10)


def test_position_keys_decode_every_varint_width() -> None:
    from index.analysis import GermanPositions

    fmt = GermanPositions()
    lists = [[0], [5], [127], [128, 129], [3, 300, 70_000, 2_000_000], list(range(0, 400, 3))]
    docs = np.arange(len(lists), dtype=np.int64) * 7
    keys = fastpath.position_keys(docs, [fmt.encode(p) for p in lists])
    pairs = zip(docs, lists, strict=True)
    expected = [(int(d) << fastpath.SHIFT) | p for d, ps in pairs for p in ps]
    assert keys.tolist() == expected


def test_fast_path_leaves_out_deleted_articles(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from index.builder import Indexer

    index = tmp_path / "ix"
    Indexer(index, procs=1).build([Path(__file__).resolve().parent.parent / "corpus"])
    Indexer(index).remove(["b02_importzoelle"])
    with SearchEngine(index) as engine:
        for query in ("Zoll", '"US-Regierung"', "Zoll*", "-Japan"):
            fast, slow = _both(engine, monkeypatch, query)
            assert "b02_importzoelle" not in [d for d, _ in fast]
            assert [d for d, _ in fast] == [d for d, _ in slow], query


@pytest.mark.parametrize("query", ["Zoll", "-Streik", "quelle:beispiel", '"Japan und Südkorea"'])
def test_facets_equal_whoosh(
    corpus_index: Path, monkeypatch: pytest.MonkeyPatch, query: str
) -> None:
    with SearchEngine(corpus_index) as engine:
        fast = engine.search(query, facets=True, snippets=False).facets
        with monkeypatch.context() as m:
            m.setattr(fastpath, "ENABLED", False)
            slow = engine.search(query, facets=True, snippets=False).facets
    assert fast == slow
    assert sum(c.count for c in fast["sources"]) > 0


def present_terms(engine: SearchEngine) -> list[str]:
    """The index terms of words the test corpus holds."""
    terms = [engine.analysis.query_term(w) for w in ("Japan", "Zoll", "Südkorea")]
    reader = engine._searcher().reader()
    assert all(reader.doc_frequency("text", t) for t in terms), terms
    return terms


def test_position_keys_of_some_documents_equal_the_whole_terms(corpus_index: Path) -> None:
    with SearchEngine(corpus_index) as engine:
        arrays = fastpath.arrays_for(engine._searcher())
        every = np.arange(arrays.n, dtype=np.int64)
        for wanted, term in itertools.product(
            (every, every[::2], every[1:4]), [*present_terms(engine), "nichtda"]
        ):
            arrays._keys.clear()  # decode from the postings first
            part = arrays.position_keys_in(term, "text", wanted)  # decoded for these only
            whole = fastpath.keys_in(arrays.position_keys(term, "text"), wanted)
            assert part.tolist() == whole.tolist(), term
            again = arrays.position_keys_in(term, "text", wanted)  # now from the cache
            assert again.tolist() == whole.tolist(), term


def test_caches_are_bounded_by_entries_and_by_size(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fastpath, "CACHE_TERMS", 3)
    monkeypatch.setattr(fastpath, "CACHE_POSTINGS", 10)
    cache: Any = fastpath._Lru(len)
    for i in range(5):
        cache.put(("text", str(i)), [0] * 2)
    assert [cache.get(("text", str(i))) is not None for i in range(5)] == [False] * 2 + [True] * 3
    cache.get(("text", "2"))  # used: the oldest is now "3"
    cache.put(("text", "big"), [0] * 7)  # 2 + 2 + 2 + 7 > 10: the least recently used go
    assert cache.get(("text", "3")) is None
    assert cache.get(("text", "4")) is None
    assert cache.get(("text", "2")) is not None
    assert cache.get(("text", "big")) is not None


def test_cached_document_frequencies_equal_whooshs(
    corpus_index: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ranking, "DF_CACHE", 4)
    with SearchEngine(corpus_index) as engine:
        reader = engine._searcher().reader()
        japan, zoll, sudkorea = present_terms(engine)
        terms = [("text", japan), ("text", zoll), ("title", japan), ("text", "nichtda")]
        for fieldname, term in terms * 3:  # the second and third time from the cache
            expected = reader.doc_frequency(fieldname, term)
            assert ranking.doc_frequency(reader, fieldname, term) == expected
        assert ranking.doc_frequency(reader, "text", japan) > 0
        ranking.doc_frequency(reader, "text", sudkorea)  # a fifth: the cache starts over
        assert len(reader._zsuche_df) == 1
