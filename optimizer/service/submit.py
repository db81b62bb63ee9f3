"""A submission, from its uploads to its job row: stored, checked, limited, maybe reused.

The order keeps the promises: the token's queue limit first (429 before anything is read), then
each upload stored content-addressed (413 over the size limit), then every input checked as the
worker will read it (422 with located errors, nothing queued), and only then the row.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from typing import Any, BinaryIO

from fastapi import HTTPException
from fastapi.responses import JSONResponse

from models.errors import InstanceError
from optimizer.service import store
from optimizer.service.inputs import (
    INSTANCE_SUFFIXES,
    PLAN_SUFFIXES,
    SCENARIO_SUFFIXES,
    BadUploadError,
    TooLargeError,
    located,
    suffix_of,
)
from optimizer.service.jobs import Stored, SubmissionError, payload, reuse_key
from optimizer.service.schemas import SolverOptions, Submitted
from optimizer.service.state import Service
from optimizer.service.tokens import Identity

log = logging.getLogger("srsopt.service")

CHECKING = threading.BoundedSemaphore(os.cpu_count() or 1)
"""Inputs checked at once (at most one per core): a check is CPU work that holds the GIL, and
ten at once only slowed each other and the event loop (health answers took up to a second)."""


@dataclass(frozen=True)
class Upload:
    """An uploaded file as the routes hand it over: its client-given name and its bytes."""

    filename: str | None
    file: BinaryIO


def errors_response(errors: list[dict[str, Any]]) -> JSONResponse:
    """422 with every located error."""
    return JSONResponse({"errors": errors}, status_code=422)


def _upload_error(message: str) -> list[dict[str, Any]]:
    return [{"table": "upload", "row": None, "id": None, "field": "file", "message": message}]


def store_uploads(service: Service, file: Upload, scenarios: list[Upload],
                  plan: Upload | None) -> Stored:
    """Keep every upload (413 over the limit; ``BadUploadError`` for a wrong kind of file)."""
    limit, inputs = service.settings.max_upload, service.inputs
    try:
        suffix = suffix_of(file.filename, INSTANCE_SUFFIXES, "the instance")
        stored = Stored(inputs.keep(file.file, suffix, limit), suffix)
        for scenario in scenarios:
            s = suffix_of(scenario.filename, SCENARIO_SUFFIXES, "a scenario")
            stored.scenarios.append(inputs.keep(scenario.file, s, limit) + s)
        if plan is not None:
            s = suffix_of(plan.filename, PLAN_SUFFIXES, "the plan")
            stored.plan = inputs.keep(plan.file, s, limit) + s
    except TooLargeError as exc:
        raise HTTPException(413, str(exc)) from None
    return stored


def check(kind: str, stored: Stored, options: dict[str, Any], service: Service
          ) -> tuple[dict[str, Any] | None, JSONResponse | None]:
    """The job's payload as its worker will build it, or the 422 answer."""
    try:
        with CHECKING:
            return payload(kind, stored, options, service.inputs), None
    except InstanceError as exc:
        return None, errors_response(located(exc))
    except SubmissionError as exc:
        return None, errors_response(exc.errors)
    except BadUploadError as exc:
        return None, errors_response(_upload_error(str(exc)))


def submit(service: Service, who: Identity, kind: str, file: Upload, scenarios: list[Upload],
           plan: Upload | None, options: SolverOptions) -> Submitted | JSONResponse:
    """Store, check and queue a job (or reuse a finished one); 202's body, or a 4xx."""
    engine = service.engine
    if store.count(engine, store.WAITING, who.id) >= service.settings.max_queued:
        raise HTTPException(429, f"{who.name} has {service.settings.max_queued} jobs queued "
                            "already: wait for some to start")
    try:
        stored = store_uploads(service, file, scenarios, plan)
    except BadUploadError as exc:
        return errors_response(_upload_error(str(exc)))
    solver = options.model_dump(exclude={"reuse"})
    _, refused = check(kind, stored, solver, service)
    if refused is not None:
        return refused
    record = solver | stored.record()
    key = reuse_key(kind, stored.sha256, record)
    found = store.reusable(engine, key) if options.reuse else None
    if found is not None:
        job_id = store.create(engine, owner=who.id, kind=kind, input_sha256=stored.sha256,
                              options=record, reuse_key=key, status="done",
                              summary=found.summary, result_of=found.result_of)
        log.info("%s: job %s reuses job %s (%s, input %s)", who.name, job_id, found.id, kind,
                 stored.sha256[:12])
        return Submitted(id=job_id, status="done", reused=True)
    job_id = store.create(engine, owner=who.id, kind=kind, input_sha256=stored.sha256,
                          options=record, reuse_key=key)
    log.info("%s: job %s queued (%s, input %s)", who.name, job_id, kind, stored.sha256[:12])
    if service.dispatcher is not None:
        service.dispatcher.wake()
    return Submitted(id=job_id, status="queued")
