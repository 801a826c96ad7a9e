"""Ranking metrics, TREC qrels and runs: pure functions, no dependencies.

Conventions (the same for every metric):

* A *ranking* is the list a system returned for one query, best first, as
  ``(doc_id, score)`` pairs. Its order is the ranking: scores are carried
  along but never re-sorted, so a system's own tie-breaking stands. A doc id
  that appears twice counts at its first position only.
* *Qrels* map ``qid -> {doc_id: grade}``. A grade > 0 is relevant; a grade
  <= 0 is judged not relevant; a doc id missing from the map is unjudged
  (and counts as not relevant).
* Averages (:func:`mrr_at_k` and the others) run over the queries that have at
  least one relevant document. Such a query with no ranking (or an empty one)
  scores 0. Rankings for queries that are not in the qrels, or that have no
  relevant document, are ignored.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

#: one query's result list, best first: (doc id, score)
Ranking = Sequence[tuple[str, float]]
#: qid -> ranking
Run = Mapping[str, Ranking]
#: qid -> doc id -> grade
Qrels = Mapping[str, Mapping[str, int]]
#: a per-query metric: (ranking, the query's judgments, k) -> value
QueryMetric = Callable[[Ranking, Mapping[str, int], int], float]

#: how many results per query :func:`write_trec_run` keeps by default
TREC_RUN_DEPTH = 100


# -- reading and writing ---------------------------------------------------


def parse_qrels(lines: Iterable[str]) -> dict[str, dict[str, int]]:
    """Parse TREC qrels lines: ``qid iteration docid grade`` (whitespace-separated).

    Blank lines and lines starting with ``#`` are skipped. A doc judged twice
    keeps its last grade. Raises :class:`ValueError` on a malformed line.
    """
    qrels: dict[str, dict[str, int]] = {}
    for number, line in enumerate(lines, start=1):
        parts = line.split()
        if not parts or parts[0].startswith("#"):
            continue
        if len(parts) != 4:
            raise ValueError(f"qrels line {number}: expected 4 fields, got {len(parts)}")
        qid, _iteration, docid, grade = parts
        try:
            value = int(grade)
        except ValueError:
            try:
                value = int(float(grade))
            except ValueError:
                raise ValueError(f"qrels line {number}: grade {grade!r} is not a number") from None
        qrels.setdefault(qid, {})[docid] = value
    return qrels


def read_qrels(path: str | Path) -> dict[str, dict[str, int]]:
    """Read a TREC qrels file (see :func:`parse_qrels`)."""
    with Path(path).open(encoding="utf-8") as handle:
        return parse_qrels(handle)


def parse_run(lines: Iterable[str]) -> dict[str, list[tuple[str, float]]]:
    """Parse TREC run lines: ``qid Q0 docid rank score tag``.

    Each query's list is ordered by the rank column (ties: higher score first,
    then file order), so a run written by :func:`write_trec_run` reads back
    exactly. A doc id repeated within a query keeps its first position.
    """
    rows: dict[str, list[tuple[int, float, int, str]]] = {}
    for number, line in enumerate(lines, start=1):
        parts = line.split()
        if not parts or parts[0].startswith("#"):
            continue
        if len(parts) < 5:
            raise ValueError(f"run line {number}: expected 6 fields, got {len(parts)}")
        qid, _q0, docid, rank, score = parts[:5]
        try:
            rows.setdefault(qid, []).append((int(rank), -float(score), number, docid))
        except ValueError:
            raise ValueError(f"run line {number}: bad rank or score") from None
    run: dict[str, list[tuple[str, float]]] = {}
    for qid, entries in rows.items():
        entries.sort()
        seen: set[str] = set()
        ranking: list[tuple[str, float]] = []
        for _rank, neg_score, _number, docid in entries:
            if docid not in seen:
                seen.add(docid)
                ranking.append((docid, -neg_score))
        run[qid] = ranking
    return run


def read_run(path: str | Path) -> dict[str, list[tuple[str, float]]]:
    """Read a TREC run file (see :func:`parse_run`)."""
    with Path(path).open(encoding="utf-8") as handle:
        return parse_run(handle)


def format_trec_run(run: Run, tag: str, depth: int = TREC_RUN_DEPTH) -> list[str]:
    """The lines of a TREC run: ``qid Q0 docid rank score tag``, top ``depth`` per query.

    Queries are written in the run's order, documents in ranking order with
    ranks 1, 2, …; repeated doc ids are dropped. Whitespace in ``tag`` would
    break the format and becomes ``_``.
    """
    clean_tag = "_".join(tag.split()) or "run"
    lines: list[str] = []
    for qid, ranking in run.items():
        for rank, (docid, score) in enumerate(_dedupe(ranking)[:depth], start=1):
            lines.append(f"{qid} Q0 {docid} {rank} {score:.6f} {clean_tag}")
    return lines


def write_trec_run(path: str | Path, run: Run, tag: str, depth: int = TREC_RUN_DEPTH) -> None:
    """Write ``run`` as a TREC run file (top ``depth`` = 100 per query)."""
    text = "\n".join(format_trec_run(run, tag, depth))
    Path(path).write_text(text + "\n" if text else "", encoding="utf-8")


# -- per-query metrics -----------------------------------------------------


def _dedupe(ranking: Ranking) -> list[tuple[str, float]]:
    seen: set[str] = set()
    out: list[tuple[str, float]] = []
    for docid, score in ranking:
        if docid not in seen:
            seen.add(docid)
            out.append((docid, score))
    return out


def _top(ranking: Ranking, k: int) -> list[str]:
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    return [docid for docid, _score in _dedupe(ranking)[:k]]


def reciprocal_rank(ranking: Ranking, judgments: Mapping[str, int], k: int) -> float:
    """1 / rank of the first relevant document in the top ``k``, else 0."""
    for rank, docid in enumerate(_top(ranking, k), start=1):
        if judgments.get(docid, 0) > 0:
            return 1.0 / rank
    return 0.0


def dcg(gains: Sequence[float]) -> float:
    """Discounted cumulative gain: sum of gain_i / log2(i + 1), i = 1, 2, …"""
    return sum(gain / math.log2(rank + 1) for rank, gain in enumerate(gains, start=1))


def exponential_gain(grade: int) -> float:
    """The gain of a grade: 2**grade - 1 (0, 1, 3 for grades 0, 1, 2); 0 for grade <= 0."""
    return float(2**grade - 1) if grade > 0 else 0.0


def linear_gain(grade: int) -> float:
    """The gain of a grade: the grade itself (trec_eval's ``ndcg``); 0 for grade <= 0."""
    return float(grade) if grade > 0 else 0.0


def ndcg(
    ranking: Ranking,
    judgments: Mapping[str, int],
    k: int,
    gain: Callable[[int], float] = exponential_gain,
) -> float:
    """nDCG@k: graded gains (by default 2**grade - 1), log2 discount.

    The ideal ranking orders all relevant judged documents of the query by
    gain, cut at ``k``; 0 when the query has no relevant document. The
    exponential gain is what the published anchor numbers use; pass
    :func:`linear_gain` for trec_eval's definition. With 0/1 grades both agree.
    """
    gains = [gain(judgments.get(docid, 0)) for docid in _top(ranking, k)]
    ideal = sorted((gain(g) for g in judgments.values() if g > 0), reverse=True)[:k]
    best = dcg(ideal)
    return dcg(gains) / best if best > 0 else 0.0


def condensed_ndcg(ranking: Ranking, judgments: Mapping[str, int], k: int) -> float:
    """nDCG'@k (Sakai 2007, "condensed list"): nDCG@k of the ranking with its
    unjudged documents removed.

    For pooled judgments, where a system that was not in the pool returns
    documents nobody read: plain nDCG counts them as misses, nDCG' leaves
    them out. Report both; neither alone is the truth.
    """
    judged_only = [(d, s) for d, s in _dedupe(ranking) if d in judgments]
    return ndcg(judged_only, judgments, k)


def success(ranking: Ranking, judgments: Mapping[str, int], k: int) -> float:
    """1 when a relevant document is in the top ``k``, else 0."""
    return 1.0 if reciprocal_rank(ranking, judgments, k) > 0 else 0.0


def recall(ranking: Ranking, judgments: Mapping[str, int], k: int) -> float:
    """Share of the query's relevant documents found in the top ``k``."""
    relevant = {docid for docid, grade in judgments.items() if grade > 0}
    if not relevant:
        return 0.0
    found = sum(1 for docid in _top(ranking, k) if docid in relevant)
    return found / len(relevant)


def judged(ranking: Ranking, judgments: Mapping[str, int], k: int) -> float:
    """Share of the returned top ``k`` that has a judgment (any grade, 0 included).

    The denominator is the number of documents actually returned in the top
    ``k`` (at most ``k``), so a short result list is not penalised; an empty
    ranking gives 0.
    """
    top = _top(ranking, k)
    if not top:
        return 0.0
    return sum(1 for docid in top if docid in judgments) / len(top)


# -- averages over a query set ---------------------------------------------


def evaluated_queries(qrels: Qrels) -> list[str]:
    """The qids that count in an average: those with at least one relevant doc."""
    return [qid for qid, judgments in qrels.items() if any(g > 0 for g in judgments.values())]


def per_query(metric: QueryMetric, run: Run, qrels: Qrels, k: int) -> dict[str, float]:
    """``metric`` for every evaluated query (a query missing from ``run`` scores 0)."""
    return {qid: metric(run.get(qid, ()), qrels[qid], k) for qid in evaluated_queries(qrels)}


def mean_metric(metric: QueryMetric, run: Run, qrels: Qrels, k: int) -> float:
    """The mean of ``metric`` over the evaluated queries; 0 when there are none."""
    values = per_query(metric, run, qrels, k)
    return sum(values.values()) / len(values) if values else 0.0


def mrr_at_k(run: Run, qrels: Qrels, k: int = 10) -> float:
    """Mean reciprocal rank, cut at ``k``."""
    return mean_metric(reciprocal_rank, run, qrels, k)


def ndcg_at_k(
    run: Run, qrels: Qrels, k: int = 10, gain: Callable[[int], float] = exponential_gain
) -> float:
    """Mean nDCG@k (graded gains, by default 2**grade - 1; log2 discount)."""
    values = [ndcg(run.get(qid, ()), qrels[qid], k, gain) for qid in evaluated_queries(qrels)]
    return sum(values) / len(values) if values else 0.0


def success_at_k(run: Run, qrels: Qrels, k: int = 10) -> float:
    """Share of queries with a relevant document in the top ``k``."""
    return mean_metric(success, run, qrels, k)


def recall_at_k(run: Run, qrels: Qrels, k: int = 100) -> float:
    """Mean recall in the top ``k``."""
    return mean_metric(recall, run, qrels, k)


def condensed_ndcg_at_k(run: Run, qrels: Qrels, k: int = 10) -> float:
    """Mean nDCG'@k over the evaluated queries (see :func:`condensed_ndcg`)."""
    return mean_metric(condensed_ndcg, run, qrels, k)


def judged_at_k(run: Run, qrels: Qrels, k: int = 10) -> float:
    """Mean share of the returned top ``k`` that is judged (for pooled query sets)."""
    return mean_metric(judged, run, qrels, k)
