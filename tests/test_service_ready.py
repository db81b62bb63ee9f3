"""The app builds before serving what FastAPI would build on the event loop at first requests.

In process, no server: the app (``create_app``) without its lifespan, requests through
``httpx.ASGITransport``. Every pydantic ``TypeAdapter`` made is counted: about 90 at the first
requests of a cold app (each route's validators, the submission form's fields), none once
``optimizer.service.ready.warm`` has run. (Under load those builds held the event loop for
over a second: docs/service.md, Figures.)
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import TypeAdapter

from optimizer.service.app import create_app
from optimizer.service.ready import warm
from optimizer.service.schemas import SolverOptions
from optimizer.service.state import Settings

PATHS = ("/v1/jobs", "/", "/jobs/0", "/v1/no-such-endpoint")
"""The API (401 before any database), the page, a page route and a path no route serves."""


def _built(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The types of the TypeAdapters made from now on."""
    made: list[Any] = []
    init = TypeAdapter.__init__

    def counted(self: TypeAdapter[Any], kind: Any, *args: Any, **kwargs: Any) -> None:
        made.append(kind)
        kwargs["_parent_depth"] = kwargs.get("_parent_depth", 2) + 1  # this frame between
        init(self, kind, *args, **kwargs)

    monkeypatch.setattr(TypeAdapter, "__init__", counted)
    return made


async def _first_requests(app: FastAPI, form_fields: Any) -> list[int]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://srsopt") as client:
        answers = [(await client.get(path)).status_code for path in PATHS]
    form_fields(SolverOptions)  # what the first submission asks for
    return answers


@pytest.mark.parametrize("warmed", [False, True])
def test_nothing_is_left_to_build_at_the_first_requests(tmp_path: Path, warmed: bool,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    form_fields = pytest.importorskip("fastapi._compat").get_cached_model_fields
    form_fields.cache_clear()  # a cold process: another test's app may have asked already
    app = create_app(Settings(data=tmp_path))
    if warmed:
        asyncio.run(warm(app))
    made = _built(monkeypatch)
    answers = asyncio.run(_first_requests(app, form_fields))
    assert answers[0] == 401 and answers[-1] == 404, answers
    if warmed:
        assert made == [], made
    else:
        assert len(made) > 50, len(made)  # what warming spares the event loop
