"""Rendering a page: the package's Jinja2 templates, the catalogue's labels, safe headers.

Templates are ``templates/*.html.j2`` shipped in the package (no build step, no CDN); every
label comes from the catalogue of ``optimizer/outputs/locales`` (``t('web.…')``) in the
language of the ``srsopt_lang`` cookie. Autoescaping is on, so a region or file name from an
upload is shown as text, Cyrillic included, never as markup.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from optimizer.outputs.labels import LANGS, Translate, formatted, label_or
from optimizer.service.tokens import Identity
from optimizer.service.web.session import csrf_token, keep_csrf, language

CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; "
       "script-src 'self'; frame-src 'self'; frame-ancestors 'self'; form-action 'self'; "
       "base-uri 'none'; object-src 'none'")
"""The page's own script and style only: no CDN, no inline script; frames of its own files."""


@cache
def environment() -> Environment:
    """The templates of the package, autoescaped, failing loudly on a missing variable."""
    return Environment(loader=PackageLoader("optimizer.service.web", "templates"),
                       autoescape=select_autoescape(["html", "j2"]), undefined=StrictUndefined,
                       trim_blocks=True, lstrip_blocks=True)


def secured(response: HTMLResponse) -> HTMLResponse:
    """The page's security headers: CSP, no sniffing, no framing by other sites, no caching."""
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Cache-Control"] = "no-store"
    return response


def page(request: Request, template: str, who: Identity | None, status_code: int = 200,
         **context: Any) -> HTMLResponse:
    """The page ``template`` in the request's language, with its CSRF token and the user."""
    lang = language(request)
    t = Translate(lang)

    def fmt(value: object, spec: str) -> str:
        return formatted(value, spec, lang)

    def named(prefix: str, value: object) -> str:
        return label_or(f"{prefix}.{value}", lang, str(value))

    html = environment().get_template(template).render(
        t=t, fmt=fmt, named=named, lang=lang, langs=LANGS, csrf=csrf_token(request), who=who,
        here=request.url.path, **context)
    response = secured(HTMLResponse(html, status_code=status_code))
    keep_csrf(request, response)
    return response
