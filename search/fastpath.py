"""Vectorised query evaluation: the same hits and scores as Whoosh, with numpy.

Whoosh scores every matching document in Python, about 20 µs each: a
two-word query matching 3,000 of 28,000 articles took 60 ms, a phrase of two
common words 200 ms and a wildcard of 64 words half a second. This module
evaluates the compiled Whoosh query tree itself: each term's posting list is
read once (Whoosh's own block reader, cached per searcher), and scores and
matches are whole-index arrays combined with numpy.

It understands what :mod:`search.matching` compiles: ``Term`` (BM25 with the
field's own lengths and ``B``; a constant weight in exact-value fields),
``And``, ``Or``, ``Not``, ``Every``, ``Phrase`` (positions checked on
vectorised position arrays) and ``DateRange``, with Whoosh's scoring rules
(sums over the matching parts, 1.0 for an exclusion and a date range). Any
other node raises :class:`Unsupported` and the engine asks Whoosh. Tests
check that both give the same hits and scores.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Generic, TypeVar

import numpy as np
from whoosh import query as wq
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher
from whoosh.matching import ListMatcher
from whoosh.util.numeric import byte_to_length
from whoosh.util.times import datetime_to_long

from index.forms import FORMS_COLUMN

from .ranking import DAY_US, MAX_RAW, recency_factor

V = TypeVar("V")
#: switch the fast path off (tests compare it with Whoosh's own scoring)
ENABLED = True
#: posting lists (and decoded position lists) kept per searcher, the most
#: recently used, and how many postings (positions) they may hold together
CACHE_TERMS = 4096
CACHE_POSTINGS = 2_000_000
#: a position key is (document << SHIFT) | position
SHIFT = 32


class _Lru(Generic[V]):
    """A least-recently-used cache bounded by entries and by total size."""

    def __init__(self, size: Callable[[V], int]) -> None:
        self._items: OrderedDict[tuple[str, str], V] = OrderedDict()
        self._size = size
        self._total = 0
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str]) -> V | None:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: tuple[str, str], value: V) -> None:
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._total -= self._size(old)
            self._items[key] = value
            self._total += self._size(value)
            while self._items and (len(self._items) > CACHE_TERMS or self._total > CACHE_POSTINGS):
                _, dropped = self._items.popitem(last=False)
                self._total -= self._size(dropped)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._total = 0


Postings = tuple[np.ndarray, np.ndarray, list[bytes]]


class Unsupported(Exception):
    """A query node the fast path does not evaluate (Whoosh does instead)."""


class Arrays:
    """Per searcher: lengths, live documents, dates and cached posting lists."""

    def __init__(self, searcher: Any) -> None:
        self.searcher = searcher
        reader = searcher.reader()
        self.n = reader.doc_count_all()
        alive = np.ones(self.n, dtype=bool)
        self.leaves = list(reader.leaf_readers())
        for leaf, offset in self.leaves:
            if leaf.has_deletions():
                dead = np.fromiter(leaf._perdoc.deleted_docs(), dtype=np.int64)
                alive[offset + dead] = False
        self.alive = alive
        self._lengths: dict[str, np.ndarray] = {}
        self._norms: dict[tuple[str, float, float], np.ndarray] = {}
        self._dates: np.ndarray | None = None
        self._ordinals: np.ndarray | None = None
        self.facets: FacetTable | None = None
        self._postings: _Lru[Postings] = _Lru(lambda p: len(p[2]))
        self._keys: _Lru[np.ndarray] = _Lru(len)
        self._lock = threading.Lock()
        self._forms_column: Any = None

    # -- per-document columns ------------------------------------------------
    def lengths(self, fieldname: str) -> np.ndarray:
        """Each document's length in a field, as Whoosh stores it (one byte)."""
        found = self._lengths.get(fieldname)
        if found is not None:
            return found
        table = np.array([byte_to_length(b) for b in range(256)], dtype=np.float64)
        lengths = np.zeros(self.n, dtype=np.float64)
        for leaf, offset in self.leaves:
            count = leaf.doc_count_all()
            column = leaf._perdoc._cached_reader(f"_{fieldname}_len", LENGTHS_COLUMN)
            if column is None:
                continue
            if type(column).__name__ == "Reader" and getattr(column, "_fixedlen", 0) == 1:
                # one byte per document: read them at once (load() walks them in Python)
                stored = min(column._count, count)
                data = column._dbfile.get(column._basepos, stored)
                raw = np.zeros(count, dtype=np.uint8)
                raw[:stored] = np.frombuffer(data, dtype=np.uint8)
            else:  # pragma: no cover - another column layout
                raw = np.frombuffer(bytes(column.load()), dtype=np.uint8)[:count]
            lengths[offset : offset + len(raw)] = table[raw]
        self._lengths[fieldname] = lengths
        return lengths

    def norm(self, fieldname: str, k1: float, b: float) -> np.ndarray:
        """BM25's ``k1 * (1 - b + b * length / average length)`` per document."""
        key = (fieldname, k1, b)
        found = self._norms.get(key)
        if found is None:
            avgdl = float(self.searcher.avg_field_length(fieldname) or 1.0)
            found = k1 * ((1 - b) + b * self.lengths(fieldname) / avgdl)
            self._norms[key] = found
        return found

    def dates(self) -> np.ndarray:
        """Each document's raw date value (microseconds; 0 where it has none)."""
        if self._dates is None:
            raw = np.zeros(self.n, dtype=np.int64)
            if "date" in self.searcher.schema:
                for leaf, offset in self.leaves:
                    values = _numeric_column(leaf, "date")
                    raw[offset : offset + len(values)] = values
            self._dates = raw
        return self._dates

    def ordinals(self) -> np.ndarray:
        """Each document's date as a proleptic ordinal (0 where it has none)."""
        if self._ordinals is None:
            raw = self.dates()
            self._ordinals = np.where(raw > 0, raw // DAY_US + 1, 0)
        return self._ordinals

    def forms_filters(self, docnums: np.ndarray) -> list[bytes]:
        """The word forms filter (``index/forms.py``) of each document, ``b""``
        where the index has none (read one by one: only re-ranked hits ask)."""
        column = self._forms_column
        if column is None:
            reader = self.searcher.reader()
            if not reader.has_column(FORMS_COLUMN):
                return [b""] * len(docnums)
            column = self._forms_column = reader.column_reader(FORMS_COLUMN, translate=False)
        return [bytes(column[int(d)]) for d in docnums]

    # -- postings --------------------------------------------------------------
    def postings(self, term: str, fieldname: str = "text") -> tuple[np.ndarray, np.ndarray]:
        """(global docnums, weights) of ``term`` in a field."""
        docs, weights, _values = self.postings_with_values(term, fieldname)
        return docs, weights

    def postings_with_values(self, term: str, fieldname: str = "text") -> Postings:
        """(global docnums, weights, encoded positions) of ``term`` in a field."""
        key = (fieldname, term)
        hit = self._postings.get(key)
        if hit is not None:
            return hit
        ids_parts: list[np.ndarray] = []
        weight_parts: list[np.ndarray] = []
        values: list[bytes] = []
        for leaf, offset in self.leaves:
            if fieldname not in leaf.schema or not leaf.doc_frequency(fieldname, term):
                continue
            m = leaf.postings(fieldname, term)
            while not isinstance(m, (W3LeafMatcher, ListMatcher)) and hasattr(m, "child"):
                m = m.child  # a wrapper that hides deleted documents: we mask them
            if isinstance(m, W3LeafMatcher):
                while True:
                    if m._data is None:
                        m._read_data()
                    deltas, weights, block_values = m._data
                    ids = np.cumsum(np.asarray(deltas, dtype=np.int64)) + offset
                    ids_parts.append(ids)
                    weight_parts.append(_weights(weights, len(ids)))
                    values.extend(block_values or (b"",) * len(ids))
                    if m._lastblock:
                        break
                    m._next_block()
            elif isinstance(m, ListMatcher):  # inlined postings (a term in one document)
                ids = np.asarray(m._ids, dtype=np.int64) + offset
                ids_parts.append(ids)
                weight_parts.append(_weights(m._weights, len(ids)))
                values.extend(m._values or (b"",) * len(ids))
            else:  # pragma: no cover - Whoosh 2.7.4 makes no other leaf matcher
                raise TypeError(f"unexpected posting reader {type(m).__name__}")
        if ids_parts:
            result = (np.concatenate(ids_parts), np.concatenate(weight_parts), values)
        else:
            result = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64), [])
        self._postings.put(key, result)
        return result

    def position_keys(self, term: str, fieldname: str) -> np.ndarray:
        """Every occurrence of ``term`` as a sorted key ``(docnum << 32) | position``."""
        key = (fieldname, term)
        found = self._keys.get(key)
        if found is not None:
            return found
        docs, _, values = self.postings_with_values(term, fieldname)
        keys = position_keys(docs, values)
        self._keys.put(key, keys)
        return keys

    def position_keys_in(self, term: str, fieldname: str, docnums: np.ndarray) -> np.ndarray:
        """The position keys of ``term`` in the sorted ``docnums`` only (from the
        cached keys of the whole term if there are, else decoding just these
        documents' positions)."""
        found = self._keys.get((fieldname, term))
        if found is not None:
            return keys_in(found, docnums)
        docs, _, values = self.postings_with_values(term, fieldname)
        if not len(docs) or not len(docnums):
            return np.zeros(0, dtype=np.int64)
        idx = np.searchsorted(docs, docnums)
        idx = np.unique(idx[idx < len(docs)])  # a missing doc points at the next one
        idx = idx[np.isin(docs[idx], docnums)]
        return position_keys(docs[idx], [values[int(i)] for i in idx])


