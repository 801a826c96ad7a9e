"""Second-phase ranking signals, checked against direct counting."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from search import ranking
from search.fastpath import SHIFT


def _share_by_counting(
    wanted: list[int], positions: list[dict[int, list[int]]], weights: list[float], size: int
) -> list[float]:
    """For each document, try every window of ``size`` positions ending at an occurrence."""
    out = []
    total = sum(weights)
    for doc in wanted:
        best = 0.0
        ends = {p for term in positions for p in term.get(doc, [])}
        for end in ends:
            held = sum(
                w
                for term, w in zip(positions, weights, strict=True)
                if any(end - size < p <= end for p in term.get(doc, []))
            )
            best = max(best, held)
        out.append(best / total)
    return out


def _keys(term: dict[int, list[int]]) -> np.ndarray:
    keys = [(doc << SHIFT) | p for doc, ps in term.items() for p in ps]
    return np.unique(np.asarray(keys, dtype=np.int64))


def test_window_share_of_a_known_passage() -> None:
    # document 3: a at 0, b at 40, c at 45 (b and c within 32, a apart);
    # document 7: all three within 10 positions
    terms = [{3: [0], 7: [100]}, {3: [40], 7: [105]}, {3: [45], 7: [109]}]
    weights = [1.0, 2.0, 1.0]
    wanted = np.asarray([3, 5, 7], dtype=np.int64)
    share = ranking.window_share(wanted, [_keys(t) for t in terms], weights)
    assert share.tolist() == [0.75, 0.0, 1.0]


def test_window_share_at_the_windows_edge() -> None:
    # WINDOW_SIZE positions hold a and b 31 apart (document 0), not 32 apart (1)
    edge = ranking.WINDOW_SIZE - 1
    terms = [{0: [10], 1: [10]}, {0: [10 + edge], 1: [11 + edge]}]
    wanted = np.asarray([0, 1], dtype=np.int64)
    share = ranking.window_share(wanted, [_keys(t) for t in terms], [1.0, 3.0])
    assert share.tolist() == [1.0, 0.75]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.dictionaries(
            st.integers(0, 4), st.lists(st.integers(0, 120), min_size=1, max_size=6), max_size=4
        ),
        min_size=1,
        max_size=4,
    ),
    st.lists(st.floats(0.1, 5.0), min_size=4, max_size=4),
)
def test_window_share_equals_counting(
    terms: list[dict[int, list[int]]], weights: list[float]
) -> None:
    weights = weights[: len(terms)]
    wanted = list(range(5))
    share = ranking.window_share(
        np.asarray(wanted, dtype=np.int64), [_keys(t) for t in terms], weights
    )
    expected = _share_by_counting(wanted, terms, weights, ranking.WINDOW_SIZE)
    assert np.allclose(share, expected)
