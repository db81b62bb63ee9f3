"""A new plan: the empty template, an upload checked as the API checks it, a run queued.

The upload is kept content-addressed (``store_uploads``, the API's own), so the run form
carries only its stored name (``<sha256><suffix>``): the run does not upload it again, and it
is queued by ``submit``, the code behind ``POST /v1/jobs``.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import Response

from models.errors import InstanceError
from models.instance import Instance
from models.template import save_template
from optimizer.service.inputs import BadUploadError, load, located
from optimizer.service.jobs import stored_of
from optimizer.service.schemas import SolverOptions, Submitted
from optimizer.service.state import Service
from optimizer.service.submit import Upload, store_uploads, submit
from optimizer.service.tokens import Identity
from optimizer.service.web.pages import page
from optimizer.service.web.session import Analyst, CheckedForm, PageError
from optimizer.service.web.signin_routes import go

router = APIRouter(include_in_schema=False)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def service_of(request: Request) -> Service:
    """The running service the app holds."""
    service: Service = request.app.state.service
    return service


def upload_error(message: str) -> list[dict[str, Any]]:
    """A problem of the upload itself, located as the instance's are."""
    return [{"table": "upload", "row": None, "id": None, "field": "file", "message": message}]


def read_summary(instance: Instance) -> dict[str, Any]:
    """What was read: counts, years and the envelope per year (million KZT)."""
    return {"name": instance.settings.name, "regions": len(instance.regions),
            "region_names": [str(n) for n in instance.regions["name"]],
            "settlements": len(instance.settlements), "projects": len(instance.projects),
            "years": instance.years,
            "envelope": [(year, instance.settings.budget.envelope.get(year))
                         for year in instance.years]}


def stored_upload(service: Service, name: str) -> Upload:
    """A stored input opened as an upload (``name``: ``<sha256><suffix>``, checked)."""
    try:
        stored = stored_of({"input": name})
        path = service.inputs.path(stored.sha256, stored.suffix)
    except ValueError:
        raise PageError(404, "no such stored input") from None
    if not path.is_file():
        raise PageError(404, "no such stored input")
    return Upload(path.name, path.open("rb"))


@router.get("/plans/new")
def new_plan(request: Request, who: Analyst) -> Response:
    """Download the template; upload a filled instance to check it."""
    return page(request, "new_plan.html.j2", who)


@router.get("/plans/template.xlsx")
def template(who: Analyst) -> Response:
    """The empty instance workbook of ``srsopt template``."""
    with tempfile.TemporaryDirectory(prefix="srsopt-template-") as scratch:
        path = Path(scratch) / "srsopt-template.xlsx"
        save_template(path)
        data = path.read_bytes()
    return Response(data, media_type=XLSX, headers={
        "Content-Disposition": 'attachment; filename="srsopt-template.xlsx"'})


@router.post("/plans/check", dependencies=[CheckedForm])
def check(request: Request, who: Analyst, file: Annotated[UploadFile, File()]) -> Response:
    """Every located error of the upload, or a summary of what was read and the run form."""
    service = service_of(request)
    errors: list[dict[str, Any]] = []
    stored_name, shown = "", file.filename or ""
    try:
        stored = store_uploads(service, Upload(file.filename, file.file), [], None)
        stored_name = f"{stored.sha256}{stored.suffix}"  # errors name the upload as sent
        instance = load(service.inputs.path(stored.sha256, stored.suffix))
    except BadUploadError as exc:
        errors = upload_error(str(exc))
    except InstanceError as exc:
        errors = located(exc)
    except HTTPException as exc:
        errors = upload_error(str(exc.detail))
    if errors:
        if stored_name:
            errors = [e | {"table": str(e["table"]).replace(stored_name, shown)} for e in errors]
        return page(request, "new_plan.html.j2", who, status_code=422, errors=errors,
                    filename=shown)
    solver = instance.settings.solver
    return page(request, "new_plan.html.j2", who, read=read_summary(instance),
                filename=shown, stored=stored_name,
                time_limit=solver.time_limit, gap=100 * solver.mip_rel_gap)


def solver_options(time_limit: float | None, gap: float | None) -> SolverOptions:
    """The API's per-job options: time limit (s), gap (0..1), files as the API's defaults."""
    return SolverOptions.model_validate({"time_limit": time_limit, "gap": gap})


def queued(request: Request, who: Identity, kind: str, upload: Upload,
           scenarios: list[Upload], options: SolverOptions) -> Response:
    """Queue the job by the API's own code: to its page, or its refusal shown as a page."""
    try:
        answer = submit(service_of(request), who, kind, upload, scenarios, None, options)
    except HTTPException as exc:
        return page(request, "refused.html.j2", who, status_code=exc.status_code, errors=[],
                    message=str(exc.detail))
    finally:
        upload.file.close()
    if isinstance(answer, Submitted):
        return go(f"/jobs/{answer.id}")
    errors = json.loads(bytes(answer.body))["errors"]
    return page(request, "refused.html.j2", who, status_code=422, errors=errors, message="")


@router.post("/plans/run", dependencies=[CheckedForm])
def run(request: Request, who: Analyst, stored: Annotated[str, Form()],
        time_limit: Annotated[float, Form(gt=0, le=86400)],
        gap: Annotated[float, Form(ge=0, le=100)]) -> Response:
    """Queue the solve of a checked upload with the time limit (s) and gap (%) given."""
    upload = stored_upload(service_of(request), stored)
    return queued(request, who, "solve", upload, [],
                  solver_options(time_limit, gap / 100))
