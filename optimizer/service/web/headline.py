"""A finished solve's headline, from its ``summary.json``: what a head of department reads first."""

from __future__ import annotations

from typing import Any

DOWNLOAD_ORDER = (".xlsx", ".json", ".csv", ".html")
"""The workbook first (the file analysts forward), then the summary, tables and pages."""


def headline(summary: Any) -> dict[str, Any] | None:
    """Status, objective, bound, gap, projects funded, money per year, national provision.

    None when there is no summary yet (the job runs) or it is not a solve's.
    """
    if not isinstance(summary, dict) or "status" not in summary:
        return None
    return {"status": summary["status"], "objective": summary.get("objective"),
            "bound": summary.get("bound"), "gap": summary.get("mip_gap"),
            "funded_projects": summary.get("funded_projects"),
            "funded_capex": summary.get("funded_capex"),
            "per_year": list(summary.get("per_year") or []),
            "national": list(summary.get("national") or [])}


def listed_files(files: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The job's files for the downloads list: workbook, summary, tables, pages; then by name."""
    def key(f: dict[str, Any]) -> tuple[bool, int, str]:
        name = str(f["name"])
        kind = next((i for i, s in enumerate(DOWNLOAD_ORDER) if name.endswith(s)),
                    len(DOWNLOAD_ORDER))
        return ("/" in name, kind, name)

    return sorted(files, key=key)
