"""No single file can hang or blow up a build: each file's parsing runs within
a time and memory budget, past which the file is reported by name and the
rest is indexed; FIFOs and other special files are reported, never read."""

from __future__ import annotations

import os
import shutil
import threading
import time
import zlib

import pytest

from indexer.budget import Budget, OverBudget, ParseFailed, within_budget
from indexer.build import build_index
from indexer.corpus import read_corpus
from indexer.sources import Skipped, discover, read_source
from tests.conftest import PROJECT

GOOD = {"good.txt": "A good file that is indexed whatever else the folder holds.\n"}
WHY_CLICK = PROJECT / "tests" / "data" / "pdf" / "why-click.pdf"


def spin(seconds: float) -> int:
    end, count = time.monotonic() + seconds, 0
    while time.monotonic() < end:
        count += 1
    return count


def allocate(megabytes: int) -> int:
    return len(bytearray(megabytes * 1024 * 1024))


def deflate_bomb_pdf(megabytes: int) -> bytes:
    """A one-page PDF whose content stream inflates to `megabytes` of text."""
    content = b"BT /F1 12 Tf 72 712 Td (" + b"A" * (megabytes << 20) + b") Tj ET"
    stream = zlib.compress(content, 9)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    pdf, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(pdf))
        pdf += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(pdf)
    pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    pdf += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    pdf += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return pdf


class TestWithinBudget:
    def test_the_answer_comes_back_from_the_child(self):
        assert within_budget(Budget(5, 256), sorted, [3, 1, 2]) == [1, 2, 3]

    def test_past_the_time_budget_the_child_is_stopped(self):
        started = time.monotonic()
        with pytest.raises(OverBudget, match=r"^took longer than the time budget of 0\.5 s$"):
            within_budget(Budget(seconds=0.5), spin, 60)
        assert time.monotonic() - started < 10  # stopped, not waited for

    def test_past_the_memory_budget(self):
        with pytest.raises(OverBudget, match=r"^needed more than the memory budget of 64 MB$"):
            within_budget(Budget(memory_mb=64), allocate, 512)
        assert within_budget(Budget(memory_mb=64), allocate, 16) == 16 << 20

    def test_a_crash_is_reported_not_shared(self):
        with pytest.raises(OverBudget, match=r"^the parser crashed \(SIGABRT\)"):
            within_budget(Budget(), os.abort)

    def test_the_parsers_own_error_keeps_its_message(self):
        with pytest.raises(ParseFailed, match="^invalid literal"):
            within_budget(Budget(), int, "forty")


class TestABuildUnderHostileFiles:
    def test_a_deflate_bomb_pdf_is_reported_by_name_and_the_rest_indexed(
        self, write_corpus, tmp_path
    ):
        root = write_corpus({**GOOD, "bomb.pdf": deflate_bomb_pdf(64)})
        report = build_index(root, tmp_path / "index", budget=Budget(memory_mb=48))
        assert report.documents == 1
        ((name, reason),) = [(s.relative_path, s.reason) for s in report.skipped]
        assert name == "bomb.pdf"
        assert "memory budget" in reason and "48 MB" in reason

    def test_a_file_over_the_time_budget_is_reported_by_name(self, write_corpus, tmp_path):
        root = write_corpus(GOOD)
        shutil.copy(WHY_CLICK, root)
        # No PDF is extracted within a millisecond (the child alone takes longer).
        report = build_index(root, tmp_path / "index", budget=Budget(seconds=0.001))
        assert report.documents == 1
        assert [(s.relative_path, s.reason) for s in report.skipped] == [
            ("why-click.pdf", "took longer than the time budget of 0.001 s")
        ]
        # The lock was let go: the next build runs at once.
        assert build_index(root, tmp_path / "index", lock_timeout=0).documents == 2


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are a POSIX thing")
class TestSpecialFiles:
    def test_a_fifo_in_the_folder_is_reported_by_name(self, write_corpus):
        root = write_corpus(GOOD)
        os.mkfifo(root / "pipe.txt")
        corpus = read_corpus(root)
        assert [s.relative_path for s in corpus.sources] == ["good.txt"]
        assert [(s.relative_path, s.reason) for s in corpus.skipped] == [
            ("pipe.txt", "not a regular file (FIFO)")
        ]

    def test_a_file_replaced_by_a_fifo_after_listing_never_blocks(self, write_corpus):
        root = write_corpus({**GOOD, "notes.txt": "Notes that turn into a pipe.\n"})
        listed = [found for found in discover(root) if not isinstance(found, Skipped)]
        (root / "notes.txt").unlink()
        os.mkfifo(root / "notes.txt")
        answers = []
        reader = threading.Thread(
            target=lambda: answers.extend(read_source(p, root.resolve()) for p in listed),
            daemon=True,
        )
        reader.start()
        reader.join(timeout=20)  # a blocking open would wait for a writer for ever
        assert not reader.is_alive(), "read_source blocked on a FIFO"
        assert answers[1] == Skipped("notes.txt", "not a regular file (FIFO)")
        assert answers[0].text.startswith("A good file")

    def test_a_socket_is_reported_by_name(self, write_corpus, tmp_path):
        import socket

        root = write_corpus(GOOD)
        with socket.socket(socket.AF_UNIX) as server:
            server.bind(str(root / "daemon.sock"))
            skipped = read_corpus(root).skipped
        assert [(s.relative_path, s.reason) for s in skipped] == [
            ("daemon.sock", "not a regular file (socket)")
        ]