def position_keys(docs: np.ndarray, values: list[bytes]) -> np.ndarray:
    """Decode :class:`index.analysis.GermanPositions` values (a varint count,
    then varint deltas) of the postings ``docs`` into sorted position keys,
    all at once."""
    if not values:
        return np.zeros(0, dtype=np.int64)
    lens = np.fromiter((len(v) for v in values), dtype=np.int64, count=len(values))
    if not lens.all():
        raise Unsupported("postings without positions")
    buf = np.frombuffer(b"".join(values), dtype=np.uint8)
    last = (buf & 0x80) == 0  # the last byte of a varint
    first = np.empty(len(buf), dtype=bool)
    first[0] = True
    first[1:] = last[:-1]
    starts = np.flatnonzero(first)
    varint_of_byte = np.cumsum(first) - 1
    shift = 7 * (np.arange(len(buf)) - starts[varint_of_byte])
    varints = np.add.reduceat((buf & 0x7F).astype(np.int64) << shift, starts)
    # each posting's first varint is its count of positions
    posting_start = varint_of_byte[np.cumsum(lens) - lens]
    counts = varints[posting_start]
    is_count = np.zeros(len(varints), dtype=bool)
    is_count[posting_start] = True
    deltas = varints[~is_count]
    total = np.cumsum(deltas)
    first_delta = np.cumsum(counts) - counts
    nonempty = counts > 0
    base = np.zeros(len(counts), dtype=np.int64)
    base[nonempty] = total[first_delta[nonempty]] - deltas[first_delta[nonempty]]
    positions = total - np.repeat(base, counts)
    keys: np.ndarray = (np.repeat(docs, counts) << SHIFT) | positions
    return keys


