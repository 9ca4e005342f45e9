"""The seeds do not move: every seed passage (id, kind, section, speaker, text,
citation) is pinned in `tests/data/seed_passages.json`.

A parser change that moves a seed passage fails here with a diff naming the
passage. If the change is meant, regenerate the pin deliberately with
`python -m tests.test_seed_pin` and say in the commit why each passage moved.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import SEEDS, passages_of

PIN = Path(__file__).parent / "data" / "seed_passages.json"


def seed_passages() -> list[dict]:
    pinned = []
    for document_id, (document, passages) in sorted(passages_of(SEEDS).items()):
        for passage in passages:
            pinned.append(
                {
                    "document": document_id,
                    "title": document.title,
                    "author": document.author,
                    "date": document.date,
                    "publisher": document.publisher,
                    "id": passage.id,
                    "kind": passage.kind,
                    "section": passage.section,
                    "speaker": passage.speaker,
                    "text": passage.text,
                    "citation": passage.citation.to_dict(),
                }
            )
    return pinned


def test_every_seed_passage_is_as_pinned():
    pinned = json.loads(PIN.read_text(encoding="utf-8"))
    current = seed_passages()
    for now, before in zip(current, pinned, strict=False):
        assert now == before, f"passage {before['id']} of {before['document']} moved"
    assert len(current) == len(pinned), "passages were added or lost at the end"


if __name__ == "__main__":
    PIN.parent.mkdir(exist_ok=True)
    text = json.dumps(seed_passages(), ensure_ascii=False, indent=1)
    PIN.write_text(text + "\n", encoding="utf-8")
