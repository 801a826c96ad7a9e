"""SearchEngine results: hits, pagination, filters, facets, sorting, did-you-mean,
similar articles and get/show, over the corpus index and small generated ones."""

from __future__ import annotations

import collections
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from index.errors import ArticleNotFoundError, QueryError, ZsucheError
from index.sources import read_file
from search import SearchEngine
from search.results import Hit, SearchResults

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
JAPAN = "000_ce6ee6d5b1d8a7b4"
ZOELLE = "b02_importzoelle"
WAND = "b07_wandhalterung"


@pytest.fixture(scope="module")
def engine(corpus_index: Path) -> Iterator[SearchEngine]:
    with SearchEngine(corpus_index) as e:
        yield e


@pytest.fixture(scope="module")
def articles() -> dict[str, Any]:
    """Every corpus article, parsed straight from its file (not from the index)."""
    out = {}
    for path in sorted(CORPUS.iterdir()):
        if path.suffix in (".txt", ".jsonl"):
            for article in read_file(path).articles:
                out[article.id] = article
    return out


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", "utf-8")
    return path


def build(folder: Path, rows: list[dict[str, Any]]) -> Path:
    from index.builder import Indexer

    src = write_jsonl(folder / "articles.jsonl", rows)
    index = folder / "index"
    report = Indexer(index, procs=1).build([src])
    assert report.failed == 0, report.failures
    return index


# -- hits ----------------------------------------------------------------------------
def test_hit_carries_the_article(engine: SearchEngine, articles: dict[str, Any]) -> None:
    results = engine.search("Ishiba")
    assert isinstance(results, SearchResults)
    assert results.total == 1
    hit = results.hits[0]
    assert isinstance(hit, Hit)
    article = articles[JAPAN]
    assert hit.id == JAPAN
    assert hit.title == article.title
    assert hit.title == "Gipfeltreffen in Tokio: Japan und Südkorea wollen Freunde werden"
    assert hit.date == "2025-08-26"
    assert hit.authors == ("Martin Fritz",)
    assert hit.tags == article.tags
    assert "Japan" in hit.tags
    assert hit.source == "taz.de"
    assert hit.place == "Tokio"
    assert hit.path.endswith("000_ce6ee6d5b1d8a7b4.txt")
    assert hit.score > 0
    assert hit.rank == 1
    assert "Ishiba" in hit.snippet.marked()
    assert "**Ishiba**" in hit.snippet.marked()
    d = hit.to_dict()
    for key in ("id", "title", "date", "authors", "tags", "source", "place", "path", "url"):
        assert key in d
    assert d["authors"] == ["Martin Fritz"]


def test_jsonl_hit_has_its_url(engine: SearchEngine, articles: dict[str, Any]) -> None:
    hit = engine.search("id:j02_ki_schule").hits[0]
    assert hit.url == articles["j02_ki_schule"].url != ""
    assert hit.authors == ("Hannes Vogt", "Selin Arslan")


def test_scores_descend(engine: SearchEngine) -> None:
    scores = [h.score for h in engine.search("Stadt", limit=50).hits]
    assert len(scores) >= 3
    assert scores == sorted(scores, reverse=True)


