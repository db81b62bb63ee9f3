"""The API's bodies as pydantic models: what OpenAPI shows and what a request is checked against.

A bad field gives 422 with its path (FastAPI's ``detail``), never a 500.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

Status = Literal["queued", "running", "done", "failed", "cancelled", "interrupted"]


class SolverOptions(BaseModel):
    """Per-job solver options (form fields); None: the instance's own settings."""

    time_limit: float | None = Field(None, gt=0, le=86400, description="seconds")
    gap: float | None = Field(None, ge=0, le=1, description="relative MIP gap, 0..1")
    threads: int | None = Field(None, ge=1, le=64)
    excel: bool = Field(True, description="write results.xlsx (a solve)")
    report: bool = Field(True, description="write report.html (a solve)")
    reuse: bool = Field(False, description="reuse a finished job's result for the same input, "
                        "settings and versions")


class LocatedError(BaseModel):
    """One problem of an input, located as ``srsopt validate`` locates it."""

    table: str
    row: int | None
    id: str | None
    field: str
    message: str


class Errors(BaseModel):
    """422: every problem of the input."""

    errors: list[LocatedError]


class Valid(BaseModel):
    """200 from /v1/validate."""

    valid: Literal[True]
    name: str
    regions: int
    settlements: int
    projects: int
    years: list[int]


class Submitted(BaseModel):
    """202: the job is stored and queued (or reused: then already done)."""

    id: str
    status: Status
    reused: bool = False


class ProgressEvent(BaseModel):
    """One moment of the solve: seconds since its start, stage, objective, bound, gap."""

    t: float
    step: str
    objective: float | None
    bound: float | None
    gap: float | None


class Job(BaseModel):
    """A job's record."""

    id: str
    kind: Literal["solve", "whatif", "evaluate"]
    status: Status
    created: datetime
    started: datetime | None
    finished: datetime | None
    input_sha256: str
    options: dict[str, Any]
    attempts: int
    progress: list[ProgressEvent]
    summary: Any
    error: str | None
    reused_from: str | None = None
    owner: str


class JobPage(BaseModel):
    """A page of jobs, newest first."""

    jobs: list[Job]
    total: int
    limit: int
    offset: int


class FileEntry(BaseModel):
    """A file of a finished job."""

    name: str
    bytes: int
    content_type: str


class Health(BaseModel):
    """GET /v1/health."""

    status: Literal["ok", "degraded"]
    version: dict[str, str]
    database: bool
    queue: int
    running: int
    checked_seconds_ago: float = Field(
        description="age of database, queue and running: the database is asked every 0.5 s")
    workers_busy: int
    workers: int
