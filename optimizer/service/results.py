"""A finished job's files: written whole under ``DATA/jobs/<id>``, listed and served.

Each job's output goes through ``models.safe_output`` like the CLI's: filled in a hidden
staging folder beside and swapped in at once, so a job's folder is either absent or complete;
the job is marked ``done`` only after the swap. The files are the CLI's for the same command
(``optimizer.outputs``).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
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

    def write(self, job_id: str, kind: str, value: Any, payload: dict[str, Any],
              lang: str) -> Any:
        """Write the job's files whole; the summary kept in its record."""
        out = self.path(job_id)
        if kind == "whatif":
            comparison = compare(value, {c.name: c.instance for c in payload["cases"]})
            write_comparison(comparison, out, lang)
            return {"cases": [{"name": name, "status": r.status.value,
                               "objective": r.objective} for name, r in value.items()]}
        if kind == "evaluate":
            write_evaluation(value, "plan", out)
            return json.loads(json.dumps(evaluation_record(value, "plan"), default=str))
        instance = payload["instance"]
        write_output(out, "results", lambda folder: fill_solve_folder(
            value, folder, instance, excel=value.has_plan, report=value.has_plan, lang=lang),
                     plan=value.has_plan)
        return json.loads((out / "summary.json").read_text(encoding="utf-8"))

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

    def file(self, job_id: str, name: str) -> Path | None:
        """The file ``name`` of the job, only if it is one ``files`` lists."""
        listed = {f["name"] for f in self.files(job_id)}
        return self.path(job_id) / name if name in listed else None


def content_type(name: str) -> str:
    """The content type of a job's file, by its suffix."""
    return CONTENT_TYPES.get(Path(name).suffix.lower(), "application/octet-stream")
