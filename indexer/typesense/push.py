"""`kavosh index` for a Typesense cluster: the same passages, pushed into a
new collection, then published by swapping an alias.

    read the corpus → create <alias>-NNNNNN and its -meta and -shown twins →
    import the passages in batches, what is searched (each with its `text_ids`)
    into the first and what is shown into -shown (`split_passage`) → store manifest,
    documents, vocabulary and the collection statistics (`statistics`) →
    load the synonyms → wait until every node that answers holds every
    passage → compact each node's store (`compaction`: reads after a bulk
    import are otherwise many times slower) → point the alias at the new
    collection (one atomic write) → drop the old → compact again, once
    every node has applied the swap (and so the whole import)

Readers search through the alias, so they see the old collection until the
swap and the new one after it, never a half-filled one. If anything fails
before the swap, the new collections are dropped and the alias still names
the old one. Raft orders every write, so a node that has applied the swap has
applied the whole import before it.

A push goes on with a minority of nodes down: writes wait for a quorum (a
leader being elected) within a bound (`quorum`), the nodes that do not answer
are skipped and named in the report's warnings, and catch up through Raft
when they return.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from pathlib import Path

from indexer import passages
from indexer.analysis import stem
from indexer.budget import Budget
from indexer.errors import BuildError
from indexer.models import SECTION_SEPARATOR, Document, Passage
from indexer.passages import BuildReport, Tally
from indexer.sources import DEFAULT_BUDGET
from indexer.typesense.compaction import NOT_COMPACTED, compact_nodes
from indexer.typesense.quorum import QUORUM_TIMEOUT, PatientWrites
from indexer.typesense.schema import (
    DEFAULT_ALIAS,
    collection_name,
    generation_number,
    index_terms,
    meta_name,
    meta_schema,
    passages_schema,
    shown_name,
    shown_schema,
    split_passage,
    twins,
)
from indexer.typesense.statistics import CollectionStatistics
from indexer.typesense.word_starts import STARTS_FIELD, encoded_starts

BATCH = 1000
VOCABULARY_CHUNK = 20_000
REPLICATION_TIMEOUT = 60.0
NODE_SKIPPED = "not answering, skipped: it catches up through Raft when it is back"


def push_index(
    source_dir: Path,
    client,
    *,
    alias: str = DEFAULT_ALIAS,
    synonym_groups: Iterable[tuple[tuple[str, ...], ...]] = (),
    progress: Callable[[str], None] | None = None,
    strict: bool = False,
    exclude: tuple[str, ...] = (),
    budget: Budget | None = DEFAULT_BUDGET,
    replication_timeout: float = REPLICATION_TIMEOUT,
    quorum_timeout: float = QUORUM_TIMEOUT,
) -> BuildReport:
    """Push the passages of `source_dir` into a new collection and publish it.

    :param client: a `TypesenseClient`.
    :param alias: the alias readers search; each push creates `<alias>-NNNNNN`.
    :param synonym_groups: groups of folded word tuples (`Synonyms` files as
        `app.search.synonyms.parse_groups` reads them), stored as Typesense
        multi-way synonyms over our terms.
    :param strict: refuse to publish if any file of a readable type failed.
    :param exclude: gitignore patterns to leave out, besides `.kavoshignore`.
    :param budget: the time and memory parsing one file may take.
    :param quorum_timeout: how long a write may wait for a quorum (a leader
        being elected) before the push fails (`quorum.PatientWrites`).
    :raises BuildError: the cluster refused a write; the alias is untouched.
    :returns: the report; a node that did not answer is one of its warnings.
    """
    started = time.monotonic()
    source_dir = passages.require_folder(source_dir)
    corpus, splitter, report = passages.read_source_folder(
        source_dir, progress, exclude=exclude, budget=budget
    )
    client = PatientWrites(client, quorum_timeout)
    skipped: set[str] = set()
    try:
        previous = _generations(client, alias)
    except Exception as error:
        raise BuildError(
            f"could not reach the Typesense cluster ({_reason(error)}): "
            f"check that its nodes ({', '.join(client.nodes)}) are running"
        ) from error
    name = collection_name(alias, max(previous, default=0) + 1)
    try:
        client.post("/collections", passages_schema(name))
        client.post("/collections", meta_schema(meta_name(name)))
        client.post("/collections", shown_schema(shown_name(name)))
        meta = _import_passages(client, name, corpus, splitter, report, progress)
        passages.refuse_skipped(report, strict, "the previous collection")
        passages.refuse_empty(report, source_dir)
        report.seconds = time.monotonic() - started
        meta["manifest"] = passages.manifest_of(name, source_dir, report)
        _store_meta(client, meta_name(name), meta)
        _store_synonyms(client, name, synonym_groups)
        holds_all = _holds(report.passages)
        for held in (name, shown_name(name)):
            path = f"/collections/{held}"
            skipped |= wait_for_replicas(client, path, holds_all, replication_timeout)
        uncompacted = compact_nodes(client.nodes, client.api_key, skip=skipped)
        client.put(f"/aliases/{alias}", {"collection_name": name})
        # Live on every node that answers when `kavosh index` returns.
        path = f"/aliases/{alias}"
        skipped |= wait_for_replicas(client, path, _names(name), replication_timeout)
    except BaseException as error:
        _drop(client, twins(name))
        if isinstance(error, BuildError | KeyboardInterrupt):
            raise
        raise BuildError(
            f"could not push the passages to Typesense ({_reason(error)}); "
            f"the alias {alias!r} still names the previous collection"
        ) from error
    # Every older generation goes, including leftovers of pushes that died.
    dropped = [c for n in previous for c in twins(collection_name(alias, n))]
    _drop(client, dropped)
    uncompacted |= compact_nodes(client.nodes, client.api_key, skip=skipped)
    for url in sorted(skipped):
        report.warnings.append((url, NODE_SKIPPED))
    for url, reason in sorted(uncompacted.items()):
        report.warnings.append((url, NOT_COMPACTED.format(reason=reason)))
    report.generation = name
    report.seconds = time.monotonic() - started
    return report


def _import_passages(client, name, corpus, splitter, report, progress) -> dict:
    tally = Tally()
    statistics = CollectionStatistics()
    sections: set[str] = set()
    speakers: set[str] = set()
    batch: list[dict] = []
    for document, passage, position in passages.each_passage(
        corpus, splitter, report, progress, tally
    ):
        fields = passage_document(document, passage, position)
        statistics.add(fields)
        batch.append(fields)
        if passage.section:
            sections.add(passage.section)
        if passage.speaker:
            speakers.add(passage.speaker)
        if len(batch) >= BATCH:
            _import_split(client, name, batch)
            batch = []
    if batch:
        _import_split(client, name, batch)
    return {
        "documents": tally.documents,
        "catalog": {"sections": sorted(sections), "speakers": sorted(speakers)},
        "vocabulary": tally.vocabulary(),
        "statistics": statistics.stored_parts(),
    }


def passage_document(document: Document, passage: Passage, position: int) -> dict:
    """One passage as a Typesense document: every field the Whoosh index
    stores, plus each searchable field's terms from our own analysis chain."""
    fields = passages.passage_fields(document, passage, position)
    fields.pop("tags", None)  # Whoosh's comma-joined keyword; here a list
    if document.tags:
        fields["tags"] = [tag.replace(",", " ").strip() for tag in document.tags]
    fields["text_terms"] = index_terms(passage.text)
    starts = encoded_starts(passage.text)
    if starts is not None:
        fields[STARTS_FIELD] = starts
    fields["title_terms"] = index_terms(document.title)
    if passage.section:
        # Headings are searched without the separator between their levels.
        fields["section_terms"] = index_terms(passage.section.replace(SECTION_SEPARATOR, " "))
    if passage.speaker:
        fields["speaker_terms"] = index_terms(passage.speaker)
    return fields


