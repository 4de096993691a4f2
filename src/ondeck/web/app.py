"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.middleware.sessions import SessionMiddleware

from ondeck import __version__, metrics
from ondeck.bootstrap import Container
from ondeck.services import paging
from ondeck.web import (
    api,
    calendar,
    command_api,
    command_centre_api,
    contacts_api,
    ingest,
    integrations_mattermost,
    integrations_slack,
    integrations_twilio,
    links,
    roles_api,
    schedule_changes_api,
    schedules_api,
    status_page,
    status_updates_api,
    ui,
)
from ondeck.web.deps import ApiUser, ContainerDep
from ondeck.web.templating import STATIC_DIR


def create_app(container: Container) -> FastAPI:
    batcher = ingest.ingest_batcher(container)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        batcher.close()

    app = FastAPI(
        lifespan=lifespan,
        title="ondeck",
        version=__version__,
        description="On-call and incident response. API calls need "
        "`Authorization: Bearer <token>` (create one with `ondeck token create`).",
    )
    app.state.container = container
    app.state.ingest_batcher = batcher
    app.include_router(ingest.router)
    app.include_router(api.router)
    app.include_router(schedules_api.router)
    app.include_router(schedule_changes_api.router)
    app.include_router(contacts_api.router)
    app.include_router(command_api.router)
    app.include_router(command_centre_api.router)
    app.include_router(roles_api.router)
    app.include_router(status_updates_api.router)
    app.include_router(status_page.router)  # public: no authentication
    app.include_router(calendar.api)
    app.include_router(calendar.feeds)
    app.include_router(links.router)
    app.include_router(integrations_slack.router)
    app.include_router(integrations_twilio.router)
    app.include_router(integrations_mattermost.router)
    app.include_router(ui.router)
    app.add_exception_handler(ui.LoginRequired, ui.login_required_handler)
    app.add_middleware(
        SessionMiddleware,
        secret_key=container.settings.secret_key,
        session_cookie="ondeck_session",
        max_age=7 * 24 * 3600,
        same_site="lax",
        https_only=container.settings.base_url.startswith("https://"),
    )
    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")

    @app.get("/healthz", tags=["health"])
    async def healthz(container: ContainerDep) -> JSONResponse:
        """200 when this process can reach its database, 503 when it cannot."""
        if await run_in_threadpool(container.database_ok):
            return JSONResponse({"status": "ok"})
        return JSONResponse({"status": "database unavailable"}, status_code=503)

    @app.get("/metrics", tags=["health"])
    async def prometheus_metrics(container: ContainerDep, _user: ApiUser) -> Response:
        """Prometheus metrics; scrape with an API token as a bearer credential."""
        counts = await run_in_threadpool(paging.backlog, uow=container.uow, clock=container.clock)
        for kind, value in counts.items():
            metrics.engine_health.labels(kind).set(value)
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return app
