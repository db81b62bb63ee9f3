"""Sign in with a token, sign out, switch the language; ``/`` leads to the right page."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from optimizer.outputs.labels import LANGS
from optimizer.service.tokens import identify
from optimizer.service.web.pages import page
from optimizer.service.web.session import (
    CSRF,
    LANG,
    SESSION,
    YEAR,
    CheckedForm,
    set_cookie,
    signed_in,
)

router = APIRouter(include_in_schema=False)
SESSION_SECONDS = 12 * 3600
"""A sign-in lasts a working day (the token itself stays valid until it is revoked)."""


def local(target: str, default: str = "/plans/new") -> str:
    """``target`` when it is a path of this site (never another site: ``//x``, ``https:``)."""
    ok = target.startswith("/") and not target.startswith("//") and "\\" not in target
    return target if ok else default


def go(target: str) -> RedirectResponse:
    """303 See Other: after a form, the browser GETs ``target``."""
    return RedirectResponse(target, status_code=303)


@router.get("/")
def home(request: Request) -> Response:
    """The new-plan page when signed in, else the sign-in page."""
    return go("/plans/new" if signed_in(request) else "/signin")


@router.get("/signin")
def signin_page(request: Request, next: str = "/plans/new") -> Response:
    """The sign-in form."""
    return page(request, "signin.html.j2", None, next=local(next), failed=False)


@router.post("/signin", dependencies=[CheckedForm])
def signin(request: Request, token: Annotated[str, Form()] = "",
           next: Annotated[str, Form()] = "/plans/new") -> Response:
    """Check the token; keep it in the session cookie and renew the CSRF token."""
    token = token.strip()
    if identify(request.app.state.service.engine, token) is None:
        return page(request, "signin.html.j2", None, status_code=401, next=local(next),
                    failed=True)
    response = go(local(next))
    set_cookie(response, request, SESSION, token, max_age=SESSION_SECONDS)
    set_cookie(response, request, CSRF, secrets.token_urlsafe(32))
    return response


@router.post("/signout", dependencies=[CheckedForm])
def signout(request: Request) -> Response:
    """Forget the session (and its CSRF token): every page needs signing in again."""
    response = go("/signin")
    for name in (SESSION, CSRF):
        response.delete_cookie(name, path="/", httponly=True, samesite="strict")
    return response


@router.post("/lang", dependencies=[CheckedForm])
def switch_language(request: Request, lang: Annotated[str, Form()] = "",
                    next: Annotated[str, Form()] = "/") -> Response:
    """Keep the chosen language in a cookie for a year; back to the page it was chosen on."""
    response = go(local(next, "/"))
    if lang in LANGS:
        set_cookie(response, request, LANG, lang, max_age=YEAR)
    return response
