"""Typed search results: no Whoosh object ever leaves the library."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

#: ANSI bold on/off for terminals
BOLD, RESET = "\x1b[1m", "\x1b[0m"


@dataclass(frozen=True)
class Snippet:
    """A passage of an article with the matched words marked.

    ``text`` is plain text; ``highlights`` are (start, end) character offsets
    into it. :meth:`marked`, :meth:`html` and :meth:`ansi` render it.
    """

    text: str
    highlights: tuple[tuple[int, int], ...] = ()

    def marked(self, start: str = "**", end: str = "**") -> str:
        """The text with each highlight wrapped in ``start`` … ``end``."""
        return self._render(start, end, lambda s: s)

    def html(self, tag: str = "mark") -> str:
        """HTML: the text escaped, highlights in ``<mark>``."""
        return self._render(f"<{tag}>", f"</{tag}>", html.escape)

    def ansi(self) -> str:
        """Bold highlights for a terminal."""
        return self._render(BOLD, RESET, lambda s: s)

    def _render(self, start: str, end: str, esc: Any) -> str:
        out: list[str] = []
        last = 0
        for a, b in self.highlights:
            out.append(esc(self.text[last:a]))
            out.append(start + esc(self.text[a:b]) + end)
            last = b
        out.append(esc(self.text[last:]))
        return "".join(out)

    def __str__(self) -> str:
        return self.marked()


@dataclass(frozen=True)
class Hit:
    """One search result."""

    id: str
    title: str
    date: str | None  # ISO 8601
    authors: tuple[str, ...]
    tags: tuple[str, ...]
    source: str
    place: str
    path: str
    url: str
    score: float
    snippet: Snippet
    rank: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "date": self.date,
            "authors": list(self.authors),
            "tags": list(self.tags),
            "source": self.source,
            "place": self.place,
            "path": self.path,
            "url": self.url,
            "score": round(self.score, 4),
            "rank": self.rank,
            "snippet": self.snippet.marked(),
            "snippet_text": self.snippet.text,
            "snippet_html": self.snippet.html(),
            "highlights": [list(h) for h in self.snippet.highlights],
        }


@dataclass(frozen=True)
class FacetCount:
    value: str
    count: int


@dataclass
class SearchResults:
    """A page of hits and what is known about the whole result set."""

    query: str
    total: int
    hits: list[Hit]
    page: int = 1
    limit: int = 10
    #: "all" (every word matched) or "any" (fallback: any word matched)
    mode: str = "all"
    facets: dict[str, list[FacetCount]] = field(default_factory=dict)
    suggestion: str | None = None
    notices: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.limit)) if self.limit else 1

    def to_dict(self) -> dict[str, Any]:
        """The stable JSON shape of ``zsuche search --json`` (see the README)."""
        return {
            "query": self.query,
            "total": self.total,
            "page": self.page,
            "limit": self.limit,
            "pages": self.pages,
            "mode": self.mode,
            "hits": [h.to_dict() for h in self.hits],
            "facets": {
                name: [{"value": c.value, "count": c.count} for c in counts]
                for name, counts in self.facets.items()
            },
            "suggestion": self.suggestion,
            "notices": list(self.notices),
            "took_ms": round(self.seconds * 1000, 2),
        }


@dataclass(frozen=True)
class IndexStats:
    """What ``zsuche stats`` reports."""

    path: str
    articles: int
    terms: int
    size_bytes: int
    segments: int
    schema_version: int
    stemmer: str
    compounds: bool
    created: str
    updated: str
    sources: dict[str, int]
    first_date: str | None
    last_date: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.path,
            "articles": self.articles,
            "terms": self.terms,
            "size_bytes": self.size_bytes,
            "segments": self.segments,
            "schema_version": self.schema_version,
            "stemmer": self.stemmer,
            "compounds": self.compounds,
            "created": self.created,
            "last_update": self.updated,
            "sources": self.sources,
            "first_date": self.first_date,
            "last_date": self.last_date,
        }


@dataclass(frozen=True)
class CheckReport:
    """What ``zsuche check-index`` found."""

    articles: int
    checked: int
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems
