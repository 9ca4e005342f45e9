"""Each format a corpus may hold, read into documents and passages as a reader
would expect them: titles, section paths, markup removed, exact citations."""

from __future__ import annotations

from tests.conftest import citation_problems, decoded_text

# A Markdown line break: two spaces at the end of a line.
LINE_BREAK = "  "

MARKDOWN = f"""\
# Kavosh Notes

The notes open with **bold** words, *italic* words and _underlined_ ones, which is enough.

## History

### Foundation

The first line ends with two spaces{LINE_BREAK}
and the second line carries on the same sentence.

## Status

Kavosh is in **active** use today.
"""

WIKI = """\
= Sample Party =

Sample Party
- Founder: Jane Doe
- Chairperson: John Roe
- Ideology: Communism, Workerism

The Sample Party is a party that was founded in 1991 and that has been banned ever since.

==Status==
The party is '''banned''' in [[Iran|the country]] today.

== History ==

=== Foundation ===
It was founded by Jane Doe in a small flat.
"""

HTML = """\
<!doctype html>
<html>
<head>
  <title>Field Notes</title>
  <style>.secret { color: red }</style>
  <script>var stylesheet = "scripted words";</script>
</head>
<body>
<nav>Menu Home Navigation</nav>
<h1>Field Notes</h1>
<p>Opening paragraph about the field &amp; the river.</p>
<h2>History</h2>
<h3>Foundation</h3>
<p>Founded in <b>1991</b> by <a href="/people">river people</a>.</p>
<ul><li>First list item</li><li>Second list item</li></ul>
<h2>Status</h2>
<p>Still flowing.</p>
<script>alert("javascript words")</script>
</body>
</html>
"""

WIKITEXT = (
    " = First Article = \n"
    " \n"
    " The first @-@ born article has 1 @,@ 000 words and a <unk> in it . \n"
    " \n"
    " = = Career = = \n"
    " \n"
    " Its career text is here . \n"
    " \n"
    " = = = Early years = = = \n"
    " \n"
    " The early years were quiet . \n"
    " \n"
    " = Second Article = \n"
    " \n"
    " The second body text . \n"
    " \n"
)


def only_document(documents):
    assert len(documents) == 1, list(documents)
    return next(iter(documents.values()))


def by_section(passages):
    return {passage.section: passage for passage in passages}


class TestPlainText:
    def test_paragraphs_become_passages_titled_by_file_name(self, write_corpus, read_passages):
        text = (
            "The river rose in the spring of that year and flooded the lower town for a week.\n"
            "\n"
            "The council met afterwards and voted to build a wall along the whole bank.\n"
        )
        document, passages = only_document(read_passages(write_corpus({"river.txt": text})))
        assert (document.title, document.format) == ("river.txt", "plain")
        assert [p.text for p in passages] == [
            "The river rose in the spring of that year and flooded the lower town for a week.",
            "The council met afterwards and voted to build a wall along the whole bank.",
        ]
        assert [(p.citation.line_start, p.citation.line_end) for p in passages] == [(1, 1), (3, 3)]


class TestMarkdown:
    def test_headings_give_the_title_and_section_paths(self, write_corpus, read_passages):
        document, passages = only_document(read_passages(write_corpus({"notes.md": MARKDOWN})))
        assert (document.title, document.format) == ("Kavosh Notes", "markdown")
        assert [p.section for p in passages] == [None, "History › Foundation", "Status"]

    def test_emphasis_marks_are_removed(self, write_corpus, read_passages):
        _, passages = only_document(read_passages(write_corpus({"notes.md": MARKDOWN})))
        assert passages[0].text == (
            "The notes open with bold words, italic words and underlined ones, which is enough."
        )
        assert by_section(passages)["Status"].text == "Kavosh is in active use today."

    def test_trailing_double_space_line_breaks_are_joined(self, write_corpus, read_passages):
        _, passages = only_document(read_passages(write_corpus({"notes.md": MARKDOWN})))
        foundation = by_section(passages)["History › Foundation"]
        assert foundation.text == (
            "The first line ends with two spaces and the second line carries on the same sentence."
        )
        assert (foundation.citation.line_start, foundation.citation.line_end) == (9, 10)

    def test_a_file_starting_at_a_second_level_heading_keeps_it_as_a_section(
        self, write_corpus, read_passages
    ):
        text = "## Usage\n\nRun the tool with a folder of files and wait for the summary line.\n"
        document, passages = only_document(read_passages(write_corpus({"usage.md": text})))
        assert document.title == "usage.md"
        assert [p.section for p in passages] == ["Usage"]


