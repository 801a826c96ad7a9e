"""Turning a parsed query into a Whoosh query over the index.

Words are analysed exactly as at index time (without compound splitting: a
query word finds a compound through the parts indexed with it). A plain word
is searched in every text field, each with its boost; wildcards and fuzzy
terms are expanded against the index's own vocabulary, with a bound.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from whoosh import query as wq

from index.analysis import TOKEN_RE, GermanAnalysis, token_forms
from index.errors import QueryError
from index.normalize import fold
from index.schema import exact

from . import query as q
from .ranking import DEFAULT_FIELDS, FIELD_BOOSTS, doc_frequency

#: a query word this long whose term is in fewer than this share of the
#: articles (at least one) is also searched as its compound parts (each
#: weighted PART_WEIGHT when any word may match)
QUERY_SPLIT_MIN = 8
QUERY_SPLIT_SHARE = 0.001
PART_WEIGHT = 0.5
#: at most this many words are searched for one wildcard
MAX_EXPANSION = 64
#: at most this many words are looked at for one wildcard
MAX_SCAN = 50_000
#: wildcard expansions kept per index reader
PREFIX_CACHE = 64
#: the fields a phrase or hyphenated word is searched in
PHRASE_FIELDS = ("text", "title", "kicker", "lead", "tags", "authors", "place", "extra")


@dataclass
class Compiled:
    """A Whoosh query plus what the compiler learned on the way."""

    query: Any
    #: index terms the query looks for (for highlighting), by field
    terms: set[str] = field(default_factory=set)
    #: folded query words (for highlighting compounds)
    words: set[str] = field(default_factory=set)
    notices: list[str] = field(default_factory=list)
    #: the main terms of the query's plain words, in order (for proximity)
    sequence: list[str] = field(default_factory=list)
    #: the query's word forms with their main terms (for the exact-form bonus)
    forms: list[tuple[str, str]] = field(default_factory=list)


class Compiler:
    """Compiles query trees against one index reader."""

    def __init__(self, reader: Any, analysis: GermanAnalysis, query_text: str) -> None:
        self.any_word = False
        self.reader = reader
        self.analysis = analysis
        self.text = query_text
        self.terms: set[str] = set()
        self.words: set[str] = set()
        self.notices: list[str] = []

    def compile(self, node: q.Node, *, any_word: bool = False) -> Compiled:
        self.any_word = any_word
        qobj = self._node(node, DEFAULT_FIELDS, any_word=any_word)
        if qobj is None:
            raise QueryError(
                self.text,
                "the query has only stopwords (der, die, und …) and nothing to search for",
                hint="add a word that carries meaning",
            )
        return Compiled(
            qobj, self.terms, self.words, self.notices, self._sequence(node), self._forms(node)
        )

    def _sequence(self, node: q.Node) -> list[str]:
        """The main terms of the plain words of an AND (or any-word) query, in order.

        The ranking rewards articles where neighbours of this sequence stand
        close together (see :func:`search.ranking.proximity_bonus`).
        """
        terms: list[str] = []
        for text in _plain_texts(node):
            terms.extend(
                tok.text for tok in self.analysis.tokens(text, query=True) if tok.kind == "word"
            )
        return terms

    def _forms(self, node: q.Node) -> list[tuple[str, str]]:
        """The word forms (``index/forms.py``) of the plain words of an AND (or
        any-word) query, each with its main term (whose idf weighs it)."""
        out: list[tuple[str, str]] = []
        for text in _plain_texts(node):
            for token in TOKEN_RE.findall(text):
                for form in token_forms(token):
                    terms = self.analysis.word_terms(form, parts=False)
                    if terms:
                        out.append((form, terms[0]))
        return out

    # -- nodes -------------------------------------------------------------
    def _node(self, node: q.Node, fields: tuple[str, ...], *, any_word: bool = False) -> Any:
        if isinstance(node, q.Word):
            return self._word(node.text, fields)
        if isinstance(node, q.Phrase):
            return self._phrase(node, fields)
        if isinstance(node, q.Prefix):
            return self._prefix(node, fields)
        if isinstance(node, q.Fuzzy):
            return self._fuzzy(node, fields)
        if isinstance(node, q.DateRange):
            return date_range(node.start, node.end)
        if isinstance(node, q.InField):
            return self._in_field(node)
        if isinstance(node, q.Not):
            inner = self._node(node.item, fields)
            return None if inner is None else wq.Not(inner)
        if isinstance(node, q.And):
            parts = [self._node(item, fields) for item in node.items]
            kept = [p for p in parts if p is not None]
            if not kept:
                return None
            positive = [p for p in kept if not isinstance(p, wq.Not)]
            if not positive:
                kept.insert(0, wq.Every())
            if len(kept) == 1:
                return kept[0]
            return wq.Or(kept) if any_word else wq.And(kept)
        if isinstance(node, q.Or):
            kept = [p for p in (self._node(item, fields) for item in node.items) if p is not None]
            if not kept:
                return None
            return kept[0] if len(kept) == 1 else wq.Or(kept)
        raise TypeError(node)  # pragma: no cover

    def _in_field(self, node: q.InField) -> Any:
        name = node.field
        if name in ("source", "id"):
            values = [w.text for w in q.words_of(node.node) if isinstance(w, (q.Word, q.Phrase))]
            if not values:
                raise QueryError(self.text, f"{name}: needs a word", position=node.pos)
            value = " ".join(values)
            term = exact(value) if name == "source" else value
            return wq.Term(name, term)
        return self._node(node.node, (name,))

    def _fields_with(self, term: str, fields: Iterable[str]) -> list[str]:
        """The fields that hold ``term`` (a field with boost 0 only when named alone)."""
        reader = self.reader
        fields = list(fields)
        if len(fields) > 1:
            fields = [f for f in fields if FIELD_BOOSTS.get(f, 1.0) > 0]
        return [f for f in fields if doc_frequency(reader, f, term) > 0]

    def _term_query(self, term: str, fields: tuple[str, ...], weight: float = 1.0) -> Any:
        present = self._fields_with(term, fields) or [fields[0]]
        parts = [wq.Term(f, term, boost=_boost(f, fields) * weight) for f in present]
        return parts[0] if len(parts) == 1 else wq.Or(parts)

    def _word(self, text: str, fields: tuple[str, ...]) -> Any:
        tokens = self.analysis.tokens(text, query=True)
        if not tokens:
            return None
        for t in tokens:
            self.terms.add(t.text)
        self.words.update(fold(w) for w in _words(text))
        joined = [t for t in tokens if t.kind == "joined"]
        pieces = [t for t in tokens if t.kind == "word"]
        if len(pieces) <= 1 and not joined:
            whole = self._term_query(tokens[0].text, fields)
            stems = self._part_terms(text, tokens[0].text, fields)
            if not stems:
                return whole
            # a rare compound: its parts may stand apart in an article
            # (Zuschaueranzahl -> Anzahl der Zuschauer)
            if self.any_word:
                return wq.Or([whole, *(self._term_query(t, fields, PART_WEIGHT) for t in stems)])
            return wq.Or([whole, wq.And([self._term_query(t, fields) for t in stems])])
        # a hyphenated word (Corona-Krise): its pieces as words of their own
        # (all of them, or any in an any-word search), or the joined form
        # (Coronakrise); the proximity phase rewards the pieces side by side
        piece_queries = [self._term_query(t.text, fields) for t in pieces]
        options: list[Any] = []
        if len(piece_queries) > 1:
            options.append(wq.Or(piece_queries) if self.any_word else wq.And(piece_queries))
        else:
            options.extend(piece_queries)
        for t in joined:
            options.append(self._term_query(t.text, fields))
        return options[0] if len(options) == 1 else wq.Or(options)

    def _part_terms(
        self, text: str, term: str, fields: tuple[str, ...] = DEFAULT_FIELDS
    ) -> list[str]:
        """The terms of the parts of a rare compound query word, or ``[]``.

        Only for words of at least :data:`QUERY_SPLIT_MIN` letters whose own
        term is rare (in fewer than :data:`QUERY_SPLIT_SHARE` of the articles,
        and in none of a small index): a common compound is found as itself,
        and the lexicon is loaded only when needed.
        """
        folded = fold(text)
        if len(folded) < QUERY_SPLIT_MIN or not folded.isalpha() or not self.analysis.compounds:
            return []
        rare = max(1.0, self.reader.doc_count() * QUERY_SPLIT_SHARE)
        if sum(doc_frequency(self.reader, f, term) for f in fields) >= rare:
            return []
        leaves = self.analysis.splitter.leaves(folded, lowercase=text[:1].islower())
        stems = [self.analysis.stem(leaf) for leaf in leaves]
        stems = [t for t in dict.fromkeys(stems) if t != term and len(t) > 2]
        if len(stems) < 2:
            return []
        self.terms.update(stems)
        return stems

    def _phrase(self, node: q.Phrase, fields: tuple[str, ...]) -> Any:
        tokens = [t for t in self.analysis.tokens(node.text, query=True) if t.kind == "word"]
        if not tokens:
            if node.text.strip():
                raise QueryError(
                    self.text,
                    f'the phrase "{node.text}" has only stopwords',
                    position=node.pos,
                    hint="stopwords (der, die, und …) are not indexed; add another word",
                )
            raise QueryError(self.text, "empty phrase", position=node.pos)
        for t in tokens:
            self.terms.add(t.text)
        self.words.update(fold(w) for w in _words(node.text))
        if len(tokens) == 1:
            return self._term_query(tokens[0].text, fields)
        return self._phrase_of(tokens, fields, extra_slop=node.slop)

    def _phrase_of(self, tokens: list[Any], fields: tuple[str, ...], extra_slop: int = 0) -> Any:
        words = [t.text for t in tokens]
        gaps = [b.position - a.position for a, b in itertools.pairwise(tokens)]
        slop = max(gaps, default=1) + extra_slop
        use = [
            f
            for f in fields
            if f in PHRASE_FIELDS and (len(fields) == 1 or FIELD_BOOSTS.get(f, 1.0) > 0)
        ]
        present = [f for f in use if all(doc_frequency(self.reader, f, w) for w in words)]
        if not present:
            present = use[:1] or list(fields[:1])
        parts = [wq.Phrase(f, words, slop=slop, boost=_boost(f, fields)) for f in present]
        return parts[0] if len(parts) == 1 else wq.Or(parts)

    def _prefix(self, node: q.Prefix, fields: tuple[str, ...]) -> Any:
        folded = fold(node.text)
        stem = self.analysis.stem(folded)
        self.words.add(folded)
        counts, truncated = self._expand_prefix(folded, fields)
        if stem and stem != folded and _is_word(folded):
            # "Prozent*" must find "Prozent" itself, whose stem is shorter; but
            # "Zollst*" is no word and must not widen to every "Zoll"
            for f in fields:
                df = doc_frequency(self.reader, f, stem)
                if df:
                    counts[stem] = counts.get(stem, 0) + df
        if len(counts) > MAX_EXPANSION or truncated:
            self.notices.append(
                f"{node.text}* matches more than {MAX_EXPANSION} words; "
                f"only the {MAX_EXPANSION} most frequent were searched"
            )
        chosen = sorted(counts, key=lambda t: (-counts[t], t))[:MAX_EXPANSION]
        if not chosen:
            return wq.Term(fields[0], folded)  # matches nothing, honestly
        self.terms.update(chosen)
        return self._terms_any(chosen, fields)

    def _expand_prefix(self, folded: str, fields: tuple[str, ...]) -> tuple[dict[str, int], bool]:
        """The index terms starting with ``folded`` and their document
        frequencies, and whether the walk stopped at :data:`MAX_SCAN`.

        Each segment's terms come with their statistics in one walk (asking
        for each term's frequency separately cost 80 ms for "Impf*"). The
        answer is kept on the reader (it never changes), for the last
        :data:`PREFIX_CACHE` prefixes.
        """
        cache: OrderedDict[tuple[str, tuple[str, ...]], tuple[dict[str, int], bool]]
        cache = self.reader.__dict__.setdefault("_zsuche_prefixes", OrderedDict())
        key = (folded, fields)
        found = cache.get(key)
        if found is not None:
            return dict(found[0]), found[1]
        counts: dict[str, int] = {}
        scanned = 0
        truncated = False
        for f in fields:
            for leaf, _offset in self.reader.leaf_readers():
                if f not in leaf.schema:
                    continue
                for btext, info in leaf.iter_prefix(f, folded):
                    term = btext.decode("utf-8") if isinstance(btext, bytes) else btext
                    scanned += 1
                    if scanned > MAX_SCAN:
                        truncated = True
                        break
                    counts[term] = counts.get(term, 0) + info.doc_frequency()
        cache[key] = (dict(counts), truncated)
        while len(cache) > PREFIX_CACHE:
            cache.popitem(last=False)
        return counts, truncated

    def _fuzzy(self, node: q.Fuzzy, fields: tuple[str, ...]) -> Any:
        term = self.analysis.query_term(node.text)
        if not term:
            return None
        maxdist = node.maxdist if node.maxdist is not None else (1 if len(term) <= 4 else 2)
        found: set[str] = set()
        for f in fields:
            for t in self.reader.terms_within(f, term, maxdist, prefix=1):
                found.add(t)
                if len(found) >= MAX_EXPANSION:
                    break
        found.add(term)
        self.terms.update(found)
        self.words.add(fold(node.text))
        return self._terms_any(sorted(found), fields)

    def _terms_any(self, terms: list[str], fields: tuple[str, ...]) -> Any:
        parts = []
        for term in terms:
            for f in self._fields_with(term, fields):
                parts.append(wq.Term(f, term, boost=_boost(f, fields)))
        if not parts:
            return wq.Term(fields[0], terms[0])
        return parts[0] if len(parts) == 1 else wq.Or(parts)


def _is_word(folded: str) -> bool:
    """True if ``folded`` is a German word of the compound lexicon (loaded on first use)."""
    from index.compounds import Lexicon

    return folded in Lexicon.default()


def _boost(field_name: str, fields: tuple[str, ...]) -> float:
    """A field's weight: its boost among several fields, 1 when it is named alone."""
    if len(fields) == 1:
        return 1.0
    return max(FIELD_BOOSTS.get(field_name, 1.0), 1e-6)


