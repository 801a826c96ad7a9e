"""Reference systems ("anchors") for the quality benchmark.

Each anchor uses its library the plain, documented way, so its numbers are a
fixed point to compare the project against:

========================  =====================================================
``whoosh-standard``       Whoosh 2.7, ``StandardAnalyzer`` (English stoplist),
                          BM25F defaults (K1=1.2, B=0.75)
``whoosh-de``             the same with ``LanguageAnalyzer("de")`` (German
                          stoplist and Whoosh's Snowball port)
``tantivy``               tantivy-py: simple tokenizer, remove_long(40),
                          lowercase, German stopwords, Snowball German stemmer
                          (registered as ``de_stem``); BM25, in RAM
``bm25s``                 bm25s (Lucene BM25, k1=1.5, b=0.75) with PyStemmer
                          German and bm25s' German stopword list
========================  =====================================================

Layout: the fields a query set indexes (say lead and body) are joined by
newlines into ONE text field, as bm25s does by necessity. That is how the
published anchor numbers were measured: on known-item-dev, tantivy scores
MRR@10 0.397 joined but 0.291 with one field per part (summed per-field
BM25 over a short lead and a long body favours lead matches). Whoosh and
tantivy take ``separate_fields=True`` for the per-field layout.

All match any word of the query (OR). The query text is never parsed as query
syntax: quotes, colons, ``AND``, ``*`` or ``?`` in a headline are plain text.
Every anchor has ``name``, ``default`` (False), ``build(docs, fields)``,
``search(text, k)`` and ``close()``.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Callable, Sequence
from typing import Any

from bench.datasets import EvalDoc

__all__ = [
    "ANCHORS",
    "Bm25sAnchor",
    "TantivyAnchor",
    "WhooshAnchor",
    "make_anchor",
]


#: the one index field that holds the indexed fields joined (the default layout)
JOINED_FIELD = "text"


def _unique(items: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _field_values(doc: EvalDoc, fields: Sequence[str], separate: bool) -> dict[str, str]:
    """What to index: one value per field, or the fields joined into ``text``."""
    if separate:
        return {name: doc.field_text(name) for name in fields}
    return {JOINED_FIELD: doc.text(fields)}


class WhooshAnchor:
    """Plain Whoosh in a fresh temp folder: an OR of the query's terms over its field(s)."""

    default = False

    def __init__(
        self,
        name: str = "whoosh-standard",
        language: str | None = None,
        separate_fields: bool = False,
    ) -> None:
        self.name = name
        self.language = language
        self.separate_fields = separate_fields
        self._dir: str | None = None
        self._index: Any = None
        self._searcher: Any = None
        self._analyzer: Any = None
        self._fields: tuple[str, ...] = ()

    def _make_analyzer(self) -> Any:
        from whoosh.analysis import LanguageAnalyzer, StandardAnalyzer

        if self.language:
            return LanguageAnalyzer(self.language)
        return StandardAnalyzer()

    def build(self, docs: Sequence[EvalDoc], fields: Sequence[str]) -> None:
        from whoosh import index
        from whoosh.fields import ID, TEXT, Schema

        self.close()
        self._fields = tuple(fields) if self.separate_fields else (JOINED_FIELD,)
        self._analyzer = self._make_analyzer()
        schema = Schema(
            id=ID(stored=True, unique=True),
            **{name: TEXT(analyzer=self._analyzer) for name in self._fields},
        )
        self._dir = tempfile.mkdtemp(prefix=f"bench-{self.name}-")
        self._index = index.create_in(self._dir, schema)
        writer = self._index.writer(procs=1)
        try:
            for doc in docs:
                writer.add_document(id=doc.id, **_field_values(doc, fields, self.separate_fields))
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        self._searcher = self._index.searcher()

    def query(self, text: str) -> Any:
        """The Whoosh query for ``text``: Or of Term(field, token), or None."""
        from whoosh.query import Or, Term

        tokens = _unique([t.text for t in self._analyzer(text, mode="query")])
        if not tokens:
            return None
        return Or([Term(name, token) for token in tokens for name in self._fields])

    def search(self, text: str, k: int) -> list[tuple[str, float]]:
        if self._searcher is None:
            raise RuntimeError(f"{self.name}: build() first")
        query = self.query(text)
        if query is None or k < 1:
            return []
        hits = self._searcher.search(query, limit=k)
        return [(str(hit["id"]), float(hit.score)) for hit in hits]

    def close(self) -> None:
        if self._searcher is not None:
            self._searcher.close()
            self._searcher = None
        self._index = None
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None


#: the words tantivy's simple tokenizer keeps: runs of letters and digits
_ALNUM = re.compile(r"[^\W_]+")


