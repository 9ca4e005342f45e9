"""Choosing the most frequent facet values (`facets._most_frequent`) without
sorting them all: the same values, in the same order, as a full sort."""

import numpy as np
import pytest

from app.search.facets import _counts, _most_frequent


@pytest.mark.parametrize("limit", [0, 1, 3, 20, 500])
def test_the_most_frequent_values_come_first_ties_alphabetical(limit):
    generator = np.random.default_rng(limit)
    size = 300
    counts = generator.integers(1, 6, size=200)  # many ties
    ranks = generator.permutation(size)[:200]
    expected = np.lexsort((ranks, -counts))[:limit]
    assert _most_frequent(counts, ranks, size, limit).tolist() == expected.tolist()


def test_counts_by_passage_and_by_document():
    codes = np.array([2, 2, 5, 2, 0])
    present, counts = _counts(codes, None, 6)
    assert (present.tolist(), counts.tolist()) == ([0, 2, 5], [1, 3, 1])
    owners = np.array([7, 7, 7, 8, 8])  # two passages of document 7 share code 2
    present, counts = _counts(codes, owners, 6)
    assert (present.tolist(), counts.tolist()) == ([0, 2, 5], [1, 2, 1])
    many = np.arange(1_000) % 3  # enough codes to count densely
    assert _counts(many, None, 3)[1].tolist() == [334, 333, 333]
