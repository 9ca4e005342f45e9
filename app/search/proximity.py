"""Ranking bonuses for where a query's words stand: together in the
passage (phrases with slop, in the reader's order) or in its section heading.
They join a query's ranked part (`compiler`), never decide what matches."""

from __future__ import annotations

from whoosh.query import And, Phrase, Term

from app.search.stopwords import STOPWORDS
from indexer.analysis import compound_forms, fold, stem

PHRASE_WEIGHT = 1.0
SEQUENCE_WEIGHT = 2.0
BIGRAM_WEIGHT = 0.3
HEADING_WEIGHT = 2.0
# Queries of up to this many content words get the pair and heading bonuses
# (and are ranked in tiers, see `compiler`).
ALL_WORDS_LIMIT = 4


def proximity_bonus(sequence: list[str]) -> list:
    """Bonuses for query words that stand together in the passage.

    - every word in the reader's order, function words included, one gap
      allowed: a remembered sentence or title ("the lighthouse at the end
      of the pier") finds its passage first;
    - the content words within a few positions of each other;
    - for short queries, each adjacent pair of content words. Long,
      natural-language queries skip the pairs: on SciFact they cost
      twice the time and 0.003 nDCG@10.

    A bonus for a content word beside the function word typed with it
    ("nominated themselves") was tried and cost SciFact 0.002-0.003."""
    content = [w for w in sequence if w not in STOPWORDS]
    bonus = []
    if len(sequence) >= 3 and len(sequence) > len(content):
        ordered = [stem(fold(w)) for w in sequence]
        bonus.append(Phrase("text", ordered, slop=1, boost=SEQUENCE_WEIGHT))
    if len(content) < 2:
        return bonus
    stems = [stem(fold(w)) for w in content]
    bonus.append(Phrase("text", stems, slop=2, boost=PHRASE_WEIGHT))
    if 3 <= len(stems) <= ALL_WORDS_LIMIT:
        bonus += [
            Phrase("text", [a, b], slop=3, boost=BIGRAM_WEIGHT)
            for a, b in zip(stems, stems[1:], strict=False)
        ]
    return bonus


def heading_bonus(content: list[str]) -> list:
    """A bonus for passages whose section heading holds every content word."""
    stems = [stem(form) for word in content for form in compound_forms(word)[0][:1]]
    if not stems or len(stems) > ALL_WORDS_LIMIT:
        return []
    return [And([Term("section", s) for s in stems], boost=HEADING_WEIGHT)]


def in_sequence(positions: list[list[int]], slop: int) -> bool:
    """True if one position from each list follows the previous by 1..slop:
    a phrase with `slop`, as Whoosh matches it (each list: one word's positions)."""
    reachable = set(positions[0])
    for following in positions[1:]:
        reachable = {p for p in following if any(p - k in reachable for k in range(1, slop + 1))}
        if not reachable:
            return False
    return bool(reachable)
