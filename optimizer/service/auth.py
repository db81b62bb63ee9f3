"""Bearer tokens on every endpoint but /v1/health: missing, unknown, wrong or revoked is 401."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from optimizer.service.tokens import Identity, identify

_bearer = HTTPBearer(auto_error=False, description="a token from `srsopt token create`")


def caller(request: Request, credentials: Annotated[
        HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> Identity:
    """The identity of the request's token, or 401."""
    who = None
    if credentials is not None and credentials.scheme.lower() == "bearer":
        who = identify(request.app.state.service.engine, credentials.credentials)
    if who is None:
        raise HTTPException(401, "a valid token is needed: Authorization: Bearer TOKEN",
                            headers={"WWW-Authenticate": "Bearer"})
    return who


Caller = Annotated[Identity, Depends(caller)]
