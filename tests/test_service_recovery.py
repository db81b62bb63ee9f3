"""The service survives its own death, and runs the same on PostgreSQL.

- ``srsopt serve`` (the session's, tests/conftest.py) killed (SIGKILL, by its PID) mid-solve
  and started again on the same data: the job is not left ``running``: it is run again and
  ends ``done`` (or ``failed`` with its reason), and its stored input is intact (its sha256 is
  its name).
- PostgreSQL: a throwaway cluster (initdb + pg_ctl in a temp folder); the tiny instance solved
  through ``--db postgresql+psycopg://...``, and two claims never take the same job.
"""

from __future__ import annotations

import hashlib
import signal
import time
from pathlib import Path

import pytest
from service_server import POLL_SECONDS, TINY, TINY_OBJECTIVE, Server, zipped

from optimizer.service import store
from optimizer.service.db import connect


def test_a_killed_server_leaves_no_job_running_and_no_input_lost(live: Server,
                                                                 generated_zip: Path) -> None:
    token = live.tokens["anna"]
    answer = live.submit(token, generated_zip, data={"time_limit": "3", "gap": "0",
                                                     "report": "false", "excel": "false"})
    job_id = answer.json()["id"]
    end = time.monotonic() + 60
    while not live.call("GET", f"/v1/jobs/{job_id}", token).json()["progress"]:
        assert time.monotonic() < end, "the solve never reported progress"
        time.sleep(POLL_SECONDS)  # killed once the solve is under way
    live.kill(signal.SIGKILL)
    live.start()
    job = live.wait(token, job_id, timeout=120)
    assert job["attempts"] == 2
    assert job["status"] == "done" or (job["status"] == "failed" and job["error"]), job
    stored = live.data / "inputs" / f"{job['input_sha256']}.zip"
    assert hashlib.sha256(stored.read_bytes()).hexdigest() == job["input_sha256"]
    assert job["summary"]["status"] in ("time_limit", "optimal")


def test_the_service_on_postgresql(pg_live: Server, tmp_path: Path) -> None:
    assert pg_live.db is not None
    token = pg_live.tokens["anna"]
    answer = pg_live.submit(token, zipped(TINY, tmp_path / "tiny.zip"),
                            data={"report": "false", "excel": "false"})
    assert answer.status_code == 202, answer.text
    job = pg_live.wait(token, answer.json()["id"])
    assert job["status"] == "done", job
    assert job["summary"]["objective"] == pytest.approx(TINY_OBJECTIVE, abs=0.01)
    assert pg_live.call("GET", "/v1/health").json()["database"] is True
    pg_live.kill(signal.SIGTERM)  # its dispatcher would claim the job below
    # two servers' claims of one queued job: exactly one gets it
    engine = connect(pg_live.db)
    job_id = store.create(engine, owner="x", kind="solve", input_sha256="0" * 64,
                          options={}, reuse_key="k")
    claims = [store.claim(engine, "a:1:x"), store.claim(engine, "b:2:y")]
    assert [c.id if c else None for c in claims].count(job_id) == 1
    engine.dispose()
