"""What-if from a finished solve: changes from a form (or scenario YAML) against its input.

The form's changes become one scenario file, written as ``docs/whatif.md`` describes and
queued with any uploaded scenario files as a what-if job of the base job's stored input: the
code behind ``POST /v1/whatif``, so the comparison is the one ``srsopt whatif`` writes.
"""

from __future__ import annotations

import io
from typing import Annotated, Any

import yaml
from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response

from optimizer.service.submit import Upload
from optimizer.service.web.job_routes import owned
from optimizer.service.web.plan_routes import (
    queued,
    service_of,
    solver_options,
    stored_upload,
)
from optimizer.service.web.session import Analyst, CheckedForm, PageError

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form()]


def _number(text: str, field: str) -> float | None:
    text = text.strip().replace(",", ".").replace("\u00a0", "").replace(" ", "")
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise PageError(422, f"{field}: {text!r} is not a number") from None


def form_changes(envelope_pct: str, target_area: str, target_year: str, target_pct: str,
                 region: str, cofinancing_pct: str, project: str, project_force: str,
                 overrun_pct: str, overrun_category: str) -> list[dict[str, Any]]:
    """The scenario changes the form's filled fields ask for (percentages as shares)."""
    pairs = {"target": (target_year, target_pct), "region": (region, cofinancing_pct),
             "project": (project, project_force)}
    for what, (one, other) in pairs.items():
        if bool(one.strip()) != bool(other.strip()):
            raise PageError(422, f"{what}: fill both of its fields, or neither")
    changes: list[dict[str, Any]] = []
    envelope = _number(envelope_pct, "envelope")
    if envelope is not None:
        changes.append({"envelope": {"scale": round(1 + envelope / 100, 10)}})
    target, year = _number(target_pct, "target"), _number(target_year, "target year")
    if target is not None and year is not None:
        changes.append({"targets": {target_area: {int(year): round(target / 100, 10)}}})
    rate = _number(cofinancing_pct, "co-financing rate")
    if region.strip() and rate is not None:
        changes.append({"region": {"region": region.strip(),
                                   "cofinancing_rate": round(rate / 100, 10)}})
    if project.strip() and project_force.strip():
        changes.append({"lock": {"project": project.strip(), "force": project_force}})
    overrun = _number(overrun_pct, "capex overrun")
    if overrun is not None:
        change: dict[str, Any] = {"factor": round(1 + overrun / 100, 10)}
        if overrun_category.strip():
            change["category"] = overrun_category.strip()
        changes.append({"capex_overrun": change})
    return changes


def scenario_yaml(name: str, changes: list[dict[str, Any]]) -> bytes:
    """One scenario file holding the changes, in order."""
    return yaml.safe_dump({"name": name, "description": "made on the srsopt web page",
                           "changes": changes}, allow_unicode=True, sort_keys=False).encode()


@router.post("/jobs/{job_id}/whatif", dependencies=[CheckedForm])
def whatif(request: Request, who: Analyst, job_id: str, name: Text = "",
           envelope_pct: Text = "", target_area: Text = "rural", target_year: Text = "",
           target_pct: Text = "", region: Text = "", cofinancing_pct: Text = "",
           project: Text = "", project_force: Text = "", overrun_pct: Text = "",
           overrun_category: Text = "",
           scenario: Annotated[list[UploadFile] | None, File()] = None) -> Response:
    """Queue base vs the form's scenario (if any change is filled) and each uploaded file."""
    service = service_of(request)
    base = owned(service, job_id, who)
    if base.kind != "solve" or base.status != "done":
        raise PageError(409, "a what-if starts from a finished solve")
    if base.options.get("scenarios"):
        raise PageError(409, "this plan applied scenario files to its input: run the what-if "
                        "from a plan of the instance as uploaded")
    changes = form_changes(envelope_pct, target_area, target_year, target_pct, region,
                           cofinancing_pct, project, project_force, overrun_pct,
                           overrun_category)
    scenarios = [Upload(s.filename, s.file) for s in scenario or [] if s.filename]
    if changes:
        made = scenario_yaml(name.strip() or "scenario", changes)
        scenarios.insert(0, Upload("scenario.yaml", io.BytesIO(made)))
    if not scenarios:
        raise PageError(422, "fill at least one change or upload a scenario file")
    options = base.options
    return queued(request, who, "whatif", stored_upload(service, options["input"]), scenarios,
                  solver_options(options.get("time_limit"), options.get("gap")))
