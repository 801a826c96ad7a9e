"""The library entry point: open an index once, search it many times.

>>> from search import SearchEngine
>>> with SearchEngine("~/.local/share/zeitungssuche/index") as engine:   # doctest: +SKIP
...     results = engine.search("Zoll Japan", limit=5, facets=True)
...     for hit in results.hits:
...         print(hit.title, hit.snippet)

A :class:`SearchEngine` may be shared by many threads (a web application):
each thread gets its own Whoosh searcher, and every search first checks that
it sees the index's latest commit, so writers never block searches and
searches see only committed states.
"""

from __future__ import annotations

import collections
import datetime as dt
import math
import os
import threading
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from whoosh import query as wq
from whoosh import sorting
from whoosh.filedb.filestore import FileStorage

from index.analysis import GermanAnalysis, GermanAnalyzer, get_analysis
from index.article import Article
from index.errors import (
    ArticleNotFoundError,
    IndexStoreError,
    QueryError,
    SchemaVersionError,
    ZsucheError,
)
from index.schema import TEXT_FIELDS, unpack_article, unpack_facets
from index.store import Current, IndexDir

from . import fastpath, ranking
from . import query as q
from .matching import Compiler, filters
from .ranking import (
    FIELD_BOOSTS,
    SORTS,
    date_ordinals,
    doc_frequency,
    proximity_bonus,
    weighting,
)
from .results import CheckReport, FacetCount, Hit, IndexStats, SearchResults, Snippet
from .snippets import Highlighter, make_snippet

MAX_LIMIT = 1000
#: attempts at a search while writers change the files under it
RETRIES = 4
MAX_PAGE = 10_000
#: fewer hits than this and a did-you-mean suggestion is looked for
SUGGEST_BELOW = 3
#: a did-you-mean looks at most at this many words (each scans the vocabulary)
SUGGEST_WORDS = 10
FACET_NAMES = ("tags", "authors", "sources", "months")
FACET_TOP = 20


