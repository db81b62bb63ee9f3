"""Bearer tokens: ``srs_<id>_<secret>``, shown once, stored as sha256(salt + secret).

The id finds the row; the secret is checked against its salted hash in constant time. A
revoked token, an unknown id or a wrong secret is the same ``None`` (the API answers 401).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import Engine, insert, select, update

from optimizer.service.db import now, tokens

Role = Literal["analyst", "admin"]
ROLES: tuple[Role, ...] = ("analyst", "admin")
PREFIX = "srs"


@dataclass(frozen=True)
class Identity:
    """Who is calling: the token's id (a job's owner), its name (for logs) and role."""

    id: str
    name: str
    role: str

    @property
    def admin(self) -> bool:
        """An admin sees and cancels every job."""
        return self.role == "admin"


def _digest(salt: str, secret: str) -> str:
    return hashlib.sha256((salt + secret).encode()).hexdigest()


def create(engine: Engine, name: str, role: Role = "analyst") -> str:
    """A new token for ``name``; the returned text is the only copy of its secret."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    token_id, secret, salt = secrets.token_hex(8), secrets.token_urlsafe(32), secrets.token_hex(16)
    with engine.begin() as db:
        db.execute(insert(tokens).values(id=token_id, name=name, role=role, salt=salt,
                                         hash=_digest(salt, secret), created=now(),
                                         revoked=False))
    return f"{PREFIX}_{token_id}_{secret}"


def token_id(token: str) -> str:
    """The id part of a token (or the id itself): what ``revoke`` takes."""
    parts = token.split("_", 2)
    return parts[1] if len(parts) == 3 and parts[0] == PREFIX else token


def revoke(engine: Engine, token: str) -> bool:
    """Revoke a token given whole or by its id; whether one was found."""
    with engine.begin() as db:
        found = db.execute(update(tokens).where(tokens.c.id == token_id(token))
                           .values(revoked=True))
    return bool(found.rowcount)


def identify(engine: Engine, token: str) -> Identity | None:
    """The identity of a valid, unrevoked token; None otherwise."""
    parts = token.split("_", 2)
    if len(parts) != 3 or parts[0] != PREFIX:
        return None
    with engine.connect() as db:
        row = db.execute(select(tokens).where(tokens.c.id == parts[1])).first()
    if row is None or row.revoked or not hmac.compare_digest(row.hash,
                                                             _digest(row.salt, parts[2])):
        return None
    return Identity(row.id, row.name, row.role)


def listed(engine: Engine) -> list[dict[str, object]]:
    """Every token's id, name, role, creation time and whether it is revoked (no secrets)."""
    with engine.connect() as db:
        rows = db.execute(select(tokens.c.id, tokens.c.name, tokens.c.role, tokens.c.created,
                                 tokens.c.revoked).order_by(tokens.c.created)).all()
    return [dict(row._mapping) for row in rows]
