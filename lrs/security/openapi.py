"""How the OpenAPI schema describes authentication: HTTP Basic credentials, and Bearer JWTs when configured."""

from __future__ import annotations

from litestar.openapi.spec import Components, SecurityScheme


def security_components() -> Components:
    return Components(
        security_schemes={
            "basic": SecurityScheme(
                type="http", scheme="basic", description="A credential's key and secret (`lrs credentials create`)."
            ),
            "bearer": SecurityScheme(
                type="http",
                scheme="bearer",
                bearer_format="JWT",
                description="A JWT from the configured issuer (LRS_JWT_ISSUER); store and scopes come from its claims.",
            ),
        }
    )
