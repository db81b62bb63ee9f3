"""The service survives its own death, and runs the same on PostgreSQL.

- ``srsopt serve`` killed (SIGKILL, by its PID) mid-solve and started again on the same data:
  the job is not left ``running``: it is run again and ends ``done`` (or ``failed`` with its
  reason), and its stored input is intact (its sha256 is its name).
- PostgreSQL: a throwaway cluster (initdb + pg_ctl in a temp folder); the tiny instance solved
  through ``--db postgresql+psycopg://...``, and two claims never take the same job.
"""

from __future__ import annotations

import hashlib
import signal
import time
from pathlib import Path

import pytest
from service_server import TINY, TINY_OBJECTIVE, postgres, running, srsopt, zipped

from optimizer.service import store, tokens
from optimizer.service.db import connect, default_url


def test_a_killed_server_leaves_no_job_running_and_no_input_lost(tmp_path: Path) -> None:
    srsopt("generate", str(tmp_path / "gen"), "--settlements", "2000", "--projects", "5000",
           "--seed", "2")
    data = tmp_path / "data"
    with running(data, "--workers", "1") as first:
        token = tokens.create(connect(default_url(data)), "anna")
        first.start()
        answer = first.submit(token, zipped(tmp_path / "gen", tmp_path / "gen.zip"),
                              data={"time_limit": "6", "report": "false", "excel": "false"})
        job_id = answer.json()["id"]
        first.wait(token, job_id, until=("running",))
        time.sleep(1)
        first.kill(signal.SIGKILL)
    with running(data, "--workers", "1") as second:
        second.start()
        job = second.wait(token, job_id, timeout=120)
        assert job["attempts"] == 2
        assert job["status"] == "done" or (job["status"] == "failed" and job["error"]), job
        stored = data / "inputs" / f"{job['input_sha256']}.zip"
        assert hashlib.sha256(stored.read_bytes()).hexdigest() == job["input_sha256"]
        assert job["summary"]["status"] in ("time_limit", "optimal")


def test_the_service_on_postgresql(tmp_path: Path) -> None:
    with postgres() as url:
        if url is None:
            pytest.skip("no PostgreSQL server binaries (/usr/lib/postgresql/*/bin/initdb): "
                        "the PostgreSQL pass is skipped")
        engine = connect(url)
        token = tokens.create(engine, "anna")
        with running(tmp_path / "data", "--workers", "1", db=url) as server:
            server.start()
            answer = server.submit(token, zipped(TINY, tmp_path / "tiny.zip"),
                                   data={"report": "false", "excel": "false"})
            assert answer.status_code == 202, answer.text
            job = server.wait(token, answer.json()["id"])
            assert job["status"] == "done", job
            assert job["summary"]["objective"] == pytest.approx(TINY_OBJECTIVE, abs=0.01)
            assert server.call("GET", "/v1/health").json()["database"] is True
        # two servers' claims of one queued job: exactly one gets it
        job_id = store.create(engine, owner="x", kind="solve", input_sha256="0" * 64,
                              options={}, reuse_key="k")
        claims = [store.claim(engine, "a:1:x"), store.claim(engine, "b:2:y")]
        assert [c.id if c else None for c in claims].count(job_id) == 1
        engine.dispose()
