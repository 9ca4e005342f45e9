"""The citation invariant, on every passage: each word of the passage occurs
in the lines it cites, and its characters lie inside those lines. Checked on
the passages as cut, and as read back from the stored `citation` field."""

from __future__ import annotations

import shutil

import pytest

from indexer.build import build_index
from tests.conftest import (
    SEEDS,
    WIKITEXT,
    CitedFile,
    decoded_text,
    passages_of,
    stored_passages,
)


def broken_citations(root, documents):
    files: dict[str, CitedFile] = {}
    broken = []
    for document, passages in documents.values():
        if document.path not in files:
            files[document.path] = CitedFile(decoded_text(root, document.path))
        for passage in passages:
            problems = files[document.path].problems(passage.text, passage.citation.__dict__)
            if problems:
                broken.append((passage.citation.label, problems))
    return broken


def broken_stored_citations(root, stored):
    files: dict[str, CitedFile] = {}
    broken = []
    for fields in stored:
        citation = fields["citation"]
        if citation["file"] not in files:
            files[citation["file"]] = CitedFile(decoded_text(root, citation["file"]))
        problems = files[citation["file"]].problems(fields["text"], citation)
        if problems:
            broken.append((citation["label"], problems))
    return broken


class TestSeedCitations:
    def test_every_passage_cites_its_words(self, seeds):
        assert broken_citations(SEEDS, seeds) == []

    def test_every_stored_citation_cites_its_words(self, seeds_index, seeds):
        index_dir, _ = seeds_index
        stored = stored_passages(index_dir)
        assert len(stored) == sum(len(passages) for _, passages in seeds.values())
        assert broken_stored_citations(SEEDS, stored) == []

    def test_label_names_title_section_file_and_lines(self, seeds):
        _, passages = seeds["000_b7ea360d4f698762.txt"]
        foundation = next(p for p in passages if p.section == "History › Foundation")
        assert foundation.citation.label == (
            "Worker-communist Party of Iran › History › Foundation"
            " — 000_b7ea360d4f698762.txt, line 24"
        )
        assert foundation.citation.anchor == "L24-L24"


@pytest.mark.slow
class TestWikiTextCitations:
    def test_every_passage_of_wikitext_2_cites_its_words(self):
        documents = passages_of(WIKITEXT)
        assert len(documents) > 700
        assert broken_citations(WIKITEXT, documents) == []

    def test_every_stored_citation_of_valid_and_test_cites_its_words(self, tmp_path):
        corpus = tmp_path / "wikitext"
        corpus.mkdir()
        for name in ("valid.txt.gz", "test.txt.gz"):
            shutil.copy(WIKITEXT / name, corpus / name)
        report = build_index(corpus, tmp_path / "index")
        assert (report.documents, report.skipped) == (122, [])
        stored = stored_passages(tmp_path / "index")
        assert len(stored) == report.passages
        assert broken_stored_citations(corpus, stored) == []
