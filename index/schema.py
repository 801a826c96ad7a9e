"""The index schema: which part of an article goes where, and how.

Text fields (German analysis, positions for phrases): ``text`` (all an
article shows: title, lead, caption, body with its subheadings, tags,
authors, place — the field BM25 ranks by), and the parts a query can name or
that earn a bonus: ``title`` (the headline), ``kicker``, ``lead``, ``tags``,
``authors``, ``place`` and ``extra`` (image caption, related articles'
titles, link targets). One joined text field ranks much better than a sum
of per-field BM25 scores (known-item MRR 0.40 against 0.29 for the anchors),
and fewer, fuller fields keep Whoosh's per-term costs down.

Exact fields, for filters and facets (folded: case, umlauts and ß do not
matter): ``id`` (unique), ``tag``, ``author``, ``source``, ``file`` (the file
an article came from), ``filestate`` (file, size, mtime and content hash, so
``update`` can tell unchanged files without reading them).

``date`` is a sortable, rangeable DATETIME; the column ``facets`` carries
what facet counts need (source, month, tags, authors) without reading stored
documents; the column ``forms`` a Bloom filter of the article's word forms
(``index/forms.py``; filled by the index writer from the ``text`` field's
tokens), for the ranking's exact-form bonus. The whole article is stored
once, compressed, in ``doc``.

Bump :data:`SCHEMA_VERSION` whenever fields or their analysis change: an index
with another version is refused with "rebuild with `zsuche index`".
"""

from __future__ import annotations

import datetime as dt
import json
import zlib
from typing import Any

from whoosh import columns, fields

from .analysis import DEFAULT_COMPOUNDS, DEFAULT_STEMMER, GermanAnalyzer, GermanPositions
from .article import Article, Link, Related, split_title
from .forms import FORMS_COLUMN
from .normalize import fold

#: the layout of the index; an index with another number must be rebuilt
SCHEMA_VERSION = 4

#: text fields and the part of the article each holds
TEXT_FIELDS = ("text", "title", "kicker", "lead", "tags", "authors", "place", "extra")

#: separator of multi-valued exact fields inside a column value
SEP = "\x1f"


class GermanText(fields.TEXT):  # type: ignore[misc]
    """A TEXT field analysed by :class:`GermanAnalyzer`, with the fast posting path."""

    def __init__(self, analyzer: GermanAnalyzer, *, field_boost: float = 1.0) -> None:
        super().__init__(analyzer=analyzer, phrase=True, stored=False, field_boost=field_boost)
        self.format = GermanPositions(field_boost=field_boost)


class FacetColumn(fields.FieldType):  # type: ignore[misc]
    """Not indexed, not stored: one bytes value per document in a column."""

    indexed = False
    stored = False
    scorable = False

    def __init__(self) -> None:
        self.format = None
        self.analyzer = None
        self.column_type = columns.VarBytesColumn()

    def to_column_value(self, value: Any) -> bytes:
        if isinstance(value, bytes):
            return value
        return str(value).encode("utf-8")

    def index(self, value: Any, **kwargs: Any) -> list[Any]:
        return []


def make_schema(
    stemmer: str = DEFAULT_STEMMER, compounds: bool = DEFAULT_COMPOUNDS
) -> fields.Schema:
    """The schema for a German news index with the given analysis options."""
    analyzer = GermanAnalyzer(stemmer=stemmer, compounds=compounds)
    text = {name: GermanText(analyzer) for name in TEXT_FIELDS}
    return fields.Schema(
        id=fields.ID(stored=True, unique=True),
        file=fields.ID(stored=False),
        filestate=fields.ID(stored=False),
        tag=fields.KEYWORD(commas=True, lowercase=False, scorable=False),
        author=fields.KEYWORD(commas=True, lowercase=False, scorable=False),
        source=fields.ID(stored=False),
        date=fields.DATETIME(stored=False, sortable=True),
        facets=FacetColumn(),
        **{FORMS_COLUMN: FacetColumn()},
        doc=fields.STORED(),
        **text,
    )


