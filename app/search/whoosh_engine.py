"""The Whoosh engine: the passages of an index folder's live generation,
ranked by our NumPy evaluator (`ranking`).

It keeps one Whoosh searcher open on the live generation and checks the
generation pointer on every call (a `stat`, and a read when it changed), so a `kavosh index`
run takes effect at the next request without a restart; the old searcher is
closed when the new one is in place. A serving process warms each
generation's caches in a thread as it opens.

Damage is found while serving, not after a restart:

- files are read with `pread`, never mapped (`safe_storage`), so a file
  truncated under a worker raises in one request instead of killing it;
- every call also asks whether the open generation's files changed
  (`file_watch`: the kernel's inotify, else a `stat` each); when one was
  touched, or a read fails, its manifest's sizes and SHA-256 checksums are
  checked, and each newly opened generation is checksummed
  in a thread (in `kavosh serve`'s master: before the workers fork);
- a damaged generation is never served again: the newest older one that
  verifies serves instead, and `degraded` says why, until a rebuild
  publishes a good one (or the damaged files are restored). With none left,
  `snapshot()` raises `IndexCorruptError` (HTTP 503).
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from app.search.documents import DocumentScorer
from app.search.engine import Page, Query, Snapshot
from app.search.errors import IndexCorruptError
from app.search.facets import Facets
from app.search.fallback import Damaged, GenerationChoice
from app.search.file_watch import FileWatch
from app.search.highlight import know_stems, prepare
from app.search.postings import CACHE_POSTINGS, Postings
from app.search.ranking import rank
from app.search.safe_storage import PositionalStorage
from app.search.scored import open_scored
from app.search.stored_records import StoredRecords, open_records
from app.search.stored_spans import TokenOffsets, open_offsets, page_spans
from app.search.vocabulary import Vocabulary
from indexer.bm25f import FIELD_B, K1, B  # BM25F's, as the arrays were scored
from indexer.generations import GenerationStore, checksum_problem
from indexer.passages import DOCUMENTS, VOCABULARY
from indexer.schema import TEXT_FIELDS
from indexer.typo_index import DeletionIndex

# Most frequent words whose index terms a warming server works out for excerpts.
WARM_WORDS = 30_000
# Searched fields besides the passage text (whose words the vocabulary holds).
METADATA_FIELDS = [name for name in TEXT_FIELDS if name != "text"]


@dataclass
class Generation:
    """Everything opened for one index generation (a snapshot's `state`)."""

    searcher: object
    postings: Postings
    facets: Facets
    document_scorer: DocumentScorer
    watch: FileWatch  # its files as opened, compared on every call
    offsets: TokenOffsets | None = None  # where its text's positions are, to mark them
    records: StoredRecords | None = None  # its passages' stored fields, without Whoosh's
    problem: str | None = None  # why it must not be served, once found damaged

    def stored_fields(self, docnum: int) -> dict:
        """Passage `docnum`'s stored fields, from the records when it has them."""
        if self.records is not None:
            return self.records(docnum)
        return self.searcher.stored_fields(docnum)

    def stored(self, passage_id: str) -> dict | None:
        """The stored fields of the passage `passage_id`, or None."""
        docnums = self.searcher.document_numbers(id=passage_id)  # the live ones, as `document`
        docnum = next(iter(docnums), None)
        return None if docnum is None else self.stored_fields(docnum)


class WhooshEngine(GenerationChoice):
    """The `Engine` over the generations in `index_dir`.

    :param verify: checksum each generation in a thread as it opens (a
        server); a one-off command relies on the cheap checks alone.
    """

    def __init__(self, index_dir: Path, warm_postings: int = 0, verify: bool = True):
        self.store = GenerationStore(Path(index_dir))
        self.warm_postings = min(warm_postings, CACHE_POSTINGS)
        self.verify = verify
        self._threads: list[threading.Thread] = []  # warming and verifying
        self._lock = threading.RLock()  # the reader's files are not for two threads at once
        self._open: Snapshot | None = None
        self._damaged: dict[str, Damaged] = {}  # generation name -> why not served
        self.degraded: str | None = None  # why an older generation is being served
        self._pointer: tuple | None = None  # CURRENT's stat and the name it held

    @property
    def location(self) -> str:
        return str(self.store.root)

    def _serve(self, opened: Snapshot | None, verified: bool = False) -> Snapshot | None:
        """Make `opened` the snapshot served; close the one it replaces."""
        replaced, self._open = self._open, opened
        self.degraded = None
        if replaced is not None and replaced is not opened:
            replaced.state.searcher.close()
        if opened is not None and self.verify and not verified:
            self._start(self._verify, opened)
        if opened is not None and self.warm_postings > 0:
            self._start(self._warm, opened)
        return opened

    def _start(self, job, snapshot: Snapshot) -> None:
        self._threads = [thread for thread in self._threads if thread.is_alive()]
        thread = threading.Thread(
            target=job, args=(snapshot,), name=f"{job.__name__} {snapshot.name}", daemon=True
        )
        self._threads.append(thread)
        thread.start()

    def _verify(self, snapshot: Snapshot) -> None:
        """Checksum a generation just opened, beside the searches (it reads
        the files by name, not through the searcher): the damage a size
        cannot show is found within a second of opening, not at a restart."""
        problem = checksum_problem(self.store.root / snapshot.name, snapshot.manifest)
        if problem is not None:
            snapshot.state.problem = problem

    def rank(self, snapshot: Snapshot, query: Query) -> Page:
        page, answered = self._read(snapshot, lambda generation: _marked(generation, query))
        if answered is not snapshot:
            page.generation = answered.name
        return page

    def stored(self, snapshot: Snapshot, passage_id: str) -> dict | None:
        fields, _ = self._read(snapshot, lambda generation: generation.stored(passage_id))
        return fields

    def passage_count(self, snapshot: Snapshot) -> int:
        return snapshot.state.searcher.doc_count()

    def close(self) -> None:
        with self._lock:
            if self._open is not None:
                self._open.state.searcher.close()
                self._open = None

    # -- warming -----------------------------------------------------------------------

    def _warm(self, snapshot: Snapshot) -> None:
        """Decode the posting lists of the passage text's most frequent words
        (up to `warm_postings` postings), so that the first queries after an
        index is opened answer from memory rather than decoding them, as
        Elasticsearch's eager loading does. Runs beside the searches, one word
        at a time under the search lock, and stops if the generation is
        replaced. A server calls `wait_until_warm` before its first request."""
        postings = snapshot.state.postings
        try:
            with self._lock:
                words = postings.most_frequent("text", self.warm_postings)
            for word in words:
                with self._lock:
                    if self._open is not snapshot:
                        return
                    postings.scored("text", word)
            frequency = snapshot.vocabulary.frequency
            common = sorted(frequency, key=frequency.__getitem__, reverse=True)[:WARM_WORDS]
            with self._lock:
                prepare(spelling for form in common for spelling in (form, form.capitalize()))
        except Exception:  # a cache that stays cold is slower, never wrong
            return

    def wait_until_warm(self, timeout: float | None = None) -> None:
        """Open the live generation, and wait for its warming and its
        checksums (`kavosh serve` does, before forking its workers)."""
        self.snapshot()
        for thread in list(self._threads):
            thread.join(timeout)

    # -- opening -----------------------------------------------------------------------

    def _open_folder(self, folder: Path) -> Snapshot:
        try:
            manifest = self.store.checked_manifest(folder)
            watch = FileWatch(folder, manifest)  # before reading: a later write shows
            searcher = PositionalStorage(str(folder)).open_index().searcher()
            try:
                documents = json.loads((folder / DOCUMENTS).read_text("utf-8"))
                forms = json.loads((folder / VOCABULARY).read_text("utf-8"))
                deletions = DeletionIndex.open(folder, forms)
                vocabulary = Vocabulary(forms, searcher.doc_count(), deletions)
                reader = searcher.reader()
                vocabulary.know(t for f in METADATA_FIELDS for t in reader.field_terms(f))
                know_stems(vocabulary.stems)
                postings = Postings(searcher, K1, B, FIELD_B, open_scored(folder))
                generation = Generation(
                    searcher=searcher,
                    postings=postings,
                    facets=Facets(reader),
                    document_scorer=DocumentScorer(
                        postings,
                        np.fromiter(reader.column_reader("position"), dtype=np.int64),
                        [d.get("passages", 0) for d in documents],
                    ),
                    watch=watch,
                    offsets=open_offsets(folder, reader.doc_count_all()),
                    records=open_records(
                        folder, reader.doc_count_all(), bool(reader.schema.stored_names())
                    ),
                )
            except BaseException:  # a generation that half opened must not keep its files
                searcher.close()
                raise
        except IndexCorruptError:
            raise
        except Exception as error:  # any unreadable file means the generation is unusable
            raise IndexCorruptError(
                f"the index generation {folder.name} cannot be opened ({error}): "
                "run `kavosh index` to rebuild it"
            ) from error
        return Snapshot(
            name=folder.name,
            manifest=manifest,
            documents={d["id"]: d for d in documents},
            vocabulary=vocabulary,
            sources=sorted({d["path"] for d in documents}),
            state=generation,
        )


def _marked(generation: Generation, query: Query) -> Page:
    """`rank`'s page, each passage with its marked spans from the stored offsets."""
    page = rank(generation, query)
    found = page.found
    spans = page_spans(
        generation.postings,
        generation.offsets,
        [f.docnum for f in found],
        [f.fields["text"] for f in found],
        query.compiled.marks,
    )
    for passage, marked in zip(found, spans, strict=True):
        passage.text_spans = marked
    return page
