"""A job's page (status, live progress, cancel; once done its result), its events and files.

The page's script follows the job through ``/jobs/{id}/events``, the API's own Server-Sent
Events stream reached with the session cookie, and draws objective and bound over time; the
result's files are the API's, served from the job's folder.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response

from optimizer.outputs.labels import label
from optimizer.service import store
from optimizer.service.events import stream
from optimizer.service.results import JOB_ID, content_type
from optimizer.service.state import Service
from optimizer.service.tokens import Identity
from optimizer.service.web.headline import headline, listed_files
from optimizer.service.web.pages import page
from optimizer.service.web.plan_routes import service_of
from optimizer.service.web.session import Analyst, CheckedForm, PageError, language
from optimizer.service.web.signin_routes import go

router = APIRouter(include_in_schema=False)
SHOWN = {"solve": "report.html", "whatif": "comparison.html", "evaluate": "evaluation.html"}
"""The HTML file a finished job shows inline, by kind."""
REPORT_CSP = ("default-src 'none'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
              "font-src 'self' data:; frame-ancestors 'self'")
"""The reports' own inline styles and SVG/PNG charts; no script, framed only by the page."""


def owned(service: Service, job_id: str, who: Identity) -> Any:
    """The job if ``who`` may see it (its owner, or an admin); 404 as one that does not exist."""
    row = store.get(service.engine, job_id, who) if JOB_ID.match(job_id) else None
    if row is None:
        raise PageError(404, "no such job")
    return row


@router.get("/jobs/{job_id}")
def job_page(request: Request, who: Analyst, job_id: str) -> Response:
    """Status and live progress while it runs; the headline, report and downloads once done."""
    service = service_of(request)
    row = owned(service, job_id, who)
    files = service.results.files(row.result_of) if row.result_of else []
    names = {f["name"] for f in files}
    shown = SHOWN[row.kind] if SHOWN[row.kind] in names else None
    last = (row.progress or [None])[-1]
    return page(request, "job.html.j2", who, job=row, last=last, files=listed_files(files),
                shown=shown, head=headline(row.summary) if row.kind == "solve" else None,
                ended=row.status in store.ENDED,
                status_labels={s: label(f"web.status.{s}", language(request))
                               for s in store.STATUSES})


@router.get("/jobs/{job_id}/events")
def job_events(request: Request, who: Analyst, job_id: str) -> Response:
    """The job's progress as Server-Sent Events (the API's stream)."""
    service = service_of(request)
    return stream(service.streams, owned(service, job_id, who).id)


@router.post("/jobs/{job_id}/cancel", dependencies=[CheckedForm])
def cancel(request: Request, who: Analyst, job_id: str) -> Response:
    """Cancel the job (a running solve stops within seconds, keeping its best plan)."""
    service = service_of(request)
    store.cancel(service.engine, owned(service, job_id, who).id)
    return go(f"/jobs/{job_id}")


@router.get("/jobs/{job_id}/files/{name:path}")
def job_file(request: Request, who: Analyst, job_id: str, name: str) -> FileResponse:
    """One file of the finished job, with its content type (HTML shown, the rest downloaded)."""
    service = service_of(request)
    row = owned(service, job_id, who)
    path = service.results.file(row.result_of, name)
    if path is None:
        raise PageError(404, "no such file")
    inline = path.suffix == ".html"
    answer = FileResponse(path, media_type=content_type(path.name), filename=path.name,
                          content_disposition_type="inline" if inline else "attachment")
    if inline:  # a report is a document, never a program: no script at all
        answer.headers["Content-Security-Policy"] = REPORT_CSP
    return answer
