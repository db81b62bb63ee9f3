"""A finished job's files: written whole under ``DATA/jobs/<id>``, listed and served.

Each job's output goes through ``models.safe_output`` like the CLI's: filled in a hidden
staging folder beside and swapped in at once, so a job's folder is either absent or complete;
the job is marked ``done`` only after the swap. The files are the CLI's for the same command
(``optimizer.outputs``), rendered where the job ran (``render``, on the Dask worker: a report's
charts never slow the API) and sent back as bytes.
"""

from __future__ import annotations

import json
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from models.safe_output import write_output
from optimizer.analysis.whatif import compare
from optimizer.outputs.evaluation_files import evaluation_record, write_evaluation
from optimizer.outputs.solve_files import fill_solve_folder
from optimizer.outputs.whatif_files import write_comparison

JOB_ID = re.compile(r"^[0-9a-f]{32}$")
CONTENT_TYPES = {
    ".json": "application/json", ".csv": "text/csv; charset=utf-8",
    ".html": "text/html; charset=utf-8", ".svg": "image/svg+xml",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".png": "image/png",
}


OUTPUT_KINDS = {"solve": "results", "whatif": "whatif", "evaluate": "evaluation"}


@dataclass(frozen=True)
class Rendered:
    """A job's files as bytes (relative name -> content), made where it ran, and its summary."""

    kind: str
    files: dict[str, bytes]
    summary: Any
    has_plan: bool


def _collect(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and not any(part.startswith(".")
                                       for part in p.relative_to(folder).parts)}


def render(kind: str, value: Any, payload: dict[str, Any], lang: str) -> Rendered:
    """The files the CLI writes for this job, made in a scratch folder (on the worker)."""
    with tempfile.TemporaryDirectory(prefix="srsopt-job-") as scratch:
        out = Path(scratch) / "out"
        if kind == "whatif":
            comparison = compare(value, {c.name: c.instance for c in payload["cases"]})
            write_comparison(comparison, out, lang)
            summary: Any = {"cases": [{"name": name, "status": r.status.value,
                                       "objective": r.objective} for name, r in value.items()]}
            has_plan = any(r.has_plan for r in value.values())
        elif kind == "evaluate":
            write_evaluation(value, "plan", out)
            summary = json.loads(json.dumps(evaluation_record(value, "plan"), default=str))
            has_plan = value.result is not None
        else:
            instance, has_plan = payload["instance"], value.has_plan
            write_output(out, "results", lambda folder: fill_solve_folder(
                value, folder, instance, excel=has_plan and payload.get("excel", True),
                report=has_plan and payload.get("report", True), lang=lang), plan=has_plan)
            summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
        return Rendered(kind, _collect(out), summary, has_plan)


class Results:
    """The job folders under ``DATA/jobs``."""

    def __init__(self, data: Path) -> None:
        self.folder = data / "jobs"
        self.folder.mkdir(parents=True, exist_ok=True)

    def path(self, job_id: str) -> Path:
        """The folder of a job (its id checked: never a path from a client)."""
        if not JOB_ID.match(job_id):
            raise ValueError(f"not a job id: {job_id!r}")
        return self.folder / job_id

    def write(self, job_id: str, rendered: Rendered) -> None:
        """Put a job's rendered files in place whole (``models.safe_output``)."""
        def fill(folder: Path) -> None:
            for name, data in rendered.files.items():
                target = folder.joinpath(*PurePosixPath(name).parts)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)

        write_output(self.path(job_id), OUTPUT_KINDS[rendered.kind], fill,
                     plan=rendered.has_plan)

    def files(self, job_id: str) -> list[dict[str, Any]]:
        """Every file of the job's folder (sub-folders as ``cases/base/summary.json``)."""
        root = self.path(job_id)
        if not root.is_dir():
            return []
        return [{"name": p.relative_to(root).as_posix(), "bytes": p.stat().st_size,
                 "content_type": content_type(p.name)}
                for p in sorted(root.rglob("*"))
                if p.is_file() and not any(part.startswith(".")
                                           for part in p.relative_to(root).parts)]

    def file(self, job_id: str | None, name: str) -> Path | None:
        """The file ``name`` of the job, only if it is one ``files`` lists (None: no result)."""
        if job_id is None:
            return None
        listed = {f["name"] for f in self.files(job_id)}
        return self.path(job_id) / name if name in listed else None


def content_type(name: str) -> str:
    """The content type of a job's file, by its suffix."""
    return CONTENT_TYPES.get(Path(name).suffix.lower(), "application/octet-stream")