# -- pagination ------------------------------------------------------------------------
def test_pagination(engine: SearchEngine) -> None:
    whole = engine.search("Stadt", limit=50)
    assert whole.total == len(whole.hits) >= 5
    paged: list[str] = []
    for page in range(1, whole.total + 1):
        r = engine.search("Stadt", limit=2, page=page)
        assert r.total == whole.total
        assert r.page == page
        assert r.pages == -(-whole.total // 2)
        assert len(r.hits) <= 2
        assert [h.rank for h in r.hits] == list(range(2 * page - 1, 2 * page - 1 + len(r.hits)))
        paged.extend(h.id for h in r.hits)
    assert paged[: whole.total] == [h.id for h in whole.hits]
    # past the end: no hits, still the total
    beyond = engine.search("Stadt", limit=5, page=99)
    assert beyond.hits == []
    assert beyond.total == whole.total


@pytest.mark.parametrize(("limit", "page"), [(0, 1), (-1, 1), (1001, 1), (10, 0), (10, 10_001)])
def test_limit_and_page_bounds(engine: SearchEngine, limit: int, page: int) -> None:
    with pytest.raises(QueryError):
        engine.search("Zoll", limit=limit, page=page)


def test_largest_limit_is_allowed(engine: SearchEngine) -> None:
    assert engine.search("Zoll", limit=1000).total == 3


# -- filters -----------------------------------------------------------------------
def test_filters(engine: SearchEngine) -> None:
    def found(**kw: Any) -> set[str]:
        return {h.id for h in engine.search("Zoll", limit=50, **kw).hits}

    assert found() == {JAPAN, ZOELLE, WAND}
    assert found(tags=["Zölle"]) == {JAPAN, ZOELLE}
    assert found(tags=["Zölle", "Japan"]) == {JAPAN}  # every filter must hold
    assert found(authors=["Martin Fritz"]) == {JAPAN}
    assert found(authors=["Fritz"]) == set()  # the whole name
    assert found(sources=["taz.de"]) == {JAPAN}
    assert found(sources=["beispiel"]) == {ZOELLE, WAND}
    assert found(sources=["nirgends"]) == set()


def test_filters_do_not_need_case_or_umlauts(engine: SearchEngine) -> None:
    ids = {h.id for h in engine.search("Zoll", tags=["zoelle"]).hits}
    assert ids == {JAPAN, ZOELLE}


# -- facets --------------------------------------------------------------------------
def _expected_facets(arts: list[Any]) -> dict[str, collections.Counter[str]]:
    c: dict[str, collections.Counter[str]] = {
        n: collections.Counter() for n in ("tags", "authors", "sources", "months")
    }
    for a in arts:
        c["tags"].update(set(a.tags))
        c["authors"].update(a.authors)
        c["sources"][a.source] += 1
        c["months"][a.date.strftime("%Y-%m")] += 1
    return c


def test_facets_count_the_whole_result_set(engine: SearchEngine, articles: dict[str, Any]) -> None:
    # a page of one hit; the facets count all twelve invented articles
    results = engine.search("quelle:beispiel", limit=1, facets=True)
    assert results.total == 12
    assert len(results.hits) == 1
    facets = {name: {c.value: c.count for c in counts} for name, counts in results.facets.items()}
    # by hand (corpus/README.md): two articles in March 2025, b03 and b08 are tagged Die Linke
    assert facets["months"]["2025-03"] == 2
    assert facets["months"]["2024-11"] == 1
    assert facets["tags"]["Die Linke"] == 2
    assert facets["sources"] == {"beispiel": 12}
    assert sum(facets["months"].values()) == 12
    # and all of them against the articles parsed from their files
    expected = _expected_facets([a for a in articles.values() if a.source == "beispiel"])
    assert facets["months"] == dict(expected["months"])
    assert facets["authors"] == dict(expected["authors"])
    top_tags = sorted(expected["tags"].items(), key=lambda kv: (-kv[1], kv[0]))[:20]
    assert [(c.value, c.count) for c in results.facets["tags"]] == top_tags
    # months newest first
    months = [c.value for c in results.facets["months"]]
    assert months == sorted(months, reverse=True)


def test_facets_follow_query_and_filters(engine: SearchEngine) -> None:
    results = engine.search("Zoll", facets=True)
    facets = {name: {c.value: c.count for c in counts} for name, counts in results.facets.items()}
    assert facets["sources"] == {"taz.de": 1, "beispiel": 2}
    assert facets["tags"]["Zölle"] == 2
    assert facets["authors"] == {"Martin Fritz": 1, "Lena Hoffmeister": 1, "Felix Brandauer": 1}
    assert facets["months"] == {"2025-04": 1, "2025-08": 1, "2025-10": 1}
    filtered = engine.search("Zoll", facets=True, sources=["beispiel"])
    assert {c.value: c.count for c in filtered.facets["sources"]} == {"beispiel": 2}
    none = engine.search("Zoll", facets=False)
    assert none.facets == {}


# -- sorting -------------------------------------------------------------------------
def test_sort_by_date_newest_first(engine: SearchEngine) -> None:
    hits = engine.search("quelle:beispiel", limit=50, sort="date").hits
    dates = [h.date for h in hits]
    assert len(dates) == 12
    assert dates == sorted(dates, reverse=True)  # type: ignore[type-var]
    assert dates[0] == "2025-10-22"
    # paging keeps the order
    page2 = engine.search("quelle:beispiel", limit=5, page=2, sort="date").hits
    assert [h.id for h in page2] == [h.id for h in hits[5:10]]


def test_sort_by_recency_ranks_the_same_set(engine: SearchEngine) -> None:
    rel = engine.search("Stadt", limit=50)
    rec = engine.search("Stadt", limit=50, sort="recency")
    assert {h.id for h in rec.hits} == {h.id for h in rel.hits}
    assert rec.total == rel.total


def test_unknown_sort(engine: SearchEngine) -> None:
    with pytest.raises(QueryError, match="sort"):
        engine.search("Zoll", sort="zufall")


@pytest.fixture(scope="module")
def twins(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SearchEngine]:
    """Articles that score the same; only their dates differ (the oldest first)."""
    text = "Der Wasserturm am Markt wird saniert. Die Sanierung dauert ein Jahr."
    rows = [
        {
            "id": f"t{n}",
            "title": "Wasserturm wird saniert",
            "body": text,
            "date": date,
            "source": "test",
        }
        for n, date in enumerate(["2023-01-05", "2025-06-01", "2024-03-10", "2025-01-20"])
    ]
    rows.append({"id": "t9", "title": "Wasserturm", "body": "Nichts.", "source": "test"})
    with SearchEngine(build(tmp_path_factory.mktemp("twins"), rows)) as e:
        yield e


def test_ties_broken_by_date(twins: SearchEngine) -> None:
    hits = twins.search("Sanierung Wasserturm", limit=10).hits
    assert [h.id for h in hits] == ["t1", "t3", "t2", "t0"]
    assert len({round(h.score, 6) for h in hits}) == 1
    # also across pages
    pages = [twins.search("Sanierung Wasserturm", limit=1, page=p).hits[0].id for p in (1, 2, 3, 4)]
    assert pages == ["t1", "t3", "t2", "t0"]


def test_article_without_date_sorts_last_by_date(twins: SearchEngine) -> None:
    hits = twins.search("Wasserturm", sort="date").hits
    assert [h.id for h in hits][:4] == ["t1", "t3", "t2", "t0"]
    assert hits[-1].id == "t9"
    assert hits[-1].date is None


# -- did you mean ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("query", "suggestion"),
    [
        ("Südkora", "Südkorea"),
        ("Ishbia", "Ishiba"),
        ("Ishbia Japan", "Ishiba Japan"),
        ("titel:Südkora", "titel:Südkorea"),
        ("Homeofice", "Homeoffice"),
    ],
)
def test_did_you_mean(engine: SearchEngine, query: str, suggestion: str) -> None:
    results = engine.search(query)
    assert results.suggestion == suggestion
    # the suggestion finds something
    assert engine.search(suggestion).total >= 1