def _import_split(client, name: str, batch: list[dict]) -> None:
    """A batch of passages: what is searched into `name`, what is shown into its twin."""
    searched, shown = zip(*map(split_passage, batch), strict=True)
    _import(client, name, list(searched))
    _import(client, shown_name(name), list(shown))


def _import(client, name: str, batch: list[dict]) -> None:
    answers = client.import_documents(name, batch)
    refused = [a for a in answers if not a.get("success")]
    if refused:
        raise BuildError(
            f"Typesense refused {len(refused)} of {len(batch)} passages "
            f"(first: {refused[0].get('error', refused[0])})"
        )


def _store_meta(client, name: str, meta: dict) -> None:
    """Manifest, documents and catalog as one document each; the vocabulary in chunks."""
    parts = [
        {"id": key, "part": key, "json": json.dumps(meta[key], ensure_ascii=False)}
        for key in ("manifest", "documents", "catalog")
    ]
    forms = sorted(meta["vocabulary"].items())
    for number, start in enumerate(range(0, len(forms), VOCABULARY_CHUNK)):
        chunk = dict(forms[start : start + VOCABULARY_CHUNK])
        parts.append(
            {
                "id": f"vocabulary-{number:04d}",
                "part": "vocabulary",
                "json": json.dumps(chunk, ensure_ascii=False),
            }
        )
    _import(client, name, parts + meta["statistics"])


