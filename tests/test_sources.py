"""Reading a corpus folder: encodings, and files that cannot be indexed. Every
skipped file is reported by name with a reason, and the rest is still indexed."""

from __future__ import annotations

import gzip
import os

import pytest

from indexer.build import build_index
from indexer.corpus import read_corpus
from tests.conftest import passages_of

GOOD = {"good.txt": "A good file that is indexed whatever else the folder holds.\n"}


def skipped_reasons(folder):
    return {skipped.relative_path: skipped.reason for skipped in read_corpus(folder).skipped}


class TestEncodings:
    def test_utf8_without_bom(self, write_corpus):
        corpus = read_corpus(write_corpus({"cafe.txt": "Café naïve Iran ایران.\n"}))
        (source,) = corpus.sources
        assert (source.encoding, source.text, corpus.warnings) == (
            "utf-8",
            "Café naïve Iran ایران.\n",
            [],
        )

    def test_utf8_bom_is_not_part_of_the_text(self, write_corpus):
        root = write_corpus({"bom.txt": b"\xef\xbb\xbfCaf\xc3\xa9 with a byte order mark.\n"})
        (source,) = read_corpus(root).sources
        assert (source.encoding, source.text) == ("utf-8", "Café with a byte order mark.\n")
        ((_, [passage]),) = passages_of(root).values()
        assert (passage.citation.char_start, passage.citation.char_end) == (0, 28)

    def test_utf16_with_bom(self, write_corpus):
        root = write_corpus({"wide.txt": "Wide text in UTF-16.\n".encode("utf-16")})
        (source,) = read_corpus(root).sources
        assert (source.encoding, source.text) == ("utf-16", "Wide text in UTF-16.\n")

    def test_non_utf8_falls_back_to_cp1252_with_a_warning(self, write_corpus):
        root = write_corpus({"legacy.txt": "Legacy café “quoted” text.\n".encode("cp1252")})
        corpus = read_corpus(root)
        (source,) = corpus.sources
        assert (source.encoding, source.text) == ("cp1252", "Legacy café “quoted” text.\n")
        assert corpus.warnings == [("legacy.txt", "not valid UTF-8: read as cp1252")]


class TestBadFilesAreSkippedByName:
    def test_binary_file(self, write_corpus):
        root = write_corpus({**GOOD, "image.txt": bytes(range(256)) * 4})
        assert skipped_reasons(root) == {"image.txt": "binary file (not text)"}

    def test_a_type_kavosh_does_not_read_is_counted_not_failed(self, write_corpus):
        root = write_corpus({**GOOD, "photo.png": b"\x89PNG\r\n\x1a\n", "conf.py": "x = 1\n"})
        corpus = read_corpus(root)
        assert (corpus.skipped, dict(corpus.unread)) == ([], {".png": 1, ".py": 1})

    @pytest.mark.parametrize("content", [b"", b"  \n\n\t\n"])
    def test_empty_file(self, write_corpus, content):
        root = write_corpus({**GOOD, "empty.md": content})
        assert skipped_reasons(root) == {"empty.md": "empty file"}

    def test_corrupt_gzip(self, write_corpus):
        root = write_corpus({**GOOD})
        (root / "broken.txt.gz").write_bytes(gzip.compress(b"some text")[:-6])
        reason = skipped_reasons(root)["broken.txt.gz"]
        assert reason.startswith("unreadable: ")

    def test_unreadable_file(self, write_corpus):
        root = write_corpus({**GOOD, "secret.txt": "A secret that only its owner may read.\n"})
        (root / "secret.txt").chmod(0)
        try:
            readable_anyway = os.access(root / "secret.txt", os.R_OK)  # true for root
            corpus = read_corpus(root)
        finally:
            (root / "secret.txt").chmod(0o644)
        names = [source.relative_path for source in corpus.sources]
        if readable_anyway:
            assert names == ["good.txt", "secret.txt"] and corpus.skipped == []
        else:
            assert names == ["good.txt"]
            assert [(s.relative_path, s.reason) for s in corpus.skipped] == [
                ("secret.txt", "permission denied")
            ]

    def test_symlink_to_itself(self, write_corpus):
        root = write_corpus({**GOOD})
        (root / "loop.txt").symlink_to("loop.txt")
        assert skipped_reasons(root) == {"loop.txt": "symlink loop: the link resolves to itself"}

    def test_symlink_loop_through_a_folder(self, write_corpus):
        root = write_corpus({**GOOD, "notes/inner.md": "Inside a folder that links back up.\n"})
        (root / "notes" / "up").symlink_to("..")
        assert skipped_reasons(root) == {"notes/up": "symlink loop: folder already visited"}
        names = [source.relative_path for source in read_corpus(root).sources]
        assert names == ["good.txt", "notes/inner.md"]

    def test_symlink_pointing_outside_the_folder(self, write_corpus, tmp_path):
        root = write_corpus({**GOOD})
        outside = tmp_path / "private.txt"
        outside.write_text("Private words that must never be indexed.\n")
        (root / "private.txt").symlink_to(outside)
        assert skipped_reasons(root) == {"private.txt": "symlink points outside the source folder"}

    def test_broken_symlink(self, write_corpus):
        root = write_corpus({**GOOD})
        (root / "gone.txt").symlink_to("nowhere.txt")
        assert skipped_reasons(root) == {"gone.txt": "broken symlink"}

    def test_hidden_files_are_ignored_silently(self, write_corpus):
        root = write_corpus({**GOOD, ".draft.txt": "Not yet.\n", ".git/HEAD": "ref\n"})
        corpus = read_corpus(root)
        assert ([s.relative_path for s in corpus.sources], corpus.skipped) == (["good.txt"], [])


