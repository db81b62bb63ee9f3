"""srsopt serve through a live process: the tiny instance in its three forms, the refusals
(401/404/413/422/429), cancel, what-if and evaluate jobs, SSE, reuse and the Python client.

Each runs twice: on the session's server on SQLite, then on the one on PostgreSQL
(tests/conftest.py ``server``: one Dask worker, uploads up to 2 MB, 3 queued jobs per token).
"""

from __future__ import annotations

import asyncio
import json
import struct
import time
import zipfile
from pathlib import Path
from typing import Any

import httpx
import pytest
from service_server import POLL_SECONDS, ROOT, TINY, TINY_OBJECTIVE, Server, srsopt, zipped

from models.instance import read_raw
from models.jsonform import save_json
from models.workbook import save_workbook
from optimizer.service.health import EVERY_SECONDS


@pytest.fixture(scope="module")
def forms(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("forms")
    settings, tables, _ = read_raw(TINY)
    save_workbook(settings, tables, folder / "tiny.xlsx")
    save_json(settings, tables, folder / "tiny.json")
    return {"zip": zipped(TINY, folder / "tiny.zip"), "xlsx": folder / "tiny.xlsx",
            "json": folder / "tiny.json"}


def tok(server: Server, name: str) -> str:
    return server.tokens[name]


def test_tiny_in_every_form_is_solved_to_the_hand_solved_optimum(server: Server,
                                                                  forms: dict[str, Path]) -> None:
    anna = tok(server, "anna")
    ids = {}
    for form, path in forms.items():
        answer = server.submit(anna, path, data={} if form == "xlsx" else {"report": "false"})
        assert answer.status_code == 202, answer.text
        assert answer.json()["status"] == "queued"
        ids[form] = answer.json()["id"]
    for form, job_id in ids.items():
        job = server.wait(anna, job_id)
        assert job["status"] == "done", (form, job)
        assert job["summary"]["objective"] == pytest.approx(TINY_OBJECTIVE, abs=0.01)
        assert job["progress"] and job["progress"][-1]["objective"] == pytest.approx(
            TINY_OBJECTIVE, abs=0.01)
        files = {f["name"]: f for f in server.call("GET", f"/v1/jobs/{job_id}/files",
                                                    anna).json()}
        assert {"summary.json", "starts.csv", "projects.csv", "results.xlsx"} <= set(files)
        assert ("report.html" in files) == (form == "xlsx")
        summary = server.call("GET", f"/v1/jobs/{job_id}/files/summary.json", anna)
        assert summary.headers["content-type"] == "application/json"
        assert summary.json()["objective"] == pytest.approx(TINY_OBJECTIVE, abs=0.01)
        starts = server.call("GET", f"/v1/jobs/{job_id}/files/starts.csv", anna)
        assert starts.headers["content-type"].startswith("text/csv")
        assert {"p2", "p4"} <= {line.split(",")[0] for line in starts.text.splitlines()}
        book = server.call("GET", f"/v1/jobs/{job_id}/files/results.xlsx", anna)
        assert book.headers["content-type"].endswith("spreadsheetml.sheet")
        assert book.content[:2] == b"PK"


def test_validate_locates_errors_as_the_cli_does(server: Server, tmp_path: Path) -> None:
    anna = tok(server, "anna")
    ok = server.submit(anna, zipped(TINY, tmp_path / "ok.zip"), "/v1/validate")
    assert ok.status_code == 200 and ok.json()["valid"] is True
    assert ok.json()["regions"] == 2
    broken = tmp_path / "tiny"
    (broken).mkdir()
    for f in TINY.iterdir():
        (broken / f.name).write_bytes(f.read_bytes())
    text = (broken / "projects.csv").read_text().splitlines()
    header = text[0].split(",")
    row = text[2].split(",")
    row[header.index("capex")] = "-5"
    text[2] = ",".join(row)
    (broken / "projects.csv").write_text("\n".join(text) + "\n")
    for endpoint in ("/v1/validate", "/v1/jobs"):
        bad = server.submit(anna, zipped(broken, tmp_path / "bad.zip"), endpoint)
        assert bad.status_code == 422
        error = bad.json()["errors"][0]
        assert error["table"] == "projects.csv" and error["row"] == 3
        assert error["id"] == row[0] and error["field"] == "capex"
    assert all(j["input_sha256"] != "" for j in server.call("GET", "/v1/jobs", anna)
               .json()["jobs"])


def test_refusals_401_404_413_422(server: Server, tmp_path: Path) -> None:
    anna, bolat, chief = (tok(server, n) for n in ("anna", "bolat", "chief"))
    assert server.call("GET", "/v1/jobs").status_code == 401
    assert server.call("GET", "/v1/jobs", "srs_0000_nope").status_code == 401
    assert server.call("GET", "/v1/jobs", anna[:-2] + "xx").status_code == 401
    mine = server.call("GET", "/v1/jobs", anna).json()["jobs"]
    assert mine, "the first test's jobs"
    job_id = mine[0]["id"]
    assert server.call("GET", f"/v1/jobs/{job_id}", bolat).status_code == 404
    assert server.call("DELETE", f"/v1/jobs/{job_id}", bolat).status_code == 404
    assert server.call("GET", f"/v1/jobs/{job_id}/files", bolat).status_code == 404
    assert server.call("GET", f"/v1/jobs/{job_id}", chief).status_code == 200
    assert job_id not in {j["id"] for j in server.call("GET", "/v1/jobs", bolat)
                          .json()["jobs"]}
    assert job_id in {j["id"] for j in server.call("GET", "/v1/jobs", chief).json()["jobs"]}
    assert server.call("GET", f"/v1/jobs/{job_id}/files/..%2F..%2Fsrsopt.db",
                       anna).status_code == 404
    big = tmp_path / "big.json"
    big.write_bytes(b" " * (5 * 2**20))
    assert server.submit(anna, big).status_code == 413
    gap = server.submit(anna, TINY / "instance.yaml", data={"gap": "2"})
    assert gap.status_code == 422 and "gap" in json.dumps(gap.json()["detail"])
    wrong = server.submit(anna, TINY / "instance.yaml")
    assert wrong.status_code == 422 and "must be a" in wrong.json()["errors"][0]["message"]
    revoked = server.token("leaver")  # through the CLI (in this process)
    srsopt("token", "revoke", revoked, *server.db_args())
    assert server.call("GET", "/v1/jobs", revoked).status_code == 401


def _zip(tmp_path: Path, entries: dict[str, bytes]) -> Path:
    out = tmp_path / "evil.zip"
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return out


def test_zip_bombs_and_escaping_paths_are_refused(server: Server, tmp_path: Path) -> None:
    anna = tok(server, "anna")
    escape = _zip(tmp_path, {"../../escaped.txt": b"x", "instance.yaml": b"name: x"})
    answer = server.submit(anna, escape, "/v1/validate")
    assert answer.status_code == 422 and "outside" in answer.json()["errors"][0]["message"]
    assert not (server.data.parent / "escaped.txt").exists()
    bomb = _zip(tmp_path, {"instance.yaml": b"name: x", "big.csv": b"0" * 2**20})
    data = bytearray(bomb.read_bytes())  # the central directory claims 4 GB unpacked
    at = data.index(b"PK\x01\x02", data.index(b"PK\x01\x02") + 4)
    data[at + 24:at + 28] = struct.pack("<I", 0xFFFFFFF0)
    bomb.write_bytes(bytes(data))
    answer = server.submit(anna, bomb, "/v1/validate")
    assert answer.status_code == 422 and "unpacks to over" in answer.json()["errors"][0][
        "message"]


def test_whatif_evaluate_reuse_events_and_client(server: Server, tmp_path: Path) -> None:
    anna = tok(server, "anna")
    tiny_zip = zipped(TINY, tmp_path / "tiny.zip")
    whatif = server.submit(anna, tiny_zip, "/v1/whatif",
                           scenario=[ROOT / "scenarios" / "tiny-example.yaml"])
    assert whatif.status_code == 202, whatif.text
    first = server.submit(anna, tiny_zip, data={"time_limit": "30", "report": "false"})
    job = server.wait(anna, whatif.json()["id"])
    assert job["status"] == "done", job
    assert [c["name"] for c in job["summary"]["cases"]] == ["base", "tiny-example"]
    names = {f["name"] for f in server.call("GET", f"/v1/jobs/{job['id']}/files",
                                             anna).json()}
    assert {"comparison.xlsx", "comparison.html", "cases/base/summary.json"} <= names
    done = server.wait(anna, first.json()["id"])
    starts = server.call("GET", f"/v1/jobs/{done['id']}/files/starts.csv", anna).content
    (tmp_path / "draft.csv").write_bytes(starts)
    scored = server.submit(anna, tiny_zip, "/v1/evaluate", plan=[tmp_path / "draft.csv"])
    assert scored.status_code == 202, scored.text
    job = server.wait(anna, scored.json()["id"])
    assert job["status"] == "done" and job["summary"]["status"] == "feasible", job
    stream = server.call("GET", f"/v1/jobs/{done['id']}/events", anna).text
    assert "event: progress" in stream and stream.rstrip().endswith('"status": "done"}')
    again = server.submit(anna, tiny_zip, data={"time_limit": "30", "report": "false",
                                                "reuse": "true"})
    assert again.status_code == 202 and again.json() == {"id": again.json()["id"],
                                                         "status": "done", "reused": True}
    reused = server.call("GET", f"/v1/jobs/{again.json()['id']}", anna).json()
    assert reused["reused_from"] == done["id"]
    assert server.call("GET", f"/v1/jobs/{again.json()['id']}/files/summary.json",
                       anna).json()["objective"] == pytest.approx(TINY_OBJECTIVE, abs=0.01)

    from optimizer.service.client import Client

    result = Client(server.url, anna).solve(TINY, wait=True, report=False, excel=False)
    assert result.objective == pytest.approx(TINY_OBJECTIVE, abs=0.01)
    assert set(result.table("starts")["project_id"]) >= {"p2", "p4"}


def test_cancel_keeps_the_best_plan_and_the_queue_limit_is_429(
        server: Server, generated_zip: Path, tmp_path: Path) -> None:
    anna, bolat = tok(server, "anna"), tok(server, "bolat")
    big = server.submit(anna, generated_zip, data={"time_limit": "120", "gap": "0",
                                                   "excel": "false", "report": "false"})
    assert big.status_code == 202, big.text
    big_id = big.json()["id"]
    server.wait(anna, big_id, until=("running",))
    tiny_zip = zipped(TINY, tmp_path / "tiny.zip")
    queued = [server.submit(bolat, tiny_zip, data={"gap": "0.0", "report": "false"})
              for _ in range(3)]
    assert [q.status_code for q in queued] == [202] * 3
    assert server.submit(bolat, tiny_zip).status_code == 429
    cancelled = server.call("DELETE", f"/v1/jobs/{queued[2].json()['id']}", bolat).json()
    assert cancelled["status"] == "cancelled"
    end = time.monotonic() + 60
    while time.monotonic() < end and not any(
            e["objective"] is not None for e in server.call("GET", f"/v1/jobs/{big_id}",
                                                            anna).json()["progress"]):
        time.sleep(POLL_SECONDS)  # cancel once the solve has a plan to keep
    asked = time.monotonic()
    assert server.call("DELETE", f"/v1/jobs/{big_id}", anna).status_code == 200
    job = server.wait(anna, big_id, timeout=30)
    assert time.monotonic() - asked < 30  # well before its 120 s limit, on a loaded machine
    assert job["status"] == "cancelled", job
    assert job["summary"]["status"] == "interrupted" and job["summary"]["objective"] is not None
    names = {f["name"] for f in server.call("GET", f"/v1/jobs/{big_id}/files", anna).json()}
    assert "starts.csv" in names
    for q in queued[:2]:
        assert server.wait(bolat, q.json()["id"])["status"] == "done"
    end = time.monotonic() + 4 * EVERY_SECONDS  # the health reading is up to that old
    health = server.call("GET", "/v1/health").json()
    while health["queue"] and time.monotonic() < end:
        time.sleep(POLL_SECONDS)
        health = server.call("GET", "/v1/health").json()
    assert health["database"] is True and health["queue"] == 0



STREAMS = 100
BURST = 20


async def _follow(server: Server, token: str, job_id: str, seconds: float) -> dict[str, Any]:
    """``STREAMS`` event streams of a running job. While all are open: how long ``/v1/health``
    and ``BURST`` concurrent ``GET /v1/jobs/{id}`` take; then, the job cancelled, each
    stream's last data line."""
    async def follow(http: httpx.AsyncClient, opened: asyncio.Event) -> str:
        last = ""
        async with http.stream("GET", f"/v1/jobs/{job_id}/events") as answer:
            async for line in answer.aiter_lines():
                opened.set()
                last = line if line.startswith("data:") else last
        return last

    headers = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=STREAMS + BURST + 1)
    async with httpx.AsyncClient(base_url=server.url, headers=headers, timeout=seconds,
                                 limits=limits) as http:
        opened = [asyncio.Event() for _ in range(STREAMS)]
        followers = [asyncio.create_task(follow(http, o)) for o in opened]
        await asyncio.wait_for(asyncio.gather(*(o.wait() for o in opened)), seconds)
        asked = time.perf_counter()
        health = await http.get("/v1/health")
        answered = time.perf_counter()
        burst = await asyncio.gather(*(http.get(f"/v1/jobs/{job_id}") for _ in range(BURST)))
        figures = {"health_s": answered - asked, "burst_s": time.perf_counter() - answered,
                   "health": health.status_code, "burst": {b.json()["status"] for b in burst}}
        await http.delete(f"/v1/jobs/{job_id}")
        figures["ends"] = await asyncio.wait_for(asyncio.gather(*followers), seconds)
    return figures


def test_a_hundred_event_streams_leave_the_other_endpoints_free(
        server: Server, generated_zip: Path) -> None:
    """Open streams wait on the event loop, not in threads: with 100 open, health and 20
    concurrent job reads answer at once (with a thread per stream's step, the streams took
    the pool's 40 threads and the burst took 5 s), and every stream gets the job's end."""
    anna = tok(server, "anna")
    answer = server.submit(anna, generated_zip, data={"time_limit": "120", "gap": "0",
                                                      "excel": "false", "report": "false"})
    assert answer.status_code == 202, answer.text
    job_id = answer.json()["id"]
    server.wait(anna, job_id, until=("running",))
    figures = asyncio.run(_follow(server, anna, job_id, seconds=60))
    assert figures["health"] == 200 and figures["burst"] == {"running"}, figures
    assert figures["health_s"] < 2 and figures["burst_s"] < 2, figures  # generous: loaded box
    assert len(figures["ends"]) == STREAMS
    assert set(figures["ends"]) == {'data: {"status": "cancelled"}'}, set(figures["ends"])
