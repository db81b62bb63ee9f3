"""Load test of ``srsopt serve``: 50 submissions of the tiny instance from 10 concurrent clients.

Loopback only, stops by itself: a server on a free port of 127.0.0.1 with ``--workers N``;
10 client threads submit 5 jobs each (no report/workbook, so the figure is the queue's, not
the charts'); a probe, a process of its own, asks ``/v1/health`` every 0.1 s throughout. At
the end: every job ``done`` with the hand-solved objective, none lost (each id answered) or
duplicated (each job started once), the health latency (median, 95th percentile, max, probes
over 200 ms) and the machine's load average (the development machine is shared). Figures go
to ``benchmarks/out/bench_service.json``.

    python benchmarks/bench_service.py [--workers 2] [--jobs 50] [--clients 10]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from service_server import TINY, TINY_OBJECTIVE, running, zipped

from optimizer.service import tokens
from optimizer.service.db import connect, default_url


def probe(url: str, stop: Any, out: Any) -> None:
    """Ask ``/v1/health`` every 0.1 s until ``stop``; send the latencies (s) to ``out``.

    A process of its own: in a thread beside the ten clients, the clients' share of this
    process's GIL and cores counted in the server's figure.
    """
    latencies = []
    with httpx.Client(base_url=url, timeout=10) as http:
        while not stop.is_set():
            t = time.perf_counter()
            assert http.get("/v1/health").status_code == 200
            latencies.append(time.perf_counter() - t)
            stop.wait(0.1)
    out.send(latencies)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--jobs", type=int, default=50)
    parser.add_argument("--clients", type=int, default=10)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="srsopt-bench-"))
    tiny = zipped(TINY, folder / "tiny.zip").read_bytes()
    with running(folder / "data", "--workers", str(args.workers), "--max-queued",
                 str(args.jobs)) as server:
        token = tokens.create(connect(default_url(server.data)), "bench")
        server.start()
        spawn = multiprocessing.get_context("spawn")
        stop = spawn.Event()
        received, sent = spawn.Pipe(duplex=False)
        prober = spawn.Process(target=probe, args=(server.url, stop, sent))

        ids: list[str] = []
        lock = threading.Lock()

        def client(n: int) -> None:
            with httpx.Client(base_url=server.url, timeout=60,
                              headers={"Authorization": f"Bearer {token}"}) as http:
                for _ in range(n):
                    answer = http.post("/v1/jobs", files={"file": ("tiny.zip", tiny)},
                                       data={"report": "false", "excel": "false"})
                    assert answer.status_code == 202, answer.text
                    with lock:
                        ids.append(answer.json()["id"])

        load_before = os.getloadavg()[0]
        started = time.perf_counter()
        prober.start()
        per = args.jobs // args.clients
        clients = [threading.Thread(target=client, args=(per,)) for _ in range(args.clients)]
        for c in clients:
            c.start()
        for c in clients:
            c.join()
        submitted = time.perf_counter() - started
        with httpx.Client(base_url=server.url, timeout=60,
                          headers={"Authorization": f"Bearer {token}"}) as http:
            while True:
                jobs = [http.get(f"/v1/jobs/{i}").json() for i in ids]
                if all(j["status"] in ("done", "failed", "cancelled") for j in jobs):
                    break
                time.sleep(0.5)
        elapsed = time.perf_counter() - started
        stop.set()
        latencies: list[float] = received.recv()
        prober.join()
    figures = {
        "jobs": len(ids), "distinct": len(set(ids)), "clients": args.clients,
        "workers": args.workers,
        "done": sum(j["status"] == "done" for j in jobs),
        "optimal": sum(abs(j["summary"]["objective"] - TINY_OBJECTIVE) < 0.01 for j in jobs
                       if j["summary"]),
        "started_once": sum(j["attempts"] == 1 for j in jobs),
        "submit_seconds": round(submitted, 2), "total_seconds": round(elapsed, 2),
        "jobs_per_minute": round(60 * len(ids) / elapsed, 1),
        "health_probes": len(latencies),
        "health_median_ms": round(1000 * statistics.median(latencies), 1),
        "health_p95_ms": round(1000 * statistics.quantiles(latencies, n=20)[-1], 1),
        "health_max_ms": round(1000 * max(latencies), 1),
        "health_over_200ms": sum(t > 0.2 for t in latencies),
        "load_average_1min": [round(load_before, 1), round(os.getloadavg()[0], 1)],
        "cores": os.cpu_count(),
    }
    out = Path(__file__).parent / "out"
    out.mkdir(exist_ok=True)
    (out / "bench_service.json").write_text(json.dumps(figures, indent=2) + "\n")
    print(json.dumps(figures, indent=2))
    assert figures["done"] == figures["jobs"] == figures["distinct"] == args.jobs
    assert figures["started_once"] == args.jobs


if __name__ == "__main__":
    main()