class TestABuildSurvivesBadFiles:
    def test_the_rest_is_indexed_and_the_skips_reported(self, write_corpus, tmp_path):
        root = write_corpus(
            {
                **GOOD,
                "empty.txt": "",
                "image.txt": bytes(range(256)),
                "legacy.txt": "café\n".encode("cp1252"),
            }
        )
        (root / "loop.txt").symlink_to("loop.txt")
        report = build_index(root, tmp_path / "index")
        assert report.documents == 2
        assert [(s.relative_path, s.reason) for s in report.skipped] == [
            ("empty.txt", "empty file"),
            ("image.txt", "binary file (not text)"),
            ("loop.txt", "symlink loop: the link resolves to itself"),
        ]
        assert report.warnings == [("legacy.txt", "not valid UTF-8: read as cp1252")]


class TestTheFolderWalk:
    """A folder as people keep it: tools' output and ignored files are left out."""

    TOOLS = {
        "node_modules/left-pad/README.md": "# left-pad\n\nPads strings on the left.\n",
        ".git/description": "Unnamed repository.\n",
        "__pycache__/notes.txt": "cached\n",
        "docs/_build/html/index.html": "<html><body><p>Built page.</p></body></html>",
        "build/lib/readme.txt": "Built.\n",
        "dist/notes.md": "Packed.\n",
        "target/notes.md": "Compiled.\n",
        ".tox/py311/notes.md": "Tox.\n",
        "lib/python3.11/site-packages/pkg/README.md": "A package.\n",
        "env/pyvenv.cfg": "home = /usr/bin\n",
        "env/share/doc.txt": "Inside a virtual environment.\n",
        ".hidden/notes.md": "Hidden folder.\n",
    }

    def test_tool_folders_hidden_folders_and_virtual_environments_are_skipped(self, write_corpus):
        root = write_corpus({**GOOD, "docs/guide.md": "# Guide\n\nRead me.\n", **self.TOOLS})
        corpus = read_corpus(root)
        assert [s.relative_path for s in corpus.sources] == ["docs/guide.md", "good.txt"]
        assert (corpus.skipped, dict(corpus.unread)) == ([], {})

    def test_kavoshignore_uses_gitignore_syntax(self, write_corpus):
        root = write_corpus(
            {
                **GOOD,
                ".kavoshignore": "# drafts are not ready\ndrafts/\nsecret-*.md\n!secret-ok.md\n",
                "drafts/idea.md": "Not yet.\n",
                "notes/drafts/later.md": "Not yet either.\n",
                "secret-plan.md": "Hidden plan.\n",
                "secret-ok.md": "Fine to index.\n",
            }
        )
        names = [s.relative_path for s in read_corpus(root).sources]
        assert names == ["good.txt", "secret-ok.md"]

    def test_exclude_patterns_add_to_the_ignore_file(self, write_corpus):
        root = write_corpus(
            {
                **GOOD,
                ".kavoshignore": "old/\n",
                "old/a.md": "Old.\n",
                "logs/today.txt": "A log.\n",
                "notes/keep.md": "Kept.\n",
                "notes/tmp.md": "Scratch.\n",
            }
        )
        corpus = read_corpus(root, exclude=("logs/", "notes/tmp.md"))
        assert [s.relative_path for s in corpus.sources] == ["good.txt", "notes/keep.md"]

    def test_types_kavosh_does_not_read_are_counted_by_extension(self, write_corpus):
        root = write_corpus(
            {
                **GOOD,
                "docs/conf.py": "project = 'x'\n",
                "docs/logo.svg": "<svg/>",
                "docs/a.png": b"\x89PNG\r\n\x1a\n",
                "docs/b.png": b"\x89PNG\r\n\x1a\n",
                "fonts/serif.woff2": b"wOF2",
                "dist.tar.gz": b"\x1f\x8b",
            }
        )
        corpus = read_corpus(root)
        assert [s.relative_path for s in corpus.sources] == ["good.txt"]
        assert corpus.skipped == []
        assert dict(corpus.unread) == {".png": 2, ".py": 1, ".svg": 1, ".tar.gz": 1, ".woff2": 1}
