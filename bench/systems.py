"""zeitungssuche's own configurations, as systems of the quality benchmark.

Every analysis option (no stemming, Snowball, CISTEM; with and without
compound splitting) and the default. Each system indexes the same parsed
articles the anchors get (every part the article carries, minus the title
where the set says so) and answers with plain-word, any-word queries: the
benchmark's queries are text, not query syntax.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from bench.datasets import EvalDoc
from index.analysis import DEFAULT_COMPOUNDS, DEFAULT_STEMMER
from index.article import Article, split_title


class ZeitungssucheSystem:
    """The project's engine over a temporary index."""

    def __init__(self, name: str, stemmer: str, compounds: bool, default: bool = False) -> None:
        self.name = name
        self.stemmer = stemmer
        self.compounds = compounds
        self.default = default
        self._dir: Path | None = None
        self._engine: Any = None

    def build(self, docs: Sequence[EvalDoc], fields: Sequence[str]) -> None:
        from index.builder import Indexer
        from search.engine import SearchEngine

        self.close()
        self._dir = Path(tempfile.mkdtemp(prefix=f"zsuche-bench-{self.name}-"))
        articles = [_article(doc, fields) for doc in docs]
        report = Indexer(self._dir, stemmer=self.stemmer, compounds=self.compounds).build_articles(
            articles
        )
        if report.failed:
            raise RuntimeError(
                f"{self.name}: {report.failed} articles failed: {report.failures[:3]}"
            )
        self._engine = SearchEngine(self._dir)

    def search(self, text: str, k: int) -> list[tuple[str, float]]:
        assert self._engine is not None, "build first"
        try:
            results = self._engine.search(
                text,
                limit=k,
                syntax=False,
                match="any",
                snippets=False,
                suggest=False,
                count=False,
            )
        except Exception as exc:  # an all-stopword query and the like: no results
            from index.errors import QueryError

            if isinstance(exc, QueryError):
                return []
            raise
        return [(hit.id, hit.score) for hit in results.hits]

    def close(self) -> None:
        if self._engine is not None:
            self._engine.close()
            self._engine = None
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None


def _article(doc: EvalDoc, fields: Sequence[str]) -> Article:
    """The article a system indexes: without the parts the set leaves out."""
    base = doc.article or Article(
        id=doc.id, title=doc.title, lead=doc.lead, body=doc.body, tags=doc.tags, date=doc.date
    )
    if "title" not in fields:
        base = replace(base, title="", kicker="", headline="", related=())
    else:
        kicker, headline = split_title(base.title)
        base = replace(base, kicker=kicker, headline=headline)
    if "lead" not in fields:
        base = replace(base, lead="")
    if "body" not in fields:
        base = replace(base, body="")
    return base


def _factory(name: str, stemmer: str, compounds: bool, default: bool = False) -> Callable[[], Any]:
    return lambda: ZeitungssucheSystem(name, stemmer, compounds, default)


SYSTEMS: dict[str, Callable[[], Any]] = {
    "zeitungssuche": _factory("zeitungssuche", DEFAULT_STEMMER, DEFAULT_COMPOUNDS, default=True),
}
for _stemmer in ("none", "snowball", "cistem"):
    for _compounds in (False, True):
        _name = f"zs-{_stemmer}{'+compounds' if _compounds else ''}"
        SYSTEMS[_name] = _factory(_name, _stemmer, _compounds)
