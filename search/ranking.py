"""Ranking: BM25 over the article's whole text, field bonuses, proximity, recency.

First phase: BM25 (Lucene's idf, k1 1.2, b 0.75) on the ``text`` field,
which holds everything the article shows, plus small bonuses for matches in
the headline, then the kicker (Dachzeile), tags and lead; the body has no
bonus of its own. Second phase: the top 100 hits gain a bonus where
neighbouring query words stand within 8 positions of each other, for
queries of three terms or more where much of the query stands within 32
positions (a passage), and for each query word whose exact (folded,
unstemmed) form the article has (its forms filter, ``index/forms.py``).

Measured on ``../shared/eval`` (``BENCHMARKS.md``; 2026-11-25): one joined
text field instead of a sum of per-field scores raised known-item MRR@10
from 0.22 to 0.38, the proximity phase to 0.43 and XQuAD from 0.944 to
0.947. Field bonuses cost a little on these sets (known-item 0.433 → 0.430
with the bonuses below, ad-hoc nDCG 0.677 → 0.668, where unjudged
documents count as misses) and are kept small: a headline match still
comes first among otherwise equal articles. The passage bonus (2026-11-26,
same sets, alternatives side by side on one index): known-item 0.4286 →
0.4354, XQuAD 0.9468 → 0.9497, ad-hoc nDCG' 0.8796 → 0.8804; small, but up
on all three sets for every neighbouring window (24-48) and weight (8-16);
for two-word queries it cost ad-hoc nDCG' 0.003, hence the three terms.
The exact-form bonus (2026-12-03, FORM_BOOST 0 → 0.5 on one index):
known-item 0.4354 → 0.4404, XQuAD 0.9497 → 0.9539, ad-hoc nDCG' 0.8804 →
0.8819.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from whoosh import scoring

#: weight of a match in each text field (multiplies its BM25 score)
FIELD_BOOSTS: dict[str, float] = {
    "text": 1.0,
    "title": 0.2,
    "kicker": 0.1,
    "tags": 0.1,
    "lead": 0.1,
    "place": 0.1,
    "authors": 0.1,
    "extra": 0.05,
}
#: the field a plain word is searched in (it holds every other text field)
DEFAULT_FIELDS = ("text",)
#: the fields whose matches earn a bonus in the second phase
BONUS_FIELDS = tuple(f for f in FIELD_BOOSTS if f not in ("text", "extra"))

K1 = 1.2
B = 0.75
#: per-field length normalisation; short fields barely need any
FIELD_B = {"title": 0.5, "kicker": 0.3, "tags": 0.3, "place": 0.0, "authors": 0.0}

SORTS = ("relevance", "date", "recency")

#: second phase: the top hits are re-scored with a bonus for neighbouring
#: query words that stand close together in the text (headlines and
#: questions paraphrase a sentence of the article they belong to)
PROXIMITY_BOOST = 1.0
#: how close: the second word at most this many positions after the first
PROXIMITY_SLOP = 8
#: how many of the first-phase hits are re-scored
RERANK_DEPTH = 100
#: a query word mentioned within the first positions of the text (title,
#: lead, first paragraph) earns this share of its idf
EARLY_BOOST = 0.0
EARLY_POSITIONS = 60
#: articles that have more of the query's words earn more
COVERAGE_BOOST = 0.0
#: a passage: the most of the query (its words' idf) that stands within one
#: stretch of this many positions earns ``WINDOW_BOOST`` × that share
WINDOW_BOOST = 12.0
WINDOW_SIZE = 32
#: only for queries of at least this many terms (sentence-like queries:
#: headlines, questions); for two words it is the proximity bonus again
WINDOW_MIN_TERMS = 3
PROXIMITY_FIELD = "text"
#: a query word's exact (folded, unstemmed) form in the article earns this
#: share of its term's idf
FORM_BOOST = 0.5
#: with ``--sort recency`` a score halves for every this many days of age
RECENCY_HALF_LIFE_DAYS = 365.0
#: and never falls below this share of its relevance score
RECENCY_FLOOR = 0.3


#: "lucene": idf = ln(1 + (N - n + 0.5) / (n + 0.5)) (Lucene, tantivy, Elasticsearch);
#: "whoosh": idf = ln(N / (n + 1)) + 1 (Whoosh's default)
IDF = "lucene"


class BM25(scoring.BM25F):  # type: ignore[misc]
    """Whoosh's per-field BM25 with a choice of idf."""

    def idf(self, searcher: Any, fieldname: str, text: str) -> float:
        parent = searcher.get_parent()
        n = doc_frequency(parent.reader(), fieldname, text)
        if IDF == "whoosh":
            return float(math.log(parent.doc_count_all() / (n + 1)) + 1)
        total = parent.doc_count_all()
        return math.log(1 + (total - n + 0.5) / (n + 0.5))


#: cached document frequencies per reader at most (then the cache starts over)
DF_CACHE = 100_000


