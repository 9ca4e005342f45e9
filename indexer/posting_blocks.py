"""Whoosh 3 posting blocks, written with their compression done in batches,
in the analysis process when it is free.

Writing the segment is the one part of a build that nothing runs beside:
the analysis process has finished by then, and a third of the time went
to pickling and compressing the blocks (`W3PostingsWriter._write_block`:
`pickle.dumps` and `zlib.compress`, a call per block). `BlockWriter`
writes the same bytes as `W3FieldWriter` and `W3PostingsWriter` would
(the postings file, the terms table, each term's `W3TermInfo`), but
pickles the blocks, and hands them a batch at a time to a
`Compressor`: `LocalCompressor` here, or the analysis process (see
`pipeline`), which compresses one batch while this one gathers the
next. A term is written once its blocks are back, in order, so every
offset is the one Whoosh writes.
"""

from __future__ import annotations

import zlib
from array import array
from collections import deque
from itertools import chain
from operator import sub

from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3TermInfo
from whoosh.compat import dumps
from whoosh.system import pack_int, pack_ushort
from whoosh.util.numeric import length_to_byte

# Blocks per batch handed to the compressor, and batches sent before the
# first is waited for (a few MB in all).
BATCH = 512
AHEAD = 3


def compress_blocks(level: int, blocks: list[bytes]) -> list[bytes]:
    """Each pickled block as `W3PostingsWriter` writes it: compressed at
    `level`, or as it is at 0."""
    if not level:
        return blocks
    return [zlib.compress(data, level) for data in blocks]


def _pickled(block: tuple) -> bytes:
    """A block's `(ids, weights, values)` pickled as `W3PostingsWriter` does."""
    values = block[2]
    # Pickle writes an object met before as a reference to it: a value
    # shared with another posting (a cached encoding) would change the
    # block's bytes. Whoosh encodes every value afresh; so does this.
    if type(values) is tuple and len(set(map(id, values))) != len(values):
        block = (block[0], block[1], tuple(map(b"%b".__mod__, values)))
    return dumps(block, 2)


class LocalCompressor:
    """Compresses each batch at once, in this process."""

    def __init__(self):
        self._done: deque[list[bytes]] = deque()

    def send(self, level: int, blocks: list) -> None:
        self._done.append(compress_blocks(level, blocks))

    def receive(self) -> list[bytes]:
        return self._done.popleft()


class BlockWriter:
    """Writes terms, in index order, into a `W3FieldWriter`'s files.

    Call `start_field` (which starts the field writer's), `add_term` for
    each term, and `finish` once at the end, before the field writer closes.
    """

    def __init__(self, fieldwriter, compressor=None):
        codec = fieldwriter._codec
        self._fieldwriter = fieldwriter
        self._limit, self._level = codec._blocklimit, codec._compression
        self._compressor = compressor or LocalCompressor()
        self._fixedsize = None
        # Terms whose blocks are gathered, not yet sent, and the batches sent.
        self._terms: list = []
        self._blocks: list = []
        self._sent: deque[list] = deque()

    def start_field(self, fieldname: str, field) -> None:
        self._fieldwriter.start_field(fieldname, field)
        self._fixedsize = field.format.fixed_value_size()

    def add_term(self, term: bytes, ids: list, weights: list, values: list, lengths) -> None:
        """One term's postings (ids ascending) and every document's length:
        its blocks, statistics and terminfo as `W3PostingsWriter` makes them."""
        limit, fixedsize, blocks = self._limit, self._fixedsize, self._blocks
        info, infos = W3TermInfo(), []
        for start in range(0, len(ids), limit):
            end = start + limit
            block_ids, block_weights = ids[start:end], weights[start:end]
            # Whoosh keeps a block's weights as float32 (`array("f")`).
            stored = array("f", block_weights)
            top = max(block_weights)
            top = top if top > 0 else 0
            known = list(filter(None, map(lengths.__getitem__, block_ids)))
            low, high = (min(known), max(known)) if known else (None, 0)
            count = len(block_ids)
            if stored.count(1.0) == count:
                mini_weights = None
            elif stored.count(stored[0]) == count:
                mini_weights = stored[0]
            else:
                mini_weights = tuple(stored)
            kept = list(filter(None, values[start:end]))
            if fixedsize is None or fixedsize < 0:
                mini_values = tuple(kept)
            elif fixedsize == 0:
                mini_values = None
            else:
                mini_values = b"".join(kept)
            deltas = tuple(map(sub, block_ids, chain((0,), block_ids)))
            blocks.append(_pickled((deltas, mini_weights, mini_values)))
            stats = (count, block_ids[-1], top, self._level)
            infos.append(dumps((*stats, length_to_byte(low), length_to_byte(high)), 2))
            # `W3TermInfo.add_block`, with this block's statistics.
            info._weight += sum(stored)
            info._df += count
            info._minlength = low if info._minlength is None else min(info._minlength, low)
            info._maxlength = max(info._maxlength, high)
            info._maxweight = max(info._maxweight, top)
            if info._minid is None:
                info._minid = block_ids[0]
            info._maxid = block_ids[-1]
        keybytes = pack_ushort(self._fieldwriter._fieldid) + term
        self._terms.append((keybytes, info, infos))
        if len(blocks) >= BATCH:
            self._send()

    def finish(self) -> None:
        """Write every term still waiting for its blocks."""
        self._send()
        while self._sent:
            self._write(self._sent.popleft(), self._compressor.receive())

    def _send(self) -> None:
        if not self._terms:
            return
        self._compressor.send(self._level, self._blocks)
        self._sent.append(self._terms)
        self._terms, self._blocks = [], []
        # Batches are compressed while the next ones are gathered.
        if len(self._sent) > AHEAD:
            self._write(self._sent.popleft(), self._compressor.receive())

    def _write(self, terms: list, compressed: list[bytes]) -> None:
        postfile, tindex = self._fieldwriter._postfile, self._fieldwriter._tindex
        at, start = 0, postfile.tell()
        for keybytes, info, infos in terms:
            parts = [WHOOSH3_HEADER_MAGIC]
            last = len(infos) - 1
            for number, infobytes in enumerate(infos):
                databytes = compressed[at]
                at += 1
                length = len(infobytes) + len(databytes)
                parts += (pack_int(-length if number == last else length), infobytes, databytes)
            joined = b"".join(parts)
            postfile.write(joined)
            info.set_extent(start, len(joined))
            start += len(joined)
            tindex.add(keybytes, info.to_bytes())