class FacetTable:
    """Every document's source, month, tags and authors as value ids, so a
    result set's facet counts are a few ``bincount`` calls.

    Tags and authors are many per document: each is a flat array of value
    ids with the docnum of each entry beside it.
    """

    def __init__(self, reader: Any, n: int) -> None:
        from index.schema import unpack_facets

        col = reader.column_reader("facets") if reader.has_column("facets") else None
        self.n = n
        ids: dict[str, dict[str, int]] = {}
        single: dict[str, list[int]] = {"sources": [], "months": []}
        multi_docs: dict[str, list[int]] = {"tags": [], "authors": []}
        multi_ids: dict[str, list[int]] = {"tags": [], "authors": []}

        def vid(name: str, value: str) -> int:
            table = ids.setdefault(name, {})
            found = table.get(value)
            if found is None:
                found = table[value] = len(table)
            return found

        for docnum in range(n):
            source, month, tags, authors, _date = (
                unpack_facets(col[docnum]) if col is not None else ("", "", [], [], "")
            )
            single["sources"].append(vid("sources", source) if source else -1)
            single["months"].append(vid("months", month) if month else -1)
            for name, items in (("tags", tags), ("authors", authors)):
                for item in items:
                    multi_docs[name].append(docnum)
                    multi_ids[name].append(vid(name, item))
        self.values: dict[str, list[str]] = {name: list(table) for name, table in ids.items()}
        self.single = {k: np.asarray(v, dtype=np.int64) for k, v in single.items()}
        self.multi = {
            k: (np.asarray(multi_docs[k], dtype=np.int64), np.asarray(multi_ids[k], dtype=np.int64))
            for k in multi_docs
        }

    def counts(self, mask: np.ndarray) -> dict[str, list[tuple[str, int]]]:
        """(value, count) of every facet value among the documents in ``mask``."""
        out: dict[str, list[tuple[str, int]]] = {}
        for name, column in self.single.items():
            chosen = column[mask[: len(column)]]
            out[name] = _pairs(self.values.get(name, []), chosen[chosen >= 0])
        for name, (docs, vids) in self.multi.items():
            out[name] = _pairs(self.values.get(name, []), vids[mask[docs]])
        return out


