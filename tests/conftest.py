"""Shared fixtures: real files in `tmp_path`, indexed by the real indexer.

- `write_corpus(files)` writes a small corpus folder (`.gz` names are gzipped);
- `read_passages(folder)` runs the pure half of a build and returns
  `{document id: (Document, [Passage, …])}`;
- `seeds_index` builds the seeds once per session; `seeds` reads them once.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from app.search.stored_records import open_records
from app.settings import SETTINGS
from indexer.build import BuildReport, build_index
from indexer.corpus import documents_of, read_corpus, train_splitter
from indexer.generations import GenerationStore
from indexer.models import Document, Passage
from indexer.sources import read_source
from indexer.stored_records import STARTS

PROJECT = Path(__file__).resolve().parent.parent
SEEDS = PROJECT / "seeds"
ARTICLE = "000_b7ea360d4f698762.txt"
INTERVIEW = "004_b6066c2c267af41c.txt"
# `../shared` beside the repository: the benchmark data, present in CI too.
WIKITEXT = PROJECT.parent / "shared" / "data" / "wikitext-2"

Documents = dict[str, tuple[Document, list[Passage]]]
WORD = re.compile(r"\w+")


@pytest.fixture
def write_corpus(tmp_path: Path) -> Callable[..., Path]:
    """Write `{relative name: text or bytes}` into a fresh folder and return it."""

    def write(files: dict[str, str | bytes], folder: str = "corpus") -> Path:
        root = tmp_path / folder
        root.mkdir(parents=True, exist_ok=True)
        for name, content in files.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            data = content.encode("utf-8") if isinstance(content, str) else content
            if name.endswith(".gz"):
                data = gzip.compress(data)
            path.write_bytes(data)
        return root

    return write


def passages_of(folder: Path) -> Documents:
    """Every document of `folder` with its passages, as a build would cut them."""
    corpus = read_corpus(folder)
    splitter = train_splitter(corpus)
    found: Documents = {}
    for source in corpus.sources:
        for document, passages in documents_of(source, splitter):
            found[document.id] = (document, passages)
    return found


@pytest.fixture
def read_passages() -> Callable[[Path], Documents]:
    return passages_of


def stored_passages(index_dir: Path) -> list[dict]:
    """The stored fields of every passage in the live generation of `index_dir`."""
    folder = GenerationStore(index_dir).current()
    count = len(np.load(folder / STARTS)) - 1
    records = open_records(folder, count, whoosh_stores=False)
    return [records(docnum) for docnum in range(count)]


def decoded_text(root: Path, relative_path: str) -> str:
    """The text a citation counts in: decoded, and decompressed for `.gz`."""
    source = read_source(root / relative_path, root.resolve())
    assert not hasattr(source, "reason"), source
    return source.text


class CitedFile:
    """A decoded file, ready to check many citations into it.

    The invariant: every word of a passage occurs in the lines it cites, and
    its character span lies inside those lines.
    """

    def __init__(self, text: str):
        self.lines = text.split("\n")
        self.line_starts = [0]
        for line in self.lines[:-1]:
            self.line_starts.append(self.line_starts[-1] + len(line) + 1)

    def problems(self, passage_text: str, citation: dict) -> list[str]:
        """Why `citation` does not hold `passage_text`; empty when it does."""
        first, last = citation["line_start"], citation["line_end"]
        if not 1 <= first <= last <= len(self.lines):
            return [f"lines {first}–{last} outside a file of {len(self.lines)} lines"]
        low = self.line_starts[first - 1]
        high = self.line_starts[last - 1] + len(self.lines[last - 1])
        problems = []
        if not low <= citation["char_start"] < citation["char_end"] <= high:
            span = (citation["char_start"], citation["char_end"])
            problems.append(f"chars {span} outside lines {first}–{last} ({low}, {high})")
        cited = "\n".join(self.lines[first - 1 : last])
        missing = sorted({word for word in WORD.findall(passage_text) if word not in cited})
        if missing:
            problems.append(f"words not in lines {first}–{last}: {missing[:10]}")
        return problems


def citation_problems(text: str, passage_text: str, citation: dict) -> list[str]:
    """`CitedFile(text).problems(…)`, for a single passage."""
    return CitedFile(text).problems(passage_text, citation)


@pytest.fixture(scope="session")
def seeds() -> Documents:
    return passages_of(SEEDS)


@pytest.fixture(scope="session")
def seeds_index(tmp_path_factory) -> tuple[Path, BuildReport]:
    """The seeds, built once into a session folder: (index folder, report)."""
    index_dir = tmp_path_factory.mktemp("seeds-index")
    return index_dir, build_index(SEEDS, index_dir)


@pytest.fixture
def settings_env(monkeypatch, tmp_path: Path) -> Path:
    """No KAVOSH_* settings from the caller's shell, and a private instance folder
    (so the default index folder is under `tmp_path`, never the project's)."""
    for setting in SETTINGS:
        monkeypatch.delenv(f"KAVOSH_{setting.name}", raising=False)
    instance = tmp_path / "instance"
    instance.mkdir()
    monkeypatch.setenv("KAVOSH_INSTANCE_PATH", str(instance))
    return instance


# -- the web app ----------------------------------------------------------------

# Small vivid files the web tests search beside the seeds: one per format, and
# one in Persian. Each holds words found nowhere else ("foghorn", "bollard",
# "کتابخانه"), so a test can tell exactly which file answered.
VIVID = {
    "lighthouse.md": (
        "# The Lighthouse Keeper's Log\n"
        "\n"
        "## Storms\n"
        "\n"
        "On the night of the great storm the foghorn sounded until dawn.\n"
        "Ada Quill kept the lamp lit and counted forty gulls on the gallery.\n"
        "\n"
        "The second storm broke a window; the foghorn froze at midnight.\n"
        "\n"
        "## Supplies\n"
        "\n"
        "Paraffin, bread and matches came by boat every second Tuesday.\n"
    ),
    "harbour.html": (
        "<!doctype html><html lang='en'><head><title>Harbour Master's Notes</title></head>"
        "<body><h1>Harbour Master's Notes</h1>\n"
        "<h2>Tides</h2>\n"
        "<p>The spring tide covered the lowest bollard by noon.</p>\n"
        "<h2>Ships</h2>\n"
        "<p>The schooner Petrel tied up at the north bollard with a cargo of salt.</p>\n"
        "</body></html>\n"
    ),
    "fa/library.txt": (
        "# کتابخانه ملی\n"
        "\n"
        "کتابخانه ملی ایران در تهران است و هر روز صدها خواننده دارد.\n"
        "\n"
        "در کتابخانه نسخه‌های خطی قدیمی نگهداری می‌شود.\n"
    ),
}


def copy_seeds(folder: Path) -> Path:
    """The seeds and the vivid files in `folder`, ready to index."""
    folder.mkdir(parents=True, exist_ok=True)
    for seed in SEEDS.iterdir():
        if seed.is_file():
            (folder / seed.name).write_bytes(seed.read_bytes())
    for name, text in VIVID.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, "utf-8")
    return folder