def _plain_texts(node: q.Node) -> list[str]:
    """The texts of the plain words and phrases of an AND (or any-word) query,
    in order: what the second ranking phase compares with the articles."""
    items = node.items if isinstance(node, q.And) else [node]
    return [item.text for item in items if isinstance(item, (q.Word, q.Phrase))]


def _words(text: str) -> list[str]:
    return [w for w in text.replace("-", " ").split() if any(c.isalnum() for c in w)]


def date_range(start: dt.date | None, end: dt.date | None) -> Any:
    """A Whoosh date range (both ends inclusive, whole days)."""
    s = dt.datetime(start.year, start.month, start.day) if start else None
    e = dt.datetime(end.year, end.month, end.day, 23, 59, 59, 999999) if end else None
    return wq.DateRange("date", s, e)


def filters(
    *,
    tags: Iterable[str] = (),
    authors: Iterable[str] = (),
    sources: Iterable[str] = (),
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> Any:
    """The filter query for the exact-value options (all must hold)."""
    parts: list[Any] = []
    parts.extend(wq.Term("tag", exact(t).replace(",", " ")) for t in tags)
    parts.extend(wq.Term("author", exact(a).replace(",", " ")) for a in authors)
    parts.extend(wq.Term("source", exact(s)) for s in sources)
    if since or until:
        parts.append(date_range(since, until))
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else wq.And(parts)
