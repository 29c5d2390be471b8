"""`/docs`: Swagger UI served from the app itself, never from a CDN, so the page works offline
and behind a firewall. Its files (Swagger UI 5, which reads OpenAPI 3.1) come from the
`fastapi-offline` package, whose static files are all we use of it; they are served under
`/docs/assets/`, which the embedded gateway and the Ingress route with `/docs`."""

from __future__ import annotations

from importlib.resources import files

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from starlette.staticfiles import StaticFiles

DOCS_PATH = "/docs"
ASSETS_PATH = f"{DOCS_PATH}/assets"
ASSETS = files("fastapi_offline") / "static"  # swagger-ui-bundle.js, swagger-ui.css, favicon


def install_api_docs(app: FastAPI) -> None:
    """For an app built with `docs_url=None`: its Swagger UI at `/docs`, assets included."""
    app.mount(ASSETS_PATH, StaticFiles(directory=str(ASSETS)), name="swagger-ui")

    @app.get(DOCS_PATH, include_in_schema=False)
    def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "").rstrip("/")
        return get_swagger_ui_html(
            openapi_url=f"{root}{app.openapi_url}",
            title=f"{app.title} - API docs",
            swagger_js_url=f"{root}{ASSETS_PATH}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS_PATH}/swagger-ui.css",
            swagger_favicon_url=f"{root}{ASSETS_PATH}/favicon.png",
            # no badge from the online validator (a request to another host)
            swagger_ui_parameters={"validatorUrl": None},
        )
