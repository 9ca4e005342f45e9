"""The query sets: SciFact's judged claims, and seeded sets for unjudged text.

WikiText and the seeds have no judgments, so their queries are drawn from the
text itself with a fixed seed, and each kind carries what a good answer must
show (`expect`), judged by text so that it works whatever unit an engine
returns (see `relevance`):

- `words`: one to three content words of one paragraph (speed only);
- `phrase`: two or three adjacent words, asked as a phrase; the top result
  must contain them in order;
- `typo`: one content word with one edit; some top-10 result must contain
  the intended word (engines without typo tolerance miss these, by design);
- `known_item`: a 4-8 word span found nowhere else in the corpus; the top
  result must contain it.

Spans use only plain word tokens (letters and digits), never WikiText's
`@-@`, `<unk>` or punctuation tokens, because engines clean those differently.
"""

from __future__ import annotations

import random
import re
from dataclasses import asdict, dataclass
from functools import cached_property

from bench.corpora import Corpus, Unit, scifact_queries, training_claims

SEED = 20240707
# Claims asked in --quick mode (SciFact only).
QUICK_QUERIES = 12
# Distinct queries in the load test's pool (each level takes its own third).
LOAD_QUERIES = 24_000
LOAD_QUICK = 600
# Queries per kind on the unjudged corpora (--quick uses a tenth).
KINDS = {
    "wikitext": {"words": 240, "phrase": 60, "typo": 60, "known_item": 200},
    "seeds": {"words": 24, "phrase": 12, "typo": 12, "known_item": 24},
}

