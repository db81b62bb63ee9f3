"""The endpoints under /v1 (OpenAPI at /openapi.json, docs at /docs).

Handlers are plain ``def``: FastAPI runs them in its thread pool, so reading an upload or
the database never blocks the event loop; ``/v1/health`` alone is ``async``, answered from
memory, and an event stream, once its job is found, is an async generator that holds no
thread (``optimizer.service.events``). A job id that is not the caller's is 404, as one that
does not exist (an analyst learns nothing of others' jobs).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, HTTPException, Query, Request, UploadFile
from fastapi.responses import FileResponse

from models.errors import InstanceError
from optimizer.service import store
from optimizer.service.auth import Caller
from optimizer.service.events import stream
from optimizer.service.inputs import INSTANCE_SUFFIXES, BadUploadError, load, suffix_of
from optimizer.service.jobs import versions
from optimizer.service.schemas import (
    Errors,
    FileEntry,
    Health,
    Job,
    JobPage,
    SolverOptions,
    Submitted,
    Valid,
)
from optimizer.service.state import Service
from optimizer.service.submit import (
    CHECKING,
    Upload,
    errors_response,
    store_uploads,
    submit,
)
from optimizer.service.tokens import Identity

router = APIRouter(prefix="/v1")
UNPROCESSABLE: dict[int | str, dict[str, Any]] = {422: {"model": Errors},
                                                  413: {"description": "upload too large"}}
QUEUED = UNPROCESSABLE | {429: {"description": "too many queued jobs for this token"}}
VERSIONS = versions()


def _service(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


def _upload(file: UploadFile) -> Upload:
    return Upload(file.filename, file.file)


def job_view(row: Any) -> Job:
    """A job row as the API shows it."""
    data = dict(row._mapping)
    reused = data["result_of"] if data["result_of"] not in (None, data["id"]) else None
    return Job(**{k: v for k, v in data.items() if k in Job.model_fields},
               reused_from=reused)


def _job(service: Service, job_id: str, who: Identity) -> Any:
    if len(job_id) != 32 or not all(c in "0123456789abcdef" for c in job_id):
        raise HTTPException(404, "no such job")
    row = store.get(service.engine, job_id, who)
    if row is None:
        raise HTTPException(404, "no such job")
    return row


@router.get("/health")
async def health(request: Request) -> Health:
    """Versions, whether the database answers, the queue and the workers (no token needed).

    On the event loop, from memory (``optimizer.service.health``): never a database or Dask
    call, never the thread pool, so it answers at once however busy the server is.
    """
    service = _service(request)
    reading, dispatcher = service.monitor.reading, service.dispatcher
    database = reading.fresh
    return Health(status="ok" if database else "degraded", version=VERSIONS,
                  database=database, queue=reading.queue if database else 0,
                  running=reading.running if database else 0,
                  checked_seconds_ago=round(reading.age, 3),
                  workers_busy=dispatcher.busy if dispatcher else 0,
                  workers=dispatcher.slots if dispatcher else 0)


@router.post("/validate", response_model=Valid, responses=UNPROCESSABLE)
def validate(request: Request, who: Caller, file: Annotated[UploadFile, File()]
             ) -> Any:
    """Check an instance (.xlsx, .json or a .zip of the folder form): every located error."""
    service = _service(request)
    try:
        suffix_of(file.filename, INSTANCE_SUFFIXES, "the instance")
        stored = store_uploads(service, _upload(file), [], None)
        with CHECKING:
            instance = load(service.inputs.path(stored.sha256, stored.suffix))
    except BadUploadError as exc:
        return errors_response([{"table": "upload", "row": None, "id": None, "field": "file",
                                 "message": str(exc)}])
    except InstanceError as exc:
        from optimizer.service.inputs import located

        return errors_response(located(exc))
    return Valid(valid=True, name=instance.settings.name, regions=len(instance.regions),
                 settlements=len(instance.settlements), projects=len(instance.projects),
                 years=instance.years)


@router.post("/jobs", status_code=202, response_model=Submitted, responses=QUEUED)
def post_job(request: Request, who: Caller, file: Annotated[UploadFile, File()],
             options: Annotated[SolverOptions, Form()],
             scenario: Annotated[list[UploadFile] | None, File()] = None
             ) -> Any:
    """Queue a solve of the instance (scenario files, if any, applied in order)."""
    return submit(_service(request), who, "solve", _upload(file),
                  [_upload(s) for s in scenario or []], None, options)


@router.post("/whatif", status_code=202, response_model=Submitted, responses=QUEUED)
def post_whatif(request: Request, who: Caller, file: Annotated[UploadFile, File()],
                scenario: Annotated[list[UploadFile], File()],
                options: Annotated[SolverOptions, Form()]) -> Any:
    """Queue a what-if: the base and one case per scenario file, compared as the CLI does."""
    return submit(_service(request), who, "whatif", _upload(file),
                  [_upload(s) for s in scenario], None, options)


@router.post("/evaluate", status_code=202, response_model=Submitted, responses=QUEUED)
def post_evaluate(request: Request, who: Caller, file: Annotated[UploadFile, File()],
                  plan: Annotated[UploadFile, File()],
                  options: Annotated[SolverOptions, Form()]) -> Any:
    """Queue the scoring of a draft plan (.csv or .xlsx of starts) against the best."""
    return submit(_service(request), who, "evaluate", _upload(file), [], _upload(plan),
                  options)


@router.get("/jobs")
def list_jobs(request: Request, who: Caller,
              limit: Annotated[int, Query(ge=1, le=200)] = 50,
              offset: Annotated[int, Query(ge=0, le=10**9)] = 0) -> JobPage:
    """The caller's jobs (an admin: everyone's), newest first."""
    rows, total = store.page(_service(request).engine, who, limit, offset)
    return JobPage(jobs=[job_view(r) for r in rows], total=total, limit=limit, offset=offset)


@router.get("/jobs/{job_id}", responses={404: {}})
def get_job(request: Request, who: Caller, job_id: str) -> Job:
    """One job: status, times, progress, summary once done, error if failed."""
    return job_view(_job(_service(request), job_id, who))


@router.delete("/jobs/{job_id}", responses={404: {}})
def cancel_job(request: Request, who: Caller, job_id: str) -> Job:
    """Cancel: a queued job at once; a running solve stops within seconds, keeping its best plan."""
    service = _service(request)
    row = _job(service, job_id, who)
    store.cancel(service.engine, row.id)
    return job_view(_job(service, job_id, who))


@router.get("/jobs/{job_id}/events", responses={404: {}})
def job_events(request: Request, who: Caller, job_id: str) -> Any:
    """The job's progress as Server-Sent Events while it runs; its status at the end."""
    service = _service(request)
    return stream(service.streams, _job(service, job_id, who).id)


@router.get("/jobs/{job_id}/files", responses={404: {}})
def job_files(request: Request, who: Caller, job_id: str) -> list[FileEntry]:
    """The files of a finished job (those of the job it reused, if it did)."""
    service = _service(request)
    row = _job(service, job_id, who)
    return [FileEntry(**f) for f in service.results.files(row.result_of)] if row.result_of \
        else []


@router.get("/jobs/{job_id}/files/{name:path}", responses={404: {}})
def job_file(request: Request, who: Caller, job_id: str, name: str) -> FileResponse:
    """One file of a finished job, with its content type."""
    service = _service(request)
    row = _job(service, job_id, who)
    path = service.results.file(row.result_of, name)
    if path is None:
        raise HTTPException(404, "no such file")
    from optimizer.service.results import content_type

    return FileResponse(path, media_type=content_type(path.name), filename=path.name)