def doc_frequency(reader: Any, fieldname: str, term: str) -> int:
    """``reader.doc_frequency``, cached on the reader (whose terms never change):
    a query asks for the same few terms' frequencies several times, each a
    hash-table look-up per segment in Whoosh."""
    cache: dict[tuple[str, str], int] | None = getattr(reader, "_zsuche_df", None)
    if cache is None:
        cache = reader._zsuche_df = {}
    key = (fieldname, term)
    found = cache.get(key)
    if found is None:
        if len(cache) >= DF_CACHE:
            cache.clear()
        found = cache[key] = int(reader.doc_frequency(fieldname, term))
    return found


DAY_US = 86_400 * 1_000_000
#: raw DATETIME column values (microseconds since year 1) beyond this are
#: Whoosh's "no value" default, not dates
MAX_RAW = (dt.date(9999, 12, 31).toordinal()) * DAY_US


def date_ordinals(searcher: Any) -> Any:
    """A function docnum -> proleptic ordinal of the article's date (0: no date),
    read from the searcher's date array (:meth:`search.fastpath.Arrays.ordinals`)."""
    from .fastpath import arrays_for

    ordinals = arrays_for(searcher).ordinals()

    def ordinal(docnum: int) -> int:
        return int(ordinals[docnum])

    return ordinal


def recency_factor(ordinals: np.ndarray, newest: int) -> np.ndarray:
    """The share of its score an article keeps with ``--sort recency`` (vectorised)."""
    age = np.maximum(0, newest - ordinals)
    decay = np.power(0.5, age / RECENCY_HALF_LIFE_DAYS)
    return np.where(ordinals > 0, RECENCY_FLOOR + (1 - RECENCY_FLOOR) * decay, RECENCY_FLOOR)


