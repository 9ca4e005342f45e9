"""A deletion index over a generation's word forms (SymSpell's symmetric
deletes), so that finding a typo's neighbours is a look-up, not a scan.

Two words within `k` edits (optimal string alignment: substitutions,
insertions, deletions and adjacent transpositions) always share a string
each reaches by deleting at most `k` of its letters. So the build lists,
for every form, the strings it reaches with up to `MAX_EDITS` deletions, and
a query lists its own: the forms under the query's strings are the only ones
that can be near, and the search core measures just those.

The strings themselves would take hundreds of megabytes; the index keeps a
32-bit hash of each instead (a polynomial over the code points, computed for
a whole bucket of equally long forms at once with NumPy), beside the number
of the form it came from. A collision only adds a candidate that the exact
distance then rejects. Written when a generation is built, beside
`vocabulary.json`:

    typos-1.npy     uint32 (2, n): hashes of each form and its 1-deletions,
                    sorted, over the numbers of their forms
    typos-2.npy     the same for 2-deletions
    typos-meta.json the format, and the count and CRC of the forms it numbers

Forms are numbered in the order of the vocabulary's mapping, the order
`vocabulary.json` keeps. A generation built without these files is served
by a scan instead (see `app.search.vocabulary`).
"""

from __future__ import annotations

import json
import zlib
from itertools import combinations
from pathlib import Path

import numpy as np

MAX_EDITS = 2
META = "typos-meta.json"
FORMAT = 1
_BASE = 0x9E3779B97F4A7C15  # odd, so it has an inverse modulo 2**64
_INVERSE = pow(_BASE, -1, 1 << 64)
_MIXER = 0xBF58476D1CE4E5B9
_MIX = np.uint64(_MIXER)
_WORD = (1 << 64) - 1
_POWERS = [pow(_BASE, i, 1 << 64) for i in range(64)]
_INVERSES = [pow(_INVERSE, i, 1 << 64) for i in range(MAX_EDITS + 1)]


def table_name(edits: int) -> str:
    return f"typos-{edits}.npy"


def forms_checksum(forms) -> int:
    return zlib.crc32("\n".join(forms).encode("utf-8"))


def deletion_hashes(forms: list[str], edits: int) -> np.ndarray:
    """The hashes of the strings each of `forms` (all of one length) reaches
    by deleting exactly `edits` letters (0 gives the forms' own), shape
    (len(forms), ways)."""
    length = len(forms[0]) if forms else 0
    if edits > length:
        return np.zeros((len(forms), 0), dtype=np.uint32)
    points = np.frombuffer("".join(forms).encode("utf-32-le"), dtype=np.uint32)
    points = points.reshape(len(forms), length).astype(np.uint64)
    powers = np.array([pow(_BASE, i, 1 << 64) for i in range(length)], dtype=np.uint64)
    sums = np.zeros((len(forms), length + 1), dtype=np.uint64)
    np.cumsum(points * powers, axis=1, out=sums[:, 1:])
    cuts = np.array(list(combinations(range(length), edits)), dtype=np.int64)
    # Letters after the i-th deleted one move i places down: scale by BASE**-i.
    bounds = np.concatenate(
        [np.zeros((len(cuts), 1), np.int64), cuts + 1, np.full((len(cuts), 1), length + 1)], axis=1
    )
    total = np.zeros((len(forms), len(cuts)), dtype=np.uint64)
    for shift in range(edits + 1):
        part = sums[:, bounds[:, shift + 1] - 1] - sums[:, bounds[:, shift]]
        total += part * np.uint64(pow(_INVERSE, shift, 1 << 64))
    total += np.uint64(length - edits)  # strings of other lengths rarely share a hash
    return ((total * _MIX) >> np.uint64(32)).astype(np.uint32)