@pytest.fixture(scope="session")
def web_corpus(tmp_path_factory) -> tuple[Path, Path]:
    """The seeds plus `VIVID`, indexed once per session: (source folder, index folder).

    Tests must not change it; a test that rebuilds builds its own (`fresh_corpus`).
    """
    root = tmp_path_factory.mktemp("web")
    source_dir = copy_seeds(root / "corpus")
    build_index(source_dir, root / "index")
    return source_dir, root / "index"


@pytest.fixture
def fresh_corpus(tmp_path: Path) -> tuple[Path, Path]:
    """Like `web_corpus`, but private to one test, which may edit and rebuild it."""
    source_dir = copy_seeds(tmp_path / "corpus")
    build_index(source_dir, tmp_path / "index")
    return source_dir, tmp_path / "index"


def make_app(source_dir: Path, index_dir: Path, **config):
    """The real app over an index folder, as `kavosh serve` builds it."""
    from app import create_app

    return create_app({"TESTING": True, "SOURCE_DIR": source_dir, "INDEX_DIR": index_dir, **config})


@pytest.fixture
def app(settings_env, web_corpus):
    return make_app(*web_corpus)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """A failing test that used a live `server` fixture shows what the server said."""
    report = yield
    server = getattr(item, "funcargs", {}).get("server")
    if report.failed and hasattr(server, "output"):
        report.sections.append(("kavosh server output", server.output()))
    return report
