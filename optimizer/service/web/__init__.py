"""The analysts' web page, served by ``srsopt serve`` at ``/`` (docs/web.md).

Server-rendered Jinja2 pages and one small plain script, all shipped in the package: sign in
with a token, upload and validate an instance, run it and watch it converge, read the result
and its report, try scenarios, see the history. Every job goes through the same code as the
API's (``optimizer.service.submit``); only the way the analyst is known differs (a cookie
instead of a bearer token, with a CSRF token on every form).
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from optimizer.service.web import (
    history_routes,
    job_routes,
    plan_routes,
    signin_routes,
    whatif_routes,
)
from optimizer.service.web.pages import page
from optimizer.service.web.session import PageError, SignInNeededError, signed_in

ROUTERS = (signin_routes.router, plan_routes.router, history_routes.router, job_routes.router,
           whatif_routes.router)
"""``/jobs`` (history) before ``/jobs/{id}``; every page's route."""


async def _to_signin(request: Request, exc: Exception) -> Response:
    """A page that needs signing in sends the browser to the sign-in page, then back."""
    wanted = exc.wanted if isinstance(exc, SignInNeededError) else "/"
    return RedirectResponse(f"/signin?next={quote(wanted)}", status_code=303)


async def _refused(request: Request, exc: Exception) -> Response:
    """A refused request as a page in the analyst's language, with its status code."""
    status, message = (exc.status, exc.message) if isinstance(exc, PageError) else (500, "")
    return page(request, "refused.html.j2", signed_in(request), status_code=status, errors=[],
                message=message)


def mount(app: FastAPI) -> None:
    """Add the page's routes, its static files and the sign-in redirect to ``app``."""
    for router in ROUTERS:
        app.include_router(router)
    static = Path(str(files("optimizer.service.web").joinpath("static")))
    app.mount("/static", StaticFiles(directory=static), name="static")
    app.add_exception_handler(SignInNeededError, _to_signin)
    app.add_exception_handler(PageError, _refused)