class TestMediaWiki:
    def test_headings_with_and_without_spaces_give_sections(self, write_corpus, read_passages):
        document, passages = only_document(read_passages(write_corpus({"party.txt": WIKI})))
        assert (document.title, document.format) == ("Sample Party", "wiki")
        sections = [p.section for p in passages if p.section]
        assert sections == ["Status", "History › Foundation"]

    def test_infobox_lines_become_one_infobox_passage_and_facts(self, write_corpus, read_passages):
        document, passages = only_document(read_passages(write_corpus({"party.txt": WIKI})))
        assert document.facts == {
            "Founder": "Jane Doe",
            "Chairperson": "John Roe",
            "Ideology": "Communism, Workerism",
        }
        infoboxes = [p for p in passages if p.kind == "infobox"]
        assert len(infoboxes) == 1
        assert infoboxes[0].text == (
            "Founder: Jane Doe; Chairperson: John Roe; Ideology: Communism, Workerism"
        )
        assert (infoboxes[0].citation.line_start, infoboxes[0].citation.line_end) == (4, 6)

    def test_bold_quotes_and_links_are_cleaned(self, write_corpus, read_passages):
        _, passages = only_document(read_passages(write_corpus({"party.txt": WIKI})))
        assert by_section(passages)["Status"].text == "The party is banned in the country today."

    def test_source_without_a_title_line_keeps_its_first_section(self, write_corpus, read_passages):
        text = "==Status==\nBanned in the country.\n\n== History ==\nFounded long ago.\n"
        document, passages = only_document(read_passages(write_corpus({"party.wiki": text})))
        assert (document.title, document.format) == ("party.wiki", "wiki")
        assert [(p.section, p.text) for p in passages] == [
            ("Status", "Banned in the country."),
            ("History", "Founded long ago."),
        ]


class TestHtml:
    def test_title_and_headings_give_sections(self, write_corpus, read_passages):
        document, passages = only_document(read_passages(write_corpus({"notes.html": HTML})))
        assert (document.title, document.format) == ("Field Notes", "html")
        assert [(p.section, p.text) for p in passages] == [
            (None, "Opening paragraph about the field & the river."),
            ("History › Foundation", "Founded in 1991 by river people."),
            ("History › Foundation", "First list item Second list item"),
            ("Status", "Still flowing."),
        ]

    def test_script_style_and_nav_text_is_dropped(self, write_corpus, read_passages):
        _, passages = only_document(read_passages(write_corpus({"notes.html": HTML})))
        everything = " ".join(p.text for p in passages)
        for hidden in ("scripted", "javascript", "secret", "Menu", "Navigation"):
            assert hidden not in everything

    def test_inline_tags_add_no_spaces_but_line_breaks_do(self, write_corpus, read_passages):
        page = (
            "<p>Born in <b>1991</b>, by <a href='#'>river</a>side people.<br>Then <i>more</i>.</p>"
        )
        _, passages = only_document(read_passages(write_corpus({"page.html": page})))
        assert [p.text for p in passages] == ["Born in 1991, by riverside people. Then more."]

    def test_citations_hold_their_words(self, write_corpus, read_passages):
        root = write_corpus({"notes.html": HTML})
        _, passages = only_document(read_passages(root))
        text = decoded_text(root, "notes.html")
        for passage in passages:
            citation = passage.citation.__dict__
            assert citation_problems(text, passage.text, citation) == [], passage


class TestGzip:
    def test_compressed_files_are_read_transparently(self, write_corpus, read_passages):
        root = write_corpus({"notes.md.gz": MARKDOWN, "party.txt.gz": WIKI, "page.html.gz": HTML})
        documents = read_passages(root)
        assert {doc.id: (doc.title, doc.format) for doc, _ in documents.values()} == {
            "notes.md.gz": ("Kavosh Notes", "markdown"),
            "party.txt.gz": ("Sample Party", "wiki"),
            "page.html.gz": ("Field Notes", "html"),
        }
        assert documents["party.txt.gz"][0].facts["Founder"] == "Jane Doe"

    def test_citations_count_in_the_decompressed_text(self, write_corpus, read_passages):
        root = write_corpus({"notes.md.gz": MARKDOWN, "party.txt.gz": WIKI})
        documents = read_passages(root)
        status = by_section(documents["notes.md.gz"][1])["Status"]
        assert (status.citation.line_start, status.citation.line_end) == (14, 14)
        cited = MARKDOWN[status.citation.char_start : status.citation.char_end]
        assert cited == "Kavosh is in **active** use today."
        for name, plain in (("notes.md.gz", MARKDOWN), ("party.txt.gz", WIKI)):
            for passage in documents[name][1]:
                assert citation_problems(plain, passage.text, passage.citation.__dict__) == []


class TestWikiText:
    def test_title_lines_start_new_documents(self, write_corpus, read_passages):
        documents = read_passages(write_corpus({"wiki.valid.txt": WIKITEXT}))
        assert [(doc.id, doc.title, doc.format) for doc, _ in documents.values()] == [
            ("wiki.valid.txt#1", "First Article", "wikitext"),
            ("wiki.valid.txt#2", "Second Article", "wikitext"),
        ]
        assert [p.text for p in documents["wiki.valid.txt#2"][1]] == ["The second body text ."]

    def test_spaced_headings_give_sections(self, write_corpus, read_passages):
        documents = read_passages(write_corpus({"wiki.valid.txt": WIKITEXT}))
        _, passages = documents["wiki.valid.txt#1"]
        assert [p.section for p in passages] == [None, "Career", "Career › Early years"]

    def test_at_joins_are_undone(self, write_corpus, read_passages):
        documents = read_passages(write_corpus({"wiki.valid.txt": WIKITEXT}))
        first = documents["wiki.valid.txt#1"][1][0]
        assert first.text == "The first-born article has 1,000 words and a <unk> in it ."
        assert (first.citation.line_start, first.citation.line_end) == (3, 3)
