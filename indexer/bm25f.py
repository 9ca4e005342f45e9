"""BM25F, the weighting Kavosh ranks by: one pure function over arrays, and
the parameters, so that the scores a build stores (`scored_postings`), the
Whoosh engine's (over its posting lists) and the Typesense engine's
(re-scoring the window of candidates Typesense found, from the statistics
`kavosh index` stores with each collection) give a term in a passage the
same score. It lives in the indexer because the build scores with it, and
the indexer never imports the search core.

It is Whoosh's `BM25F` per field, on Whoosh's quantized field lengths (one
byte per passage and field), with the average over the exact total length,
as `whoosh.scoring` computes it; and the textbook BM25 idf that whole
documents are ranked by (`document_idf`, see `documents`).
"""

from __future__ import annotations

from math import log

import numpy as np

# Passages are short, so length normalization is kept moderate, and lighter
# still in the short metadata fields.
K1 = 1.2
B = 0.75
FIELD_B = {"title": 0.3, "section": 0.3, "speaker": 0.0}


def idf(doc_count: int, doc_frequency: int) -> float:
    """Whoosh's BM25 idf: log(N / (df + 1)) + 1."""
    return log(doc_count / (doc_frequency + 1)) + 1


def document_idf(documents: int, holding: int) -> float:
    """BM25's idf over whole documents: log(1 + (N − n + 0.5) / (n + 0.5))."""
    return log(1 + (documents - holding + 0.5) / (holding + 0.5))


def bm25f(
    tf: np.ndarray,
    lengths: np.ndarray,
    average: float,
    weight: float,
    b: float,
    k1: float = K1,
) -> np.ndarray:
    """idf · tf·(k1+1) / (tf + k1·(1−b+b·len/avglen)) for each passage.

    :param tf: the term's count in each passage.
    :param lengths: each passage's (quantized) length in the field.
    :param average: the field's average length over the collection.
    :param weight: the term's idf in the field (`idf`).
    """
    average = average or 1
    return weight * (tf * (k1 + 1)) / (tf + k1 * ((1 - b) + b * lengths / average))


def field_b(field: str) -> float:
    return FIELD_B.get(field, B)
