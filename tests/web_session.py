"""The analysts' page as a test reaches it: a live ``srsopt serve`` and a signed-in session.

``Session`` is an httpx client with the page's cookies (no browser): it signs in through the
form, reads each page's CSRF token and posts forms with it, as a browser would.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
from builders import set_cell
from service_server import TINY

from models.instance import read_raw
from models.workbook import save_workbook
from optimizer.service import tokens
from optimizer.service.db import connect, default_url

CSRF_FIELD = re.compile(r'name="csrf" value="([^"]+)"')


def make_tokens(data: Path, *names: tuple[str, str]) -> dict[str, str]:
    """A token for each (name, role), made in the server's database before it starts."""
    data.mkdir(parents=True, exist_ok=True)
    engine = connect(default_url(data))
    try:
        return {name: tokens.create(engine, name, role) for name, role in names}  # type: ignore[arg-type]
    finally:
        engine.dispose()


def two_mistakes(folder: Path) -> Path:
    """The tiny instance as a workbook with two mistakes: a negative capex, a text population."""
    settings, tables, _ = read_raw(TINY)
    set_cell(tables, "projects", 1, "capex", -5)
    set_cell(tables, "settlements", 2, "population", "many")
    path = folder / "two-mistakes.xlsx"
    save_workbook(settings, tables, path)
    return path


def page_csrf(html: str) -> str:
    """The CSRF token of a page's forms."""
    found = CSRF_FIELD.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


class Session:
    """A browser-like client of the page: cookies kept, redirects not followed."""

    def __init__(self, url: str) -> None:
        self.client = httpx.Client(base_url=url, follow_redirects=False, timeout=60)
        self.csrf = ""

    def get(self, path: str, **kw: Any) -> httpx.Response:
        answer = self.client.get(path, **kw)
        if "text/html" in answer.headers.get("content-type", "") and CSRF_FIELD.search(
                answer.text):
            self.csrf = page_csrf(answer.text)
        return answer

    def post(self, path: str, data: dict[str, Any] | None = None, **kw: Any) -> httpx.Response:
        return self.client.post(path, data={"csrf": self.csrf, **(data or {})}, **kw)

    def sign_in(self, token: str) -> httpx.Response:
        self.get("/signin")
        return self.post("/signin", {"token": token, "next": "/plans/new"})