class SearchEngine:
    """Searches one index folder. Use as a context manager or call :meth:`close`."""

    def __init__(self, index_dir: str | Path | None = None) -> None:
        self.dir = IndexDir(Path(os.path.expanduser(str(index_dir))) if index_dir else None)
        self._local = threading.local()
        self._lock = threading.Lock()
        self._searchers: list[Any] = []
        self._closed = False
        self._open()

    # -- opening and freshness -----------------------------------------------
    def _open(self) -> None:
        current = self.dir.read_current()
        try:
            ix = FileStorage(str(self.dir.path)).open_index(current.indexname)
        except Exception as exc:
            raise IndexStoreError(
                f"cannot open the index at {self.dir.path}: {exc}",
                hint="rebuild with `zsuche index`",
            ) from exc
        analyzer = ix.schema["text"].analyzer if "text" in ix.schema else None
        if not isinstance(analyzer, GermanAnalyzer) or analyzer.version != GermanAnalyzer.VERSION:
            raise SchemaVersionError(
                f"the index at {self.dir.path} was written by another analyzer version"
            )
        self._current = current
        self._ix = ix
        self._current_mtime = self._current_stamp()
        self.analysis: GermanAnalysis = get_analysis(analyzer.stemmer, analyzer.compounds)

    def _current_stamp(self) -> float:
        try:
            return self.dir.current_path.stat().st_mtime_ns
        except OSError:
            return 0.0

    @property
    def current(self) -> Current:
        return self._current

    def _searcher(self) -> Any:
        if self._closed:
            raise IndexStoreError("this SearchEngine is closed")
        stamp = self._current_stamp()
        if stamp != self._current_mtime:
            with self._lock:
                if stamp != self._current_mtime:
                    current = self.dir.read_current()
                    if current.indexname != self._current.indexname:
                        self._open()  # a full rebuild switched generations
                    else:
                        self._current, self._current_mtime = current, stamp
        searcher = getattr(self._local, "searcher", None)
        if searcher is not None and searcher._ix_name != self._current.indexname:
            searcher.close()
            searcher = None
        if searcher is None:
            searcher = self._ix.searcher()
            searcher._ix_name = self._current.indexname
            self._local.searcher = searcher
            with self._lock:
                self._searchers.append(searcher)
        elif not searcher.up_to_date():
            searcher = searcher.refresh()
            searcher._ix_name = self._current.indexname
            self._local.searcher = searcher
            with self._lock:
                self._searchers.append(searcher)
        return searcher

    def close(self) -> None:
        """Close every searcher this engine opened."""
        self._closed = True
        with self._lock:
            for searcher in self._searchers:
                try:
                    searcher.close()
                except Exception:
                    pass
            self._searchers.clear()

    def __enter__(self) -> SearchEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _retrying(self, fn: Any) -> Any:
        """Run ``fn(searcher)``; again on a freshly opened index if a writer
        changed the files under the searcher meanwhile.

        Whoosh looks for files lazily: a commit that merges segments, or a
        rebuild that deletes the old generation, between our freshness check
        and the search shows up as a missing file, column or index. The
        retry sees the new commit; our own errors are never retried.
        """
        from whoosh.index import EmptyIndexError

        transient = (OSError, KeyError, IndexError, EmptyIndexError)
        for attempt in range(RETRIES):
            try:
                return fn(self._searcher())
            except ZsucheError:
                raise
            except transient:
                if attempt == RETRIES - 1:
                    raise
                self._local.searcher = None
                time.sleep(0.02 * (attempt + 1))
                with self._lock:
                    self._open()
        raise AssertionError("unreachable")  # pragma: no cover

    # -- searching -------------------------------------------------------------
    def search(
        self,
        query: str,
        *,
        limit: int = 10,
        page: int = 1,
        tags: Iterable[str] = (),
        authors: Iterable[str] = (),
        sources: Iterable[str] = (),
        since: dt.date | None = None,
        until: dt.date | None = None,
        sort: str = "relevance",
        facets: bool = False,
        snippets: bool = True,
        suggest: bool = True,
        syntax: bool = True,
        match: str = "all",
        count: bool = True,
    ) -> SearchResults:
        """Search; see the README for the query language.

        ``syntax=False`` reads the query as plain words (quotes, colons and
        operators are text: for pasted headlines). ``match="any"`` ranks
        articles with any of the words instead of requiring all of them.
        ``count=False`` skips counting every match (``total`` is then the
        number of hits returned): much faster for long any-word queries.
        """
        if not 1 <= limit <= MAX_LIMIT:
            raise QueryError(query, f"limit must be between 1 and {MAX_LIMIT}, not {limit}")
        if not 1 <= page <= MAX_PAGE:
            raise QueryError(query, f"page must be between 1 and {MAX_PAGE}, not {page}")
        if sort not in SORTS:
            raise QueryError(query, f"unknown sort {sort!r}", hint=f"one of {', '.join(SORTS)}")
        if match not in ("all", "any"):
            raise QueryError(query, f"unknown match mode {match!r}", hint="all or any")
        start = time.perf_counter()
        parsed = q.parse(query) if syntax else q.parse_plain(query)
        flt = filters(
            tags=list(tags), authors=list(authors), sources=list(sources), since=since, until=until
        )

        def run(searcher: Any) -> SearchResults:
            return self._search(
                searcher,
                parsed,
                flt,
                limit,
                page,
                sort,
                facets,
                snippets,
                suggest,
                match == "any",
                count,
            )

        results: SearchResults = self._retrying(run)
        results.seconds = time.perf_counter() - start
        return results

    def _search(
        self,
        searcher: Any,
        parsed: q.ParsedQuery,
        flt: Any,
        limit: int,
        page: int,
        sort: str,
        want_facets: bool,
        want_snippets: bool,
        want_suggestion: bool,
        any_word: bool = False,
        count: bool = True,
    ) -> SearchResults:
        reader = searcher.reader()
        tree = _title_with_kicker(parsed.tree)
        counting = count or want_facets

        def attempt(any_words: bool) -> tuple[Any, list[tuple[int, float]], int, Any]:
            compiled = Compiler(reader, self.analysis, parsed.text).compile(
                tree, any_word=any_words
            )
            page_hits, total, docset = self._run(
                searcher,
                compiled.query,
                flt,
                limit,
                page,
                sort,
                counting,
                want_facets,
                compiled.sequence,
                compiled.forms,
            )
            return compiled, page_hits, total, docset

        compiled, page_hits, total, docset = attempt(any_word)
        mode = "any" if any_word else "all"
        notices = list(compiled.notices)
        if total == 0 and not any_word and not parsed.explicit and _word_count(parsed.tree) > 1:
            compiled, page_hits, total, docset = attempt(True)
            if total:
                mode = "any"
                notices.append("no article has all the words; showing articles with any of them")
        highlighter = Highlighter(self.analysis, compiled.terms, compiled.words)
        hits = []
        for rank, (docnum, score) in enumerate(page_hits, start=(page - 1) * limit + 1):
            article = unpack_article(searcher.stored_fields(docnum)["doc"])
            snippet = make_snippet(article, highlighter) if want_snippets else Snippet("")
            hits.append(_hit(article, score, snippet, rank))
        results = SearchResults(
            query=parsed.text,
            total=total,
            hits=hits,
            page=page,
            limit=limit,
            mode=mode,
            notices=notices,
        )
        if want_facets:
            results.facets = self._facets(searcher, docset)
        if want_suggestion and total < SUGGEST_BELOW:
            results.suggestion = self._suggest(reader, parsed, total)
        return results

    def _run(
        self,
        searcher: Any,
        query: Any,
        flt: Any,
        limit: int,
        page: int,
        sort: str,
        count: bool = True,
        want_docs: bool = False,
        sequence: Sequence[str] = (),
        forms: Sequence[tuple[str, str]] = (),
    ) -> tuple[list[tuple[int, float]], int, Any]:
        """The page's (docnum, score) pairs, the total and (if wanted) all matches.

        Counting every match walks the whole result set; without ``count``
        the total is the number of hits fetched. With ``sequence`` (the
        query's words in order) the first ``ranking.RERANK_DEPTH`` hits of a
        relevance search get their proximity bonus, and with ``forms`` (the
        query's word forms) their exact-form bonus.
        """
        newest = self._newest(searcher) if sort == "recency" else None
        searcher.weighting = weighting(sort, newest)
        kwargs: dict[str, Any] = {"filter": flt}
        ordinal = date_ordinals(searcher)
        if sort == "date":
            # newest first, articles without a date last (Whoosh's own date sort
            # puts them first: their column value is its largest number)
            kwargs["sortedby"] = sorting.FunctionFacet(lambda _s, docnum: -ordinal(docnum))
        want = page * limit
        # more than the page, so a group of tied scores around the page is
        # whole before it is sorted by date; doubled while the last hit fetched
        # still ties with the page's last
        fetch = want + limit
        rerank = sort == "relevance" and bool(sequence)
        if rerank:
            fetch = max(fetch, ranking.RERANK_DEPTH)
        fast = fastpath.ENABLED
        if fast:
            try:
                scored, total, matches = fastpath.run(
                    searcher, query, flt, fetch, sort=sort, newest=newest
                )
            except fastpath.Unsupported:
                fast = False
        while not fast:
            results = searcher.search(query, limit=fetch, **kwargs)
            scored = [(h.docnum, h.score if h.score is not None else 0.0) for h in results]
            total = len(results) if count else len(scored)
            if (
                sort != "relevance"
                or len(scored) < fetch
                or len(scored) < want
                or round(scored[-1][1], 6) != round(scored[want - 1][1], 6)
            ):
                break
            fetch *= 2
        if rerank:
            top = scored[: ranking.RERANK_DEPTH]
            bonus = proximity_bonus(searcher, [d for d, _ in top], list(sequence), forms)
            scored = [(d, sc + bonus.get(d, 0.0)) for d, sc in top] + scored[ranking.RERANK_DEPTH :]
        if sort == "relevance":
            ordinals = fastpath.arrays_for(searcher).ordinals()
            scored.sort(key=lambda h: (-round(h[1], 6), -int(ordinals[h[0]])))
        docset: Any = np.zeros(0, dtype=np.int64)
        if total and want_docs:
            docset = matches if fast else np.fromiter(results.docs(), dtype=np.int64)
        return scored[want - limit : want], total, docset

    def _newest(self, searcher: Any) -> int | None:
        """The ordinal of the newest article's date (None: no dates)."""
        arrays = fastpath.arrays_for(searcher)
        ordinals = arrays.ordinals()[arrays.alive]
        newest = int(ordinals.max()) if len(ordinals) else 0
        return newest or None

    def _facets(self, searcher: Any, docset: Any) -> dict[str, list[FacetCount]]:
        """Counts by tag, author, source and month over all matches (``docset``:
        an array of docnums), from a per-searcher table of value ids."""
        table = fastpath.facet_table(searcher)
        mask = np.zeros(table.n, dtype=bool)
        mask[docset] = True
        out: dict[str, list[FacetCount]] = {}
        for name, pairs in table.counts(mask).items():
            if name == "months":
                items = sorted(pairs, reverse=True)
            else:
                items = sorted(pairs, key=lambda kv: (-kv[1], kv[0]))[:FACET_TOP]
            out[name] = [FacetCount(v, c) for v, c in items]
        return {name: out.get(name, []) for name in FACET_NAMES}

    # -- did you mean ------------------------------------------------------------
    def _suggest(self, reader: Any, parsed: q.ParsedQuery, total: int = 0) -> str | None:
        """The query with misspelt words replaced by the index's own words.

        When the query found something, only words the index lacks are
        replaced (a rare but real word is what the user meant); when it found
        nothing, a rare word may become a much more common neighbour too.
        """
        replacements: list[tuple[int, int, str]] = []
        for node in _suggestable_words(parsed.tree)[:SUGGEST_WORDS]:
            term = self.analysis.query_term(node.text)
            if not term or len(term) < 4 or term.isdigit():
                continue
            # how common the word is, also in its joined form (Home-Office is
            # found as homeoffic; its main term is home-offic)
            tokens = self.analysis.tokens(node.text, query=True)
            joined = [t.text for t in tokens if t.kind == "joined"]
            df = max(doc_frequency(reader, "text", t) for t in [term, *joined])
            # a word the index lacks may become any indexed word (Ishbia -> Ishiba,
            # found in one article); a rare word only a much more common one
            if df and total:
                continue
            least = 1 if df == 0 else max(3, df * 10 + 1)
            best: tuple[int, int, str] | None = None
            for cand in reader.terms_within("text", term, 2, prefix=1):
                if cand == term:
                    continue
                cdf = doc_frequency(reader, "text", cand)
                if cdf < least:
                    continue
                dist = _distance(term, cand)
                key = (dist, -cdf, cand)
                if best is None or key < best:
                    best = key
            if best is None:
                continue
            surface = self._surface_form(reader, best[2])
            if surface:
                start = parsed.text.find(node.text, node.pos)
                if start >= 0:
                    replacements.append((start, start + len(node.text), surface))
        if not replacements:
            return None
        text = parsed.text
        for a, b, word in sorted(replacements, reverse=True):
            text = text[:a] + word + text[b:]
        return text

    def _surface_form(self, reader: Any, term: str) -> str | None:
        """The most common written form of an index term, read from articles."""
        forms: collections.Counter[str] = collections.Counter()
        searcher = self._searcher()
        docs = searcher.search(wq.Term("text", term), limit=3, scored=False)
        for hit in docs:
            article = unpack_article(searcher.stored_fields(hit.docnum)["doc"])
            for text in (article.title, article.lead, article.body):
                for tok in self.analysis.tokens(text, query=True):
                    if tok.text == term and tok.kind == "word":
                        forms[text[tok.start : tok.end]] += 1
        if not forms:
            return None
        return forms.most_common(1)[0][0]

    # -- articles --------------------------------------------------------------
    def get(self, article_id: str) -> Article:
        """The whole stored article. Raises :class:`ArticleNotFoundError`."""

        def run(searcher: Any) -> Article:
            docnum = searcher.document_number(id=article_id)
            if docnum is None:
                raise ArticleNotFoundError(f"no article with id {article_id!r} in {self.dir.path}")
            return unpack_article(searcher.stored_fields(docnum)["doc"])

        result: Article = self._retrying(run)
        return result

    def similar(self, article_id: str, *, limit: int = 10) -> SearchResults:
        """Articles like the given one (more like this: body terms and tags)."""
        if not 1 <= limit <= MAX_LIMIT:
            raise QueryError(article_id, f"limit must be between 1 and {MAX_LIMIT}")
        start = time.perf_counter()
        article = self.get(article_id)

        def run(searcher: Any) -> SearchResults:
            reader = searcher.reader()
            n = max(1, reader.doc_count())
            tf: collections.Counter[str] = collections.Counter()
            for text in (article.title, article.title, article.lead, article.body):
                for tok in self.analysis.tokens(text, query=True):
                    if tok.kind == "word" and len(tok.text) > 2 and not tok.text.isdigit():
                        tf[tok.text] += 1
            scored = []
            for term, count in tf.items():
                df = doc_frequency(reader, "text", term)
                if df < 2:
                    continue
                scored.append(((1 + math.log(count)) * math.log(n / df), term))
            scored.sort(reverse=True)
            clauses: list[Any] = []
            for weight, term in scored[:25]:
                clauses.append(wq.Term("text", term, boost=weight))
                clauses.append(wq.Term("title", term, boost=weight * FIELD_BOOSTS["title"] / 2))
            for tag in article.tags:
                for tok in self.analysis.tokens(tag, query=True):
                    clauses.append(wq.Term("tags", tok.text, boost=2.0))
            if not clauses:
                return SearchResults(query=f"similar:{article_id}", total=0, hits=[], limit=limit)
            query = wq.Or(clauses)
            searcher.weighting = weighting("relevance", None)
            res = searcher.search(query, limit=limit, mask=wq.Term("id", article_id))
            highlighter = Highlighter(self.analysis, [t for _, t in scored[:25]], [])
            hits = []
            for rank, hit in enumerate(res, start=1):
                other = unpack_article(searcher.stored_fields(hit.docnum)["doc"])
                hits.append(_hit(other, hit.score or 0.0, make_snippet(other, highlighter), rank))
            return SearchResults(
                query=f"similar:{article_id}", total=len(res), hits=hits, limit=limit
            )

        results: SearchResults = self._retrying(run)
        results.seconds = time.perf_counter() - start
        return results

    # -- about the index -------------------------------------------------------------
    def stats(self) -> IndexStats:
        """Numbers about the index (``zsuche stats``)."""

        def run(searcher: Any) -> IndexStats:
            reader = searcher.reader()
            terms = 0
            for name in TEXT_FIELDS:
                if name in reader.schema:
                    terms += sum(1 for _ in reader.lexicon(name))
            sources: dict[str, int] = {}
            col = reader.column_reader("facets")
            dates: list[str] = []
            for docnum in reader.all_doc_ids():
                source, _m, _t, _a, date = unpack_facets(col[docnum])
                sources[source or "(none)"] = sources.get(source or "(none)", 0) + 1
                if date:
                    dates.append(date)
            size = sum(
                f.stat().st_size
                for f in self.dir.path.iterdir()
                if f.is_file()
                and (
                    f.name.startswith(self._current.indexname + "_")
                    or f.name.startswith("_" + self._current.indexname + "_")
                )
            )
            return IndexStats(
                path=str(self.dir.path),
                articles=reader.doc_count(),
                terms=terms,
                size_bytes=size,
                segments=len(self._ix._segments()),
                schema_version=self._current.schema_version,
                stemmer=self._current.stemmer,
                compounds=self._current.compounds,
                created=self._current.created,
                updated=self._current.updated,
                sources=dict(sorted(sources.items())),
                first_date=min(dates) if dates else None,
                last_date=max(dates) if dates else None,
            )

        result: IndexStats = self._retrying(run)
        return result

    def check(self) -> CheckReport:
        """Verify that every stored article is found by its id, once."""

        def run(searcher: Any) -> CheckReport:
            reader = searcher.reader()
            problems: list[str] = []
            seen: dict[str, int] = {}
            checked = 0
            for docnum, stored in reader.iter_docs():
                checked += 1
                article_id = stored.get("id")
                if not article_id:
                    problems.append(f"document {docnum} has no id")
                    continue
                if article_id in seen:
                    problems.append(f"id {article_id!r} is stored twice")
                seen[article_id] = docnum
                found = searcher.document_number(id=article_id)
                if found != docnum:
                    problems.append(f"id {article_id!r} is not found by its id")
                try:
                    unpack_article(stored["doc"])
                except Exception as exc:
                    problems.append(f"id {article_id!r}: stored article unreadable ({exc})")
            if checked != reader.doc_count():
                problems.append(
                    f"{checked} stored documents but the index counts {reader.doc_count()}"
                )
            return CheckReport(articles=reader.doc_count(), checked=checked, problems=problems)

        result: CheckReport = self._retrying(run)
        return result


