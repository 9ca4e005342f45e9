"""The sparse sets the evaluator combines (`app.search.sparse`), against
the dense arrays they replaced: the same passages, the same floats."""

import numpy as np
import pytest

from app.search.sparse import Matches, intersect, locate, nothing, summed, union, without

SIZE = 1_000


def _postings(generator, count):
    ids = np.sort(generator.choice(SIZE, size=count, replace=False))
    return ids.astype(np.int32), generator.random(count) * 7


def _dense_sum(parts):
    mask, scores = np.zeros(SIZE, dtype=bool), np.zeros(SIZE)
    for ids, weights in parts:
        scores[ids] += weights
        mask[ids] = True
    return np.flatnonzero(mask), scores[mask]


@pytest.mark.parametrize("counts", [(3, 5), (40, 2, 17), (400, 300, 200, 100), (900,)])
def test_a_sum_holds_every_passage_with_the_dense_sum_to_the_last_bit(counts):
    generator = np.random.default_rng(sum(counts))
    parts = [_postings(generator, count) for count in counts]
    found = summed(parts, SIZE)
    ids, scores = _dense_sum(parts)
    assert found.ids.tolist() == ids.tolist()
    assert found.scores.tolist() == scores.tolist()  # equal floats, not close ones


def test_a_sum_of_nothing_is_nothing():
    assert len(summed([], SIZE)) == 0
    assert len(summed([(np.zeros(0, dtype=np.int32), np.zeros(0))], SIZE)) == 0


def test_scores_at_passages_are_zero_where_not_matched():
    matches = Matches(np.array([2, 5, 9]), np.array([1.5, 2.5, 3.5]))
    present, scores = matches.at(np.array([1, 2, 9, 10]))
    assert present.tolist() == [False, True, True, False]
    assert scores.tolist() == [0.0, 1.5, 3.5, 0.0]
    assert nothing().at(np.array([1]))[0].tolist() == [False]
    assert np.flatnonzero(matches.mask(12)).tolist() == [2, 5, 9]


def test_set_operations_on_ascending_numbers():
    first, second = np.array([1, 3, 5, 7]), np.array([3, 4, 5, 8, 9])
    assert intersect(first, second).tolist() == [3, 5]
    assert intersect(first, np.zeros(0, dtype=np.int64)).tolist() == []
    assert without(first, second).tolist() == [1, 7]
    assert without(first, np.zeros(0, dtype=np.int64)).tolist() == [1, 3, 5, 7]
    assert union([first, second, np.zeros(0, dtype=np.int64)]).tolist() == [1, 3, 4, 5, 7, 8, 9]
    present, where = locate(second, first)
    assert present.tolist() == [False, True, True, False]
    assert where[present].tolist() == [0, 2]
