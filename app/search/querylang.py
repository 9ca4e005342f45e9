"""The query language, parsed into a flat list of `Clause`s.

    plain words          ranked: passages with all of them first
    "exact phrase"       the words in this order
    +word  -word         must appear / must not appear (`-` only before a letter or
                         a quote: `--save-dev`, `e-mail` and `-1` are searched as typed)
    a AND b, a OR b      AND makes both required; OR is the default
    NOT word             same as -word
    source:FILE  section:NAME  speaker:NAME  title:WORDS   filters (quote values with spaces)
    hekm*                words starting with "hekm"
    word~1  word~2       explicit typo tolerance

The parser never fails: what it cannot read as syntax it reads as words
(an unbalanced quote runs to the end, brackets are ignored, `^` boosts and
leading wildcards are dropped). Limits are checked by the caller.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

MAX_FUZZINESS = 2

_TOKEN = re.compile(
    r"""
    (?P<sign>\+|-(?=[^\W\d_]|"))?  # `-` negates only a word (a letter) or a phrase
    (?:(?P<field>source|section|speaker|title):)?
    (?:
        "(?P<phrase>[^"]*)"?
      | (?P<word>[^\s"]+)
    )
    """,
    re.X | re.I,
)
_FUZZY = re.compile(r"~(\d*)$")
_WILDCARDS = re.compile(r"[*?]")


@dataclass(frozen=True)
class Clause:
    """One unit of a query: a word or a phrase, where and how it must occur."""

    text: str
    phrase: bool = False
    occur: str = "should"  # should | must | must_not
    field: str | None = None
    prefix: bool = False
    fuzzy: int | None = None

    @property
    def plain(self) -> bool:
        """A plain word or words: no field, phrase, prefix or typo budget."""
        return not (self.field or self.phrase or self.prefix or self.fuzzy is not None)


def same_source(path: str, value: str) -> bool:
    """`source:` matches a path, its file name, or its end (`notes/a.md`)."""
    return path == value or path.rsplit("/", 1)[-1] == value or path.endswith("/" + value)


def parse(query: str) -> list[Clause]:
    """Read `query` as the language above; see the module docstring."""
    clauses: list[Clause] = []
    pending_and = pending_not = False
    cleaned = query.replace("(", " ").replace(")", " ").replace("\x00", " ")
    for match in _TOKEN.finditer(cleaned):
        sign, field, phrase, word = match.group("sign", "field", "phrase", "word")
        if word in ("AND", "OR", "NOT") and not sign and not field:
            if word == "AND" and clauses:
                pending_and = True
                clauses[-1] = _required(clauses[-1])
            pending_not = word == "NOT"
            continue
        clause = _clause(sign, field, phrase, word)
        if clause is None:
            continue
        if pending_not:
            clause = replace(clause, occur="must_not")
        elif pending_and:
            clause = _required(clause)
        pending_and = pending_not = False
        clauses.append(clause)
    return clauses


def cut(clauses: list[Clause], limit: int) -> tuple[list[Clause], int]:
    """The clauses that hold the first `limit` terms (a phrase counts its
    words, and one straddling the limit is shortened), and how many terms
    were left out."""
    kept: list[Clause] = []
    room = limit
    dropped = 0
    for clause in clauses:
        size = len(clause.text.split()) if clause.phrase and not clause.field else 1
        if room <= 0:
            dropped += size
        elif size > room:
            kept.append(replace(clause, text=" ".join(clause.text.split()[:room])))
            dropped += size - room
            room = 0
        else:
            kept.append(clause)
            room -= size
    return kept, dropped


def shown(clause: Clause) -> str:
    """A clause as the reader would type it (without its sign), for notes."""
    text = f'"{clause.text}"' if clause.phrase else clause.text
    return f"{clause.field}:{text}" if clause.field else text


def _clause(sign, field, phrase, word) -> Clause | None:
    occur = {"+": "must", "-": "must_not"}.get(sign or "", "should")
    field = field.lower() if field else None
    if field and occur == "should":
        occur = "must"  # a field term filters
    if phrase is not None:
        text = phrase.strip()
        return Clause(text, phrase=True, occur=occur, field=field) if text else None
    text = word.split("^", 1)[0]  # boosts are not part of the language
    fuzzy = None
    fuzzy_match = _FUZZY.search(text)
    if fuzzy_match:
        fuzzy = min(int(fuzzy_match.group(1) or 1), MAX_FUZZINESS)
        text = text[: fuzzy_match.start()]
    prefix = text.endswith("*") and len(_WILDCARDS.sub("", text)) >= 2 and not field
    text = text if field else _WILDCARDS.sub("", text)
    text = text.strip("~^")
    if not any(c.isalnum() for c in text):
        return None
    return Clause(text, occur=occur, field=field, prefix=prefix, fuzzy=fuzzy)


def _required(clause: Clause) -> Clause:
    return replace(clause, occur="must") if clause.occur == "should" else clause
