"""The page's session: the token in an HttpOnly cookie, a CSRF token on every form, the language.

Signing in puts the analyst's own token (from ``srsopt token create``) in the cookie
``srsopt_session`` (HttpOnly: no script reads it; SameSite=Strict: no other site's page sends
it; Secure when the page is served over HTTPS, e.g. behind the reverse proxy). Every request
checks it as the API checks a bearer token, so a revoked token signs the page out at once and
several servers sharing a database share the sessions, with nothing more stored.

CSRF: the double-submit pattern. A random ``srsopt_csrf`` cookie (HttpOnly, SameSite=Strict)
is set with the first page; every form carries the same value in a hidden ``csrf`` field, and
a POST whose field does not match the cookie is refused (403). A page on another site can
neither read the cookie nor send it. Signing in renews it.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import Depends, Form, Request
from fastapi.responses import Response

from optimizer.outputs.labels import DEFAULT_LANG, LANGS
from optimizer.service.tokens import Identity, identify

SESSION = "srsopt_session"
CSRF = "srsopt_csrf"
LANG = "srsopt_lang"
YEAR = 365 * 24 * 3600


class SignInNeededError(Exception):
    """A page that needs a signed-in analyst was asked for without one: go to the sign-in page."""

    def __init__(self, wanted: str) -> None:
        super().__init__(wanted)
        self.wanted = wanted


class PageError(Exception):
    """A request the page refuses (no such job, a form that makes no sense): shown as a page."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def secure(request: Request) -> bool:
    """Whether the page is served over HTTPS (directly or behind a proxy that says so)."""
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return request.url.scheme == "https" or forwarded == "https"


def set_cookie(response: Response, request: Request, name: str, value: str,
               max_age: int | None = None, http_only: bool = True) -> None:
    """A cookie of the page: SameSite=Strict, HttpOnly, path /, Secure over HTTPS."""
    response.set_cookie(name, value, max_age=max_age, path="/", httponly=http_only,
                        samesite="strict", secure=secure(request))


def language(request: Request) -> str:
    """The page's language: the ``srsopt_lang`` cookie, else Russian."""
    lang = request.cookies.get(LANG, "")
    return lang if lang in LANGS else DEFAULT_LANG


def csrf_token(request: Request) -> str:
    """The request's CSRF token: its cookie's, or a new one (set on the response by ``page``)."""
    known = request.cookies.get(CSRF, "")
    if len(known) == 43:
        return known
    fresh: str | None = getattr(request.state, "csrf", None)
    if fresh is None:
        fresh = secrets.token_urlsafe(32)
        request.state.csrf = fresh
    return fresh


def keep_csrf(request: Request, response: Response) -> None:
    """Set the CSRF cookie when this request made a new token."""
    fresh = getattr(request.state, "csrf", None)
    if fresh is not None:
        set_cookie(response, request, CSRF, fresh)


def checked_csrf(request: Request, csrf: Annotated[str, Form()] = "") -> None:
    """Refuse (403) a form whose hidden ``csrf`` field is not the one its cookie holds."""
    known = request.cookies.get(CSRF, "")
    if not known or not hmac.compare_digest(known.encode(), csrf.encode()):
        raise PageError(403, "the form's CSRF token is missing or wrong: reload the page and "
                        "send it again")


def signed_in(request: Request) -> Identity | None:
    """The analyst whose token the session cookie holds, if it is valid and not revoked."""
    token = request.cookies.get(SESSION, "")
    return identify(request.app.state.service.engine, token) if token else None


def analyst(request: Request) -> Identity:
    """The signed-in analyst, or a redirect to the sign-in page (``SignInNeededError``)."""
    who = signed_in(request)
    if who is None:
        raise SignInNeededError(request.url.path)
    return who


Analyst = Annotated[Identity, Depends(analyst)]
CheckedForm = Depends(checked_csrf)