class RecencyBM25F(BM25):
    """BM25F whose final score decays with the article's age.

    Age is measured from the newest article in the index (an archive's
    "now"), so an old archive still orders by recency within itself.
    Articles without a date count as old.
    """

    use_final = True

    def __init__(self, newest: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.newest = newest
        self._ordinals: Any = None

    def final(self, searcher: Any, docnum: int, score: float) -> float:
        if self._ordinals is None:
            self._ordinals = date_ordinals(searcher)
        ordinal = self._ordinals(docnum)
        if not ordinal:
            return float(score * RECENCY_FLOOR)
        age = max(0, self.newest - ordinal)
        decay = math.pow(0.5, age / RECENCY_HALF_LIFE_DAYS)
        return float(score * (RECENCY_FLOOR + (1 - RECENCY_FLOOR) * decay))


def proximity_bonus(
    searcher: Any,
    docnums: list[int],
    sequence: list[str],
    forms: Sequence[tuple[str, str]] = (),
) -> dict[int, float]:
    """The second-phase bonus of each document for a query's word sequence.

    Five signals, read from the postings of the query's terms in the given
    documents only:

    * field bonuses: a query word in the headline, kicker, tags, lead, place
      or authors earns ``FIELD_BOOSTS[field]`` × its idf;
    * proximity: for every pair of neighbouring query terms (a, b), each
      place where b follows a within :data:`PROXIMITY_SLOP` positions counts;
      ``PROXIMITY_BOOST`` × the pair's mean idf × a BM25-like saturation of
      the count;
    * early mention: a query term that first occurs within the first
      :data:`EARLY_POSITIONS` positions (title, lead, first paragraph) adds
      ``EARLY_BOOST`` × its idf;
    * coverage: ``COVERAGE_BOOST`` × the sum of the query terms' idf × the
      square of the share of query terms the document has;
    * passage: for a query of at least :data:`WINDOW_MIN_TERMS` terms,
      ``WINDOW_BOOST`` × the largest share of the query's idf that stands
      within :data:`WINDOW_SIZE` positions (:func:`window_share`), in any
      order: a headline or a question often restates one sentence or two;
    * exact forms: each of the query's word ``forms`` (folded, unstemmed;
      given as (form, its term) pairs) that the document has earns
      ``FORM_BOOST`` × its term's idf (``index/forms.py``).
    """
    terms = list(dict.fromkeys(sequence))
    pairs = [(a, b) for a, b in itertools.pairwise(sequence) if a != b]
    bonus_fields = [f for f in BONUS_FIELDS if FIELD_BOOSTS.get(f, 0.0) > 0]
    wanted_signals = (
        (PROXIMITY_BOOST > 0 and pairs)
        or EARLY_BOOST > 0
        or (COVERAGE_BOOST > 0 and len(terms) > 1)
        or (WINDOW_BOOST > 0 and len(terms) >= WINDOW_MIN_TERMS)
        or bonus_fields
        or (FORM_BOOST > 0 and forms)
    )
    if not wanted_signals or not terms or not docnums:
        return {}
    from .fastpath import SHIFT, arrays_for

    arrays = arrays_for(searcher)
    wanted = np.unique(np.asarray(docnums, dtype=np.int64))
    model = searcher.weighting
    idf = {t: model.idf(searcher, PROXIMITY_FIELD, t) for t in terms}
    bonus = np.zeros(len(wanted), dtype=np.float64)
    for f in bonus_fields:
        # a query word in the headline (kicker, tags, lead…) earns the field's
        # share of the word's idf
        weight = FIELD_BOOSTS[f]
        for t in terms:
            docs, _ = arrays.postings(t, f)
            if len(docs):
                bonus[np.isin(wanted, docs, assume_unique=True)] += weight * idf[t]
    # every position of each query term in the wanted documents, as sorted
    # keys (docnum << SHIFT) | position
    keys = {t: arrays.position_keys_in(t, PROXIMITY_FIELD, wanted) for t in terms}
    if PROXIMITY_BOOST > 0:
        for a, b in pairs:
            ka, kb = keys[a], keys[b]
            if not len(ka) or not len(kb):
                continue
            # each position of b that follows one of a by 1 to PROXIMITY_SLOP
            before = np.searchsorted(ka, kb, side="left") - 1
            gap = kb - ka[np.maximum(before, 0)]
            near = kb[(before >= 0) & (gap <= PROXIMITY_SLOP)] >> SHIFT
            if not len(near):
                continue
            docs, count = np.unique(near, return_counts=True)
            pair_idf = (idf[a] + idf[b]) / 2
            gain = PROXIMITY_BOOST * pair_idf * count * (K1 + 1) / (count + K1)
            bonus[np.searchsorted(wanted, docs)] += gain
    if EARLY_BOOST > 0:
        for t in terms:
            docs, first = np.unique(keys[t] >> SHIFT, return_index=True)
            early = (keys[t][first] & ((1 << SHIFT) - 1)) < EARLY_POSITIONS
            bonus[np.searchsorted(wanted, docs[early])] += EARLY_BOOST * idf[t]
    if WINDOW_BOOST > 0 and len(terms) >= WINDOW_MIN_TERMS:
        bonus += WINDOW_BOOST * window_share(
            wanted, [keys[t] for t in terms], [idf[t] for t in terms]
        )
    if FORM_BOOST > 0 and forms:
        bonus += FORM_BOOST * form_matches(arrays, wanted, forms, searcher)
    if COVERAGE_BOOST > 0 and len(terms) > 1:
        have = np.zeros(len(wanted), dtype=np.float64)
        for t in terms:
            have[np.searchsorted(wanted, np.unique(keys[t] >> SHIFT))] += 1
        share = have / len(terms)
        bonus += COVERAGE_BOOST * sum(idf.values()) * share * share
    return {int(d): float(x) for d, x in zip(wanted, bonus, strict=True) if x}


def form_matches(
    arrays: Any, wanted: np.ndarray, forms: Sequence[tuple[str, str]], searcher: Any
) -> np.ndarray:
    """For each document of ``wanted``, the summed idf (of their terms) of the
    query's word forms it has, by its forms filter."""
    from index.forms import form_hash, has_forms

    distinct = list(dict.fromkeys(forms))
    model = searcher.weighting
    weights = np.array([model.idf(searcher, PROXIMITY_FIELD, term) for _, term in distinct])
    found = has_forms(arrays.forms_filters(wanted), [form_hash(f) for f, _ in distinct])
    return np.asarray(found @ weights, dtype=np.float64)


def window_share(wanted: np.ndarray, keys: list[np.ndarray], weights: list[float]) -> np.ndarray:
    """For each of the sorted documents ``wanted``, the largest share of the
    query's weight (``weights[i]`` for term ``i``, whose position keys are
    ``keys[i]``) that stands within :data:`WINDOW_SIZE` consecutive positions.

    Every occurrence of a query term ends a window; the window holds term
    ``i`` when one of term ``i``'s keys lies within the ``WINDOW_SIZE - 1``
    positions before it (keys of other documents are ``1 << SHIFT`` apart,
    so a window never spans two documents).
    """
    from .fastpath import SHIFT

    total = float(sum(weights))
    share = np.zeros(len(wanted), dtype=np.float64)
    ends = np.concatenate(keys) if keys else np.zeros(0, dtype=np.int64)
    if not len(ends) or total <= 0:
        return share
    ends = np.unique(ends)
    held = np.zeros(len(ends), dtype=np.float64)
    for k, w in zip(keys, weights, strict=True):
        if len(k):
            # the first key of term k at or after the window's start, and
            # whether it is not past the window's end
            at = np.searchsorted(k, ends - (WINDOW_SIZE - 1), side="left")
            inside = at < len(k)
            inside[inside] = k[at[inside]] <= ends[inside]
            held += w * inside
    docs = ends >> SHIFT
    starts = np.flatnonzero(np.r_[True, docs[1:] != docs[:-1]])
    best = np.maximum.reduceat(held, starts)
    share[np.searchsorted(wanted, docs[starts])] = best / total
    return share


def weighting(sort: str, newest: int | None) -> scoring.WeightingModel:
    """The weighting model for a sort order (``newest``: the newest date's ordinal)."""
    kwargs: dict[str, Any] = {f"{name}_B": b for name, b in FIELD_B.items()}
    if sort == "recency" and newest is not None:
        return RecencyBM25F(newest, B=B, K1=K1, **kwargs)
    return BM25(B=B, K1=K1, **kwargs)
