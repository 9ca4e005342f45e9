"""The excerpt's pure parts, with exact strings: where sentences start,
whether an excerpt ends one, the window (against the exhaustive scoring it
shortcuts) and escaping that leaves only our `<mark>` as markup."""

from __future__ import annotations

import random
import re
from bisect import bisect_left, bisect_right

import pytest

from app.search.highlight import EXCERPT_CHARS, _window, ends_sentence, excerpt_of_spans
from app.search.highlight import sentence_bounds as bounds_of
from indexer.analysis import WORD_PATTERN


class TestSentenceBounds:
    def test_each_sentence_starts_after_its_predecessor_s_end_and_space(self):
        text = 'He left. "Why?" she asked!  Then… silence'
        assert bounds_of(text) == [0, 9, 16, 28, 34, len(text)]

    def test_a_text_ending_a_sentence_has_no_empty_last_sentence(self):
        assert bounds_of("One. Two. ") == [0, 5, 10]

    def test_a_text_without_a_sentence_end_is_one_sentence(self):
        assert bounds_of("no end here") == [0, 11]

    def test_through_stops_at_the_sentence_after_the_one_holding_it(self):
        text = "A a. B b. C c. D d. E e."
        assert bounds_of(text) == [0, 5, 10, 15, 20, 24]
        assert bounds_of(text, through=6) == [0, 5, 10, 15]
        assert bounds_of(text, through=17) == [0, 5, 10, 15, 20, 24]


@pytest.mark.parametrize(
    ("html", "ends"),
    [
        ("It rained.", True),
        ("It rained?&quot;", True),
        ("he said “no.”)", True),
        ("the <mark>end.</mark>", True),
        ("the <mark>end</mark>.&#x27;", True),
        ("it went on", False),
        ("a &amp;", False),
        ("closing&quot;", False),
        ("", False),
    ],
)
def test_ends_sentence(html, ends):
    assert ends_sentence(html) is ends


def _exhaustive_window(text, spans, limit):
    """Every run of one or two sentences scored (what `_window` shortcuts)."""
    if len(text) <= limit + 40:
        return 0, len(text)
    bounds = [0] + [m.end() for m in re.finditer(r"[.!?…][\"'”’)\]]*\s+", text)]
    bounds = sorted(set(bounds + [len(text)]))
    sentences = list(zip(bounds, bounds[1:], strict=False))
    best, best_score = (0, min(len(text), limit)), -1.0
    starts, ends = [s for s, _ in spans], [e for _, e in spans]
    words = [text[s:e].casefold() for s, e in spans]
    for i in range(len(sentences)):
        for j in (i, i + 1):
            if j >= len(sentences):
                continue
            a, b = sentences[i][0], sentences[j][1]
            if b - a > limit * 1.3 and j > i:
                continue
            first, last = bisect_left(starts, a), bisect_right(ends, b)
            score = len(set(words[first:last])) + 0.1 * max(0, last - first) - 0.001 * i
            if score > best_score:
                best, best_score = (a, b), score
    a, b = best
    if b - a > limit * 1.3:
        first = next((s for s, e in spans if a <= s < b), a)
        a = max(a, first - limit // 3)
        b = min(b, a + limit)
    return a, b


def test_the_window_is_the_best_run_of_sentences_an_exhaustive_scoring_finds():
    chosen = random.Random(7)
    vocabulary = "war peace Iran party the of. film? album! song… “quote.” (aside.) end".split()
    compared = 0
    for _ in range(400):
        length = chosen.randrange(20, 160)
        text = " ".join(chosen.choice(vocabulary) for _ in range(length))
        words = [m.span() for m in WORD_PATTERN.finditer(text)]
        spans = sorted(chosen.sample(words, min(len(words), chosen.randrange(0, 12))))
        for limit in (EXCERPT_CHARS, 60):
            assert _window(text, spans, limit) == _exhaustive_window(text, spans, limit)
            compared += 1
    assert compared == 800


def test_only_our_mark_is_markup_in_an_excerpt():
    text = "A <b>bold</b> & \"quoted\" 'word' here. " * 12 + "The \x00odd\x01 one."
    spans = [m.span() for m in WORD_PATTERN.finditer(text) if m.group() in ("bold", "odd")]
    html = excerpt_of_spans(text, spans)
    assert "<b>" not in html and "&lt;b&gt;<mark>bold</mark>&lt;/b&gt;" in html
    assert "&amp; &quot;quoted&quot; &#x27;word&#x27;" in html
    short = excerpt_of_spans("x <mark>y</mark> \x00z\x01", [(18, 19)])
    assert short == "x &lt;mark&gt;y&lt;/mark&gt; \x00<mark>z</mark>\x01"
