"""The three corpora, loaded into one shape every engine can index.

A `Corpus` holds the units peers index (SciFact abstracts; WikiText and seed
paragraphs, each with its article's title as a field) and the folder Kavosh
indexes itself, because Kavosh reads files and cuts its own passages. SciFact
has no files, so each abstract is written once as `<_id>.md`; Kavosh's
results are mapped back to abstracts by that file name.
"""

from __future__ import annotations

import gzip
import json
import random
import re
from dataclasses import dataclass
from pathlib import Path

from bench.anchors import read_wikitext

REPO = Path(__file__).resolve().parent.parent
DATA = REPO.parent / "shared" / "data"
SCIFACT = DATA / "scifact"
WIKITEXT = DATA / "wikitext-2"
SEEDS = REPO / "seeds"
CORPORA = ("scifact", "wikitext", "seeds")
ORDER_SEED = 7

# The --quick corpus: the judged abstracts of the quick queries plus this many
# others, so `make test` builds every engine in seconds, not minutes.
QUICK_EXTRA_DOCUMENTS = 400


@dataclass(frozen=True)
class Unit:
    """One thing a peer engine indexes and returns: an abstract or a paragraph."""

    id: str
    title: str
    text: str


@dataclass
class Corpus:
    """What the engines index and how their answers are judged.

    :param qrels: relevance judgments by query id (SciFact only); without them
        relevance is judged by the text of the top results (see `relevance`).
    :param kavosh_source: the folder Kavosh's own indexer reads.
    :param by_document: results are abstracts, so Kavosh's passages are
        collapsed to their best-ranked passage per file.
    :param query_units: the units queries are drawn from, when not all of
        them (a scaled corpus asks every size the queries of its first copy).
    """

    name: str
    units: list[Unit]
    kavosh_source: Path
    qrels: dict[str, dict[str, int]] | None = None
    by_document: bool = False
    query_units: list[Unit] | None = None

    def text_of(self, unit_id: str) -> str | None:
        if not hasattr(self, "_texts"):
            self._texts = {unit.id: f"{unit.title}\n{unit.text}" for unit in self.units}
        return self._texts.get(unit_id)


def load(name: str, workdir: Path, *, quick: bool = False) -> Corpus:
    """Load corpus `name`, writing any files Kavosh needs under `workdir`."""
    if name == "scifact":
        return load_scifact(workdir, quick=quick)
    if name == "wikitext":
        units = [Unit(p.id, p.title, p.text) for p in read_wikitext(WIKITEXT)]
        return Corpus("wikitext", units, WIKITEXT)
    if name == "seeds":
        return Corpus("seeds", seed_paragraphs(SEEDS), SEEDS)
    from bench import scaling

    copies = scaling.copies_of(name)
    if copies:
        return scaling.load_scaled(copies, workdir)
    raise ValueError(f"unknown corpus {name!r}; choose from {', '.join(CORPORA)}")


def scifact_queries() -> dict[str, str]:
    """The 300 test claims, by query id, in a fixed shuffled order.

    Shuffled so that any prefix is a random sample: an engine stopped by its
    time limit part-way is still judged on a fair sample of the claims.
    """
    texts = {}
    with open(SCIFACT / "queries.jsonl", encoding="utf-8") as handle:
        for line in handle:
            query = json.loads(line)
            texts[query["_id"]] = query["text"]
    order = list(scifact_qrels())
    random.Random(ORDER_SEED).shuffle(order)
    return {qid: texts[qid] for qid in order}


def training_claims() -> dict[str, str]:
    """The claims that are not test queries: a warm-up that primes no cache."""
    test = scifact_qrels()
    with open(SCIFACT / "queries.jsonl", encoding="utf-8") as handle:
        claims = (json.loads(line) for line in handle)
        return {c["_id"]: c["text"] for c in claims if c["_id"] not in test}


def scifact_qrels() -> dict[str, dict[str, int]]:
    """Judgments by query id; the file has CRLF line endings (see SOURCE.md)."""
    qrels: dict[str, dict[str, int]] = {}
    lines = (SCIFACT / "qrels" / "test.tsv").read_text("utf-8").splitlines()[1:]
    for line in lines:
        qid, did, score = line.strip().split("\t")
        qrels.setdefault(qid, {})[did] = int(score)
    return qrels


def load_scifact(workdir: Path, *, quick: bool = False) -> Corpus:
    with gzip.open(SCIFACT / "corpus.jsonl.gz", "rt", encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle]
    units = [Unit(row["_id"], row["title"], row["text"]) for row in rows]
    qrels = scifact_qrels()
    if quick:
        from bench.queries import QUICK_QUERIES

        quick_ids = list(scifact_queries())[:QUICK_QUERIES]
        judged = {did for qid in quick_ids for did in qrels[qid]}
        extra = {unit.id for unit in units[:QUICK_EXTRA_DOCUMENTS]}
        units = [unit for unit in units if unit.id in judged or unit.id in extra]
    source = Path(workdir) / ("scifact-quick" if quick else "scifact") / "corpus"
    write_markdown(units, source)
    return Corpus("scifact", units, source, qrels=qrels, by_document=True)


def write_markdown(units: list[Unit], folder: Path) -> None:
    """Write each unit as `<id>.md` (`# title`, blank line, text), once.

    A stamp with the unit count makes a second run skip the 5,183 writes, and
    a changed corpus (quick against full) rewrite the folder.
    """
    stamp = folder / ".complete"
    if stamp.exists() and stamp.read_text() == str(len(units)):
        return
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.md"):
        stale.unlink()
    for unit in units:
        (folder / f"{unit.id}.md").write_text(f"# {unit.title}\n\n{unit.text}\n", "utf-8")
    stamp.write_text(str(len(units)))


_SEED_HEADING = re.compile(r"^\s*(=+[^=].*?=+|#{1,6}\s.*)\s*$")


def seed_paragraphs(folder: Path) -> list[Unit]:
    """The seed files cut at blank lines, headings dropped, lines joined.

    The title is the file's first heading, as a reader would name it.
    """
    units: list[Unit] = []
    for path in sorted(Path(folder).glob("*.txt")):
        title, block, number = "", [], 0
        lines = path.read_text("utf-8").splitlines() + [""]
        for line in lines:
            heading = _SEED_HEADING.match(line)
            if heading and not title:
                title = heading.group(1).strip("=# ").strip()
            if line.strip() and not heading:
                block.append(line.strip())
                continue
            if block:
                units.append(Unit(f"{path.stem}-{number}", title, " ".join(block)))
                block, number = [], number + 1
    return units
