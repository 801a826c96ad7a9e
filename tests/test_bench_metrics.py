"""Hand-computed checks of bench.metrics (and the query/qrels file readers)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from bench import metrics
from bench.datasets import read_queries

# One query's judgments used throughout: d1 and d4 highly relevant (2), d3
# relevant (1), d5 judged not relevant (0); everything else is unjudged.
JUDGMENTS = {"d1": 2, "d3": 1, "d4": 2, "d5": 0}
# The system found d1 first, an unjudged x second, d3 third, d5 fourth.
RANKING = [("d1", 9.0), ("x", 8.0), ("d3", 7.0), ("d5", 6.0)]


# -- reciprocal rank / MRR -------------------------------------------------


def test_reciprocal_rank_first_relevant() -> None:
    assert metrics.reciprocal_rank(RANKING, JUDGMENTS, 10) == 1.0
    ranking = [("x", 3.0), ("d5", 2.0), ("d3", 1.0)]  # grade 0 is not relevant
    assert metrics.reciprocal_rank(ranking, JUDGMENTS, 10) == pytest.approx(1 / 3)


def test_reciprocal_rank_cut_at_k() -> None:
    ranking = [("x", 3.0), ("y", 2.0), ("d3", 1.0)]
    assert metrics.reciprocal_rank(ranking, JUDGMENTS, 2) == 0.0
    assert metrics.reciprocal_rank(ranking, JUDGMENTS, 3) == pytest.approx(1 / 3)


def test_empty_ranking_scores_zero_everywhere() -> None:
    for metric in (
        metrics.reciprocal_rank,
        metrics.ndcg,
        metrics.success,
        metrics.recall,
        metrics.judged,
    ):
        assert metric([], JUDGMENTS, 10) == 0.0


def test_k_must_be_positive() -> None:
    with pytest.raises(ValueError, match="k must be"):
        metrics.reciprocal_rank(RANKING, JUDGMENTS, 0)


# -- nDCG --------------------------------------------------------------------


def test_ndcg_exponential_gains_log2_discount() -> None:
    # gains 2**grade - 1: d1 -> 3, d3 -> 1, d4 -> 3
    # DCG@10  = 3/log2(2) + 0 + 1/log2(4) + 0        = 3.5
    # IDCG@10 = 3/log2(2) + 3/log2(3) + 1/log2(4)    = 5.3927892...
    dcg = 3.0 + 1.0 / 2.0
    idcg = 3.0 + 3.0 / math.log2(3) + 0.5
    assert metrics.ndcg(RANKING, JUDGMENTS, 10) == pytest.approx(dcg / idcg)
    assert metrics.ndcg(RANKING, JUDGMENTS, 10) == pytest.approx(0.649014, abs=1e-6)


def test_ndcg_linear_gains() -> None:
    # gains = grades: DCG@10 = 2 + 1/2 = 2.5; IDCG@10 = 2 + 2/log2(3) + 1/2 = 3.7618595...
    value = metrics.ndcg(RANKING, JUDGMENTS, 10, gain=metrics.linear_gain)
    assert value == pytest.approx(2.5 / (2.0 + 2.0 / math.log2(3) + 0.5))
    assert value == pytest.approx(0.664565, abs=1e-6)
    run = {"q": RANKING}
    qrels = {"q": JUDGMENTS}
    assert metrics.ndcg_at_k(run, qrels, 10, gain=metrics.linear_gain) == pytest.approx(value)


def test_gains() -> None:
    assert [metrics.exponential_gain(g) for g in (-1, 0, 1, 2, 3)] == [0, 0, 1, 3, 7]
    assert [metrics.linear_gain(g) for g in (-1, 0, 1, 2, 3)] == [0, 0, 1, 2, 3]


def test_ndcg_ideal_is_cut_at_k_too() -> None:
    # DCG@2 = 3; IDCG@2 = 3 + 3/log2(3) = 4.8927892...
    assert metrics.ndcg(RANKING, JUDGMENTS, 2) == pytest.approx(3.0 / (3.0 + 3.0 / math.log2(3)))
    assert metrics.ndcg(RANKING, JUDGMENTS, 2) == pytest.approx(0.613147, abs=1e-6)


def test_ndcg_perfect_ranking_is_one_and_worst_is_zero() -> None:
    perfect = [("d4", 3.0), ("d1", 2.0), ("d3", 1.0)]
    assert metrics.ndcg(perfect, JUDGMENTS, 10) == pytest.approx(1.0)
    assert metrics.ndcg([("x", 1.0), ("d5", 0.5)], JUDGMENTS, 10) == 0.0


def test_ndcg_without_relevant_documents_is_zero() -> None:
    assert metrics.ndcg(RANKING, {"d5": 0}, 10) == 0.0
    assert metrics.ndcg(RANKING, {}, 10) == 0.0


def test_dcg_by_hand() -> None:
    assert metrics.dcg([]) == 0.0
    assert metrics.dcg([1.0, 1.0, 1.0]) == pytest.approx(1 + 1 / math.log2(3) + 0.5)


# -- success, recall, judged ------------------------------------------------


def test_success() -> None:
    assert metrics.success(RANKING, JUDGMENTS, 1) == 1.0
    assert metrics.success([("x", 1.0), ("d3", 0.5)], JUDGMENTS, 1) == 0.0
    assert metrics.success([("x", 1.0), ("d3", 0.5)], JUDGMENTS, 2) == 1.0


def test_recall() -> None:
    # three relevant documents (d1, d3, d4); d5 has grade 0 and does not count
    assert metrics.recall(RANKING, JUDGMENTS, 1) == pytest.approx(1 / 3)
    assert metrics.recall(RANKING, JUDGMENTS, 3) == pytest.approx(2 / 3)
    assert metrics.recall(RANKING, JUDGMENTS, 100) == pytest.approx(2 / 3)
    assert metrics.recall(RANKING, {"d5": 0}, 100) == 0.0


def test_judged_counts_any_grade_over_returned_top_k() -> None:
    # top 4: d1 (2), x (unjudged), d3 (1), d5 (0): three of four judged
    assert metrics.judged(RANKING, JUDGMENTS, 4) == pytest.approx(3 / 4)
    assert metrics.judged(RANKING, JUDGMENTS, 2) == pytest.approx(1 / 2)
    # a short list is measured over what was returned, not over k
    assert metrics.judged(RANKING, JUDGMENTS, 10) == pytest.approx(3 / 4)


def test_condensed_ndcg_leaves_unjudged_documents_out() -> None:
    # RANKING is d1, x (unjudged), d3, d5: nDCG' scores d1, d3, d5
    condensed = metrics.condensed_ndcg(RANKING, JUDGMENTS, 10)
    without_x = [(d, s) for d, s in RANKING if d != "x"]
    assert condensed == pytest.approx(metrics.ndcg(without_x, JUDGMENTS, 10))
    assert condensed > metrics.ndcg(RANKING, JUDGMENTS, 10)
    # nothing judged in the ranking: 0
    assert metrics.condensed_ndcg([("x", 1.0)], JUDGMENTS, 10) == 0.0


# -- ties and duplicates ---------------------------------------------------


def test_ties_keep_the_systems_order() -> None:
    # equal scores: the metric follows the list, it never re-sorts
    assert metrics.reciprocal_rank([("x", 1.0), ("d1", 1.0)], JUDGMENTS, 10) == 0.5
    assert metrics.reciprocal_rank([("d1", 1.0), ("x", 1.0)], JUDGMENTS, 10) == 1.0


def test_duplicate_doc_counts_once_at_first_position() -> None:
    ranking = [("x", 3.0), ("x", 2.0), ("d1", 1.0), ("d1", 0.5)]
    assert metrics.reciprocal_rank(ranking, JUDGMENTS, 2) == 0.5
    assert metrics.recall(ranking, JUDGMENTS, 10) == pytest.approx(1 / 3)
    # DCG: d1 (gain 3) at rank 2, once: 3/log2(3)
    idcg = 3.0 + 3.0 / math.log2(3) + 0.5
    assert metrics.ndcg(ranking, JUDGMENTS, 10) == pytest.approx((3.0 / math.log2(3)) / idcg)


# -- averages over queries ------------------------------------------------


QRELS = {
    "q1": {"a": 1, "b": 0},
    "q2": {"c": 2, "d": 1},
    "q3": {"e": 0},  # no relevant document: not evaluated
}
RUN = {
    "q1": [("b", 2.0), ("z", 1.5), ("a", 1.0)],  # a at rank 3
    # q2 missing: counts 0
    "q3": [("e", 1.0)],
    "q9": [("a", 1.0)],  # not in the qrels: ignored
}


def test_evaluated_queries_need_a_relevant_document() -> None:
    assert metrics.evaluated_queries(QRELS) == ["q1", "q2"]


def test_mean_over_evaluated_queries_missing_query_counts_zero() -> None:
    assert metrics.mrr_at_k(RUN, QRELS, 10) == pytest.approx((1 / 3 + 0) / 2)
    assert metrics.mrr_at_k(RUN, QRELS, 2) == 0.0
    assert metrics.success_at_k(RUN, QRELS, 10) == pytest.approx(0.5)
    assert metrics.recall_at_k(RUN, QRELS, 100) == pytest.approx(0.5)
    # q1: DCG 1/log2(4) = 0.5, IDCG 1 -> 0.5; q2 (no ranking): 0
    assert metrics.ndcg_at_k(RUN, QRELS, 10) == pytest.approx(0.25)
    # q1: b and a judged, z not: 2/3; q2: no results: 0
    assert metrics.judged_at_k(RUN, QRELS, 10) == pytest.approx(1 / 3)
    assert metrics.per_query(metrics.reciprocal_rank, RUN, QRELS, 10) == pytest.approx(
        {"q1": 1 / 3, "q2": 0.0}
    )


def test_empty_run_and_empty_qrels() -> None:
    assert metrics.mrr_at_k({}, QRELS, 10) == 0.0
    assert metrics.ndcg_at_k({}, QRELS, 10) == 0.0
    assert metrics.mrr_at_k(RUN, {}, 10) == 0.0
    assert metrics.recall_at_k(RUN, {"q3": {"e": 0}}, 100) == 0.0


# -- qrels and runs on disk -----------------------------------------------


def test_parse_qrels_whitespace_comments_and_last_grade_wins() -> None:
    lines = ["q1\t0\ta\t2", "", "# comment", "q1 0 b 0", "q2  0  c  1", "q1 0 a 1"]
    assert metrics.parse_qrels(lines) == {"q1": {"a": 1, "b": 0}, "q2": {"c": 1}}


def test_parse_qrels_rejects_malformed_lines() -> None:
    with pytest.raises(ValueError, match="line 1"):
        metrics.parse_qrels(["q1 0 a"])
    with pytest.raises(ValueError, match="grade"):
        metrics.parse_qrels(["q1 0 a high"])


def test_read_qrels_file(tmp_path: Path) -> None:
    path = tmp_path / "qrels.tsv"
    path.write_text("ki0000\t0\t00238_35408b58bcccb2de\t1\n", encoding="utf-8")
    assert metrics.read_qrels(path) == {"ki0000": {"00238_35408b58bcccb2de": 1}}


def test_write_and_read_trec_run(tmp_path: Path) -> None:
    run = {
        "q2": [("b", 1.5), ("a", 1.5), ("b", 0.1)],  # tie kept, repeated b dropped
        "q1": [(f"d{i}", float(200 - i)) for i in range(150)],
        "q3": [],
    }
    path = tmp_path / "run.trec"
    metrics.write_trec_run(path, run, "my system")
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "q2 Q0 b 1 1.500000 my_system"
    assert lines[1] == "q2 Q0 a 2 1.500000 my_system"
    assert len(lines) == 2 + 100  # top 100 of q1, nothing for q3
    assert lines[-1] == "q1 Q0 d99 100 101.000000 my_system"
    back = metrics.read_run(path)
    assert back["q2"] == [("b", 1.5), ("a", 1.5)]
    assert [d for d, _ in back["q1"]] == [f"d{i}" for i in range(100)]
    assert "q3" not in back


def test_parse_run_orders_by_rank_column() -> None:
    lines = ["q1 Q0 c 3 1.0 t", "q1 Q0 a 1 3.0 t", "q1 Q0 b 2 2.0 t", "q1 Q0 a 4 0.5 t"]
    assert metrics.parse_run(lines) == {"q1": [("a", 3.0), ("b", 2.0), ("c", 1.0)]}
    with pytest.raises(ValueError, match="line 1"):
        metrics.parse_run(["q1 Q0 a"])


# -- query files --------------------------------------------------------------


def test_read_queries_tsv_topics_and_jsonl(tmp_path: Path) -> None:
    tsv = tmp_path / "queries.tsv"
    tsv.write_text('ki1\t"Querdenken" mit Rudolf Steiner\nki2\tA: B\n', encoding="utf-8")
    assert read_queries(tsv) == {"ki1": '"Querdenken" mit Rudolf Steiner', "ki2": "A: B"}
    topics = tmp_path / "topics.tsv"
    topics.write_text("a01\tImpfstoff Zulassung\tZulassung eines Impfstoffs.\n", encoding="utf-8")
    assert read_queries(topics) == {"a01": "Impfstoff Zulassung"}
    jsonl = tmp_path / "queries.jsonl"
    jsonl.write_text(
        '{"query_id": "x1", "text": "Wie viele?", "answers": ["3"]}\n\n'
        '{"query_id": 7, "text": "Wer?"}\n',
        encoding="utf-8",
    )
    assert read_queries(jsonl) == {"x1": "Wie viele?", "7": "Wer?"}
    # the format is decided by content, not by the name
    renamed = tmp_path / "queries.txt"
    renamed.write_text(jsonl.read_text(encoding="utf-8"), encoding="utf-8")
    assert read_queries(renamed) == {"x1": "Wie viele?", "7": "Wer?"}
