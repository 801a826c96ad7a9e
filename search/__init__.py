"""zeitungssuche's search side: query parsing, ranking, snippets, the engine.

The one-call entry point is :class:`SearchEngine`::

    from search import SearchEngine
    with SearchEngine(index_dir) as engine:
        results = engine.search("Zoll Japan")

Importing this package is cheap: Whoosh and the German analysis load when an
engine is opened.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["Hit", "SearchEngine", "SearchResults", "Snippet", "__version__"]

__version__ = "0.1.0"

if TYPE_CHECKING:
    from .engine import SearchEngine
    from .results import Hit, SearchResults, Snippet


def __getattr__(name: str) -> Any:
    if name == "SearchEngine":
        from .engine import SearchEngine

        return SearchEngine
    if name in ("Hit", "SearchResults", "Snippet"):
        from . import results

        return getattr(results, name)
    raise AttributeError(name)
