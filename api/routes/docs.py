"""The API documentation page (Swagger UI) at ``/api/v1/docs``, behind sign-in like the
schema it shows.

Swagger UI's JavaScript and CSS come from the installed ``fastapi-offline`` package and
are served by geo_era under ``/static/swagger-ui`` (nothing is asked of a content
delivery network, which many police networks cannot reach and which would learn who
reads the documentation); the page's own start-up script is a file under
``/static/api``. So the page's Content-Security-Policy allows scripts and styles from
geo_era only, with no inline script, and the strict policy of every other answer stays
as it is.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from ..deps import PREFIX

#: Swagger UI's files (``swagger-ui-bundle.js``, ``swagger-ui.css``), served at
#: :data:`SWAGGER_URL`.
SWAGGER_DIR = Path(str(files("fastapi_offline") / "static"))
SWAGGER_URL = "/static/swagger-ui"
#: The adapter's own static files (the docs page's script), served at :data:`OWN_URL`.
OWN_DIR = Path(__file__).parents[1] / "static"
OWN_URL = "/static/api"
DOCS_URL = f"{PREFIX}/docs"
#: The docs page's policy: its scripts and styles only from geo_era (none inline), its
#: images from geo_era or data: URLs (Swagger UI's icons), its requests to geo_era only.
DOCS_POLICY = ("default-src 'none'; script-src 'self'; style-src 'self'; "
               "img-src 'self' data:; connect-src 'self'; font-src 'self'; "
               "frame-ancestors 'none'; base-uri 'none'; form-action 'none'")

templates = Jinja2Templates(directory=Path(__file__).parents[1] / "templates")
router = APIRouter(include_in_schema=False)


@router.get(DOCS_URL, response_class=HTMLResponse)
def docs(request: Request) -> HTMLResponse:
    """Swagger UI over the app's OpenAPI schema."""
    response = templates.TemplateResponse(request, "docs.html", {
        "title": request.app.title, "openapi_url": request.app.openapi_url,
        "swagger": SWAGGER_URL, "own": OWN_URL})
    response.headers["Content-Security-Policy"] = DOCS_POLICY
    return response
