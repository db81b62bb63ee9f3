"""schemathesis over the live server's /openapi.json: no generated request gets a 500.

``schemathesis run`` as a subprocess (its pytest plugin does not load under this pytest),
against the session's server (tests/conftest.py) with a token of its own, so its requests
touch no other test's jobs. Bounded: a few examples per operation, a fixed seed, one worker
(two raced inside schemathesis) and a timeout over the whole run (not ``--max-time``: with it,
schemathesis repeats its fuzzing until the time is spent). Passing means its
``not_a_server_error`` check held for every response and the server logged no 500 (a 500
planted in ``GET /v1/jobs`` for ``limit`` over 100 fails it).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from service_server import Server

from optimizer.service import tokens
from optimizer.service.db import connect, default_url

MAX_EXAMPLES = 8
MAX_SECONDS = 60
"""The whole run's bound: about 7 s on the loaded 2-core development machine."""


def _schemathesis() -> str | None:
    beside = Path(sys.executable).with_name("schemathesis")
    return str(beside) if beside.is_file() else shutil.which("schemathesis")


def _server_errors(server: Server) -> int:
    return server.log.read_text(errors="replace").count(" 500 Internal Server Error")


def test_no_generated_request_gets_a_500(live: Server, tmp_path: Path) -> None:
    found = _schemathesis()
    if found is None:
        pytest.skip("schemathesis is not installed (pip install -e '.[dev]'): the fuzz pass "
                    "over /openapi.json is skipped")
    engine = connect(default_url(live.data))
    token = tokens.create(engine, "fuzz")
    engine.dispose()
    before = _server_errors(live)
    run = subprocess.run(
        [found, "run", f"{live.url}/openapi.json", "--header", f"Authorization: Bearer {token}",
         "--checks", "not_a_server_error", "--max-examples", str(MAX_EXAMPLES), "--seed", "1",
         "--workers", "1", "--phases", "coverage,fuzzing,stateful", "--no-shrink",
         "--request-timeout", "10"],
        cwd=tmp_path, capture_output=True, text=True, timeout=MAX_SECONDS, check=False)
    assert run.returncode == 0, run.stdout[-5000:] + run.stderr[-2000:]
    generated = re.search(r"(\d+) generated", run.stdout)
    assert generated and int(generated.group(1)) > 0, run.stdout[-2000:]
    assert _server_errors(live) == before, live.log.read_text()[-5000:]
