"""History: the analyst's jobs, newest first (an admin: everyone's, with whose they are)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from optimizer.service import store, tokens
from optimizer.service.web.pages import page
from optimizer.service.web.plan_routes import service_of
from optimizer.service.web.session import Analyst

router = APIRouter(include_in_schema=False)
PAGE = 50


def described(row: Any) -> dict[str, Any]:
    """A job as its history row shows it: what, which input, how it ended."""
    summary = row.summary if isinstance(row.summary, dict) else {}
    return {"id": row.id, "kind": row.kind, "status": row.status, "created": row.created,
            "owner": row.owner, "input": row.input_sha256,
            "name": summary.get("instance", ""), "gap": summary.get("mip_gap")}


@router.get("/jobs")
def history(request: Request, who: Analyst,
            offset: Annotated[int, Query(ge=0, le=10**9)] = 0) -> Response:
    """A page of jobs, newest first."""
    engine = service_of(request).engine
    rows, total = store.page(engine, who, PAGE, offset)
    names = {t["id"]: t["name"] for t in tokens.listed(engine)} if who.admin else {}
    return page(request, "history.html.j2", who, jobs=[described(r) for r in rows],
                total=total, offset=offset, size=PAGE, owners=names)