def synonym_terms(member: tuple[str, ...]) -> str:
    """A synonym member (folded words) as the terms a query sends for it."""
    return " ".join(stem(word) for word in member)


def _store_synonyms(client, name: str, groups) -> None:
    for number, group in enumerate(groups):
        members = list(dict.fromkeys(synonym_terms(member) for member in group))
        if len(members) > 1:
            client.put(f"/collections/{name}/synonyms/kavosh-{number}", {"synonyms": members})


def wait_for_replicas(client, path: str, ready: Callable[[dict], bool], timeout: float) -> set[str]:
    """Block until every node that answers says `ready` about what `path`
    returns; the nodes that refused connections (skipped).

    A node that refuses connections is down and is skipped (it catches up from
    the Raft log when it returns); a node that answers but lags is waited for.
    """
    deadline = time.monotonic() + timeout
    pending = list(client.nodes)
    down: set[str] = set()
    while pending:
        states = {url: _state(url, client.api_key, path, ready) for url in pending}
        down |= {url for url, state in states.items() if state == "down"}
        pending = [url for url, state in states.items() if state == "lagging"]
        if not pending:
            return down
        if time.monotonic() > deadline:
            raise BuildError(
                f"Typesense nodes {', '.join(pending)} did not apply {path} within {timeout:.0f} s"
            )
        time.sleep(0.1)
    return down


def _holds(expected: int) -> Callable[[dict], bool]:
    return lambda collection: collection.get("num_documents", 0) >= expected


def _names(collection: str) -> Callable[[dict], bool]:
    return lambda alias: alias.get("collection_name") == collection


def _state(url: str, api_key: str, path: str, ready: Callable[[dict], bool]) -> str:
    """ "ready", "lagging" (answers, not there yet) or "down" (refuses connections)."""
    request = urllib.request.Request(url + path, headers={"X-TYPESENSE-API-KEY": api_key})
    try:
        with urllib.request.urlopen(request, timeout=2) as response:
            return "ready" if ready(json.loads(response.read())) else "lagging"
    except urllib.error.HTTPError:
        return "lagging"  # not there yet (404) or not ready (503)
    except OSError:
        return "down"  # nothing to wait for


def live_collection(client, alias: str = DEFAULT_ALIAS) -> str | None:
    """The collection `alias` names, or None: no alias yet, or no cluster
    (a push would then say why)."""
    try:
        return client.get(f"/aliases/{alias}")["collection_name"]
    except Exception:
        return None


def _generations(client, alias: str) -> list[int]:
    numbers = (generation_number(alias, c["name"]) for c in client.get("/collections"))
    return sorted(n for n in numbers if n is not None)


def _drop(client, names: list[str]) -> None:
    for name in names:
        try:
            client.delete(f"/collections/{name}")
        except Exception:  # already gone, or the cluster is away: nothing to undo
            pass


def _reason(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:300]
