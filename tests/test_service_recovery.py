"""The service survives its own death, and runs the same on PostgreSQL.

- A Dask worker process (found under ``srsopt serve``'s process tree) killed by its PID
  mid-solve: the scheduler runs the job again on the worker its Nanny starts (``--retries`` 1),
  the job ends ``done`` with ``attempts`` 2 and the log says why.
- ``srsopt serve`` (the session's, tests/conftest.py) killed (SIGKILL, by its PID) mid-solve
  and started again on the same data: the job is not left ``running``: it is run again and
  ends ``done`` (or ``failed`` with its reason), and its stored input is intact (its sha256 is
  its name).
- PostgreSQL (the server's throwaway cluster, tests/conftest.py ``pg_live``): two claims of one
  queued job never both take it. (Every endpoint test of tests/test_service.py runs on
  PostgreSQL too.)
"""

from __future__ import annotations

import hashlib
import os
import signal
import time
import uuid
from pathlib import Path

import psutil
from service_server import POLL_SECONDS, Server
from sqlalchemy import create_engine, text

from optimizer.service import store
from optimizer.service.db import connect

SHORT_SOLVE = {"time_limit": "3", "gap": "0", "report": "false", "excel": "false"}
"""The generated instance at gap 0 runs to its 3 s limit: long enough to be killed mid-solve."""


def _under_way(server: Server, token: str, generated_zip: Path) -> str:
    """Submit the short solve; its id once it reports progress (the solve has begun)."""
    answer = server.submit(token, generated_zip, data=SHORT_SOLVE)
    assert answer.status_code == 202, answer.text
    job_id = str(answer.json()["id"])
    end = time.monotonic() + 60
    while not server.call("GET", f"/v1/jobs/{job_id}", token).json()["progress"]:
        assert time.monotonic() < end, "the solve never reported progress"
        time.sleep(POLL_SECONDS)
    return job_id


def _workers(server: Server) -> list[int]:
    """PIDs of the Dask workers under ``srsopt serve``: each its Nanny's spawned child."""
    assert server.proc is not None
    return [p.pid for p in psutil.Process(server.proc.pid).children(recursive=True)
            if any("spawn_main" in part for part in p.cmdline())]


def test_a_worker_killed_mid_solve_is_run_again(live: Server, generated_zip: Path) -> None:
    token = live.tokens["anna"]
    job_id = _under_way(live, token, generated_zip)
    [worker] = _workers(live)
    os.kill(worker, signal.SIGKILL)
    job = live.wait(token, job_id, timeout=120)
    assert job["status"] == "done", job
    assert job["attempts"] == 2 and job["summary"]["status"] in ("time_limit", "optimal")
    assert any(e["objective"] is not None for e in job["progress"]), job["progress"]
    assert _workers(live) not in ([], [worker])  # its Nanny started another
    assert f"job {job_id}: worker tcp://" in live.log.read_text()


def test_a_killed_server_leaves_no_job_running_and_no_input_lost(live: Server,
                                                                 generated_zip: Path) -> None:
    token = live.tokens["anna"]
    job_id = _under_way(live, token, generated_zip)
    live.kill(signal.SIGKILL)
    live.start()
    job = live.wait(token, job_id, timeout=120)
    assert job["attempts"] == 2
    assert job["status"] == "done" or (job["status"] == "failed" and job["error"]), job
    stored = live.data / "inputs" / f"{job['input_sha256']}.zip"
    assert hashlib.sha256(stored.read_bytes()).hexdigest() == job["input_sha256"]
    assert job["summary"]["status"] in ("time_limit", "optimal")


def test_two_claims_never_take_the_same_job_on_postgresql(pg_live: Server) -> None:
    assert pg_live.db is not None
    # a database of its own in the same cluster: the server's dispatcher would claim the job
    name = f"claims_{uuid.uuid4().hex[:8]}"
    cluster = create_engine(pg_live.db, isolation_level="AUTOCOMMIT")
    with cluster.connect() as db:
        db.execute(text(f"CREATE DATABASE {name}"))
    cluster.dispose()
    engine = connect(f"{pg_live.db.rpartition('/')[0]}/{name}")
    job_id = store.create(engine, owner="x", kind="solve", input_sha256="0" * 64,
                          options={}, reuse_key="k")
    claims = [store.claim(engine, "a:1:x"), store.claim(engine, "b:2:y")]
    assert [c.id if c else None for c in claims].count(job_id) == 1
    engine.dispose()
