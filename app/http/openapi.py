"""The API contract as an OpenAPI 3.1 document. Clients depend on it; the
tests validate real responses against these schemas, so the two cannot drift.
"""

from __future__ import annotations

from app.search import MAX_PAGE, MAX_PER_PAGE, MAX_QUERY_CHARS
from app.search.request import DEFAULT_FACET_LIMIT, MAX_FACET_LIMIT, MAX_OFFSET, MAX_TERMS

_NULLABLE_STRING = {"type": ["string", "null"]}

CITATION = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "file": {"type": "string", "description": "Path relative to the source folder."},
        "line_start": {
            "type": "integer",
            "minimum": 1,
            "description": "First cited line; in a paged file (PDF), counted within `page`.",
        },
        "line_end": {
            "type": "integer",
            "minimum": 1,
            "description": "Last cited line; in a paged file, counted within `page_end`.",
        },
        "char_start": {"type": "integer", "minimum": 0},
        "char_end": {"type": "integer", "minimum": 0},
        "label": {"type": "string"},
        "page": {
            "type": ["integer", "null"],
            "minimum": 1,
            "description": "Page of the first cited line (PDF); null for formats without pages.",
        },
        "page_end": {
            "type": ["integer", "null"],
            "minimum": 1,
            "description": "Page of the last cited line; equals `page` unless the passage "
            "crosses a page break.",
        },
        "url": {"type": "string", "description": "The source viewer at the cited lines."},
    },
}
CITATION["required"] = list(CITATION["properties"])  # every key, null where it does not apply
PASSAGE = {
    "type": "object",
    "required": ["id", "title", "section", "speaker", "text", "citation"],
    "properties": {
        "id": {"type": "string"},
        "title": {"type": "string"},
        "section": _NULLABLE_STRING,
        "speaker": _NULLABLE_STRING,
        "text": {"type": "string", "description": "The passage as plain text."},
        "language": {
            "type": ["string", "null"],
            "description": "A code passage's language (its fence's info string), else null.",
        },
        "citation": {"$ref": "#/components/schemas/Citation"},
    },
}
RESULT = {
    "allOf": [
        {"$ref": "#/components/schemas/Passage"},
        {
            "type": "object",
            "required": ["rank", "score", "excerpt", "matched_terms"],
            "properties": {
                "rank": {"type": "integer", "minimum": 1},
                "score": {
                    "type": "number",
                    "description": "The ranking's sort key: never higher than the score "
                    "of the result ranked above it.",
                },
                "matched_terms": {
                    "type": "array",
                    "items": {"type": "string"},
                    "description": "The words of the title and text that matched the "
                    "query (their other forms, typo variants and synonyms too), as written.",
                },
                "excerpt": {
                    "type": "string",
                    "description": "HTML: matched words in <mark>, everything else escaped.",
                },
            },
        },
    ]
}
FACET = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["value", "count"],
        "properties": {"value": {"type": "string"}, "count": {"type": "integer", "minimum": 1}},
    },
}
SEARCH = {
    "type": "object",
    "required": [
        "query",
        "total",
        "page",
        "per_page",
        "total_pages",
        "offset",
        "limit",
        "took_ms",
        "processing_time_ms",
        "notes",
        "partial",
        "suggestion",
        "results",
        "facets",
    ],
    "additionalProperties": False,
    "properties": {
        "query": {"type": "string"},
        "total": {"type": "integer", "minimum": 0},
        # Only on the Typesense backend, when the matches exceed its window.
        "total_is_estimate": {"type": "boolean", "const": True},
        "page": {"type": "integer", "minimum": 1},
        "per_page": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
        "total_pages": {"type": "integer", "minimum": 0},
        "offset": {"type": "integer", "minimum": 0, "description": "Results before the first."},
        "limit": {"type": "integer", "minimum": 1, "description": "The same as per_page."},
        "took_ms": {"type": "number", "minimum": 0},
        "processing_time_ms": {"type": "integer", "minimum": 0},
        "notes": {
            "type": "array",
            "items": {"type": "string"},
            "description": "How the query was read: words it excludes, terms cut from a "
            "long query.",
        },
        "partial": {"type": "boolean"},
        "suggestion": _NULLABLE_STRING,
        "results": {"type": "array", "items": {"$ref": "#/components/schemas/Result"}},
        "facets": {
            "type": "object",
            "required": ["source", "section", "tags"],
            "properties": {
                "source": {"$ref": "#/components/schemas/Facet"},
                "section": {"$ref": "#/components/schemas/Facet"},
                "tags": {"$ref": "#/components/schemas/Facet"},
            },
        },
    },
}
ERROR = {
    "type": "object",
    "required": ["error"],
    "additionalProperties": False,
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "additionalProperties": False,
            "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
        }
    },
}
DOCUMENTS = {
    "type": "object",
    "required": ["documents"],
    "properties": {
        "documents": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "path", "title", "passages", "sha256", "size"],
                "properties": {
                    "id": {"type": "string"},
                    "path": {"type": "string"},
                    "title": {"type": "string"},
                    "format": {"type": "string"},
                    "author": _NULLABLE_STRING,
                    "date": _NULLABLE_STRING,
                    "publisher": _NULLABLE_STRING,
                    "scripts": {"type": "array", "items": {"type": "string"}},
                    "size": {"type": "integer"},
                    "sha256": {"type": "string"},
                    "passages": {"type": "integer"},
                    "facts": {"type": "object", "additionalProperties": {"type": "string"}},
                },
            },
        }
    },
}
SUGGEST = {
    "type": "object",
    "required": ["query", "suggestions"],
    "properties": {
        "query": {"type": "string"},
        "suggestions": {"type": "array", "items": {"type": "string"}},
    },
}
HEALTH = {
    "type": "object",
    "required": ["status"],
    "properties": {
        "status": {"type": "string"},
        "generation": {"type": "string"},
        "passages": {"type": "integer"},
        "documents": {"type": "integer"},
        "built_at": {"type": "string"},
        "message": {"type": "string"},
    },
}


