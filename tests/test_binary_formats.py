"""PDF and Word files, read as a reader cites them: real fixtures from Click's
documentation (tests/data/pdf, tests/data/docx; see their SOURCE.md).

The extracted text `read_source` returns is what the source viewer shows and
what every citation counts in; for a PDF, lines count within the page named
by `citation.page` (and `page_end`), whose start `SourceText.pages` holds.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from indexer.build import build_index
from indexer.corpus import read_corpus
from indexer.sources import SourceText, read_source
from tests.conftest import PROJECT, CitedFile, passages_of, stored_passages

PDF = PROJECT / "tests" / "data" / "pdf"
DOCX = PROJECT / "tests" / "data" / "docx"


@pytest.fixture(scope="module")
def binary_corpus(tmp_path_factory) -> Path:
    """The text PDF and the Word file in one folder (the scanned and encrypted
    PDFs have their own tests)."""
    folder = tmp_path_factory.mktemp("binary")
    shutil.copy(PDF / "why-click.pdf", folder)
    shutil.copy(DOCX / "parameters.docx", folder)
    return folder


@pytest.fixture(scope="module")
def documents(binary_corpus):
    return passages_of(binary_corpus)


def extracted(folder: Path, name: str) -> SourceText:
    source = read_source(folder / name, folder.resolve())
    assert isinstance(source, SourceText), source
    return source


def absolute_lines(citation: dict, pages: tuple[int, ...], text: str) -> dict:
    """The citation with its page-relative lines made file lines, so the
    invariant of tests/conftest.py (`CitedFile`) can check it."""
    if citation["page"] is None:
        return citation

    def first_line(page: int) -> int:
        return text.count("\n", 0, pages[page - 1])

    return {
        **citation,
        "line_start": citation["line_start"] + first_line(citation["page"]),
        "line_end": citation["line_end"] + first_line(citation["page_end"]),
    }


def citation_problems(source: SourceText, passage_text: str, citation: dict) -> list[str]:
    problems = CitedFile(source.text).problems(
        passage_text, absolute_lines(citation, source.pages, source.text)
    )
    if citation["page"] is not None:
        # The page holds the first cited character; page_end the last.
        for key, offset in (
            ("page", citation["char_start"]),
            ("page_end", citation["char_end"] - 1),
        ):
            page = sum(1 for start in source.pages if start <= offset)
            if citation[key] != page:
                problems.append(f"{key} {citation[key]} but character {offset} is on page {page}")
    return problems


class TestPdf:
    def test_pages_start_where_the_extracted_text_says(self, binary_corpus):
        source = extracted(binary_corpus, "why-click.pdf")
        assert source.pages == (0, 1054, 2196, 3523, 4801, 6025)
        assert source.text[1054:].startswith("argparse is that argparse does not allow proper")

    def test_title_sections_and_kinds(self, documents):
        document, passages = documents["why-click.pdf"]
        assert (document.title, document.format) == ("Why Click?", "pdf")
        assert [s for s in dict.fromkeys(p.section for p in passages)] == [
            None,
            "Why not Argparse?",
            "Why not Docopt etc.?",
            "Why Hardcoded Behaviors?",
            "Why No Auto Correction?",
        ]
        lists = [p.text for p in passages if p.kind == "list_item"]
        assert lists[0] == (
            "Is lazily composable without restrictions. Supports implementation of Unix/POSIX "
            "command line conventions. Supports loading values from environment variables out "
            "of the box. Support for prompting of custom values. Is fully nestable and "
            "composable. Supports file handling out of the box."
        )

    def test_a_paragraph_cut_by_a_page_break_is_one_passage_citing_both_pages(self, documents):
        _, passages = documents["why-click.pdf"]
        (crossing,) = [p for p in passages if p.text.startswith("Click actually implements")]
        assert crossing.text == (
            "Click actually implements its own parsing of arguments and does not use optparse "
            "or argparse following the optparse parsing behavior. The reason it's not based on "
            "argparse is that argparse does not allow proper nesting of commands by design and "
            "has some deficiencies when it comes to POSIX compliant argument handling."
        )
        citation = crossing.citation
        assert (citation.page, citation.line_start, citation.page_end, citation.line_end) == (
            1,
            33,
            2,
            3,
        )
        assert citation.label == "Why Click? — why-click.pdf, p. 1, line 33 – p. 2, line 3"

    def test_a_list_item_cut_by_a_page_break_is_joined_too(self, documents):
        _, passages = documents["why-click.pdf"]
        (item,) = [p for p in passages if p.text.startswith("argparse has built-in")]
        assert (item.kind, item.text[-84:]) == (
            "list_item",
            "of a command line. This goes against Click's ambitions of dispatching to subparsers.",
        )
        assert item.citation.label.endswith("why-click.pdf, p. 2, line 29 – p. 3, line 4")

    def test_a_passage_on_one_page_is_labelled_with_its_page(self, documents):
        _, passages = documents["why-click.pdf"]
        aim = next(p for p in passages if p.text.startswith("The other question is why"))
        assert aim.citation.label == (
            "Why Click? › Why Hardcoded Behaviors? — why-click.pdf, p. 5, lines 17–22"
        )
        assert (aim.citation.page, aim.citation.page_end) == (5, 5)
        assert "staying configurable. There are multiple reasons" in aim.text

    def test_running_headers_and_footers_are_dropped(self, binary_corpus):
        text = extracted(binary_corpus, "why-click.pdf").text
        # Chromium prints the date and title above, the address and "n/6" below.
        assert "file:" not in text
        assert not re.search(r"^\d+/6$|\d{1,2}:\d\d [AP]M", text, re.M)
        assert text.count("Why Click?") == 1  # the heading, not the header

    def test_no_ligature_glyphs_and_no_soft_hyphen_marks(self, binary_corpus):
        text = extracted(binary_corpus, "why-click.pdf").text
        assert not re.search("[\ufb00-\ufb06\ufffe\u00ad\u2010]", text)
        assert "Supports file handling out of the box." in text

    def test_words_hyphenated_at_a_line_end_are_whole(self, binary_corpus):
        """Chromium broke "unpredic‐" / "table" and three more words at line ends."""
        text = extracted(binary_corpus, "why-click.pdf").text
        assert "the behaviour becomes unpredictable\nwithout full knowledge" in text
        for word in ("composability", "functionality", "compatibility"):
            assert word in text
        assert not re.search(r"\b(?:unpredic|composab|func|comp)\n", text)

    def test_scanned_and_encrypted_pdfs_are_reported_by_name_and_the_rest_indexed(self, tmp_path):
        for name in ("why-click.pdf", "scanned.pdf", "encrypted.pdf"):
            shutil.copy(PDF / name, tmp_path)
        corpus = read_corpus(tmp_path)
        assert [s.relative_path for s in corpus.sources] == ["why-click.pdf"]
        assert {s.relative_path: s.reason for s in corpus.skipped} == {
            "encrypted.pdf": "encrypted",
            "scanned.pdf": "no text layer (scanned?)",
        }


class TestWord:
    def test_one_paragraph_per_line_of_the_extracted_text(self, binary_corpus):
        source = extracted(binary_corpus, "parameters.docx")
        lines = source.text.splitlines()
        assert source.pages == ()
        assert lines[:2] == [
            "Parameters",
            "Click supports two types of parameters for scripts: options and arguments. There "
            "is generally some confusion among authors of command line scripts of when to use "
            "which, so here is a quick overview of the differences. As its name indicates, an "
            "option is optional. While arguments can be optional within reason, they are much "
            "more restricted in how optional they can be.",
        ]
        assert lines[12:14] == [
            "Type | Description",
            "str / click.STRING | The default parameter type which indicates unicode strings.",
        ]

    def test_headings_list_and_table(self, documents):
        document, passages = documents["parameters.docx"]
        assert (document.title, document.format) == ("Parameters", "docx")
        by_kind = {p.kind: p for p in reversed(passages)}
        assert by_kind["list_item"].text == (
            "automatic prompting for missing input act as flags (boolean or otherwise) option "
            "values can be pulled from environment variables, arguments can not"
        )
        table = by_kind["table"]
        assert table.section == "Parameter Types"
        assert table.text.startswith(
            "Type | Description str / click.STRING | The default parameter type which indicates "
            "unicode strings. int / click.INT | A parameter that only accepts integers."
        )
        assert table.citation.label == (
            "Parameters › Parameter Types — parameters.docx, paragraphs 13–18"
        )
        assert (table.citation.page, table.citation.page_end) == (None, None)

    def test_sections_come_from_heading_styles(self, documents):
        _, passages = documents["parameters.docx"]
        assert list(dict.fromkeys(p.section for p in passages)) == [
            None,
            "Differences",
            "Parameter Types",
            "Parameter Names",
        ]


class TestCitationInvariant:
    def test_every_passage_cites_its_words_in_the_text_the_viewer_shows(
        self, binary_corpus, documents
    ):
        broken = []
        for document, passages in documents.values():
            source = extracted(binary_corpus, document.path)
            for passage in passages:
                problems = citation_problems(source, passage.text, passage.citation.to_dict())
                if problems:
                    broken.append((passage.citation.label, problems))
        assert broken == []
        assert sum(len(passages) for _, passages in documents.values()) == 39

    def test_every_stored_citation_keeps_its_pages(self, binary_corpus, tmp_path):
        report = build_index(binary_corpus, tmp_path / "index")
        assert (report.documents, report.skipped) == (2, [])
        stored = stored_passages(tmp_path / "index")
        assert len(stored) == report.passages == 39
        broken = []
        for fields in stored:
            citation = fields["citation"]
            source = extracted(binary_corpus, citation["file"])
            if citation_problems(source, fields["text"], citation):
                broken.append(citation["label"])
        assert broken == []
        pages = {c["page"] for c in (f["citation"] for f in stored) if c["file"].endswith(".pdf")}
        assert pages == {1, 2, 3, 4, 5, 6}