def query_hashes(form: str, max_edits: int) -> np.ndarray:
    """The distinct hashes of the strings `form` reaches by up to `max_edits`
    (at most 2) deletions: `deletion_hashes` in plain Python, which for one
    short word is several times faster than NumPy's set-up."""
    length = len(form)
    powers = _POWERS if length <= len(_POWERS) else [pow(_BASE, i, 1 << 64) for i in range(length)]
    sums = [0]
    for position, letter in enumerate(form):
        sums.append((sums[-1] + ord(letter) * powers[position]) & _WORD)
    whole, once, twice = sums[length], _INVERSES[1], _INVERSES[2]
    found = [whole + length]
    if max_edits >= 1:
        shorter = length - 1
        found += [sums[j] + (whole - sums[j + 1]) * once + shorter for j in range(length)]
    if max_edits >= 2:
        shorter = length - 2
        found += [
            sums[i] + (sums[j] - sums[i + 1]) * once + (whole - sums[j + 1]) * twice + shorter
            for i in range(length)
            for j in range(i + 1, length)
        ]
    hashes = {((total & _WORD) * _MIXER & _WORD) >> 32 for total in found}
    return np.array(sorted(hashes), dtype=np.uint32)


def deletion_tables(forms: list[str]) -> list[np.ndarray]:
    """For 1 and 2 deletions, the uint32 (2, n) table of hashes over form numbers."""
    by_length: dict[int, list[int]] = {}
    for number, form in enumerate(forms):
        by_length.setdefault(len(form), []).append(number)
    tables = []
    for edits in range(1, MAX_EDITS + 1):
        pairs = [np.zeros(0, np.uint64)]
        for numbers in by_length.values():
            bucket = [forms[n] for n in numbers]
            ids = np.array(numbers, dtype=np.uint64)[:, None]
            for depth in (0, 1) if edits == 1 else (edits,):
                hashes = deletion_hashes(bucket, depth).astype(np.uint64)
                pairs.append(((hashes << np.uint64(32)) | ids).ravel())
        keyed = np.sort(np.concatenate(pairs))
        once = np.ones(len(keyed), dtype=bool)
        once[1:] = keyed[1:] != keyed[:-1]  # a form reaching a string twice lists it once
        keyed = keyed[once]
        tables.append(np.stack([keyed >> np.uint64(32), keyed & np.uint64(0xFFFFFFFF)]))
    return [table.astype(np.uint32) for table in tables]


def write_typo_index(folder: Path, vocabulary: dict) -> None:
    """Write the tables above for the forms of `vocabulary`, in its order."""
    forms = list(vocabulary)
    for edits, table in enumerate(deletion_tables(forms), start=1):
        np.save(folder / table_name(edits), table)
    meta = {"format": FORMAT, "max_edits": MAX_EDITS, "forms": len(forms)}
    meta["forms_crc32"] = forms_checksum(forms)
    (folder / META).write_text(json.dumps(meta), "utf-8")


class DeletionIndex:
    """The tables of one generation, read whole (never memory-mapped: a file
    truncated while served must raise, not crash the worker)."""

    def __init__(self, tables: list[np.ndarray]):
        # tables[e - 1]: (hashes, form numbers) of e deletions, each contiguous
        self.tables = [(np.ascontiguousarray(t[0]), np.ascontiguousarray(t[1])) for t in tables]

    @classmethod
    def open(cls, folder: Path, forms) -> DeletionIndex | None:
        """The index in `folder`, or None for a generation built without one.

        :raises ValueError: its files do not number these `forms`.
        """
        try:
            meta = json.loads((Path(folder) / META).read_text("utf-8"))
        except FileNotFoundError:
            return None
        if meta.get("format") != FORMAT:
            return None
        if meta["forms"] != len(forms) or meta["forms_crc32"] != forms_checksum(forms):
            raise ValueError(f"{META} does not match the vocabulary it indexes")
        return cls([np.load(Path(folder) / table_name(e)) for e in range(1, meta["max_edits"] + 1)])

    @classmethod
    def of(cls, forms) -> DeletionIndex:
        """An index built in memory (for a vocabulary no generation folder holds)."""
        return cls(deletion_tables(list(forms)))

    @property
    def max_edits(self) -> int:
        return len(self.tables)

    def candidates(self, form: str, max_edits: int) -> np.ndarray:
        """Numbers of the forms that may be within `max_edits` of `form`
        (all that are, and a few that are not), ascending."""
        wanted = query_hashes(form, max_edits)
        found = []
        for keys, numbers in self.tables[:max_edits]:
            starts = keys.searchsorted(wanted, "left")
            counts = keys.searchsorted(wanted, "right") - starts
            # The postings of every hash found, side by side: start + 0, 1, ...
            ends = np.cumsum(counts)
            found.append(numbers[np.arange(ends[-1]) + np.repeat(starts - ends + counts, counts)])
        return np.unique(np.concatenate(found))