def _json(schema_name: str, description: str) -> dict:
    return {
        "description": description,
        "content": {
            "application/json": {"schema": {"$ref": f"#/components/schemas/{schema_name}"}}
        },
    }


def _errors(*statuses: int) -> dict:
    words = {
        400: "Bad or unknown parameters",
        404: "Not found",
        503: "No usable index yet",
    }
    return {str(s): _json("Error", words[s]) for s in statuses}


def _query_parameter(name, schema, description, required=False, explode=None):
    parameter = {
        "name": name,
        "in": "query",
        "required": required,
        "schema": schema,
        "description": description,
    }
    if explode is not None:
        parameter["explode"] = explode
    return parameter


def openapi_document() -> dict:
    search_parameters = [
        _query_parameter(
            "q",
            {"type": "string", "minLength": 1, "maxLength": MAX_QUERY_CHARS},
            f"The query, in Kavosh's query language. Its first {MAX_TERMS} terms are "
            "searched, the rest left out with a note; a longer one is refused.",
            required=True,
        ),
        _query_parameter(
            "page",
            {"type": "integer", "minimum": 1, "maximum": MAX_PAGE},
            "Page (not with `offset`).",
        ),
        _query_parameter(
            "per_page",
            {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
            "Results per page (default 10; not with `limit`).",
        ),
        _query_parameter(
            "offset",
            {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET},
            "Results to skip, any number (not with `page`).",
        ),
        _query_parameter(
            "limit",
            {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
            "`per_page` by its other name (not with `per_page`).",
        ),
        _query_parameter(
            "facet_limit",
            {"type": "integer", "minimum": 1, "maximum": MAX_FACET_LIMIT},
            f"Values listed per facet (default {DEFAULT_FACET_LIMIT}).",
        ),
        _query_parameter(
            "tags",
            {"type": "array", "items": {"type": "string"}},
            "Only documents with one of these front matter tags (repeatable or "
            "comma-separated; Whoosh engine only).",
            explode=True,
        ),
        _query_parameter(
            "source",
            {"type": "array", "items": {"type": "string"}},
            "Only these files (repeatable).",
            explode=True,
        ),
        _query_parameter("section", {"type": "string"}, "Only this section and its subsections."),
        _query_parameter("speaker", {"type": "string"}, "Only this speaker."),
        _query_parameter(
            "group",
            {"type": "string", "enum": ["document"]},
            "`document`: one result per document (its best passage), documents "
            "ranked as a whole; `total` and the facets then count documents.",
        ),
    ]
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Kavosh",
            "version": "1.0.0",
            "description": "Passage-level full-text search with exact citations.",
        },
        "paths": {
            "/api/search": {
                "get": {
                    "summary": "Search passages",
                    "parameters": search_parameters,
                    "responses": {"200": _json("Search", "Ranked passages"), **_errors(400, 503)},
                }
            },
            "/api/passages/{id}": {
                "get": {
                    "summary": "One passage",
                    "parameters": [
                        {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
                    ],
                    "responses": {"200": _json("Passage", "The passage"), **_errors(404, 503)},
                }
            },
            "/api/documents": {
                "get": {
                    "summary": "Documents and their metadata",
                    "responses": {"200": _json("Documents", "Every document"), **_errors(503)},
                }
            },
            "/api/suggest": {
                "get": {
                    "summary": "Completions for a search box",
                    "parameters": [_query_parameter("q", {"type": "string"}, "What was typed.")],
                    "responses": {
                        "200": _json("Suggest", "Completions"),
                        **_errors(400, 503),
                    },
                }
            },
            "/api/health": {
                "get": {
                    "summary": "Index status",
                    "responses": {
                        "200": _json("Health", "Serving"),
                        "503": _json("Health", "No usable index"),
                    },
                }
            },
        },
        "components": {
            "schemas": {
                "Citation": CITATION,
                "Passage": PASSAGE,
                "Result": RESULT,
                "Facet": FACET,
                "Search": SEARCH,
                "Error": ERROR,
                "Documents": DOCUMENTS,
                "Suggest": SUGGEST,
                "Health": HEALTH,
            }
        },
    }
