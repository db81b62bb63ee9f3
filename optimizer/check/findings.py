"""A pre-solve finding: which rule, where, how much is needed and how much there is."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal


@dataclass(frozen=True)
class Finding:
    """One pre-solve finding: which rule, where, how much is needed and how much there is."""

    severity: Literal["error", "warning"]
    rule: str
    message: str
    region: str | None = None
    year: int | None = None
    needed: float | None = None
    available: float | None = None
    projects: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON output."""
        return asdict(self) | {"projects": list(self.projects)}


def mkzt(amount: float) -> str:
    """``1,250,000 million KZT``; one decimal below 1,000 (``4.5 million KZT``)."""
    return f"{amount:,.0f} million KZT" if abs(amount) >= 1000 else f"{amount:,.1f} million KZT"