def _pairs(values: list[str], chosen: np.ndarray) -> list[tuple[str, int]]:
    if not len(chosen):
        return []
    counts = np.bincount(chosen, minlength=len(values))
    return [(values[i], int(counts[i])) for i in np.flatnonzero(counts)]


def facet_table(searcher: Any) -> FacetTable:
    """The :class:`FacetTable` of a searcher (made on first use, kept)."""
    arrays = arrays_for(searcher)
    with arrays._lock:
        table = arrays.facets
        if table is None:
            table = arrays.facets = FacetTable(searcher.reader(), arrays.n)
    return table


def _numeric_column(leaf: Any, name: str) -> np.ndarray:
    """A segment's numeric column as an array (read at once, not value by value)."""
    count = leaf.doc_count_all()
    if not leaf.has_column(name):
        return np.zeros(count, dtype=np.int64)
    col = leaf.column_reader(name, translate=False)
    typecode = getattr(col, "_typecode", None)
    if type(col).__name__ == "Reader" and typecode in ("q", "Q", "i", "I"):
        stored = min(col._count, count)
        data = col._dbfile.get(col._basepos, stored * col._fixedlen)
        values = np.frombuffer(data, dtype=">" + typecode)[:stored]
        out = np.zeros(count, dtype=np.int64)  # no value (Whoosh's default): 0
        out[:stored] = np.where((values > 0) & (values < MAX_RAW), values, 0)
        return out
    slow = [col[i] for i in range(count)]  # pragma: no cover - another column type
    return np.array(  # pragma: no cover
        [v if isinstance(v, int) and 0 < v < MAX_RAW else 0 for v in slow], dtype=np.int64
    )


def keys_in(keys: np.ndarray, docnums: np.ndarray) -> np.ndarray:
    """The position keys that belong to the sorted ``docnums``."""
    if not len(keys) or not len(docnums):
        return keys[:0]
    lo = np.searchsorted(keys, docnums << SHIFT)
    hi = np.searchsorted(keys, (docnums + 1) << SHIFT)
    sizes = hi - lo
    if not sizes.any():
        return keys[:0]
    # the indexes lo[i] .. hi[i] - 1 of every document, concatenated
    starts = np.repeat(lo - (np.cumsum(sizes) - sizes), sizes)
    return keys[starts + np.arange(int(sizes.sum()))]


