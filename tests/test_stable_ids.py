"""Passage ids come from what a passage says and where, so links survive a
rebuild: an unchanged corpus keeps every id, an edit changes only its own."""

from __future__ import annotations

import shutil

from indexer.build import build_index
from tests.conftest import INTERVIEW, SEEDS, passages_of, stored_passages


def ids_by_text(folder) -> dict[str, str]:
    return {p.text: p.id for _, passages in passages_of(folder).values() for p in passages}


class TestStableIds:
    def test_two_builds_of_an_unchanged_corpus_give_the_same_ids(self, tmp_path):
        first = build_index(SEEDS, tmp_path / "index")
        ids = sorted(fields["id"] for fields in stored_passages(tmp_path / "index"))
        second = build_index(SEEDS, tmp_path / "index")
        assert (first.generation, second.generation) == ("gen-000001", "gen-000002")
        assert sorted(fields["id"] for fields in stored_passages(tmp_path / "index")) == ids
        assert len(set(ids)) == len(ids) == 46

    def test_editing_one_paragraph_changes_only_its_ids(self, tmp_path):
        corpus = tmp_path / "seeds"
        shutil.copytree(SEEDS, corpus)
        before = ids_by_text(corpus)
        interview = corpus / INTERVIEW
        text = interview.read_text("utf-8")
        old = "Women and workers are at the forefront."
        interview.write_text(text.replace(old, "Women and students are at the forefront."))
        after = ids_by_text(corpus)
        gone = {text: id_ for text, id_ in before.items() if text not in after}
        new = {text: id_ for text, id_ in after.items() if text not in before}
        assert [t[:40] for t in gone] == ["Women and workers are at the forefront. "]
        assert [t[:41] for t in new] == ["Women and students are at the forefront. "]
        unchanged = {t: i for t, i in before.items() if t in after}
        assert all(after[t] == i for t, i in unchanged.items())
        assert len(unchanged) == 45

    def test_moving_a_paragraph_down_keeps_its_id(self, write_corpus, read_passages):
        paragraphs = [
            "The harbour opened in spring.",
            "Fishermen came from the north.",
            "The market grew every year.",
        ]
        root = write_corpus({"town.txt": "\n\n".join(paragraphs) + "\n"})
        before = ids_by_text(root)
        (root / "town.txt").write_text("A new first paragraph.\n\n" + "\n\n".join(paragraphs))
        after = ids_by_text(root)
        assert all(after[text] == before[text] for text in before)
