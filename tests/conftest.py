"""Fixtures shared by test modules: live ``srsopt serve`` processes for the whole session.

Starting a server (its imports, its Dask worker) takes seconds on a loaded machine, so
tests/test_service.py and tests/test_service_recovery.py share one (``live``): a worker,
uploads up to 2 MB, 3 queued jobs per token, files in English; three tokens (anna and bolat
analysts, chief an admin). The restart test kills it and starts it again on the same data;
later tests get the restarted one. The web page's tests (tests/test_web*.py) have their own
(``web_server``): other tokens, the page's defaults.

The PostgreSQL pass has its own server (``pg_live``), the same but on a throwaway cluster.
``server`` is either, a parameter: the endpoint tests run once on each (the PostgreSQL one
skipped, saying why, where there is no PostgreSQL). When the session will ask for it, it is
launched beside ``live`` so that the two start at once.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from dask_cluster import Cluster
from service_server import Server, generated, postgres, running
from web_session import make_tokens

from optimizer.service import tokens
from optimizer.service.db import connect, default_url

# srsopt's messages are read whole: a wide console keeps rich from breaking a long path (a
# test's temporary folder) across lines; its Consoles read COLUMNS each time they print
os.environ["COLUMNS"] = "250"

SERVE_ARGS = ("--workers", "1", "--max-upload-mb", "2", "--max-queued", "3", "--lang", "en")
WHO: tuple[tuple[str, tokens.Role], ...] = (("anna", "analyst"), ("bolat", "analyst"),
                                            ("chief", "admin"))


def _tokens(server: Server, url: str) -> None:
    engine = connect(url)
    server.tokens = {name: tokens.create(engine, name, role) for name, role in WHO}
    engine.dispose()


def _on_postgresql(item: pytest.Item) -> bool:
    """Whether a collected test will ask for the PostgreSQL server."""
    callspec = getattr(item, "callspec", None)
    return "pg_live" in getattr(item, "fixturenames", ()) or (
        callspec is not None and callspec.params.get("server") == "postgresql")


@pytest.fixture(scope="session")
def _pg_launched(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server | None]:
    """The PostgreSQL pass's server, launched, not yet answering; None without PostgreSQL."""
    with postgres() as url:
        if url is None:
            yield None
            return
        with running(tmp_path_factory.mktemp("serve-pg"), *SERVE_ARGS, db=url) as server:
            _tokens(server, url)
            yield server.launch()


@pytest.fixture(scope="session")
def live(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
         ) -> Iterator[Server]:
    with running(tmp_path_factory.mktemp("serve"), *SERVE_ARGS) as server:
        _tokens(server, default_url(server.data))
        server.launch()
        if any(_on_postgresql(item) for item in request.session.items):
            request.getfixturevalue("_pg_launched")  # both start at once
        yield server.ready()


@pytest.fixture(scope="session")
def pg_live(_pg_launched: Server | None) -> Server:
    """The server on PostgreSQL, answering (the PostgreSQL pass skipped without one)."""
    if _pg_launched is None:
        pytest.skip("no PostgreSQL server binaries (/usr/lib/postgresql/*/bin/initdb): the "
                    "PostgreSQL pass is skipped")
    assert _pg_launched.db is not None
    return _pg_launched.ready()


@pytest.fixture(params=["sqlite", "postgresql"])
def server(request: pytest.FixtureRequest) -> Server:
    """The session's server on SQLite (``live``), then the one on PostgreSQL (``pg_live``)."""
    found: Server = request.getfixturevalue("live" if request.param == "sqlite" else "pg_live")
    return found


@pytest.fixture(scope="session")
def generated_zip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small generated instance (tests/service_server.py ``generated``), as a .zip."""
    return generated(tmp_path_factory.mktemp("generated"))


@pytest.fixture(scope="session")
def web_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One server (one worker) for tests/test_web.py and tests/test_web_browser.py: its start
    is most of their time. Analysts anna, bolat, vera and the admin chief."""
    data = tmp_path_factory.mktemp("web")
    with running(data, "--workers", "1") as live:
        live.tokens = make_tokens(data, ("anna", "analyst"), ("bolat", "analyst"),
                                  ("vera", "analyst"), ("chief", "admin"))
        yield live.start()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """A real ``dask scheduler`` and two ``dask worker`` processes (tests/dask_cluster.py)."""
    running = Cluster(tmp_path_factory.mktemp("cluster"))
    try:
        running.wait()
        yield running
    finally:
        running.stop()
