"""Markdown, reStructuredText, HTML and plain text read as a new user's docs
folder needs them: real Flask (.rst) and click (.md) pages in `tests/data`,
and small vivid files for each rule. Code is found by its identifiers through
the real search core, and every passage of every fixture keeps the citation
invariant."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from app.search import SearchService
from indexer.build import build_index
from indexer.formats.markdown_inline import inline_text
from tests.conftest import CitedFile, decoded_text, passages_of

DATA = Path(__file__).parent / "data"
FLASK = DATA / "flask-rst"
CLICK = DATA / "click-md"


def only(documents):
    assert len(documents) == 1, list(documents)
    return next(iter(documents.values()))


@pytest.fixture(scope="module")
def flask_docs():
    return passages_of(FLASK)


@pytest.fixture(scope="module")
def click_docs():
    return passages_of(CLICK)


@pytest.fixture(scope="module")
def docs_service(tmp_path_factory):
    """Flask's and click's pages in one folder, built into a real index."""
    folder = tmp_path_factory.mktemp("docs")
    shutil.copytree(FLASK, folder / "flask", ignore=shutil.ignore_patterns("*.txt"))
    shutil.copytree(CLICK, folder / "click", ignore=shutil.ignore_patterns("*.txt"))
    index_dir = tmp_path_factory.mktemp("docs-index")
    report = build_index(folder, index_dir)
    assert report.skipped == []
    service = SearchService(index_dir)
    yield service
    service.close()


class TestMarkdown:
    def test_a_list_item_with_continuation_lines_is_one_item(self, write_corpus):
        text = "# Items\n\n- The first item\n  goes on here.\n  - a nested item\n- The second\n"
        _, passages = only(passages_of(write_corpus({"items.md": text})))
        assert [(p.kind, p.text) for p in passages] == [
            ("list_item", "The first item goes on here. a nested item The second"),
        ]
        long = "- " + "word " * 20 + "\n  " + "more " * 5 + "\n- second item of many words " * 1
        _, passages = only(passages_of(write_corpus({"long.md": long}, folder="long")))
        assert passages[0].text == ("word " * 20 + "more " * 5).strip()
        assert (passages[0].citation.line_start, passages[0].citation.line_end) == (1, 2)

    def test_code_is_verbatim_with_its_language_in_a_field(self, write_corpus):
        text = (
            "Setup\n=====\n\nRun `npm install --save-dev kavosh` first.\n\n"
            "```python\nclass App:\n    def __init__(self, url_prefix):\n"
            "        self.app = Flask(__name__)\n```\n\n    indented_code = 1\n"
        )
        document, passages = only(passages_of(write_corpus({"setup.md": text})))
        assert document.title == "Setup"
        assert [(p.kind, p.language, p.text) for p in passages] == [
            ("paragraph", None, "Run npm install --save-dev kavosh first."),
            (
                "code",
                "python",
                "class App:\n    def __init__(self, url_prefix):\n"
                "        self.app = Flask(__name__)",
            ),
            ("code", None, "indented_code = 1"),
        ]
        assert (passages[1].citation.line_start, passages[1].citation.line_end) == (7, 9)

    def test_tables_quotes_links_images_and_html(self, write_corpus):
        text = (
            "| Option | Meaning |\n|---|---|\n| `--debug` | reload on change |\n\n"
            "> Quoted ~~old~~ words.\n\n"
            "See [the guide](https://example.org/guide) and ![a river map](map.png).\n\n"
            "<div class='note'><p>Raw <b>HTML</b> note</p></div>\n"
        )
        _, passages = only(passages_of(write_corpus({"page.md": text})))
        assert [(p.kind, p.text) for p in passages] == [
            ("table", "Option | Meaning\n--debug | reload on change"),
            ("paragraph", "Quoted old words."),
            ("paragraph", "See the guide (https://example.org/guide) and a river map."),
            ("paragraph", "Raw HTML note"),
        ]

    def test_front_matter_gives_title_author_date_and_tags(self, write_corpus):
        yaml_page = (
            "---\ntitle: Deploying Kavosh\nauthor: Jane Doe\ndate: 2026-01-19\n"
            "tags: [deploy, ops]\n---\n\n# Deploying Kavosh\n\nUse gunicorn behind a proxy.\n"
        )
        toml_page = '+++\ntitle = "Config"\ntags = ["settings"]\n+++\n\nSet the folder.\n'
        documents = passages_of(write_corpus({"deploy.md": yaml_page, "config.md": toml_page}))
        deploy, passages = documents["deploy.md"]
        assert (deploy.title, deploy.author, deploy.date, deploy.tags) == (
            "Deploying Kavosh",
            "Jane Doe",
            "2026-01-19",
            ("deploy", "ops"),
        )
        assert [(p.section, p.text, p.citation.line_start) for p in passages] == [
            (None, "Use gunicorn behind a proxy.", 10)
        ]
        config, passages = documents["config.md"]
        assert (config.title, config.tags) == ("Config", ("settings",))
        assert passages[0].citation.line_start == 6

    def test_click_pages(self, click_docs):
        document, passages = click_docs["quickstart.md"]
        assert (document.title, document.format) == ("Quickstart", "markdown")
        install = [p for p in passages if p.section == "Install"]
        assert [(p.kind, p.language, p.text) for p in install] == [
            ("paragraph", None, "Install from PyPI:"),
            ("code", "console", "pip install click"),
            (
                "paragraph",
                None,
                "Installing into a virtual environment is highly recommended."
                " We suggest virtualenv-heading.",
            ),
        ]
        # The `{eval-rst}` fence is reStructuredText: its example is Python code.
        examples = [p.text for p in passages if p.kind == "code" and p.language == "python"]
        assert "if __name__ == '__main__':\n    hello()" in examples

    def test_myst_admonitions_keep_their_title_and_body(self, click_docs):
        _, passages = click_docs["arguments.md"]
        titled = next(p for p in passages if p.text == "Note on Required Arguments")
        body = passages[passages.index(titled) + 1]
        assert body.text.startswith(
            "It is possible to make an argument required by setting required=True."
        )
        assert (titled.citation.line_start, body.citation.line_start) == (54, 57)


class TestRestructuredText:
    def test_flask_quickstart(self, flask_docs):
        document, passages = flask_docs["quickstart.rst"]
        assert (document.title, document.format) == ("Quickstart", "rst")
        minimal = [p for p in passages if p.section == "A Minimal Application"]
        assert minimal[0].text == "A minimal Flask application looks something like this:"
        assert (minimal[1].kind, minimal[1].language) == ("code", "python")
        assert minimal[1].text.splitlines()[:3] == [
            "from flask import Flask",
            "",
            "app = Flask(__name__)",
        ]
        # `:class:`~flask.Flask`` reads "Flask"; the numbered list gives items.
        assert (minimal[3].kind, minimal[3].text) == (
            "list_item",
            "First we imported the Flask class. An instance of this class will be our WSGI"
            " application.",
        )

    def test_sphinx_directives_keep_their_text_and_never_fail(self, write_corpus, capfd):
        text = (
            "Title\n=====\n\nIntro with :ref:`the guide <guide>` and :func:`.url_for`"
            " (:issue:`1234`).\n\n"
            ".. versionadded:: 2.0\n    The ``url_prefix`` argument.\n\n"
            ".. note::\n    Notes are kept.\n\n"
            ".. warning::\n\n    So are warnings.\n\n"
            ".. autofunction:: flask.url_for\n\n"
            ".. toctree::\n    :maxdepth: 2\n\n    quickstart\n\n"
            ".. unknowndirective:: whatever\n\n.. include:: missing.rst\n\n"
            ":Author: Jane Doe\n\n"
            ".. code-block:: python\n    :caption: app.py\n\n"
            "    bp = Blueprint('blog', url_prefix='/b')\n"
        )
        document, passages = only(passages_of(write_corpus({"page.rst": text})))
        assert document.title == "Title"
        assert [(p.kind, p.text) for p in passages] == [
            ("paragraph", "Intro with the guide and url_for (1234)."),
            ("paragraph", "2.0 The url_prefix argument."),
            ("paragraph", "Notes are kept."),
            ("paragraph", "So are warnings."),
            ("paragraph", "flask.url_for"),
            ("paragraph", "whatever"),
            ("list_item", "Author: Jane Doe"),
            ("code", "bp = Blueprint('blog', url_prefix='/b')"),
        ]
        assert passages[-1].language == "python"
        out, err = capfd.readouterr()
        assert (out, err) == ("", "")

    def test_rst_txt_and_rest_are_rst(self, write_corpus):
        body = "Heading\n-------\n\nSome text here.\n"
        documents = passages_of(write_corpus({"a.rst.txt": body, "b.rest": body}))
        assert {d.format for d, _ in documents.values()} == {"rst"}


class TestTitles:
    def test_an_underlined_line_is_a_heading_and_a_comment_never_a_title(self, write_corpus):
        text = (
            "# make install puts the tool in place\nmake install\n\n"
            "Usage Notes\n===========\n\nThe tool reads a folder.\n\n"
            "Options\n-------\n\nThere are none.\n"
        )
        document, passages = only(passages_of(write_corpus({"notes.txt": text})))
        assert (document.title, document.format) == ("Usage Notes", "plain")
        assert [(p.section, p.text) for p in passages] == [
            (None, "# make install puts the tool in place make install"),
            (None, "The tool reads a folder."),
            ("Options", "There are none."),
        ]

    def test_html_first_heading_then_title_element(self, write_corpus):
        pages = {
            "a.html": "<title>Notes — My Site</title><h1>Notes</h1><p>Body text.</p>",
            "b.html": "<title>Only a Title</title><h2>Part</h2><p>Body text.</p>",
        }
        documents = passages_of(write_corpus(pages))
        assert {d.path: d.title for d, _ in documents.values()} == {
            "a.html": "Notes",
            "b.html": "Only a Title",
        }
        assert [p.section for p in documents["b.html"][1]] == ["Part"]

    def test_the_file_name_when_nothing_else_names_it(self, write_corpus):
        text = "```\n# not a title\n```\n\nJust text.\n"
        document, _ = only(passages_of(write_corpus({"plainly.md": text})))
        assert document.title == "plainly.md"


class TestDeepHtml:
    def test_100000_nested_divs_parse_in_bounded_time(self, write_corpus):
        depth = 100_000
        page = "<html><body>" + "<div>" * depth + "deep words" + "</div>" * depth
        page += "<p>After the nest.</p></body></html>"
        assert len(page) > 1_000_000
        root = write_corpus({"deep.html": page})
        started = time.monotonic()
        _, passages = only(passages_of(root))
        assert time.monotonic() - started < 60  # minutes before the fix
        assert [p.text for p in passages] == ["deep words", "After the nest."]


class TestCitationsOfFixtures:
    @pytest.mark.parametrize("folder", [FLASK, CLICK], ids=["flask-rst", "click-md"])
    def test_every_passage_cites_its_words(self, folder):
        documents = passages_of(folder)
        assert len(documents) >= 10
        broken = []
        for document, passages in documents.values():
            cited = CitedFile(decoded_text(folder, document.path))
            for passage in passages:
                problems = cited.problems(passage.text, passage.citation.__dict__)
                if problems:
                    broken.append((passage.citation.label, problems))
        assert broken == []


class TestIdentifiersAreFound:
    @pytest.mark.parametrize(
        ("query", "file"),
        [
            ("__init__", None),
            ("url_prefix", "flask/blueprints.rst"),
            ("Flask(__name__)", None),
            ("blueprint url_prefix", "flask/blueprints.rst"),
        ],
    )
    def test_the_right_page_comes_first(self, docs_service, query, file):
        results = docs_service.search(query, per_page=5)
        assert results.hits, query
        top = results.hits[0]
        if file is not None:
            assert top.citation.file == file, [h.citation.file for h in results.hits]
        words = [w for w in query.replace("(", " ").replace(")", " ").split() if "_" in w]
        for word in words:
            assert word in top.text, (query, top.text)

    def test_an_npm_option_in_a_code_block_is_found(self, write_corpus, tmp_path):
        root = write_corpus(
            {
                "setup.md": "Install\n=======\n\n```console\nnpm install --save-dev kavosh\n```\n",
                "other.md": "Other text about dev servers and how to save files.\n",
            }
        )
        build_index(root, tmp_path / "index")
        service = SearchService(tmp_path / "index")
        try:
            for query in ("save-dev", '"--save-dev"'):
                hits = service.search(query).hits
                assert [(h.citation.file, h.text) for h in hits] == [
                    ("setup.md", "npm install --save-dev kavosh")
                ], query
        finally:
            service.close()

    def test_a_question_finds_its_section_in_the_top_three(self, docs_service):
        # config.rst's SESSION_COOKIE_PATH entry ("If not set, the cookie …")
        # outranks the quickstart's Cookies section today: the ranking's to fix.
        results = docs_service.search("how to set a cookie", per_page=3)
        assert "Accessing Request Data › Cookies" in [hit.section for hit in results.hits]


class TestInlineMarkdown:
    """The pure inline step, exact strings."""

    @pytest.mark.parametrize(
        ("raw", "text"),
        [
            ("**bold** and *italic* and ~~gone~~", "bold and italic and gone"),
            ("call `Flask(__name__)` in `__init__.py`", "call Flask(__name__) in __init__.py"),
            (
                "see [the docs](https://x.org/d) and <https://x.org>",
                "see the docs (https://x.org/d) and https://x.org",
            ),
            ("![a map of the river](map.png)", "a map of the river"),
            ("We suggest {ref}`virtualenv-heading`.", "We suggest virtualenv-heading."),
            ("glued with`f(x)` and `Group`s", "glued with f(x) and Group s"),
            ("Can you say more?*", "Can you say more?"),
        ],
    )
    def test_inline_text(self, raw, text):
        assert inline_text(raw) == text

    def test_prose_between_two_rules_is_text_not_front_matter(self, write_corpus):
        page = "---\nJust a line of prose here.\n---\n\nMore text.\n"
        document, passages = only(passages_of(write_corpus({"rules.md": page})))
        assert document.title == "rules.md"
        assert [(p.text, p.citation.line_start) for p in passages] == [
            ("Just a line of prose here.", 2),
            ("More text.", 5),
        ]
