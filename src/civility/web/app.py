"""The app factory: ``create_app(settings, platform=None)`` wires the routers, the error
mapping, the security middleware and the static files around one workflow Platform.
Nothing is created at import time; each call builds an independent app."""

from __future__ import annotations

import contextlib
import logging
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, AsyncIterator

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from civility.errors import ConfigError
from civility.settings import Settings
from civility.web import (
    api_admin,
    api_articles,
    api_comments,
    api_moderation,
    auth,
    embed,
    errors,
    feeds,
    learning_page,
    moderation,
    pages,
    reports,
    routes_privacy,
)
from civility.web.schemas import ErrorOut, HealthOut
from civility.web.security import BodySizeLimitMiddleware, SecurityHeadersMiddleware
from civility.web.templating import STATIC_DIR, make_templates

if TYPE_CHECKING:
    from civility.workflow.platform import Platform

log = logging.getLogger("civility.web")


def _version() -> str:
    try:
        return version("civility")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0"


def create_app(settings: Settings, platform: "Platform | None" = None) -> FastAPI:
    """Build the web app. Without ``platform`` one is made from ``settings`` (and closed with
    the app). The embedded job worker runs inside this process when ``embedded_worker`` is on."""
    owns_platform = platform is None
    if platform is None:
        from civility.workflow.platform import Platform

        platform = Platform.from_settings(settings)
        if not platform.schema_is_current():
            platform.close()
            raise ConfigError("the database schema is missing or old: run `civility migrate` first")

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        worker_started = False
        if settings.embedded_worker and settings.queue == "embedded":
            await run_in_threadpool(platform.start_worker)
            worker_started = True
        try:
            yield
        finally:
            if worker_started:
                await run_in_threadpool(platform.stop_worker)
            if owns_platform:
                await run_in_threadpool(platform.close)

    app = FastAPI(
        title=f"{settings.site_name} API",
        version=_version(),
        description=(
            "Comments with pre-moderation. Public endpoints never return an email address. "
            "Moderator endpoints take `Authorization: Bearer <token>` from `POST /api/moderator/session`, "
            "or the dashboard's session cookie with its token in `X-CSRF-Token`."
        ),
        docs_url=None,  # Swagger UI needs inline script and a CDN: not under our CSP
        redoc_url=None,
        lifespan=lifespan,
        # Any request may be malformed (a body that is not UTF-8) or too large: documented for all.
        responses={
            400: {"model": ErrorOut, "description": "Malformed request"},
            413: {"model": ErrorOut, "description": "Request body over max_body_bytes"},
            415: {"model": ErrorOut, "description": "A JSON endpoint was sent something other than JSON"},
        },
    )
    app.state.settings = settings
    app.state.platform = platform
    app.state.templates = make_templates()

    errors.install(app)
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(SecurityHeadersMiddleware)  # outermost: also covers 413s and errors

    @app.get("/healthz", response_model=HealthOut, tags=["health"], summary="Liveness: 200 when the app answers")
    def healthz() -> HealthOut:
        return HealthOut(status="ok")

    for router in (
        api_articles.router,
        api_comments.router,
        auth.api,
        api_moderation.router,
        api_admin.router,
        reports.router,
        pages.router,
        auth.router,
        moderation.router,
        learning_page.router,
        embed.router,
        feeds.router,
        routes_privacy.router,
    ):
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app


def app_from_env() -> FastAPI:
    """Factory for `uvicorn --factory` and `serve --workers N`: settings from the environment."""
    from civility.settings import load_settings

    return create_app(load_settings(check_secret=True))
