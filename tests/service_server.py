"""A live ``srsopt serve`` for the service tests: a real process on 127.0.0.1, a free port.

Started with ``python -m optimizer.cli.app serve`` and stopped by its PID (SIGTERM, then
SIGKILL); its Dask workers end with it. ``Server.call`` is httpx (one client, kept open: a
fresh client per call costs tens of ms) with the bearer token. The tests share one server per
session (``tests/conftest.py``); a server start is the slowest thing they do.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "instances" / "tiny"
TINY_OBJECTIVE = -3663.34
"""docs/tiny.md: the hand-solved optimum."""
ENDED = ("done", "failed", "cancelled")
POLL_SECONDS = 0.1


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def srsopt(*args: str) -> str:
    """Run the CLI (in this process: a subprocess spends seconds on imports); its stdout."""
    from typer.testing import CliRunner

    from optimizer.cli.app import app

    done = CliRunner().invoke(app, list(args))
    assert done.exit_code == 0, done.output
    return done.stdout.strip()


def generated(out: Path, settlements: int = 100, projects: int = 200, seed: int = 1) -> Path:
    """A synthetic instance (folder form) as ``srsopt generate`` writes it, zipped.

    The smallest that still solves for long: at ``gap`` 0 its MIP runs to any time limit of
    tens of seconds, with a first plan within a second.
    """
    from models.folder import write_folder
    from models.synthetic import generate_tables

    settings, tables = generate_tables(settlements, projects, seed)
    write_folder(settings, tables, out / "gen")
    return zipped(out / "gen", out / "gen.zip")


def zipped(folder: Path, out: Path) -> Path:
    """The folder form as a .zip (one top folder, as an analyst's zip tool makes it)."""
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                zf.write(path, Path(folder.name, path.relative_to(folder)).as_posix())
    return out


class Server:
    """One ``srsopt serve`` process."""

    def __init__(self, data: Path, *args: str, db: str | None = None) -> None:
        self.data, self.args, self.db = data, args, db
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = data / f"serve-{self.port}.log"
        self.tokens: dict[str, str] = {}
        self.http = httpx.Client(base_url=self.url, timeout=60)

    def db_args(self) -> list[str]:
        return ["--data", str(self.data)] + (["--db", self.db] if self.db else [])

    def token(self, name: str, role: str = "analyst") -> str:
        return srsopt("token", "create", "--name", name, "--role", role, *self.db_args())

    def launch(self) -> Server:
        """Start the process (``ready`` waits for it to answer)."""
        self.data.mkdir(parents=True, exist_ok=True)
        self.http.close()
        self.http = httpx.Client(base_url=self.url, timeout=60)
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "optimizer.cli.app", "serve", "--port", str(self.port),
                 *self.db_args(), *self.args], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        return self

    def ready(self, timeout: float = 90.0) -> Server:
        """Wait until ``/v1/health`` answers (the Dask workers are up by then)."""
        assert self.proc is not None, "launch first"
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            assert self.proc.poll() is None, self.log.read_text()
            with contextlib.suppress(httpx.HTTPError):
                if self.http.get("/v1/health", timeout=2).status_code == 200:
                    return self
            time.sleep(POLL_SECONDS)
        raise AssertionError(f"srsopt serve did not start:\n{self.log.read_text()}")

    def start(self, timeout: float = 90.0) -> Server:
        return self.launch().ready(timeout)

    def kill(self, signum: int = signal.SIGKILL) -> None:
        """End the process by its PID and wait for it."""
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signum)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.proc = None

    def call(self, method: str, path: str, token: str | None = None, **kw: Any
             ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return self.http.request(method, path, headers=headers, **kw)

    def submit(self, token: str, path: Path, endpoint: str = "/v1/jobs",
               data: dict[str, Any] | None = None, **files: Any) -> httpx.Response:
        with open(path, "rb") as f:
            return self.call("POST", endpoint, token, data=data or {},
                             files=[("file", (path.name, f.read())),
                                    *[(k, (Path(v).name, Path(v).read_bytes()))
                                      for k, vs in files.items() for v in vs]])

    def wait(self, token: str, job_id: str, timeout: float = 120.0,
             until: tuple[str, ...] = ENDED) -> dict[str, Any]:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            job = self.call("GET", f"/v1/jobs/{job_id}", token).json()
            if job["status"] in until:
                return dict(job)
            time.sleep(POLL_SECONDS)
        raise AssertionError(f"job {job_id} still {job['status']} after {timeout} s")


@contextlib.contextmanager
def running(data: Path, *args: str, db: str | None = None) -> Iterator[Server]:
    server = Server(data, *args, db=db)
    try:
        yield server
    finally:
        server.kill(signal.SIGTERM)
        server.http.close()


THROWAWAY = "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
"""A cluster thrown away after the session need not survive a crash: no waiting for the disk
at each commit, nor at its start and stop (that took 5 s on the loaded machine)."""


@contextlib.contextmanager
def postgres() -> Iterator[str | None]:
    """A throwaway PostgreSQL (initdb + pg_ctl in a temp folder, a free port); its URL.

    None (with the reason printed) when its server binaries are not on this machine.
    """
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not found:
        yield None
        return
    bin_dir = found[-1].parent
    folder = Path(tempfile.mkdtemp(prefix="srsopt-pg-"))
    port = free_port()
    user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if user:
        shutil.chown(folder, "postgres")
    pgdata = folder / "data"
    subprocess.run([*user, str(bin_dir / "initdb"), "-D", str(pgdata), "-U", "srsopt",
                    "--auth=trust", "--no-sync"], check=True, capture_output=True)
    subprocess.run([*user, str(bin_dir / "pg_ctl"), "-D", str(pgdata), "-l",
                    str(folder / "pg.log"), "-o", f"-p {port} -k {folder} -h 127.0.0.1 "
                    f"{THROWAWAY}", "-w", "start"], check=True, capture_output=True)
    try:
        subprocess.run([*user, str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port),
                        "-U", "srsopt", "srsopt"], check=True, capture_output=True)
        yield f"postgresql+psycopg://srsopt@127.0.0.1:{port}/srsopt"
    finally:
        pid = int((pgdata / "postmaster.pid").read_text().split()[0])
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGINT)  # PostgreSQL's fast shutdown, by its PID
        end = time.monotonic() + 20
        while time.monotonic() < end and Path(f"/proc/{pid}").exists():
            time.sleep(0.1)
        shutil.rmtree(folder, ignore_errors=True)