class TantivyAnchor:
    """tantivy-py in RAM with a German analyzer registered as ``de_stem``.

    tantivy has no built-in German tokenizer name (only ``default``,
    ``raw``, ``en_stem``, ``whitespace``), so :meth:`analyzer` builds the
    ``en_stem`` chain with the German stopword list and stemmer.
    """

    default = False
    tokenizer_name = "de_stem"

    def __init__(self, name: str = "tantivy", separate_fields: bool = False) -> None:
        self.name = name
        self.separate_fields = separate_fields
        self._index: Any = None
        self._searcher: Any = None
        self._fields: list[str] = []

    @staticmethod
    def analyzer() -> Any:
        """tantivy's ``en_stem`` chain with German stopwords and stemmer."""
        import tantivy

        return (
            tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
            .filter(tantivy.Filter.remove_long(40))
            .filter(tantivy.Filter.lowercase())
            .filter(tantivy.Filter.stopword("german"))
            .filter(tantivy.Filter.stemmer("german"))
            .build()
        )

    def build(self, docs: Sequence[EvalDoc], fields: Sequence[str]) -> None:
        import tantivy

        self.close()
        self._fields = list(fields) if self.separate_fields else [JOINED_FIELD]
        builder = tantivy.SchemaBuilder()
        builder.add_text_field("id", stored=True, tokenizer_name="raw")
        for name in self._fields:
            builder.add_text_field(name, stored=False, tokenizer_name=self.tokenizer_name)
        schema = builder.build()
        self._index = tantivy.Index(schema)  # in RAM
        self._index.register_tokenizer(self.tokenizer_name, self.analyzer())
        writer = self._index.writer()
        for doc in docs:
            writer.add_document(
                tantivy.Document(id=doc.id, **_field_values(doc, fields, self.separate_fields))
            )
        writer.commit()
        writer.wait_merging_threads()
        self._index.reload()
        self._searcher = self._index.searcher()

    @staticmethod
    def query_string(text: str) -> str:
        """Every word of ``text`` as a quoted term: an OR query with no syntax left.

        Only letters and digits survive (what the simple tokenizer keeps), so
        quoting needs no escapes and ``AND``/``OR``/``NOT`` are plain words.
        """
        return " ".join(f'"{word}"' for word in _unique(_ALNUM.findall(text)))

    def search(self, text: str, k: int) -> list[tuple[str, float]]:
        if self._searcher is None:
            raise RuntimeError(f"{self.name}: build() first")
        query_text = self.query_string(text)
        if not query_text or k < 1:
            return []
        try:
            query = self._index.parse_query(query_text, self._fields)
        except ValueError:
            # every word was a stopword: tantivy refuses the empty query
            return []
        result = self._searcher.search(query, limit=k)
        out: list[tuple[str, float]] = []
        for score, address in result.hits:
            out.append((str(self._searcher.doc(address)["id"][0]), float(score)))
        return out

    def close(self) -> None:
        self._searcher = None
        self._index = None


class Bm25sAnchor:
    """bm25s over the indexed fields joined into one text (it has no fields)."""

    default = False

    def __init__(self, name: str = "bm25s") -> None:
        self.name = name
        self._retriever: Any = None
        self._stemmer: Any = None
        self._ids: list[str] = []

    def build(self, docs: Sequence[EvalDoc], fields: Sequence[str]) -> None:
        import bm25s
        import Stemmer

        self.close()
        self._stemmer = Stemmer.Stemmer("german")
        self._ids = [doc.id for doc in docs]
        texts = [doc.text(fields) for doc in docs]
        tokens = bm25s.tokenize(texts, stopwords="de", stemmer=self._stemmer, show_progress=False)
        self._retriever = bm25s.BM25()
        self._retriever.index(tokens, show_progress=False)

    def search(self, text: str, k: int) -> list[tuple[str, float]]:
        import bm25s

        if self._retriever is None:
            raise RuntimeError(f"{self.name}: build() first")
        limit = min(k, len(self._ids))
        if limit < 1:
            return []
        tokens = bm25s.tokenize([text], stopwords="de", stemmer=self._stemmer, show_progress=False)
        indices, scores = self._retriever.retrieve(tokens, k=limit, show_progress=False)
        # bm25s fills the top k with score-0 documents when fewer match
        return [
            (self._ids[int(i)], float(s))
            for i, s in zip(indices[0], scores[0], strict=True)
            if s > 0
        ]

    def close(self) -> None:
        self._retriever = None


#: anchor name -> factory of a fresh, unbuilt anchor
ANCHORS: dict[str, Callable[[], WhooshAnchor | TantivyAnchor | Bm25sAnchor]] = {
    "whoosh-standard": lambda: WhooshAnchor("whoosh-standard"),
    "whoosh-de": lambda: WhooshAnchor("whoosh-de", language="de"),
    "tantivy": lambda: TantivyAnchor("tantivy"),
    "bm25s": lambda: Bm25sAnchor("bm25s"),
}


def make_anchor(name: str) -> WhooshAnchor | TantivyAnchor | Bm25sAnchor:
    """A fresh anchor by name (:class:`KeyError` for an unknown one)."""
    if name not in ANCHORS:
        raise KeyError(f"unknown anchor {name!r}; known: {', '.join(ANCHORS)}")
    return ANCHORS[name]()
