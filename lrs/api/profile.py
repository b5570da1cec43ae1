"""`/xapi/profiles/insights`: the xAPI Profile (JSON-LD) of the insight vocabulary, and each of its concepts.

Public, like `/xapi/about`: it is vocabulary, not data. Insight statements name verbs and extensions under
this path, so a client that meets one can resolve its IRI here and read what it means; `/xapi/about` links it.
The IRIs are made from the LRS's public base URL (`LRS_PUBLIC_URL`), so they resolve where the LRS is served.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import HttpMethod, Request, Response, route
from litestar.params import PathParameter

from analytics.profile import PROFILE_PATH, insight_profile, profile_iri
from lrs.errors import NotFound

MEDIA_TYPE = "application/ld+json"
Kind = Annotated[str, PathParameter(description="verbs, extensions or templates")]
Name = Annotated[str, PathParameter(description="the concept's name")]


def _document(request: Request[Any, Any, Any]) -> dict[str, Any]:
    return insight_profile(request.app.state.settings.base_url)


def _respond(request: Request[Any, Any, Any], document: dict[str, Any]) -> Response[bytes]:
    body = msgspec.json.encode(document)
    headers = {"Cache-Control": "public, max-age=3600"}
    if request.method == HttpMethod.HEAD:
        return Response(b"", media_type=MEDIA_TYPE, headers={**headers, "Content-Length": str(len(body))})
    return Response(body, media_type=MEDIA_TYPE, headers=headers)


@route(
    [PROFILE_PATH, f"{PROFILE_PATH}/v1"],
    http_method=[HttpMethod.GET, HttpMethod.HEAD],
    summary="The insight vocabulary as an xAPI Profile (JSON-LD)",
    tags=["xAPI"],
    sync_to_thread=False,
)
def insights_profile(request: Request[Any, Any, Any]) -> Response[bytes]:
    return _respond(request, _document(request))


@route(
    f"{PROFILE_PATH}/{{kind:str}}/{{name:str}}",
    http_method=[HttpMethod.GET, HttpMethod.HEAD],
    summary="One concept or statement template of the insight profile",
    tags=["xAPI"],
    sync_to_thread=False,
)
def insights_concept(request: Request[Any, Any, Any], kind: Kind, name: Name) -> Response[bytes]:
    document = _document(request)
    iri = f"{profile_iri(request.app.state.settings.base_url)}/{kind}/{name}"
    for item in [*document["concepts"], *document["templates"]]:
        if item["id"] == iri:
            return _respond(request, {"@context": document["@context"], **item})
    raise NotFound(f"the insight profile defines no {iri}")


ROUTES = [insights_profile, insights_concept]
