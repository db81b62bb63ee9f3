"""Fixtures shared by test modules: one live ``srsopt serve`` for the web page's tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from service_server import Server, running
from web_session import make_tokens


@pytest.fixture(scope="session")
def web_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One server (one worker) for tests/test_web.py and tests/test_web_browser.py: its start
    is most of their time. Analysts anna, bolat, vera and the admin chief."""
    data = tmp_path_factory.mktemp("web")
    with running(data, "--workers", "1") as live:
        live.tokens = make_tokens(data, ("anna", "analyst"), ("bolat", "analyst"),
                                  ("vera", "analyst"), ("chief", "admin"))
        yield live.start()
