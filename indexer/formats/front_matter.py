"""Markdown front matter: YAML (`---`, found by mdit-py-plugins) or TOML
(`+++`, found here) states a document's title, author, date and tags."""

from __future__ import annotations

import re
import tomllib

import yaml

from indexer.blocks import ParsedDocument

_TOML_FRONT = re.compile(r"\A\+\+\+[ \t]*\n(.*?\n)\+\+\+[ \t]*(?:\n|\Z)", re.S)


def read_toml_front_matter(text: str, document: ParsedDocument) -> str:
    """TOML front matter (`+++`) is read here; its lines are blanked for the
    parser so that every later line keeps its number."""
    match = _TOML_FRONT.match(text)
    if not match:
        return text
    try:
        if not state_front_matter(tomllib.loads(match.group(1)), document):
            return text
    except tomllib.TOMLDecodeError:
        return text
    return "\n" * match.group(0).count("\n") + text[match.end() :]


def state_front_matter(data, document: ParsedDocument) -> bool:
    """Title, author, date and tags from parsed front matter; False when it
    was no mapping (then it was not front matter but text between two rules)."""
    if not isinstance(data, dict):
        return False
    for key in ("title", "author", "date"):
        value = data.get(key)
        if isinstance(value, list):
            value = ", ".join(str(item) for item in value)
        if value not in (None, ""):
            document.stated[key] = str(value).strip()
    tags = data.get("tags", data.get("keywords"))
    if isinstance(tags, str):
        tags = [tag for tag in re.split(r"[,\s]+", tags) if tag]
    if isinstance(tags, list):
        document.tags = tuple(dict.fromkeys(str(tag).strip() for tag in tags if str(tag).strip()))
    if "title" in document.stated:
        document.title = document.stated.pop("title")
    return True


def state_yaml_front_matter(content: str, document: ParsedDocument) -> bool:
    """YAML front matter, as the parser's `front_matter` token holds it."""
    try:
        return state_front_matter(yaml.safe_load(content), document)
    except yaml.YAMLError:
        return False