def test_no_suggestion_for_good_or_exact_words(engine: SearchEngine) -> None:
    assert engine.search("Südkorea").suggestion is None
    # found through its joined form (homeoffic): nothing to correct
    assert engine.search("Home-Office").suggestion is None
    assert engine.search("quelle:taz.de").suggestion is None  # an exact value, not a word
    assert engine.search("Ishbia", suggest=False).suggestion is None


# -- similar, get ------------------------------------------------------------------------
def test_similar(engine: SearchEngine) -> None:
    results = engine.similar(ZOELLE, limit=5)
    ids = [h.id for h in results.hits]
    assert ZOELLE not in ids
    assert 1 <= len(ids) <= 5
    # the other article about Trump's tariffs is the most similar
    assert ids[0] == JAPAN
    assert all(h.snippet.text for h in results.hits)
    for article_id in (JAPAN, "b03_mietpreisbremse", "j01_radentscheid"):
        assert article_id not in [h.id for h in engine.similar(article_id, limit=50).hits]


def test_similar_errors(engine: SearchEngine) -> None:
    with pytest.raises(ArticleNotFoundError):
        engine.similar("gibt_es_nicht")
    with pytest.raises(QueryError):
        engine.similar(ZOELLE, limit=0)


def test_get_returns_the_whole_article(engine: SearchEngine, articles: dict[str, Any]) -> None:
    for article_id in (JAPAN, ZOELLE, "j03_hochwasserschutz"):
        got = engine.get(article_id)
        want = articles[article_id]
        assert got.id == want.id
        assert got.title == want.title
        assert got.body == want.body
        assert got.lead == want.lead
        assert got.caption == want.caption
        assert got.links == want.links
        assert got.related == want.related
        assert got.tags == want.tags
        assert got.date == want.date
    assert engine.get(ZOELLE).body.endswith("„Dann überstehen wir auch das.“")


def test_get_unknown_id(engine: SearchEngine) -> None:
    with pytest.raises(ArticleNotFoundError) as info:
        engine.get("gibt_es_nicht")
    assert isinstance(info.value, ZsucheError)
    assert "gibt_es_nicht" in str(info.value)


def test_results_to_dict_is_json(engine: SearchEngine) -> None:
    d = engine.search("Zoll", facets=True, limit=2).to_dict()
    text = json.dumps(d, ensure_ascii=False)
    back = json.loads(text)
    assert back["total"] == 3
    assert len(back["hits"]) == 2
    assert back["pages"] == 2
    assert set(back["facets"]) == {"tags", "authors", "sources", "months"}
    assert back["facets"]["sources"][0] == {"value": "beispiel", "count": 2}


def test_search_with_dates(engine: SearchEngine) -> None:
    r = engine.search("Zoll", since=dt.date(2025, 4, 9), until=dt.date(2025, 4, 9))
    assert [h.id for h in r.hits] == [ZOELLE]
