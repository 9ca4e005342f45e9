"""The search core: one long-lived `SearchService` per process, answering
`search(query, …) -> Results`. It knows nothing of Flask.

It keeps one Whoosh searcher open on the live index generation and checks the
generation pointer on every call (one small file read), so a `kavosh index`
run takes effect at the next request without a restart; the old searcher is
closed when the new one is in place. The synonyms file is checked the same way
(its modification time), so editing it needs neither a rebuild nor a restart.
Answers are cached per generation and synonyms version.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from whoosh import index as whoosh_index
from whoosh.query import And, Or

from app.search.compiler import Compiled, QueryCompiler
from app.search.documents import DocumentScorer
from app.search.evaluator import Evaluator
from app.search.facets import Facets
from app.search.highlight import Marks, know_stems, prepare
from app.search.postings import CACHE_POSTINGS, Postings
from app.search.querylang import Clause, parse
from app.search.results import Hit, Results, hit_from_fields
from app.search.synonyms import Synonyms
from app.search.vocabulary import Vocabulary, suggestions
from indexer.build import DOCUMENTS, VOCABULARY
from indexer.errors import IndexCorruptError, NoIndexError, QueryError
from indexer.generations import GenerationStore
from indexer.schema import SCHEMA_VERSION, TEXT_FIELDS

MAX_QUERY_CHARS = 1000
MAX_PAGE = 1000
MAX_PER_PAGE = 100
# Most frequent words whose index terms a warming server works out for excerpts.
WARM_WORDS = 30_000
# Searched fields besides the passage text (whose words the vocabulary holds).
METADATA_FIELDS = [name for name in TEXT_FIELDS if name != "text"]


# BM25F: passages are short, so length normalization is kept moderate, and
# lighter still in the short metadata fields.
K1 = 1.2
B = 0.75
FIELD_B = {"title": 0.3, "section": 0.3, "speaker": 0.0}


@dataclass
class _Generation:
    """Everything opened for one index generation."""

    name: str
    index: object
    searcher: object
    manifest: dict
    documents: dict[str, dict]
    compiler: QueryCompiler
    vocabulary: Vocabulary
    postings: Postings
    facets: Facets
    document_scorer: DocumentScorer

    def close(self) -> None:
        self.searcher.close()


class SearchService:
    """Searches the live generation of the index in `index_dir`."""

    def __init__(
        self,
        index_dir: Path,
        synonyms_file: Path | None = None,
        cache_size: int = 512,
        warm_postings: int = 0,
    ):
        self.store = GenerationStore(Path(index_dir))
        self.synonyms_file = synonyms_file
        self.cache_size = cache_size
        self.warm_postings = min(warm_postings, CACHE_POSTINGS)
        self._warming: threading.Thread | None = None
        self._cache: OrderedDict = OrderedDict()
        self._lock = threading.RLock()
        self._generation: _Generation | None = None
        self._synonyms_stamp: tuple | None = None
        self._broken: str | None = None  # the live generation, when it cannot be opened
        self.degraded: str | None = None  # why an older generation is being served

    # -- the generation ----------------------------------------------------------

    def generation(self) -> _Generation:
        """The open generation, reopened if `kavosh index` published a new one.

        If the live generation cannot be opened (damaged files), the newest
        older generation that can is served instead and `degraded` says why,
        until a rebuild publishes a good one.
        """
        with self._lock:  # read under the lock: a name read before waiting may be pruned
            name = self.store.current_name()
            current = self._generation
            if current is not None and (current.name == name or self._broken == name):
                self._refresh_synonyms(current)
                return current
            if name is None:
                raise NoIndexError(self.store.root)
            try:
                opened = self._open(self.store.root / name)
                self._broken, self.degraded = None, None
            except IndexCorruptError as error:
                opened = self._fallback(name)
                if opened is None:
                    raise
                self._broken = name
                self.degraded = (
                    f"{error.message}; serving the previous generation {opened.name} meanwhile"
                )
            self._generation = opened
            self._synonyms_stamp = self._synonyms_signature()
            self._cache.clear()
            if current is not None:
                current.close()
            if self.warm_postings > 0:
                self._warming = threading.Thread(
                    target=self._warm, args=(opened,), name=f"warm {opened.name}", daemon=True
                )
                self._warming.start()
            return opened

    # -- warming -----------------------------------------------------------------------

    def _warm(self, generation: _Generation) -> None:
        """Decode the posting lists of the passage text's most frequent words
        (up to `warm_postings` postings), so that the first queries after an
        index is opened answer from memory rather than decoding them, as
        Elasticsearch's eager loading does. Runs beside the searches, one word
        at a time under the search lock, and stops if the generation is
        replaced. A server calls `wait_until_warm` before its first request."""
        try:
            with self._lock:  # the reader's files are not to be read by two threads at once
                words = generation.postings.most_frequent("text", self.warm_postings)
            for word in words:
                with self._lock:
                    if self._generation is not generation:
                        return
                    generation.postings.scored("text", word)
            frequency = generation.vocabulary.frequency
            common = sorted(frequency, key=frequency.__getitem__, reverse=True)[:WARM_WORDS]
            with self._lock:
                prepare(spelling for form in common for spelling in (form, form.capitalize()))
        except Exception:  # a cache that stays cold is slower, never wrong
            return

    def wait_until_warm(self, timeout: float | None = None) -> None:
        """Open the live generation if needed and wait for its warming."""
        self.generation()
        warming = self._warming
        if warming is not None:
            warming.join(timeout)

    def _fallback(self, broken: str) -> _Generation | None:
        """The newest older generation that opens, or None."""
        for folder in sorted(self.store.root.glob("gen-*"), reverse=True):
            if folder.name >= broken:
                continue
            try:
                return self._open(folder)
            except IndexCorruptError:
                continue
        return None

    def _open(self, folder: Path) -> _Generation:
        try:
            manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
            if manifest.get("schema_version") != SCHEMA_VERSION:
                raise IndexCorruptError(
                    f"the index in {folder} was built by another version of Kavosh: "
                    "run `kavosh index` to rebuild it"
                )
            _check_sizes(folder, manifest.get("files", {}))
            index = whoosh_index.open_dir(str(folder))
            searcher = index.searcher()
            try:
                documents = json.loads((folder / DOCUMENTS).read_text("utf-8"))
                vocabulary = Vocabulary(
                    json.loads((folder / VOCABULARY).read_text("utf-8")), searcher.doc_count()
                )
                reader = searcher.reader()
                vocabulary.know(t for f in METADATA_FIELDS for t in reader.field_terms(f))
                know_stems(vocabulary.stems)
                postings = Postings(searcher, K1, B, FIELD_B)
                facets = Facets(reader)
                document_scorer = DocumentScorer(
                    postings,
                    np.fromiter(reader.column_reader("position"), dtype=np.int64),
                    [d.get("passages", 0) for d in documents],
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
        synonyms = Synonyms.load(self.synonyms_file)
        sources = sorted({d["path"] for d in documents})
        return _Generation(
            name=folder.name,
            index=index,
            searcher=searcher,
            manifest=manifest,
            documents={d["id"]: d for d in documents},
            compiler=QueryCompiler(vocabulary, synonyms, sources),
            vocabulary=vocabulary,
            postings=postings,
            facets=facets,
            document_scorer=document_scorer,
        )

    def _synonyms_signature(self) -> tuple | None:
        try:
            stat = Path(self.synonyms_file).stat() if self.synonyms_file else None
        except OSError:
            return None
        return (stat.st_mtime_ns, stat.st_size) if stat else None

    def _refresh_synonyms(self, generation: _Generation) -> None:
        """Reload the synonyms file when it changed (or appeared, or went away)."""
        stamp = self._synonyms_signature()
        if stamp != self._synonyms_stamp:
            generation.compiler.synonyms = Synonyms.load(self.synonyms_file)
            self._synonyms_stamp = stamp
            self._cache.clear()

    def close(self) -> None:
        with self._lock:
            if self._generation is not None:
                self._generation.close()
                self._generation = None

    # -- searching -----------------------------------------------------------------

    def search(
        self,
        query: str,
        *,
        sources: tuple[str, ...] | list[str] = (),
        section: str | None = None,
        speaker: str | None = None,
        page: int = 1,
        per_page: int = 10,
        group: str | None = None,
    ) -> Results:
        """Rank the passages that answer `query`.

        :param query: the reader's query, in the language of `querylang`.
        :param sources: only passages from these files (paths or file names).
        :param section: only passages under this section (or its subsections).
        :param speaker: only passages spoken by this person.
        :param page: 1-based page number, at most `MAX_PAGE`.
        :param per_page: results per page, 1 to `MAX_PER_PAGE`.
        :param group: "document" for one hit per document (its best passage),
            documents ranked as a whole (see `app.search.documents`); `total`
            then counts documents.
        :raises QueryError: for a blank or over-long query, out-of-range
            paging or an unknown grouping.
        """
        started = time.perf_counter()
        _check(query, page, per_page, group)
        generation = self.generation()
        key = (
            generation.name,
            query.strip(),
            tuple(sources),
            section,
            speaker,
            page,
            per_page,
            group,
        )
        with self._lock:
            cached = self._cache.get(key)
            if cached is not None:
                self._cache.move_to_end(key)
                return _retimed(cached, started)
            results = self._search(
                generation, query, (sources, section, speaker), page, per_page, group
            )
            results = _retimed(results, started)
            self._cache[key] = results
            if len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
            return results

    def _search(self, generation, query, filters, page, per_page, group) -> Results:
        compiled = generation.compiler.compile(parse(query))
        suggestion = _suggestion(query, compiled, generation.vocabulary)
        base = dict(query=query, page=page, per_page=per_page, took_ms=0.0)
        if compiled.empty:
            return Results(
                **base,
                total=0,
                hits=[],
                facets=Facets.empty(),
                suggestion=suggestion,
                generation=generation.name,
                notes=tuple(compiled.notes),
            )
        searcher = generation.searcher
        evaluator = Evaluator(generation.postings)
        ranked = evaluator.evaluate(compiled.ranked)
        matched = ranked.mask & self._allowed(evaluator, generation, compiled, filters)
        level, scores = _levels(evaluator, compiled, ranked, matched)
        if group == "document":
            passages, level, scores = generation.document_scorer.best_passages(
                level, scores, matched, compiled.words
            )
            total = len(passages)
        else:
            passages = np.flatnonzero(matched)
            level, scores = level[passages], scores[passages]
            total = len(passages)
        window = _top(passages, level, scores, page * per_page)[(page - 1) * per_page :]
        hits = [
            hit_from_fields(searcher.stored_fields(docnum), score, rank, compiled.marks)
            for rank, (docnum, score) in enumerate(window, start=(page - 1) * per_page + 1)
        ]
        return Results(
            **base,
            total=total,
            hits=hits,
            facets=generation.facets.counts(matched),
            suggestion=suggestion,
            generation=generation.name,
            notes=tuple(compiled.notes),
        )

    def _allowed(self, evaluator, generation, compiled, filters) -> np.ndarray:
        """The passages the API's filters and the query's exclusions leave."""
        allowed = evaluator.everything().mask
        restrict = self._filters(generation, *filters)
        if restrict is not None:
            allowed &= evaluator.evaluate(restrict).mask
        if compiled.excluded is not None:
            allowed &= ~evaluator.evaluate(compiled.excluded).mask
        return allowed

    def _filters(self, generation, sources, section, speaker):
        """The API's filters, as the query language's field clauses would be."""
        compiler = generation.compiler
        parts = []
        if sources:
            parts.append(Or([compiler.field_filter(Clause(s, field="source")) for s in sources]))
        if section:
            parts.append(compiler.field_filter(Clause(section, field="section")))
        if speaker:
            parts.append(compiler.field_filter(Clause(speaker, field="speaker")))
        return And(parts) if parts else None

    # -- other look-ups -------------------------------------------------------------

    def passage(self, passage_id: str) -> Hit | None:
        """One passage by id, or None."""
        generation = self.generation()
        with self._lock:
            fields = generation.searcher.document(id=passage_id)
        return hit_from_fields(fields, 0.0, 0, Marks()) if fields else None

    def documents(self) -> list[dict]:
        return list(self.generation().documents.values())

    def manifest(self) -> dict:
        return self.generation().manifest

    def passage_count(self) -> int:
        return self.generation().searcher.doc_count()

    def suggest(self, prefix: str, limit: int = 8) -> list[str]:
        """Completions for a search box: words, then matching document titles."""
        generation = self.generation()
        return suggestions(
            prefix,
            generation.vocabulary,
            (d["title"] for d in generation.documents.values()),
            limit,
        )


def _check_sizes(folder: Path, sizes: dict[str, int]) -> None:
    """Refuse a generation whose files are not the size the build wrote."""
    for name, size in sizes.items():
        path = folder / name
        actual = path.stat().st_size if path.exists() else None
        if actual != size:
            found = "missing" if actual is None else f"{actual:,} bytes"
            raise IndexCorruptError(
                f"the index generation {folder.name} is damaged ({name} is {found}, "
                f"expected {size:,} bytes): run `kavosh index` to rebuild it"
            )


GROUPS = ("document",)


def _check(query: str, page: int, per_page: int, group: str | None = None) -> None:
    if not isinstance(query, str) or not query.strip():
        raise QueryError("the query is empty: type one or more words", code="missing_query")
    if len(query) > MAX_QUERY_CHARS:
        raise QueryError(
            f"the query is {len(query):,} characters long; the limit is {MAX_QUERY_CHARS:,}",
            code="query_too_long",
        )
    if not 1 <= page <= MAX_PAGE:
        raise QueryError(f"page must be between 1 and {MAX_PAGE}", code="bad_page")
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise QueryError(f"per_page must be between 1 and {MAX_PER_PAGE}", code="bad_per_page")
    if group is not None and group not in GROUPS:
        raise QueryError(
            f"group must be one of {', '.join(GROUPS)} (or left out for passages)",
            code="bad_group",
        )


def _levels(evaluator: Evaluator, compiled: Compiled, ranked, matched) -> tuple:
    """Each passage's tier (0 for all words exactly, then all words allowing
    typos, then the rest) and its score within it: a tier's own score for the
    passages in a tier, the ranked score for the rest."""
    level = np.full(len(matched), len(compiled.tiers), dtype=np.int16)
    scores = ranked.scores.copy()
    for number in reversed(range(len(compiled.tiers))):
        tier = evaluator.evaluate(compiled.tiers[number])
        inside = tier.mask & matched
        level[inside] = number
        scores[inside] = tier.scores[inside]
    return level, scores


def _top(candidates: np.ndarray, level: np.ndarray, scores: np.ndarray, end: int) -> list:
    """The first `end` (candidate, score) pairs: by level, then by score, equal
    scores in index order (as Whoosh orders them). `level` and `scores` are
    indexed like `candidates`."""
    ordered: list = []
    for number in np.unique(level).tolist():
        need = end - len(ordered)
        if need <= 0:
            break
        inside = np.flatnonzero(level == number)
        if len(inside) > need:  # keep the best `need`, and every tie with the last of them
            threshold = np.partition(scores[inside], len(inside) - need)[len(inside) - need]
            inside = inside[scores[inside] >= threshold]
        order = np.lexsort((candidates[inside], -scores[inside]))[:need]
        ordered += [(int(candidates[i]), float(scores[i])) for i in inside[order]]
    return ordered


def _suggestion(query: str, compiled: Compiled, vocabulary: Vocabulary) -> str | None:
    """The query with unknown words replaced by their likeliest intended forms."""
    suggestion, changed = query, False
    for word in dict.fromkeys(compiled.words):
        correction = vocabulary.correction(word)
        if correction and correction != word:
            pattern = re.compile(rf"(?<!\w){re.escape(word)}(?!\w)", re.I)
            suggestion, count = pattern.subn(
                lambda typed, c=correction: _same_case(typed.group(), c), suggestion
            )
            changed = changed or count > 0
    return suggestion if changed else None


def _same_case(typed: str, correction: str) -> str:
    """`correction` written the way the reader wrote the word: HEKMAT, Hekmat, hekmat."""
    if typed.isupper() and len(typed) > 1:
        return correction.upper()
    if typed[:1].isupper():
        return correction[:1].upper() + correction[1:]
    return correction


def _retimed(results: Results, started: float) -> Results:
    return replace(results, took_ms=(time.perf_counter() - started) * 1000)
