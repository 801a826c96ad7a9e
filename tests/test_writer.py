"""The fast segment writer writes what Whoosh's own writer writes.

Both write the same documents; everything is read back through Whoosh's
readers: the terms of every field (the German text fields take the fast
path, the others Whoosh's pool), each term's statistics and every
posting (document, weight, encoded positions). The documents cover postings
lists of several blocks, terms in one document (inlined into the term
table), positions past 127 and 16,383 (two- and three-byte varints) and
words that occur many times in one document.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from whoosh.codec.whoosh3 import W3Codec
from whoosh.filedb.filestore import FileStorage
from whoosh.writing import SegmentWriter

from index import writer as fast
from index.schema import TEXT_FIELDS, article_fields, make_schema
from index.taz import parse_file

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
STATS = ("weight", "doc_frequency", "min_length", "max_length", "max_weight", "min_id", "max_id")


def documents() -> list[dict[str, Any]]:
    docs = []
    for i, path in enumerate(sorted(CORPUS.glob("*.txt"))):
        docs.append(article_fields(parse_file(path), file_key=str(path), file_state=f"s{i}"))
    words = "Zoll Japan Importzölle Regierung Hafen Bahnstreik".split()
    for i in range(300):
        body = " ".join(words[(i * k) % len(words)] for k in range(1 + i % 50))
        docs.append({"id": f"gen{i}", "text": f"{body} Einzelwort{i}", "title": words[i % 6]})
    # one long text: positions need two and three varint bytes
    docs.append({"id": "long", "text": "Hafen Zoll " * 9000 + "Schlusswort"})
    return docs


def build(path: Path, writer_class: Any, docs: list[dict[str, Any]], block: int) -> Any:
    path.mkdir()
    ix = FileStorage(str(path)).create_index(make_schema())
    writer = writer_class(ix, codec=W3Codec(blocklimit=block))
    for doc in docs:
        writer.add_document(**doc)
    writer.commit()
    return ix


def postings(reader: Any, field: str, term: bytes | str) -> list[tuple[Any, ...]]:
    """(document, weight, value, and its block's maximum weight and lengths)
    of every posting."""
    matcher = reader.postings(field, term)
    out = []
    while matcher.is_active():
        block = (matcher.block_max_weight(), matcher.block_min_length(), matcher.block_max_length())
        out.append((matcher.id(), matcher.weight(), matcher.value(), *block))
        matcher.next()
    return out


@pytest.mark.parametrize(
    ("block", "chunk", "write_bytes", "pending", "tokens", "key_limit", "dates"),
    [
        (
            fast.BLOCK,
            fast.CHUNK_POSTINGS,
            fast.WRITE_BYTES,
            fast.PENDING_TOKENS,
            fast.MAX_TOKENS,
            fast.KEY_LIMIT,
            fast.MAX_DATES,
        ),
        (4, 7, 64, 5, 40, 0, 1),
    ],
    ids=["defaults", "small-blocks-chunks-batches-tables-and-memos-lexical-sort"],
)
def test_fast_writer_writes_what_whoosh_writes(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    block: int,
    chunk: int,
    write_bytes: int,
    pending: int,
    tokens: int,
    key_limit: int,
    dates: int,
) -> None:
    monkeypatch.setattr(fast, "BLOCK", block)
    monkeypatch.setattr(fast, "CHUNK_POSTINGS", chunk)
    monkeypatch.setattr(fast, "CHUNK_TERMS", max(2, chunk // 2))
    monkeypatch.setattr(fast, "WRITE_BYTES", write_bytes)
    # documents grouped into postings a few at a time, token tables started afresh
    monkeypatch.setattr(fast, "PENDING_TOKENS", pending)
    monkeypatch.setattr(fast, "MAX_TOKENS", tokens)
    monkeypatch.setattr(fast, "KEY_LIMIT", key_limit)  # 0: never one packed sort key
    monkeypatch.setattr(fast, "MAX_DATES", dates)  # 1: the date memo cleared again and again
    docs = documents()
    with (
        build(tmp_path / "whoosh", SegmentWriter, docs, block).reader() as expected,
        build(tmp_path / "fast", fast.FastSegmentWriter, docs, block).reader() as got,
    ):
        checked = set()
        fields = sorted(expected.indexed_field_names())
        assert set(TEXT_FIELDS) < set(fields)  # and id, tag, author, date…
        assert sorted(got.indexed_field_names()) == fields
        for field in fields:
            terms = list(expected.lexicon(field))
            assert list(got.lexicon(field)) == terms, field
            for term in terms:
                want, have = expected.term_info(field, term), got.term_info(field, term)
                for stat in STATS:
                    assert getattr(have, stat)() == getattr(want, stat)(), (field, term, stat)
                assert postings(got, field, term) == postings(expected, field, term), (field, term)
                checked.add((field, term))
        # what the documents were made to cover is there
        text_df = {t: expected.doc_frequency("text", t) for f, t in checked if f == "text"}
        assert max(text_df.values()) > 2 * block  # several blocks
        assert sum(1 for df in text_df.values() if df == 1) > 300  # inlined terms
        analysis = make_schema()["text"].analyzer.analysis
        long_doc = expected.first_id("id", "long")
        zoll = {p[0]: p[2] for p in postings(expected, "text", analysis.query_term("Zoll"))}
        assert zoll[long_doc][1] == 9000 >> 7
        assert zoll[long_doc][0] & 0x80
        end = analysis.query_term("Schlusswort")
        assert [len(p[2]) for p in postings(expected, "text", end)] == [1 + 3]  # position 18000
        assert got.stored_fields(got.first_id("id", "long"))["id"] == "long"