def exact(value: str) -> str:
    """The form of a tag, author or source name in the exact fields."""
    return " ".join(fold(w) for w in value.split())


def article_fields(article: Article, *, file_key: str, file_state: str) -> dict[str, Any]:
    """The Whoosh document for an article."""
    doc: dict[str, Any] = {
        "id": article.id,
        "file": file_key,
        "filestate": file_state,
        "source": exact(article.source) if article.source else "",
        "doc": pack_article(article),
        "facets": _facet_value(article),
        "title": article.headline or article.title,
        "kicker": article.kicker,
        "lead": article.lead,
        # everything a reader sees, in one field: what BM25 scores (the
        # others add to it, and serve field queries)
        "text": "\n".join(
            p
            for p in (
                article.title,
                article.lead,
                article.caption,
                article.body,  # subheadings are paragraphs of the body
                "\n".join(article.tags),
                "\n".join(article.authors),
                article.place,
            )
            if p
        ),
        "tags": "\n".join(article.tags),
        "authors": "\n".join(article.authors),
        "place": article.place,
        "extra": "\n".join(
            [
                article.caption,
                *(r.title for r in article.related),
                *(lk.target for lk in article.links),
            ]
        ),
    }
    if article.tags:
        doc["tag"] = ",".join(exact(t).replace(",", " ") for t in article.tags)
    if article.authors:
        doc["author"] = ",".join(exact(a).replace(",", " ") for a in article.authors)
    if article.date:
        doc["date"] = dt.datetime(article.date.year, article.date.month, article.date.day)
    return {k: v for k, v in doc.items() if v != "" and v is not None}


def _facet_value(article: Article) -> bytes:
    month = f"{article.date.year:04d}-{article.date.month:02d}" if article.date else ""
    parts = [
        article.source,
        month,
        SEP.join(article.tags),
        SEP.join(article.authors),
        article.date.isoformat() if article.date else "",
    ]
    return "\x1e".join(parts).encode("utf-8")


def unpack_facets(value: bytes | str) -> tuple[str, str, list[str], list[str], str]:
    """(source, month, tags, authors, iso date) from a ``facets`` column value."""
    text = value.decode("utf-8") if isinstance(value, bytes) else value
    parts = text.split("\x1e")
    if len(parts) != 5:
        return "", "", [], [], ""
    source, month, tags, authors, date = parts
    return (
        source,
        month,
        tags.split(SEP) if tags else [],
        authors.split(SEP) if authors else [],
        date,
    )


def pack_article(article: Article) -> str:
    """The article as JSON, as stored in the index.

    Whoosh compresses stored fields itself (zlib); pre-compressed bytes
    would be pickled as text by its protocol-2 pickles and grow by half.
    """
    data = article.to_dict()
    for key in ("warnings", "kicker", "headline"):  # derived from the title
        data.pop(key, None)
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def unpack_article(blob: str | bytes) -> Article:
    """The inverse of :func:`pack_article`."""
    if isinstance(blob, bytes):  # an index written before schema version 2
        blob = zlib.decompress(blob).decode("utf-8")
    data = json.loads(blob)
    kicker, headline = split_title(data.get("title", ""))
    date = dt.date.fromisoformat(data["date"]) if data.get("date") else None
    return Article(
        id=data["id"],
        title=data.get("title", ""),
        source=data.get("source", ""),
        kicker=kicker,
        headline=headline,
        lead=data.get("lead", ""),
        caption=data.get("caption", ""),
        body=data.get("body", ""),
        subheadings=tuple(data.get("subheadings", ())),
        place=data.get("place", ""),
        date=date,
        authors=tuple(data.get("authors", ())),
        tags=tuple(data.get("tags", ())),
        links=tuple(Link(**link) for link in data.get("links", ())),
        related=tuple(Related(**rel) for rel in data.get("related", ())),
        path=data.get("path", ""),
        url=data.get("url", ""),
    )
