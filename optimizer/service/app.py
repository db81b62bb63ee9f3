"""The FastAPI app: its settings, the service it holds while it runs, and its error answers.

``create_app(Settings(...))`` is what ``srsopt serve`` hands uvicorn. At start (the lifespan)
the database is connected and its schema made, the runner opened (a ``LocalCluster`` of
``workers`` isolated processes, or a client of ``scheduler``: never this process), the
dispatcher and the health monitor started, and what FastAPI would build at the first requests
built (``optimizer.service.ready``); at shutdown they stop (the dispatcher's running
jobs become ``interrupted``) and the cluster is closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from optimizer.distributed import open_runner
from optimizer.service.db import connect
from optimizer.service.events import Streams
from optimizer.service.execution import Dispatcher
from optimizer.service.health import Monitor
from optimizer.service.inputs import Inputs
from optimizer.service.jobs import versions
from optimizer.service.ready import prepare
from optimizer.service.results import Results
from optimizer.service.routes import router
from optimizer.service.state import Service, Settings
from optimizer.service.web import mount

log = logging.getLogger("srsopt.service")


def _open(app: FastAPI, settings: Settings, stack: contextlib.ExitStack) -> None:
    """Connect, open the runner and start the dispatcher (blocking: run off the event loop)."""
    service: Service = app.state.service
    runner = stack.enter_context(open_runner(settings.scheduler, settings.workers,
                                             retries=settings.retries, here=False))
    log.info("srsopt serve: jobs run on %s", runner.description)
    slots = settings.workers
    client = getattr(runner, "client", None)
    if settings.scheduler is not None and client is not None:
        slots = max(sum(client.nthreads().values()), 1)
    service.dispatcher = Dispatcher(service.engine, service.inputs, service.results, runner,
                                    slots, settings.lang)
    service.dispatcher.start()


def create_app(settings: Settings) -> FastAPI:
    """The app, with its routes; the service starts with the app's lifespan."""
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        settings.data.mkdir(parents=True, exist_ok=True)
        engine = connect(settings.url)
        service = Service(settings, engine, Inputs(settings.data), Results(settings.data),
                          Monitor(engine), Streams(engine))
        app.state.service = service
        with contextlib.ExitStack() as stack:
            await asyncio.to_thread(_open, app, settings, stack)
            await asyncio.to_thread(service.monitor.start)
            await prepare(app)  # before serving: nothing left to build on the loop
            try:
                yield
            finally:
                await asyncio.to_thread(service.monitor.stop)
                if service.dispatcher is not None:
                    await asyncio.to_thread(service.dispatcher.stop)
                await asyncio.to_thread(stack.close)

    app = FastAPI(title="srsopt", version=versions()["srsopt"], lifespan=lifespan,
                  description="Budget allocation for Kazakhstan's System of Regional "
                  "Standards, as a service: submit an instance, follow the job, fetch the "
                  "files. See docs/service.md.")

    app.add_middleware(UploadLimit, settings=settings)
    app.include_router(router)
    mount(app)  # the analysts' page at / (optimizer/service/web, docs/web.md)
    return app


class UploadLimit:
    """413 before reading a body declared over the limit (the rest is counted as read).

    Plain ASGI, not ``@app.middleware``: that wraps every request, health probes too, in a
    task and two streams, work the event loop does under load for nothing.
    """

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app, self.settings = app, settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse an upload declared too large; pass everything else on."""
        if scope["type"] == "http":
            declared = dict(scope["headers"]).get(b"content-length", b"")
            if declared.isdigit() and int(declared) > self.settings.max_upload + 2**20:
                answer = JSONResponse({"detail": f"the upload is over the limit of "
                                       f"{self.settings.max_upload_mb:g} MB"}, status_code=413)
                await answer(scope, receive, send)
                return
        await self.app(scope, receive, send)
