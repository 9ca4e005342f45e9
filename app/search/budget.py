"""What one query may spend: a deadline, and caps on the postings and
positions it may read.

A query within the request limits can still ask for a great deal: a
phrase of function words repeated 64 times, 64 phrases of frequent words,
64 two-letter prefixes each expanding to dozens of words. The evaluator
charges every posting list and every block of positions it reads to the
query's `Budget`, and asks it between steps whether time is left. Once
any part runs out the budget is *spent*: what has been computed stands,
whatever has not is taken as matching nothing, and the answer is marked
partial, as Elasticsearch answers `timed_out` with the hits found so far.

The caps are far above what an ordinary query reads (the bench's WikiText-2
mix reads at most a few hundred thousand postings), so they only ever stop
the costly shapes, and they stop those on any machine, however fast.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

# Default time a query may take (the `QUERY_BUDGET_MS` setting).
DEFAULT_BUDGET_MS = 500
# Postings (one passage of one term's posting list) a query may read.
MAX_POSTINGS = 4_000_000
# Word positions a query's phrases may read.
MAX_POSITIONS = 10_000_000


@dataclass
class Budget:
    """The deadline and the caps of one query, and whether it ran out.

    :param deadline: a `time.perf_counter()` value, or None for no deadline.
    """

    deadline: float | None = None
    postings: int = MAX_POSTINGS
    positions: int = MAX_POSITIONS
    spent: bool = False
    cut: bool = False  # some work was left out on purpose (a capped phrase)

    @property
    def partial(self) -> bool:
        """The answer may miss passages: time or a cap ran out, or a phrase was cut."""
        return self.spent or self.cut

    @classmethod
    def from_now(cls, milliseconds: float | None) -> Budget:
        """A budget of `milliseconds` from now (None or 0: no deadline)."""
        if not milliseconds:
            return cls()
        return cls(deadline=time.perf_counter() + milliseconds / 1000)

    def exhausted(self) -> bool:
        """True once time or a cap has run out (and from then on)."""
        if not self.spent and self.deadline is not None and time.perf_counter() > self.deadline:
            self.spent = True
        return self.spent

    def charge_postings(self, count: int) -> bool:
        """Spend `count` postings; False (and spent) if they were not left."""
        self.spend_postings(count)
        return not self.exhausted()

    def spend_postings(self, count: int) -> None:
        """`charge_postings` without looking at the clock: for a caller that
        looks before each read anyway."""
        self.postings -= count
        if self.postings < 0:
            self.spent = True

    def charge_positions(self, count: int) -> bool:
        """Spend `count` positions; False (and spent) if they were not left."""
        self.positions -= count
        if self.positions < 0:
            self.spent = True
        return not self.exhausted()
