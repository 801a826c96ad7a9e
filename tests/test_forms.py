"""Word forms filters (``index/forms.py``): what goes in, what the index
keeps per article, and the ranking bonus they give."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh.filedb.filestore import FileStorage

from index import forms
from index import writer as fast
from index.analysis import TOKEN_RE, token_forms
from index.article import Article
from index.builder import Indexer
from index.schema import article_fields, make_schema
from index.taz import parse_file
from search import ranking
from search.engine import SearchEngine

CORPUS = Path(__file__).resolve().parent.parent / "corpus"

words = st.text(
    alphabet=st.characters(codec="utf-8", categories=("L", "N")), min_size=1, max_size=20
)


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("Zölle", ["zolle"]),
        ("Zoelle", ["zolle"]),
        ("Straße", ["strasse"]),
        ("Corona-Krise", ["corona", "krise"]),
        ("Friedrich-Naumann-Stiftung", ["friedrich", "naumann", "stiftung"]),
        ("Bürger*innen", ["burgerinnen"]),
        ("1,5", ["1,5"]),
        ("der", []),
        ("Über", []),
        ("x", []),
    ],
)
def test_token_forms(token: str, expected: list[str]) -> None:
    assert TOKEN_RE.findall(token) == [token]
    assert token_forms(token) == expected


@given(st.lists(words, min_size=0, max_size=300))
@settings(max_examples=200, deadline=None)
def test_a_filter_holds_every_form_it_was_made_of(items: list[str]) -> None:
    kept = [f for f in items if f]
    data = forms.bloom_of(kept)
    found = forms.has_forms([data], [forms.form_hash(f) for f in kept])
    assert found.all()
    if kept:
        assert len(data) * 8 >= forms.MIN_BITS
        assert len(data) * 8 >= len(set(kept)) * forms.BITS_PER_FORM


def test_false_positives_are_rare() -> None:
    rng = random.Random(7)
    letters = "abcdefghijklmnopqrstuvwxyzäöüß"
    kept = {"".join(rng.choices(letters, k=rng.randint(3, 12))) for _ in range(400)}
    probes = {"".join(rng.choices(letters, k=rng.randint(3, 12))) for _ in range(20_000)} - kept
    data = forms.bloom_of(kept)
    found = forms.has_forms([data], [forms.form_hash(f) for f in sorted(probes)])
    rate = found.mean()
    # (1 - e^(-4/8))^4 = 2.4 % in theory
    assert 0.005 < rate < 0.045, rate


def test_an_empty_filter_holds_nothing() -> None:
    found = forms.has_forms([b"", forms.bloom_of(["zoll"])], [forms.form_hash("zoll")])
    assert found.tolist() == [[False], [True]]
    assert forms.bloom_of([]) == b""


@given(st.lists(st.lists(words, max_size=40), min_size=1, max_size=8))
@settings(max_examples=100, deadline=None)
def test_filters_made_together_equal_filters_made_one_by_one(docs: list[list[str]]) -> None:
    pairs = sorted({(i, forms.form_hash(f)) for i, doc in enumerate(docs) for f in doc})
    doc = np.array([i for i, _ in pairs], dtype=np.int64)
    h1 = np.array([h[0] for _, h in pairs], dtype=np.uint64)
    h2 = np.array([h[1] for _, h in pairs], dtype=np.uint64)
    together = forms.blooms(doc, h1, h2, len(docs))
    assert together == [forms.bloom_of(d) for d in docs]


def _expected_filter(doc: dict[str, Any]) -> bytes:
    text = doc.get("text", "")
    return forms.bloom_of(f for token in TOKEN_RE.findall(text) for f in token_forms(token))


def _documents() -> list[dict[str, Any]]:
    docs = [
        article_fields(parse_file(path), file_key=str(path), file_state="s")
        for path in sorted(CORPUS.glob("*.txt"))
    ]
    rng = random.Random(3)
    vocab = "Zoll Zölle Zoelle Importzölle Hafen Häfen Corona-Krise der die und".split()
    vocab.append("Bürger*innen")
    for i in range(200):
        text = " ".join(rng.choices(vocab, k=rng.randint(0, 60)))
        docs.append({"id": f"gen{i}", "text": text, "title": "Titel"})
    return docs


def _column(ix: Any) -> list[bytes]:
    with ix.searcher() as searcher:
        reader = searcher.reader()
        column = reader.column_reader(forms.FORMS_COLUMN, translate=False)
        return [bytes(column[d]) for d in range(reader.doc_count_all())]


@pytest.mark.parametrize(
    ("pending", "max_tokens"),
    [(fast.PENDING_TOKENS, fast.MAX_TOKENS), (50, 40)],
    ids=["one batch", "many batches and table resets"],
)
def test_the_writer_fills_each_documents_filter(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pending: int, max_tokens: int
) -> None:
    monkeypatch.setattr(fast, "PENDING_TOKENS", pending)
    monkeypatch.setattr(fast, "MAX_TOKENS", max_tokens)
    docs = _documents()
    ix = FileStorage(str(tmp_path)).create_index(make_schema())
    writer = fast.FastSegmentWriter(ix)
    for doc in docs:
        writer.add_document(**doc)
    writer.commit()
    assert _column(ix) == [_expected_filter(d) for d in docs]


def test_filters_survive_a_merge(tmp_path: Path) -> None:
    docs = _documents()
    ix = FileStorage(str(tmp_path)).create_index(make_schema())
    for start in range(0, len(docs), 70):  # several segments
        writer = fast.FastSegmentWriter(ix)
        for doc in docs[start : start + 70]:
            writer.add_document(**doc)
        writer.commit(merge=False)
    assert len(ix._segments()) > 1
    # a writer with waiting documents of its own merges the others in
    writer = fast.FastSegmentWriter(ix)
    extra = {"id": "extra", "text": "Zölle und Häfen"}
    writer.add_document(**extra)
    writer.commit(optimize=True)
    assert len(ix._segments()) == 1
    got = dict(zip(_ids(ix), _column(ix), strict=True))
    assert got == {d["id"]: _expected_filter(d) for d in [*docs, extra]}


def _ids(ix: Any) -> list[str]:
    with ix.searcher() as searcher:
        return [searcher.stored_fields(d)["id"] for d in range(searcher.doc_count_all())]


def _engine(tmp_path: Path, bodies: dict[str, str]) -> SearchEngine:
    day = dt.date(2025, 3, 1)
    articles = [Article(id=i, title="", body=b, date=day) for i, b in bodies.items()]
    report = Indexer(tmp_path / "ix").build_articles(articles)
    assert report.failed == 0
    return SearchEngine(tmp_path / "ix")


def test_the_query_words_exact_form_ranks_first(tmp_path: Path) -> None:
    # both articles have the stem zoll once, in texts of the same length: only
    # the form tells them apart
    bodies = {
        "plural": "Die Zölle steigen heute stark.",
        "singular": "Der Zoll steigt heute stark.",
        "other": "Ein Hafen liegt am Meer.",
    }
    with _engine(tmp_path, bodies) as engine:
        for query, first in (("Zölle", "plural"), ("Zoelle", "plural"), ("Zoll", "singular")):
            hits = engine.search(query, snippets=False).hits
            assert hits[0].id == first, query
            assert len(hits) == 2
            gap = hits[0].score - hits[1].score
            assert gap > 0.2 * ranking.FORM_BOOST, (query, gap)


def test_without_the_bonus_the_forms_tie(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the check above can fail: the two articles differ by the form alone
    monkeypatch.setattr(ranking, "FORM_BOOST", 0.0)
    bodies = {
        "plural": "Die Zölle steigen heute stark.",
        "singular": "Der Zoll steigt heute stark.",
    }
    with _engine(tmp_path, bodies) as engine:
        hits = engine.search("Zölle", snippets=False).hits
        assert round(hits[0].score, 6) == round(hits[1].score, 6)
