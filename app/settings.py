"""Kavosh's settings: one table of (name, default, help), read by the app, the
CLI and the docs alike.

Precedence, lowest first: the defaults below, the instance folder's
`config.py`, `KAVOSH_<NAME>` environment variables, then what the caller
passes (`create_app(test_config)` or a CLI flag). Relative paths from the
defaults and the instance config are relative to the project folder; relative
paths from the environment or a flag are relative to the working directory.

One exception to the defaults: when nothing names `SOURCE_DIR`, it is the
folder the live index generation was built from (its manifest records it), so
a plain `kavosh index` rebuilds what was indexed, not the sample `seeds/`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from indexer.errors import KavoshError
from indexer.generations import GenerationStore


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str


SETTINGS = (
    Setting("SOURCE_DIR", "seeds", "Folder of documents to index (txt, md, wiki, html, .gz)."),
    Setting("INDEX_DIR", "instance/index", "Folder of the index generations."),
    Setting("SYNONYMS_FILE", "instance/synonyms.txt", "Synonyms that override the shipped ones."),
    Setting("LOCK_TIMEOUT", 60.0, "Seconds a build waits for another build to finish."),
    Setting(
        "BUILD_MEMORY_MB",
        512,
        "Megabytes `kavosh index` may hold; past it postings go to disk in sorted runs.",
    ),
    Setting("PARSE_SECONDS", 30.0, "Seconds reading one PDF, Word, HTML or .rst file may take."),
    Setting(
        "PARSE_MEMORY_MB", 1024, "Megabytes reading one PDF, Word, HTML or .rst file may take."
    ),
    Setting("CACHE_SIZE", 512, "Answers kept in each worker's cache of recent searches."),
    Setting(
        "ACCESS_LOG",
        False,
        "`kavosh serve` prints one line per request (off by default: ~0.1 ms of CPU each).",
    ),
    Setting(
        "WARM_POSTINGS",
        2_000_000,
        "Postings of the most frequent words a server decodes when it opens an index (0: none).",
    ),
    Setting(
        "QUERY_BUDGET_MS",
        500,
        "Milliseconds a query may take; past it the best found so far is answered, marked partial.",
    ),
    Setting("BACKEND", "whoosh", "Search engine: `whoosh` (the local index) or `typesense`."),
    Setting(
        "TYPESENSE_NODES",
        "",
        "Typesense node URLs, comma-separated (`http://10.0.0.5:8108,...`).",
    ),
    Setting("TYPESENSE_API_KEY", "", "API key of the Typesense cluster (admin key for `index`)."),
    Setting("TYPESENSE_WINDOW", 250, "Candidates Typesense finds for Kavosh to re-score."),
    Setting("TYPESENSE_SEARCH_KEY", "", "Search-only Typesense key the server uses."),
    Setting(
        "PUBLIC_URL",
        "",
        "The server's address as clients reach it (`https://search.example.org`), for links "
        "that must be absolute (OpenSearch); empty: relative links.",
    ),
)
_PATHS = {"SOURCE_DIR", "INDEX_DIR", "SYNONYMS_FILE"}


def project_root() -> Path:
    """The folder with `pyproject.toml` (an editable install), else the cwd."""
    here = Path(__file__).resolve().parent.parent
    return here if (here / "pyproject.toml").is_file() else Path.cwd()


def instance_path() -> Path:
    override = os.environ.get("KAVOSH_INSTANCE_PATH")
    return Path(override).resolve() if override else project_root() / "instance"


def load_settings(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Resolve every setting by the precedence in the module docstring."""
    return _layered(overrides)[0]


def setting_origin(name: str, overrides: dict[str, Any] | None = None) -> str:
    """Where a setting's value comes from: `caller` (a flag or `test_config`),
    `environment`, `config`, `index` (SOURCE_DIR recorded by the live
    generation) or `default`."""
    return _layered(overrides)[1][name]


def _layered(overrides: dict[str, Any] | None) -> tuple[dict[str, Any], dict[str, str]]:
    root = project_root()
    values: dict[str, Any] = {}
    origins: dict[str, str] = {}
    for setting in SETTINGS:
        default = setting.default
        if isinstance(default, str) and default.startswith("instance/"):
            default = instance_path() / default.removeprefix("instance/")
        values[setting.name] = _absolute(setting.name, default, root)
        origins[setting.name] = "default"
    for name, value in _instance_config().items():
        values[name] = _absolute(name, value, root)
        origins[name] = "config"
    for setting in SETTINGS:
        raw = os.environ.get(f"KAVOSH_{setting.name}")
        if raw not in (None, ""):
            values[setting.name] = _absolute(setting.name, _typed(setting, raw), Path.cwd())
            origins[setting.name] = "environment"
    for name, value in (overrides or {}).items():
        if value is not None:
            values[name] = _absolute(name, value, Path.cwd())
            origins[name] = "caller"
    if origins["SOURCE_DIR"] == "default":
        recorded = recorded_source_dir(values["INDEX_DIR"])
        if recorded is not None:
            values["SOURCE_DIR"], origins["SOURCE_DIR"] = recorded, "index"
    return values, origins


def recorded_source_dir(index_dir: Path) -> Path | None:
    """The source folder the live generation of `index_dir` was built from, if any."""
    try:
        recorded = GenerationStore(index_dir).manifest().get("source_dir")
    except (KavoshError, OSError, ValueError, AttributeError):
        return None
    return Path(recorded) if isinstance(recorded, str) and recorded else None


def _instance_config() -> dict[str, Any]:
    """Upper-case names from `instance/config.py`, as Flask's `from_pyfile` reads them."""
    path = instance_path() / "config.py"
    if not path.is_file():
        return {}
    namespace: dict[str, Any] = {"__file__": str(path)}
    exec(compile(path.read_text("utf-8"), str(path), "exec"), namespace)
    return {key: value for key, value in namespace.items() if key.isupper()}


def _typed(setting: Setting, raw: str) -> Any:
    if isinstance(setting.default, bool):
        return raw.lower() in ("1", "true", "yes", "on")
    if isinstance(setting.default, int):
        return int(raw)
    if isinstance(setting.default, float):
        return float(raw)
    return raw


def _absolute(name: str, value: Any, base: Path) -> Any:
    if name in _PATHS and value is not None:
        path = Path(value).expanduser()
        return path if path.is_absolute() else (base / path).resolve()
    return value
