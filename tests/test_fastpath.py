"""The vectorised fast path gives the same hits and scores as Whoosh's scoring."""

from __future__ import annotations

from pathlib import Path

import pytest

from search import matching
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
]


def _results(engine: SearchEngine, query: str, match: str) -> list[tuple[str, float]]:
    res = engine.search(query, limit=50, match=match, snippets=False, suggest=False)
    return [(h.id, round(h.score, 6)) for h in res.hits] + [("total", float(res.total))]


@pytest.mark.parametrize("match", ["all", "any"])
@pytest.mark.parametrize("query", QUERIES)
def test_fast_path_equals_whoosh(
    corpus_index: Path, monkeypatch: pytest.MonkeyPatch, query: str, match: str
) -> None:
    with SearchEngine(corpus_index) as engine:
        compiled = matching.Compiler(
            engine._searcher().reader(), engine.analysis, query
        ).compile(matching.q.parse(query).tree, any_word=match == "any")
        fast = _results(engine, query, match)
        monkeypatch.setattr(matching.Compiler, "_plan", lambda self, node: None)
        slow = _results(engine, query, match)
    assert [d for d, _ in fast] == [d for d, _ in slow]
    assert [s for _, s in fast] == pytest.approx([s for _, s in slow], rel=1e-4)
    if match == "any" or " " not in query:
        assert compiled.plan is not None, "plain words must take the fast path"


def test_fast_path_skips_what_it_cannot_do(corpus_index: Path) -> None:
    with SearchEngine(corpus_index) as engine:
        reader = engine._searcher().reader()
        for query in ('"Die Linke"', "titel:Japan", "Zoll*", "Zoll -Japan", "Japan ODER Zoll"):
            compiled = matching.Compiler(reader, engine.analysis, query).compile(
                matching.q.parse(query).tree
            )
            assert compiled.plan is None, query


def test_fast_path_leaves_out_deleted_articles(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from index.builder import Indexer

    index = tmp_path / "ix"
    Indexer(index, procs=1).build([Path(__file__).resolve().parent.parent / "corpus"])
    Indexer(index).remove(["b02_importzoelle"])
    with SearchEngine(index) as engine:
        fast = _results(engine, "Zoll", "all")
        monkeypatch.setattr(matching.Compiler, "_plan", lambda self, node: None)
        slow = _results(engine, "Zoll", "all")
    assert "b02_importzoelle" not in [d for d, _ in fast]
    assert [d for d, _ in fast] == [d for d, _ in slow]