def _weights(weights: Any, n: int) -> np.ndarray:
    if weights is None:
        return np.ones(n, dtype=np.float64)
    if isinstance(weights, (int, float)):
        return np.full(n, float(weights), dtype=np.float64)
    return np.asarray(weights, dtype=np.float64)


def arrays_for(searcher: Any) -> Arrays:
    """The :class:`Arrays` of a searcher (made once, kept on it)."""
    arrays = getattr(searcher, "_zsuche_arrays", None)
    if arrays is None:
        arrays = Arrays(searcher)
        searcher._zsuche_arrays = arrays
    return arrays


# -- evaluation --------------------------------------------------------------------
Result = tuple[np.ndarray, np.ndarray]  # (scores, matches) over all documents


class Evaluator:
    """Evaluates a Whoosh query tree over one searcher as whole-index arrays."""

    def __init__(self, searcher: Any) -> None:
        self.searcher = searcher
        self.arrays = arrays_for(searcher)
        self.n = self.arrays.n
        self.model = searcher.weighting
        self.schema = searcher.schema

    def evaluate(self, node: Any) -> Result:
        if isinstance(node, wq.Term):
            scores, mask = self.term(node.fieldname, node.text)
            return _boosted(scores, node.boost), mask
        if isinstance(node, (wq.And, wq.Or)):
            return self.compound(node)
        if isinstance(node, wq.Not):
            _, inner = self.evaluate(node.query)
            mask = self.arrays.alive & ~inner
            return mask * float(node.boost), mask
        if isinstance(node, wq.Every) and node.fieldname in (None, "", "*"):
            mask = self.arrays.alive.copy()
            return mask * float(node.boost), mask
        if isinstance(node, wq.Phrase):
            return self.phrase(node)
        if isinstance(node, wq.DateRange) and node.constantscore:
            mask = self.date_range(node)
            return mask * float(node.boost), mask
        raise Unsupported(type(node).__name__)

    def compound(self, node: Any) -> Result:
        subs = node.subqueries
        if not subs:
            return np.zeros(self.n), np.zeros(self.n, dtype=bool)
        scores, mask = self.evaluate(subs[0])
        scores = scores.copy()
        mask = mask.copy()
        is_and = isinstance(node, wq.And)
        for sub in subs[1:]:
            s, m = self.evaluate(sub)
            scores += s
            if is_and:
                mask &= m
            else:
                mask |= m
        if is_and:
            scores *= mask
        if len(subs) > 1 and node.boost != 1.0:
            scores *= node.boost
        return scores, mask

    def term(self, fieldname: str, text: Any) -> Result:
        scores = np.zeros(self.n, dtype=np.float64)
        mask = np.zeros(self.n, dtype=bool)
        if fieldname not in self.schema:
            return scores, mask  # Whoosh: no such field, no match
        if not isinstance(text, str):
            raise Unsupported("a term that is not text")
        docs, tf = self.arrays.postings(text, fieldname)
        if not len(docs):
            return scores, mask
        mask[docs] = True
        scores[docs] = self.term_scores(fieldname, text, docs, tf)
        return scores, mask

    def term_scores(self, fieldname: str, text: str, docs: np.ndarray, tf: np.ndarray) -> Any:
        if not self.schema[fieldname].scorable:
            return tf  # Whoosh scores a term of an exact-value field by its weight
        model = self.model
        if not hasattr(model, "K1") or not hasattr(model, "_field_B"):
            raise Unsupported(f"weighting {type(model).__name__}")
        k1 = model.K1
        b = model._field_B.get(fieldname, model.B)
        idf = model.idf(self.searcher, fieldname, text)
        norm = self.arrays.norm(fieldname, k1, b)
        return idf * (tf * (k1 + 1)) / (tf + norm[docs])

    def phrase(self, node: Any) -> Result:
        fieldname = node.fieldname
        scores = np.zeros(self.n, dtype=np.float64)
        mask = np.zeros(self.n, dtype=bool)
        if fieldname not in self.schema:
            return scores, mask
        fmt = self.schema[fieldname].format
        if type(fmt).__name__ != "GermanPositions" or not node.words:
            raise Unsupported("a phrase in a field without compact positions")
        words = [w for w in node.words if isinstance(w, str)]
        if len(words) != len(node.words):
            raise Unsupported("a phrase word that is not text")
        reached: np.ndarray | None = None
        for word in words:
            keys = self.arrays.position_keys(word, fieldname)
            if not len(keys):
                return scores, mask
            if reached is None:
                reached = keys
                continue
            # the positions of this word that follow a reached position by 1..slop
            before = np.searchsorted(reached, keys, side="left") - 1
            ok = before >= 0
            gap = keys - reached[np.maximum(before, 0)]
            ok &= (gap >= 1) & (gap <= node.slop)
            reached = keys[ok]
            if not len(reached):
                return scores, mask
        assert reached is not None
        docs = np.unique(reached >> SHIFT)
        mask[docs] = True
        for word in words:
            wdocs, tf = self.arrays.postings(word, fieldname)
            idx = np.searchsorted(wdocs, docs)
            scores[docs] += self.term_scores(fieldname, word, docs, tf[idx])
        if node.boost != 1.0:
            scores *= node.boost
        return scores, mask

    def date_range(self, node: Any) -> np.ndarray:
        if node.fieldname != "date":
            raise Unsupported("a range over another field")
        raw = self.arrays.dates()
        mask = raw > 0
        if node.startdate is not None:
            start = datetime_to_long(node.startdate)
            mask &= raw > start if node.startexcl else raw >= start
        if node.enddate is not None:
            end = datetime_to_long(node.enddate)
            mask &= raw < end if node.endexcl else raw <= end
        return mask


