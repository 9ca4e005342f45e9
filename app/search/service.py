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
from collections import Counter, OrderedDict
from dataclasses import dataclass, replace
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh import scoring
from whoosh.query import And, Or

from app.search.compiler import Compiled, QueryCompiler
from app.search.highlight import Marks
from app.search.querylang import Clause, parse
from app.search.results import FacetValue, Hit, Results, hit_from_fields
from app.search.synonyms import Synonyms
from app.search.vocabulary import Vocabulary, suggestions
from indexer.build import DOCUMENTS, VOCABULARY
from indexer.errors import IndexCorruptError, NoIndexError, QueryError
from indexer.generations import GenerationStore
from indexer.schema import SCHEMA_VERSION, TEXT_FIELDS

MAX_QUERY_CHARS = 1000
MAX_PAGE = 1000
MAX_PER_PAGE = 100
FACET_LIMIT = 20
# Searched fields besides the passage text (whose words the vocabulary holds).
METADATA_FIELDS = [name for name in TEXT_FIELDS if name != "text"]


def _weighting():
    """BM25F: passages are short, so length normalization is kept moderate."""
    return scoring.BM25F(B=0.75, K1=1.2, title_B=0.3, section_B=0.3, speaker_B=0.0)


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

    def close(self) -> None:
        self.searcher.close()


class SearchService:
    """Searches the live generation of the index in `index_dir`."""

    def __init__(self, index_dir: Path, synonyms_file: Path | None = None, cache_size: int = 512):
        self.store = GenerationStore(Path(index_dir))
        self.synonyms_file = synonyms_file
        self.cache_size = cache_size
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
        name = self.store.current_name()
        with self._lock:
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
            return opened

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
            searcher = index.searcher(weighting=_weighting())
            documents = json.loads((folder / DOCUMENTS).read_text("utf-8"))
            vocabulary = Vocabulary(
                json.loads((folder / VOCABULARY).read_text("utf-8")), searcher.doc_count()
            )
            reader = searcher.reader()
            vocabulary.know(t for f in METADATA_FIELDS for t in reader.field_terms(f))
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
    ) -> Results:
        """Rank the passages that answer `query`.

        :param query: the reader's query, in the language of `querylang`.
        :param sources: only passages from these files (paths or file names).
        :param section: only passages under this section (or its subsections).
        :param speaker: only passages spoken by this person.
        :param page: 1-based page number, at most `MAX_PAGE`.
        :param per_page: results per page, 1 to `MAX_PER_PAGE`.
        :raises QueryError: for a blank or over-long query or out-of-range paging.
        """
        started = time.perf_counter()
        _check(query, page, per_page)
        generation = self.generation()
        key = (generation.name, query.strip(), tuple(sources), section, speaker, page, per_page)
        with self._lock:
            cached = self._cache.get(key)
            if cached is not None:
                self._cache.move_to_end(key)
                return _retimed(cached, started)
            results = self._search(generation, query, sources, section, speaker, page, per_page)
            results = _retimed(results, started)
            self._cache[key] = results
            if len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
            return results

    def _search(self, generation, query, sources, section, speaker, page, per_page) -> Results:
        compiled = generation.compiler.compile(parse(query))
        suggestion = _suggestion(query, compiled, generation.vocabulary)
        base = dict(query=query, page=page, per_page=per_page, took_ms=0.0)
        if compiled.empty:
            return Results(
                **base,
                total=0,
                hits=[],
                facets={name: [] for name in FACET_COLUMNS},
                suggestion=suggestion,
                generation=generation.name,
                notes=tuple(compiled.notes),
            )
        searcher = generation.searcher
        matched, narrowed = self._matched(searcher, compiled, sources, section, speaker, generation)
        end = page * per_page
        ordered = _ranked(searcher, compiled, matched if narrowed else None, end) if matched else []
        window = ordered[(page - 1) * per_page : end]
        hits = [
            hit_from_fields(searcher.stored_fields(docnum), score, rank, compiled.marks)
            for rank, (docnum, score) in enumerate(window, start=(page - 1) * per_page + 1)
        ]
        return Results(
            **base,
            total=len(matched),
            hits=hits,
            facets=_facets(searcher, matched),
            suggestion=suggestion,
            generation=generation.name,
            notes=tuple(compiled.notes),
        )

    def _matched(self, searcher, compiled, sources, section, speaker, generation):
        """Every passage the query matches, as document numbers, and whether
        filters or exclusions narrowed them: one unscored pass that gives the
        exact total and the facet counts."""
        matched = set(searcher.docs_for_query(compiled.matching))
        restrict = self._filters(generation, sources, section, speaker)
        narrowed = restrict is not None or compiled.excluded is not None
        if restrict is not None and matched:
            matched &= set(searcher.docs_for_query(restrict))
        if compiled.excluded is not None and matched:
            matched -= set(searcher.docs_for_query(compiled.excluded))
        return matched, narrowed

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


def _check(query: str, page: int, per_page: int) -> None:
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


def _ranked(searcher, compiled: Compiled, allowed: set[int] | None, end: int) -> list[tuple]:
    """The first `end` (docnum, score) pairs: the tiers (all words exactly, all
    words allowing typos) each by score, then the rest by score. `allowed`
    holds the passages that filters and exclusions leave, if any apply;
    without it Whoosh may skip blocks that cannot reach the top `end`."""
    first: list = []
    seen: set[int] = set()
    for tier in compiled.tiers:
        for hit in searcher.search(tier, limit=end, filter=allowed, mask=seen or None):
            seen.add(hit.docnum)
            first.append((hit.docnum, hit.score))
        if len(first) >= end:
            return first[:end]
    rest = searcher.search(
        compiled.ranked, limit=end - len(first), filter=allowed, mask=seen or None
    )
    return first + [(hit.docnum, hit.score) for hit in rest]


FACET_COLUMNS = {"source": "source", "section": "section_path"}


def _facets(searcher, matched: set[int]) -> dict[str, list[FacetValue]]:
    """Counts by source file and by section over every matched passage, read
    from the index's columns (no stored fields are loaded)."""
    reader = searcher.reader()
    facets = {}
    for name, column in FACET_COLUMNS.items():
        values = reader.column_reader(column)
        counts = Counter(values[docnum] for docnum in matched)
        ranked = [FacetValue(str(v), c) for v, c in counts.items() if v not in (None, "", b"")]
        ranked.sort(key=lambda v: (-v.count, v.value))
        facets[name] = ranked[:FACET_LIMIT]
    return facets


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
