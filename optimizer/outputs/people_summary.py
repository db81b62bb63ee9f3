"""The figures of ``summary.json`` as labelled rows with units: the workbook's Summary sheet.

Every value is the one ``results_io.summary`` writes (so the sheet and the JSON agree); the
label, unit and note come from the catalogue in the reader's language.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from models.result import Result
from optimizer.outputs.labels import MISSING, label, label_or
from optimizer.outputs.results_io import summary

FIGURE_KINDS: dict[str, tuple[str | None, str | None]] = {
    # kind: (Excel number format, unit message id)
    "text": (None, None),
    "money": ("#,##0", "unit.money"),
    "share": ("0.0%", "unit.share"),
    "gap": ("0.00%", "unit.share"),
    "persons": ("#,##0", "unit.persons"),
    "count": ("#,##0", None),
    "objective": ("#,##0.00", "unit.objective"),
    "seconds": ("0.00", "unit.seconds"),
}
COLUMNS = ("figure", "value", "unit", "note")


class _Rows:
    """Rows of the summary under construction, each labelled in one language."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.rows: list[dict[str, Any]] = []
        self.formats: list[str | None] = []

    def add(self, key: str, value: object, kind: str = "text", note: str = "",
            **values: object) -> None:
        fmt, unit = FIGURE_KINDS[kind]
        if value is None:
            value, fmt = MISSING, None
        self.rows.append({"figure": label(f"fig.{key}", self.lang, **values), "value": value,
                          "unit": label(unit, self.lang) if unit else "", "note": note})
        self.formats.append(fmt)


def summary_figures(result: Result, lang: str) -> tuple[pd.DataFrame, list[str | None]]:
    """The Summary sheet's rows (figure, value, unit, note) and each value's number format."""
    info = summary(result)
    rows = _Rows(lang)
    rows.add("instance", info.get("instance"))
    rows.add("status", label(f"status.{info['status']}", lang))
    rows.add("message", info["message"])
    if result.has_plan:
        _plan_figures(rows, result, info)
    model, settings = info["model"], info["settings"]
    rows.add("input_hash", info.get("input_hash"))
    rows.add("srsopt_version", info.get("srsopt_version"))
    rows.add("highs_version", info.get("highs_version"))
    rows.add("highs_status", model.get("highs_model_status"))
    rows.add("build_seconds", info["build_seconds"], "seconds")
    rows.add("solve_seconds", info["solve_seconds"], "seconds")
    rows.add("time_limit", settings.get("time_limit"), "seconds")
    rows.add("requested_gap", settings.get("mip_rel_gap"), "gap")
    rows.add("threads", settings.get("threads"), "count")
    return pd.DataFrame(rows.rows, columns=list(COLUMNS)), rows.formats


def _plan_figures(rows: _Rows, result: Result, info: dict[str, Any]) -> None:
    lang = rows.lang
    rows.add("gap", info["mip_gap"], "gap")
    rows.add("objective", info["objective"], "objective")
    rows.add("bound", info["bound"], "objective")
    rows.add("funded_projects", info["funded_projects"], "count",
             label("note.of_projects", lang, total=len(result.table("projects"))))
    rows.add("funded_capex", info["funded_capex"], "money")
    envelope = sum(y.get("envelope") or 0.0 for y in info["per_year"])
    rows.add("total_transfer", info["total_transfer"], "money",
             _of_envelope(info["total_transfer"], envelope, lang))
    rows.add("total_cofinancing", info["total_cofinancing"], "money")
    for year in info["per_year"]:
        rows.add("transfer_year", year["transfer"], "money",
                 _of_envelope(year["transfer"], year.get("envelope"), lang), year=year["year"])
    national = [n for n in info["national"] if n.get("target") is not None]
    last = int(result.table("national")["year"].max())
    for row in national:
        rows.add("provision", row["provision"], "share",
                 label("note.provision", lang, target=row["target"], baseline=row["baseline"],
                       shortfall=row["shortfall"]),
                 category=label_or(f"category.{row['category']}", lang, row["category"]),
                 area=label_or(f"area.{row['area']}", lang, row["area"]), year=last)
    if national:
        rows.add("shortfall", sum(n["shortfall"] or 0.0 for n in national), "persons",
                 year=last)


def _of_envelope(transfer: float, envelope: float | None, lang: str) -> str:
    if not envelope:
        return ""
    return label("note.of_envelope", lang, share=transfer / envelope, envelope=envelope)
