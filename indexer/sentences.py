"""Sentence boundaries, from NLTK's Punkt trained on the corpus itself.

Punkt is unsupervised: it learns abbreviations and collocations from the text
it will split, so no model is downloaded (NLTK's downloader is never used:
Kavosh must work offline). A short list of common abbreviations, kept in
`data/abbreviations.txt`, covers what a small corpus cannot teach it.
"""

from __future__ import annotations

from importlib import resources

from indexer.nltk_parts import PunktParameters, PunktSentenceTokenizer, PunktTrainer

# Contexts whose verdict is remembered (see `_RememberingTokenizer`); past it
# the memory is cleared.
CONTEXTS_KEPT = 200_000

# Training on more text than this adds time, not accuracy: Punkt's statistics
# (abbreviations, collocations, frequent sentence starters) settle within a few
# hundred thousand characters, and training is the slowest step of a build.
TRAINING_CHARS = 400_000


def _abbreviations() -> set[str]:
    text = resources.files("indexer").joinpath("data/abbreviations.txt").read_text("utf-8")
    return {line.strip() for line in text.splitlines() if line.strip() and line[0] != "#"}


class SentenceSplitter:
    """Finds sentence spans in text, with parameters learnt from a corpus."""

    def __init__(self, training_text: str = ""):
        if training_text.strip():
            trainer = PunktTrainer()
            trainer.train(training_text[:TRAINING_CHARS], finalize=False, verbose=False)
            parameters = trainer.get_params()
        else:
            parameters = PunktParameters()
        parameters.abbrev_types.update(_abbreviations())
        self._tokenizer = _RememberingTokenizer(parameters)

    def spans(self, text: str) -> list[tuple[int, int]]:
        """(start, end) of each sentence in `text`, end exclusive.

        A sentence never starts with WikiText's `@` joiners: Punkt reads the
        dot of `6 @.@ 4` as a full stop, and such a cut is mended here.
        """
        spans: list[tuple[int, int]] = []
        for start, end in self._tokenizer.span_tokenize(text):
            if spans and text.startswith("@", start):
                spans[-1] = (spans[-1][0], end)
            else:
                spans.append((start, end))
        return spans


class _RememberingTokenizer(PunktSentenceTokenizer):
    """Punkt with each candidate break judged once per distinct context.

    Punkt decides every candidate full stop from its context alone (the
    word before it, the stop and the next word: "Dr. Watson", "1 @.@ 5")
    and its fixed parameters, building token objects and annotating them
    each time; a corpus repeats its contexts, so the verdicts are kept.
    The spans are Punkt's own.
    """

    def __init__(self, parameters: PunktParameters):
        super().__init__(parameters)
        self._verdicts: dict[str, bool] = {}

    def text_contains_sentbreak(self, text: str) -> bool:
        verdict = self._verdicts.get(text)
        if verdict is None:
            if len(self._verdicts) >= CONTEXTS_KEPT:
                self._verdicts.clear()
            verdict = self._verdicts[text] = super().text_contains_sentbreak(text)
        return verdict
