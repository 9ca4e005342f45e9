"""The two parts of NLTK Kavosh uses, Punkt and Snowball, imported without SciPy.

Importing any NLTK module first runs `nltk/__init__`, which imports the
whole toolkit, and NLTK's metrics then import `scipy.stats` if SciPy is
installed: 2 of a build's seconds and 95 MB in every process. SciPy is
optional to NLTK (each of its few uses falls back when it is missing), and
Kavosh does not depend on it; only the benchmark's extras install it. So
NLTK is imported with SciPy hidden, as on an install without it, and SciPy
can be imported normally afterwards. Punkt and Snowball never touch it.
"""

from __future__ import annotations

import sys


def _import_nltk_without_scipy() -> None:
    if "nltk" in sys.modules or "scipy" in sys.modules:
        return  # already imported: nothing left to save
    sys.modules["scipy"] = None  # an import of scipy raises ImportError
    try:
        import nltk  # noqa: F401
    finally:
        if "scipy" in sys.modules and sys.modules["scipy"] is None:
            del sys.modules["scipy"]


_import_nltk_without_scipy()

from nltk.stem.snowball import SnowballStemmer  # noqa: E402
from nltk.tokenize.punkt import (  # noqa: E402
    PunktParameters,
    PunktSentenceTokenizer,
    PunktTrainer,
)

__all__ = ["PunktParameters", "PunktSentenceTokenizer", "PunktTrainer", "SnowballStemmer"]