_PLAIN_WORD = re.compile(r"^[A-Za-z0-9]+$")
_LETTERS = re.compile(r"^[A-Za-z]+$")
# Function words; a query made of them says nothing about an engine.
STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been
    before being below between both but by can could did do does doing down during each
    few for from further had has have having he her here hers him his how i if in into is
    it its itself just me more most my no nor not now of off on once only or other our
    out over own same she should so some such than that the their them then there these
    they this those through to too under until up very was we were what when where which
    while who whom why will with would you your one two three first later after however
    unk""".split()
)


@dataclass(frozen=True)
class Query:
    """One query: what the user types, and what a good answer must show.

    :param text: the words typed (for `phrase`, without the quotes: each
        engine writes its own phrase syntax).
    :param expect: the span or word a good answer contains (empty for claims,
        which SciFact's judgments grade, and for `words`).
    """

    id: str
    kind: str
    text: str
    expect: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


def normalize(text: str) -> str:
    """Lower-cased, whitespace collapsed: how spans are compared."""
    return " ".join(text.lower().split())


@dataclass(frozen=True)
class QuerySets:
    """The three sets a run asks, disjoint so that no answer cache can help.

    :param timed: the queries timed and judged, each asked once.
    :param warmup: asked before timing starts, never timed.
    :param load: the load test's pool; each request asks a query not asked
        before, because Kavosh caches answers and Typesense can.
    """

    timed: list[Query]
    warmup: list[Query]
    load: list[Query]

    def to_dict(self) -> dict:
        return {name: [q.to_dict() for q in getattr(self, name)] for name in self.__annotations__}

    @classmethod
    def from_dict(cls, data: dict) -> QuerySets:
        return cls(**{name: [Query(**q) for q in data[name]] for name in cls.__annotations__})


def query_sets(corpus: Corpus, *, quick: bool = False, warmup: int = 20) -> QuerySets:
    """The fixed query sets of `corpus`: the same on every run and machine.

    SciFact's timed set is its 300 judged test claims; its warm-up set is
    other (training) claims. Elsewhere all three sets are drawn from the
    text with one seeded generator.
    """
    drawer = _Drawer(corpus.query_units or corpus.units, SEED)
    load = drawer.draw({"words": LOAD_QUICK if quick else LOAD_QUERIES}, prefix="load-")
    if corpus.name == "scifact":
        claims = list(scifact_queries().items())
        test = [Query(qid, "claim", text) for qid, text in claims]
        others = [Query(qid, "claim", text) for qid, text in training_claims().items()]
        return QuerySets(test[:QUICK_QUERIES] if quick else test, others[:warmup], load)
    # A scaled WikiText-2 (`scaling`) is asked WikiText-2's queries.
    counts = KINDS["wikitext" if corpus.query_units else corpus.name]
    if quick:
        counts = {kind: max(2, count // 10) for kind, count in counts.items()}
    timed = drawer.draw(counts)
    # Mixed, so that a run cut short by its time limit has every kind.
    random.Random(SEED).shuffle(timed)
    warm = drawer.draw({"words": warmup}, prefix="warmup-")
    return QuerySets(timed, warm, load)


class _Drawer:
    """Draws queries from paragraphs with one seeded generator, never one twice."""

    def __init__(self, units: list[Unit], seed: int):
        self.rng = random.Random(seed)
        self.all_units = units
        self.units = [unit for unit in units if len(unit.text.split()) >= 12]
        self.asked: set[str] = set()

    @cached_property
    def haystack(self) -> str:
        return "\n".join(normalize(unit.text) for unit in self.all_units)

    @cached_property
    def vocabulary(self) -> set[str]:
        return set(self.haystack.split())

    def draw(self, counts: dict[str, int], prefix: str = "") -> list[Query]:
        queries: list[Query] = []
        for kind, count in counts.items():
            make = getattr(self, kind)
            drawn: list[Query] = []
            for _attempt in range(count * 50):
                if len(drawn) == count:
                    break
                tokens = self.rng.choice(self.units).text.split()
                made = make(tokens)
                if made and made[0].lower() not in self.asked:
                    self.asked.add(made[0].lower())
                    drawn.append(Query(f"{prefix}{kind}-{len(drawn):03d}", kind, *made))
            queries.extend(drawn)
        return queries

    def words(self, tokens: list[str]) -> tuple[str, str] | None:
        content = [t for i, t in enumerate(tokens) if self._content(tokens, i)]
        if not content:
            return None
        picked = sorted(self.rng.sample(range(len(content)), min(len(content), _n(self.rng))))
        return " ".join(content[i] for i in picked), ""

    def phrase(self, tokens: list[str]) -> tuple[str, str] | None:
        length = self.rng.choice((2, 3))
        span = self._span(tokens, length)
        if not span or not (self._content(span, 0) and self._content(span, len(span) - 1)):
            return None
        text = " ".join(span)
        return text, text

    def typo(self, tokens: list[str]) -> tuple[str, str] | None:
        words = [t for i, t in enumerate(tokens) if self._content(tokens, i) and len(t) >= 6]
        if not words:
            return None
        word = self.rng.choice(words)
        misspelt = _edit(word, self.rng)
        if misspelt.lower() in self.vocabulary:
            return None
        return misspelt, word

    def known_item(self, tokens: list[str]) -> tuple[str, str] | None:
        span = self._span(tokens, self.rng.randint(4, 8))
        if not span or sum(self._content(span, i) for i in range(len(span))) < 2:
            return None
        text = " ".join(span)
        if self.haystack.count(normalize(text)) != 1:
            return None
        return text, text

    def _span(self, tokens: list[str], length: int) -> list[str] | None:
        """A random run of `length` plain words, clear of `@-@` joins."""
        starts = [
            i
            for i in range(len(tokens) - length + 1)
            if all(_PLAIN_WORD.match(t) for t in tokens[i : i + length])
            and not _joined(tokens, i)
            and not _joined(tokens, i + length - 1)
        ]
        if not starts:
            return None
        start = self.rng.choice(starts)
        return tokens[start : start + length]

    @staticmethod
    def _content(tokens: list[str], i: int) -> bool:
        token = tokens[i]
        return (
            bool(_LETTERS.match(token))
            and len(token) >= 3
            and token.lower() not in STOPWORDS
            and not _joined(tokens, i)
        )


def _joined(tokens: list[str], i: int) -> bool:
    """True when WikiText glues token i to a neighbour (`two @-@ part`)."""
    before = tokens[i - 1] if i > 0 else ""
    after = tokens[i + 1] if i + 1 < len(tokens) else ""
    return any(t.startswith("@") and t.endswith("@") and len(t) == 3 for t in (before, after))


def _n(rng: random.Random) -> int:
    """One, two or three words, two the most common, as people type."""
    return rng.choices((1, 2, 3), weights=(3, 4, 3))[0]


def _edit(word: str, rng: random.Random) -> str:
    """One deletion, insertion, substitution or transposition, never the first letter."""
    i = rng.randrange(1, len(word) - 1)
    letter = rng.choice("abcdefghijklmnopqrstuvwxyz")
    operation = rng.choice(("delete", "insert", "substitute", "transpose"))
    if operation == "delete":
        return word[:i] + word[i + 1 :]
    if operation == "insert":
        return word[:i] + letter + word[i:]
    if operation == "substitute":
        letter = letter if letter != word[i] else ("e" if word[i] != "e" else "a")
        return word[:i] + letter + word[i + 1 :]
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