def _hit(article: Article, score: float, snippet: Snippet, rank: int) -> Hit:
    return Hit(
        id=article.id,
        title=article.title,
        date=article.date.isoformat() if article.date else None,
        authors=article.authors,
        tags=article.tags,
        source=article.source,
        place=article.place,
        path=article.path,
        url=article.url,
        score=float(score),
        snippet=snippet,
        rank=rank,
    )


def _title_with_kicker(node: q.Node) -> q.Node:
    """``titel:`` means the whole title as shown: the index keeps a taz title's
    part before the colon (``Gipfeltreffen in Tokio: …``) in the kicker field,
    so a title field also searches the kicker."""
    if isinstance(node, q.InField):
        if node.field == "title":
            kicker = q.InField("kicker", node.node, pos=node.pos)
            return q.Or([node, kicker], pos=node.pos)
        return node
    if isinstance(node, q.And):
        return q.And([_title_with_kicker(i) for i in node.items], pos=node.pos)
    if isinstance(node, q.Or):
        return q.Or([_title_with_kicker(i) for i in node.items], pos=node.pos)
    if isinstance(node, q.Not):
        return q.Not(_title_with_kicker(node.item), pos=node.pos)
    return node


def _suggestable_words(node: q.Node) -> list[q.Word]:
    """The plain words a did-you-mean may replace: not exact values
    (``quelle:taz.de``, ``id:…``), not excluded words."""
    if isinstance(node, q.Word):
        return [node]
    if isinstance(node, q.InField):
        return [] if node.field in ("source", "id") else _suggestable_words(node.node)
    if isinstance(node, (q.And, q.Or)):
        return [w for item in node.items for w in _suggestable_words(item)]
    return []


def _word_count(node: q.Node) -> int:
    return len(q.words_of(node))


def _distance(a: str, b: str) -> int:
    """Damerau-Levenshtein distance (optimal string alignment)."""
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[-1]
