"""The Whoosh engine: the passages of an index folder's live generation,
ranked by our NumPy evaluator (`ranking`).

It keeps one Whoosh searcher open on the live generation and checks the
generation pointer on every call (one small file read), so a `kavosh index`
run takes effect at the next request without a restart; the old searcher is
closed when the new one is in place. If the live generation cannot be opened
(damaged files), the newest older one that can is served and `degraded` says
why, until a rebuild publishes a good one. A serving process warms each
generation's caches in a thread as it opens.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from whoosh import index as whoosh_index

from app.search.documents import DocumentScorer
from app.search.engine import Page, Query, Snapshot
from app.search.errors import IndexCorruptError, NoIndexError
from app.search.facets import Facets
from app.search.highlight import know_stems, prepare
from app.search.postings import CACHE_POSTINGS, Postings
from app.search.ranking import rank
from app.search.scored import open_scored
from app.search.vocabulary import Vocabulary
from indexer.generations import GenerationStore
from indexer.passages import DOCUMENTS, VOCABULARY
from indexer.schema import TEXT_FIELDS
from indexer.scored_postings import FIELD_B, K1, B  # BM25F's, as the arrays were scored

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


class WhooshEngine:
    """The `Engine` over the generations in `index_dir`."""

    def __init__(self, index_dir: Path, warm_postings: int = 0):
        self.store = GenerationStore(Path(index_dir))
        self.warm_postings = min(warm_postings, CACHE_POSTINGS)
        self._warming: threading.Thread | None = None
        self._lock = threading.RLock()  # the reader's files are not for two threads at once
        self._open: Snapshot | None = None
        self._broken: str | None = None  # the live generation, when it cannot be opened
        self.degraded: str | None = None  # why an older generation is being served

    @property
    def location(self) -> str:
        return str(self.store.root)

    def snapshot(self) -> Snapshot:
        with self._lock:  # read under the lock: a name read before waiting may be pruned
            name = self.store.current_name()
            current = self._open
            if current is not None and (current.name == name or self._broken == name):
                return current
            if name is None:
                raise NoIndexError(self.store.root)
            try:
                opened = self._open_folder(self.store.root / name)
                self._broken, self.degraded = None, None
            except IndexCorruptError as error:
                opened = self._fallback(name)
                if opened is None:
                    raise
                self._broken = name
                self.degraded = (
                    f"{error.message}; serving the previous generation {opened.name} meanwhile"
                )
            self._open = opened
            if current is not None:
                current.state.searcher.close()
            if self.warm_postings > 0:
                self._warming = threading.Thread(
                    target=self._warm, args=(opened,), name=f"warm {opened.name}", daemon=True
                )
                self._warming.start()
            return opened

    def rank(self, snapshot: Snapshot, query: Query) -> Page:
        with self._lock:
            return rank(snapshot.state, query)

    def stored(self, snapshot: Snapshot, passage_id: str) -> dict | None:
        with self._lock:
            return snapshot.state.searcher.document(id=passage_id)

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
        self.snapshot()
        warming = self._warming
        if warming is not None:
            warming.join(timeout)

    # -- opening -----------------------------------------------------------------------

    def _fallback(self, broken: str) -> Snapshot | None:
        """The newest older generation that opens, or None."""
        for folder in sorted(self.store.root.glob("gen-*"), reverse=True):
            if folder.name >= broken:
                continue
            try:
                return self._open_folder(folder)
            except IndexCorruptError:
                continue
        return None

    def _open_folder(self, folder: Path) -> Snapshot:
        try:
            manifest = self.store.checked_manifest(folder)
            searcher = whoosh_index.open_dir(str(folder)).searcher()
            try:
                documents = json.loads((folder / DOCUMENTS).read_text("utf-8"))
                vocabulary = Vocabulary(
                    json.loads((folder / VOCABULARY).read_text("utf-8")), searcher.doc_count()
                )
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