def _boosted(scores: np.ndarray, boost: float) -> np.ndarray:
    if boost != 1.0:
        scores *= boost
    return scores


def run(
    searcher: Any,
    query: Any,
    flt: Any,
    fetch: int,
    sort: str = "relevance",
    newest: int | None = None,
) -> tuple[list[tuple[int, float]], int, np.ndarray]:
    """The ``fetch`` best (docnum, score) pairs of ``query``, the number of
    matches, and the docnums of all matches.

    ``flt`` is a filter query (or None). Relevance order returns every hit
    that ties with the last one fetched, so a tie-break by date sees whole
    groups. ``sort="date"`` orders by date, newest first (then by docnum);
    ``sort="recency"`` scales scores down with age from ``newest`` (an
    ordinal; see :func:`search.ranking.recency_factor`). Raises
    :class:`Unsupported` for a query Whoosh must run.
    """
    evaluator = Evaluator(searcher)
    scores, mask = evaluator.evaluate(query)
    mask = mask & evaluator.arrays.alive
    if flt is not None:
        mask &= evaluator.evaluate(flt)[1]
    candidates = np.flatnonzero(mask)
    total = len(candidates)
    if not total:
        return [], 0, candidates
    cand_scores = scores[candidates]
    if sort == "recency" and newest is not None:
        cand_scores = cand_scores * recency_factor(evaluator.arrays.ordinals()[candidates], newest)
    if sort == "date":
        ordinals = evaluator.arrays.ordinals()[candidates]
        order = np.lexsort((candidates, -ordinals))[:fetch]
    elif total > fetch:
        top = np.argpartition(-cand_scores, fetch - 1)[:fetch]
        floor = np.round(cand_scores[top].min(), 6)
        tied = np.flatnonzero(np.round(cand_scores, 6) >= floor)
        order = tied[np.argsort(-cand_scores[tied], kind="stable")]
    else:
        order = np.argsort(-cand_scores, kind="stable")
    return [(int(candidates[i]), float(cand_scores[i])) for i in order], total, candidates
