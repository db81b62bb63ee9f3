"""The plan as one self-contained HTML page to hand to a head of department.

``srsopt report RESULTS_DIR`` reads a results folder
(``optimizer.outputs.results_io.write_results``); ``srsopt solve --report`` renders the fresh
result. The page opens with the plan in words, then the funded projects, the regions (a table
and tile maps), the charts and the largest unfunded needs; charts are inline SVG, labels come
from the catalogue in the reader's language (``lang``), and an A4 print layout is built in.
With the instance at hand (``--instance`` or during ``solve``), regions and settlements get
their names, projects their SRS category and the unfunded needs the residents they would reach.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pandas as pd
from jinja2 import Environment, PackageLoader, StrictUndefined, Template

from models.instance import Instance
from models.result import Result, SolveStatus
from models.safe_output import OutputTarget, write_output
from optimizer.outputs import people_tables as people
from optimizer.outputs.labels import DEFAULT_LANG, Translate
from optimizer.outputs.report_sections import LARGEST, project_facts, sections
from optimizer.outputs.report_words import envelope_reasons, plan_in_words

__all__ = ["LARGEST", "load_results", "project_facts", "render_report", "save_report",
           "write_report"]

_TEXT_COLUMNS = {c: str for c in ("project_id", "name", "region_id", "settlement_id", "status",
                                  "category", "area", "designation", "kind")}


def load_results(folder: str | Path) -> Result:
    """A ``Result`` rebuilt from a results folder (``summary.json`` plus the CSV tables)."""
    folder = Path(folder)
    info = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    tables = {}
    for name in ("projects", "starts", "region_years", "provision", "national", "envelope",
                 "designations"):
        if (folder / f"{name}.csv").is_file():
            frame = pd.read_csv(folder / f"{name}.csv", dtype=_TEXT_COLUMNS)
            tables[name] = frame.fillna({"name": ""}) if "name" in frame else frame
    metadata = {k: v for k, v in info.items() if k not in ("model", "settings")}
    metadata |= (info.get("model") or {}) | (info.get("settings") or {})
    return Result(status=SolveStatus(info["status"]), message=info.get("message", ""),
                  objective=info.get("objective"), bound=info.get("bound"),
                  mip_gap=info.get("mip_gap"), build_seconds=info.get("build_seconds", 0.0),
                  solve_seconds=info.get("solve_seconds", 0.0), metadata=metadata, **tables)


@cache
def page_template() -> Template:
    """The page template (``templates/report.html.j2``): also the what-if comparison's page."""
    environment = Environment(loader=PackageLoader("optimizer.outputs", "templates"),
                              autoescape=True, trim_blocks=True, lstrip_blocks=True,
                              undefined=StrictUndefined, keep_trailing_newline=True)
    return environment.get_template("report.html.j2")


def _kpis(result: Result, t: Translate) -> list[tuple[str, str]]:
    projects = result.table("projects")
    funded = projects[projects["funded"] > people.FUNDED]
    env, money = result.table("envelope"), result.table("region_years")
    return [
        (t("kpi.status"), t("kpi.status_value" if result.mip_gap is not None
                            else "kpi.status_no_gap",
                            status=t(f"status_short.{result.status.value}"), gap=result.mip_gap)),
        (t("kpi.funded"), t("kpi.funded_value", count=len(funded), total=len(projects))),
        (t("kpi.capex"), t("kpi.money", value=funded["funded_capex"].sum())),
        (t("kpi.transfer"), t("kpi.money", value=money["transfer"].sum())),
        (t("kpi.cofinancing"), t("kpi.money", value=money["cofinancing"].sum())),
        (t("kpi.envelope_used"), t("kpi.share", value=env["transfer"].sum()
                                   / max(env["envelope"].sum(), 1e-9))),
    ]


def render_report(result: Result, instance: Instance | None = None,
                  lang: str = DEFAULT_LANG) -> str:
    """The report as one HTML document in ``lang`` (no external file, script or font)."""
    t = Translate(lang)
    name = str(result.metadata.get("instance") or "instance")
    digest = str(result.metadata.get("input_hash") or "–")
    context: dict[str, object] = {
        "lang": lang, "title": t("report.title", name=name),
        "subtitle": t("report.subtitle", name=name, hash=digest[:12]),
        "words_title": t("words.title"), "reasons_title": t("words.reasons_title"),
        "kpis": [], "words": [t("report.no_plan", message=result.message)], "reasons": None,
        "sections": [],
        "footer": t("report.footer", version=result.metadata.get("srsopt_version") or "–",
                    highs=result.metadata.get("highs_version") or "–", hash=digest),
    }
    if result.has_plan:
        names = people.Names.of(instance)
        context |= {"kpis": _kpis(result, t), "words": plan_in_words(result, names, t),
                    "reasons": envelope_reasons(result, instance, lang),
                    "sections": sections(result, instance, t)}
    return page_template().render(**context)


def save_report(result: Result, file: Path, instance: Instance | None = None,
                lang: str = DEFAULT_LANG) -> None:
    """Save the HTML report at ``file``."""
    file.write_text(render_report(result, instance, lang), encoding="utf-8")


def write_report(result: Result, path: str | Path | OutputTarget,
                 instance: Instance | None = None, lang: str = DEFAULT_LANG) -> Path:
    """Write the HTML report safely (``models.safe_output``); returns its path."""
    return write_output(path, "report", lambda file: save_report(result, file, instance, lang),
                        plan=result.has_plan)
