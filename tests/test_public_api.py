"""The search core's public names are pinned (as httpx pins its own): a
name added to or dropped from `app.search` is a decision, made here too.
And the core stays Flask-free: importing it loads no web framework."""

from __future__ import annotations

import subprocess
import sys

import app.search
from tests.conftest import PROJECT

PUBLIC = [
    "GROUPS",
    "MAX_PAGE",
    "MAX_PER_PAGE",
    "MAX_QUERY_CHARS",
    "Engine",
    "FacetValue",
    "Hit",
    "IndexUnavailableError",
    "NoIndexError",
    "QueryError",
    "Results",
    "SearchRequest",
    "SearchService",
    "open_search",
]


def test_the_public_names_are_pinned():
    assert app.search.__all__ == PUBLIC


def test_every_public_name_is_there():
    assert all(hasattr(app.search, name) for name in app.search.__all__)


def test_importing_the_core_loads_no_web_framework():
    code = (
        "import sys, app.search, app.search.typesense.engine, indexer.build\n"
        "loaded = [m for m in ('flask', 'werkzeug', 'jinja2', 'markupsafe') if m in sys.modules]\n"
        "print(','.join(loaded) or 'none')\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT, capture_output=True, text=True, check=True
    )
    assert run.stdout.strip() == "none", run.stdout + run.stderr


def test_the_check_above_can_fail():
    code = "import sys, app.http.factory; print('flask' in sys.modules)"
    run = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT, capture_output=True, text=True, check=True
    )
    assert run.stdout.strip() == "True"
