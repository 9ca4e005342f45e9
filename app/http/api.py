"""The JSON API: `/api/search`, `/api/passages/<id>`, `/api/documents`,
`/api/suggest`, `/api/health` and `/api/openapi.json`.

Views only translate HTTP to the search core and back; the contract lives in
`openapi.py`, and the tests validate real responses against it.
"""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from app.http.errors import error_response, public_message, scrub
from app.http.headers import GENERATION_HEADER
from app.http.links import page_links
from app.http.openapi import openapi_document
from app.http.params import SEARCH_PARAMETERS, known_only, search_request
from app.http.searcher import get_service
from app.search.errors import KavoshError

blueprint = Blueprint("api", __name__, url_prefix="/api")
SUGGEST_PARAMETERS = ("q",)


@blueprint.get("/search")
def search():
    known_only(request.args, SEARCH_PARAMETERS)
    results = get_service().search(search_request(request.args))
    response = jsonify(results.to_dict(page_links()))
    # Which index generation answered: lets a client (and the rebuild tests)
    # tell that every answer comes from one complete generation.
    response.headers[GENERATION_HEADER] = results.generation
    return response


@blueprint.get("/passages/<passage_id>")
def passage(passage_id: str):
    hit = get_service().passage(passage_id)
    if hit is None:
        return error_response(404, "not_found", f"no passage has the id {passage_id!r}")
    data = hit.to_dict(page_links())
    for key in ("rank", "score", "excerpt", "matched_terms"):
        data.pop(key)
    return jsonify(data)


@blueprint.get("/documents")
def documents():
    return jsonify({"documents": get_service().documents()})


@blueprint.get("/suggest")
def suggest():
    known_only(request.args, SUGGEST_PARAMETERS)
    prefix = (request.args.get("q") or "")[:100]
    return jsonify({"query": prefix, "suggestions": get_service().suggest(prefix)})


@blueprint.get("/health")
def health():
    service = get_service()
    try:
        manifest = service.manifest()
        passages = service.passage_count()
    except KavoshError as error:
        response = jsonify({"status": error.code, "message": public_message(error)})
        response.status_code = 503
        return response
    degraded = service.degraded
    return jsonify(
        {
            "status": "degraded" if degraded else "ok",
            **({"message": scrub(degraded)} if degraded else {}),
            "generation": manifest["generation"],
            "passages": passages,
            "documents": manifest["documents"],
            "built_at": manifest["built_at"],
            "skipped": len(manifest.get("skipped", [])),
        }
    )


@blueprint.get("/openapi.json")
def openapi():
    return jsonify(openapi_document())
