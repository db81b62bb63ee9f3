"""The Python client of ``srsopt serve``: ``Client(url, token).solve(path)`` on httpx.

``solve`` sends an instance (a folder is zipped on the fly; .xlsx and .json as they are),
waits for its job and returns the same ``Result`` tables ``optimizer.solve`` returns, read
back from the job's files (``optimizer.outputs.report.load_results``).
"""

from __future__ import annotations

import io
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

import httpx

from models.result import Result
from optimizer.outputs.report import load_results

ENDED = ("done", "failed", "cancelled")
TABLES = ("summary.json", "projects.csv", "starts.csv", "region_years.csv", "provision.csv",
          "national.csv", "envelope.csv")


class JobFailedError(RuntimeError):
    """The job ended ``failed`` (its error in the message) or was cancelled without a plan."""


class Client:
    """A session with one server and one token."""

    def __init__(self, url: str, token: str, timeout: float = 60.0) -> None:
        self.http = httpx.Client(base_url=url.rstrip("/"), timeout=timeout,
                                 headers={"Authorization": f"Bearer {token}"})

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.http.close()

    def _ok(self, response: httpx.Response) -> Any:
        response.raise_for_status()
        return response.json()

    def submit(self, path: str | Path, endpoint: str = "/v1/jobs", **options: Any) -> str:
        """Send the instance at ``path``; the new job's id (options: time_limit, gap, ...)."""
        path = Path(path)
        if path.is_dir():
            data, name = _zip(path), f"{path.name}.zip"
        else:
            data, name = path.read_bytes(), path.name
        fields = {k: str(v).lower() if isinstance(v, bool) else str(v)
                  for k, v in options.items() if v is not None}
        answer = self.http.post(endpoint, files={"file": (name, data)}, data=fields)
        if answer.status_code == 422 and "errors" in answer.json():
            raise ValueError("; ".join(f"{e['table']} row {e['row']} ({e['id']}) {e['field']}: "
                                       f"{e['message']}" for e in answer.json()["errors"]))
        return str(self._ok(answer)["id"])

    def job(self, job_id: str) -> dict[str, Any]:
        """The job's record."""
        return dict(self._ok(self.http.get(f"/v1/jobs/{job_id}")))

    def wait(self, job_id: str, timeout: float | None = None, poll: float = 0.5
             ) -> dict[str, Any]:
        """The job's record once it has ended."""
        end = None if timeout is None else time.monotonic() + timeout
        while True:
            job = self.job(job_id)
            if job["status"] in ENDED:
                return job
            if end is not None and time.monotonic() > end:
                raise TimeoutError(f"job {job_id} is still {job['status']}")
            time.sleep(poll)

    def result(self, job_id: str) -> Result:
        """The result tables of a finished solve job."""
        job = self.job(job_id)
        if job["status"] == "failed" or job["summary"] is None:
            raise JobFailedError(f"job {job_id} {job['status']}: {job['error']}")
        names = {f["name"] for f in self._ok(self.http.get(f"/v1/jobs/{job_id}/files"))}
        with tempfile.TemporaryDirectory(prefix="srsopt-client-") as folder:
            for name in TABLES:
                if name in names:
                    answer = self.http.get(f"/v1/jobs/{job_id}/files/{name}")
                    answer.raise_for_status()
                    (Path(folder) / name).write_bytes(answer.content)
            return load_results(folder)

    def solve(self, path: str | Path, wait: bool = True, **options: Any) -> Result | str:
        """Solve the instance at ``path`` on the server: its ``Result`` (or the job id)."""
        job_id = self.submit(path, **options)
        if not wait:
            return job_id
        self.wait(job_id)
        return self.result(job_id)


def _zip(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                zf.write(path, path.relative_to(folder).as_posix())
    return buffer.getvalue()
