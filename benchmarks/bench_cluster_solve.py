"""One large solve, its regions here or on a Dask cluster: ``srsopt solve`` vs ``--scheduler``.

Usage: python benchmarks/bench_cluster_solve.py [--size 7000] [--seed 1] [--runs 3]
           [--time-limit 60] [--node-limit N] [--workers 2] [--json FILE]

Writes a generated instance (``--size`` settlements, 2.5 candidate projects each), starts a
``dask scheduler`` and ``--workers`` one-thread ``dask worker`` processes on 127.0.0.1 (each
stopped by its PID at the end, with its process group), then solves the instance ``--runs``
times each way, alternating: ``srsopt solve`` (the decomposition's regions in 2 local worker
processes) and ``srsopt solve --scheduler ADDRESS`` (one Dask task per region). Each solve is its
own ``srsopt`` process: the wall time counts everything, from the instance read to the results
written, connecting to the scheduler included. Printed per run and as medians: wall seconds, the
gap, the Lagrangian bound and its seconds, and the message's notes on regions solved here.
With ``--node-limit`` (reproducible mode) both ways must give the same plan, which is checked.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def cluster(workers: int, folder: Path) -> Any:
    """A scheduler and ``workers`` workers as processes; their groups killed by PID at the end."""
    address = f"tcp://127.0.0.1:{_port()}"
    log = (folder / "cluster.log").open("w")
    quiet = {"stdout": log, "stderr": subprocess.STDOUT, "cwd": folder,
             "start_new_session": True}
    procs = [subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_scheduler", "--host",
                               "127.0.0.1", "--port", address.rsplit(":", 1)[1],
                               "--no-dashboard"], **quiet)]
    procs += [subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker", address,
                                "--nthreads", "1", "--no-dashboard", "--preload",
                                "optimizer.analysis", "--name", f"w{k}"], **quiet)
              for k in range(workers)]  # type: ignore[call-overload]
    try:
        from distributed import Client

        with Client(address, timeout=60, set_as_default=False) as client:
            client.wait_for_workers(workers, timeout=120)
        yield address
    finally:
        for proc in reversed(procs):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


def solve(instance: Path, out: Path, options: list[str]) -> dict[str, Any]:
    """One ``srsopt solve`` process; its wall time and what its summary says."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "optimizer.cli.app", "solve", str(instance),
                           "--out", str(out), "--quiet", "--force", *options],
                          capture_output=True, text=True, cwd=ROOT)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"srsopt solve failed ({done.returncode}):\n{done.stdout}\n"
                         f"{done.stderr}")
    summary = json.loads((out / "summary.json").read_text())
    steps = summary.get("steps", {})
    return {"wall": wall, "gap": summary["mip_gap"], "message": summary["message"],
            "objective": summary["objective"],
            "bound": summary["bound"], "lagrangian_bound": steps.get("lagrangian_bound"),
            "lagrangian_seconds": steps.get("lagrangian_seconds"),
            "notes": steps.get("region_notes", []),
            "projects": (out / "projects.csv").read_text(), "load": os.getloadavg()[0]}


def _pct(value: float | None) -> str:
    return "none (no bound)" if value is None else f"{100 * value:.3f}%"


def _median(values: list[float | None]) -> float | None:
    """The median of the known values (a run without a bound has no gap)."""
    known = [v for v in values if v is not None]
    return statistics.median(known) if known else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=7000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--node-limit", type=int, default=None)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    from models.folder import write_folder
    from models.synthetic import generate_tables

    with tempfile.TemporaryDirectory(prefix="bench-cluster-") as tmp:
        folder = Path(tmp)
        settings, tables = generate_tables(args.size, int(2.5 * args.size), args.seed)
        instance = write_folder(settings, tables, folder / f"g{args.size}")
        options = ["--time-limit", f"{args.time_limit:g}"] + (
            ["--node-limit", str(args.node_limit)] if args.node_limit else [])
        runs: dict[str, list[dict[str, Any]]] = {"local": [], "cluster": []}
        with cluster(args.workers, folder) as address:
            for k in range(args.runs):
                for way, extra in (("local", []), ("cluster", ["--scheduler", address])):
                    got = solve(instance, folder / f"{way}-{k}", options + extra)
                    runs[way].append(got)
                    print(f"{way:>7} run {k + 1}: wall {got['wall']:6.1f} s, gap "
                          f"{_pct(got['gap'])}, Lagrangian bound {got['lagrangian_bound']} in "
                          f"{got['lagrangian_seconds']} s, load {got['load']:.1f}"
                          + (f", notes: {got['notes']}" if got["notes"] else ""), flush=True)
    medians = {way: {key: _median([r[key] for r in done])
                     for key in ("wall", "gap", "lagrangian_seconds")}
               for way, done in runs.items()}
    for way, m in medians.items():
        print(f"median {way:>7}: wall {m['wall']:.1f} s, gap {_pct(m['gap'])}, "
              f"Lagrangian step {m['lagrangian_seconds']} s")
    local, remote = medians["local"], medians["cluster"]
    print(f"ratio cluster/local: wall {remote['wall'] / local['wall']:.2f}"
          + (f", gap {remote['gap'] / local['gap']:.2f}" if remote["gap"] and local["gap"]
             else ""))
    if args.node_limit:
        same = {(r["objective"], r["bound"], r["projects"]) for way in runs for r in runs[way]}
        print("same plan and bound in every run:", "yes" if len(same) == 1 else "NO")
    if args.json is not None:
        for each in runs.values():
            for r in each:
                r.pop("projects")
        args.json.write_text(json.dumps({"args": vars(args) | {"json": str(args.json)},
                                         "runs": runs, "medians": medians}, indent=2))


if __name__ == "__main__":
    main()
