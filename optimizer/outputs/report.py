"""The plan as one self-contained HTML page an analyst can forward (charts embedded as PNG).

``srsopt report RESULTS_DIR`` reads a results folder
(``optimizer.outputs.results_io.write_results``); ``srsopt solve --report`` renders the fresh
result. With the instance at hand (``--instance`` or during ``solve``), regions get their names,
projects their SRS category and the unfunded needs the residents they would reach.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

import pandas as pd

from models.instance import Instance
from models.result import Result, SolveStatus
from models.safe_output import OutputTarget, write_output
from optimizer.outputs import report_charts as charts
from optimizer.outputs.results_io import national_at_targets, worst_regions
from optimizer.outputs.results_workbook import format_value

LARGEST = 20
"""Projects in the Gantt chart and rows in the table of unfunded needs."""
_TEXT_COLUMNS = {c: str for c in ("project_id", "name", "region_id", "settlement_id", "status",
                                  "category", "area")}
_CSS = """
body{font-family:system-ui,Segoe UI,Arial,sans-serif;max-width:1180px;margin:24px auto;
color:#222;padding:0 16px}h1{margin-bottom:4px}h2{margin-top:36px;border-bottom:2px solid #1F4E79}
.kpis{display:flex;flex-wrap:wrap;gap:12px}.kpi{background:#F2F6FA;padding:10px 14px;
border-radius:6px;min-width:150px}.kpi b{display:block;font-size:20px}img{width:100%}
.how{color:#555;font-size:14px}table{border-collapse:collapse;font-size:13px;width:100%}
th,td{border-bottom:1px solid #ddd;padding:4px 6px;text-align:left;white-space:nowrap}
td.n,th.n{text-align:right}td.w{white-space:normal}
th{background:#1F4E79;color:#fff}
"""


def load_results(folder: str | Path) -> Result:
    """A ``Result`` rebuilt from a results folder (``summary.json`` plus the CSV tables)."""
    folder = Path(folder)
    info = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    tables = {}
    for name in ("projects", "starts", "region_years", "provision", "national", "envelope"):
        if (folder / f"{name}.csv").is_file():
            frame = pd.read_csv(folder / f"{name}.csv", dtype=_TEXT_COLUMNS)
            tables[name] = frame.fillna({"name": ""}) if "name" in frame else frame
    metadata = {k: v for k, v in info.items() if k not in ("model", "settings")}
    metadata |= (info.get("model") or {}) | (info.get("settings") or {})
    return Result(status=SolveStatus(info["status"]), message=info.get("message", ""),
                  objective=info.get("objective"), bound=info.get("bound"),
                  mip_gap=info.get("mip_gap"), build_seconds=info.get("build_seconds", 0.0),
                  solve_seconds=info.get("solve_seconds", 0.0), metadata=metadata, **tables)


def project_facts(instance: Instance) -> pd.DataFrame:
    """Per project: its main SRS category (of its largest gain) and the persons it would serve.

    ``provision_gain`` sums population x (effect level - baseline) over the project's effects,
    the persons-standards it adds alone (as in the model, only gains above baseline count).
    """
    keys = ["settlement_id", "standard_id"]
    effects = (instance.project_effects
               .merge(instance.coverage.rename(columns={"level": "baseline"}), on=keys,
                      how="left")
               .merge(instance.standards[["standard_id", "category"]], on="standard_id")
               .merge(instance.settlements[["settlement_id", "population"]], on="settlement_id"))
    gain = (effects["level"] - effects["baseline"].fillna(0.0)).clip(lower=0.0)
    effects["provision_gain"] = gain * effects["population"]
    main = effects.sort_values("provision_gain", ascending=False, kind="stable")
    category = main.drop_duplicates("project_id").set_index("project_id")["category"]
    return pd.concat([category, effects.groupby("project_id")["provision_gain"].sum()], axis=1)


def _table(frame: pd.DataFrame, headers: dict[str, str]) -> str:
    """An HTML table of the given columns, numbers formatted as in the results workbook."""
    numeric = {c for c in headers if pd.api.types.is_numeric_dtype(frame[c])}
    head = "".join(f'<th class="{"n" if c in numeric else ""}">{html.escape(t)}</th>'
                   for c, t in headers.items())
    body = "".join(
        "<tr>" + "".join(f'<td class="n">{format_value(c, row[c])}</td>' if c in numeric
                         else f'<td class="{"w" if c == "name" else ""}">'
                         f"{html.escape(str(row[c]))}</td>" for c in headers) + "</tr>"
        for _, row in frame.iterrows())
    return f"<table><tr>{head}</tr>{body}</table>"


def _section(key: str, title: str, how: str, body: str) -> str:
    return (f'<section id="{key}"><h2>{html.escape(title)}</h2>'
            f'<p class="how">{html.escape(how)}</p>{body}</section>')


def _img(png: str, alt: str) -> str:
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{png}">'


def _kpis(result: Result, projects: pd.DataFrame) -> str:
    funded = projects[projects["funded"] > 1e-9]
    env, money = result.table("envelope"), result.table("region_years")
    gap = "–" if result.mip_gap is None else f"{result.mip_gap:.2%}"
    items = {
        "status": f"{result.status.value} (gap {gap})",
        "projects funded": f"{len(funded):,} of {len(projects):,}",
        "funded capex": f"{funded['funded_capex'].sum():,.0f} mn KZT",
        "transfers": f"{money['transfer'].sum():,.0f} mn KZT",
        "co-financing": f"{money['cofinancing'].sum():,.0f} mn KZT",
        "envelope used": f"{env['transfer'].sum() / max(env['envelope'].sum(), 1e-9):.1%}",
    }
    return '<div class="kpis">' + "".join(
        f'<div class="kpi">{html.escape(k)}<b>{html.escape(v)}</b></div>'
        for k, v in items.items()) + "</div>"


def _sections(result: Result, instance: Instance | None) -> list[str]:
    """One section per chart and the unfunded needs, in reading order."""
    envelope, money = result.table("envelope"), result.table("region_years")
    years = sorted(envelope["year"].astype(int))
    names = (instance.regions.set_index("region_id")["name"] if instance is not None
             else pd.Series(dtype=str))
    facts = project_facts(instance) if instance is not None else None
    projects = result.table("projects").copy()
    projects["region"] = _named(projects["region_id"], names)
    projects["group"] = (projects["project_id"].map(facts["category"]).fillna("no effect")
                         if facts is not None else projects["status"])
    out = [_section("national", "National provision by SRS category",
                    "Share of residents of applicable settlements served, at the start (grey), at "
                    "the end of the plan (blue), and the target (red tick).",
                    _img(charts.national_chart(national_at_targets(result), years[-1]),
                         "national provision"))]
    regions = worst_regions(result, count=len(money["region_id"].unique()))
    if regions.empty:
        body = "<p>No provision target is set, so there is no gap to rank regions by.</p>"
    else:
        target_year = int(result.table("provision").dropna(subset=["shortfall"])["year"].max())
        regions["label"] = _named(regions["region_id"], names)
        body = _img(charts.regions_chart(regions, target_year), "regional provision")
    out.append(_section("regions", "Regional provision, ordered by remaining gap",
                        "Left: provision over all SRS categories before and after the plan. "
                        "Right: persons still short of the target; the largest gap is on top.",
                        body))
    out.append(_section("transfers", "Targeted transfers per region and year",
                        "Republican money each region receives, stacked by year (million KZT).",
                        _img(charts.transfers_chart(money, names), "transfers")))
    out.append(_section("timeline", "Funded projects over time",
                        "Top: capex of the projects starting each year, by "
                        f"{'SRS category' if facts is not None else 'status'}. Below: the "
                        "construction years of the largest funded projects, by start year.",
                        _img(_timeline(result.table("starts"), projects, years), "timeline")))
    cofinancing = money.groupby("year")["cofinancing"].sum()
    out.append(_section("money", "Money used against the envelope",
                        "Per year: the republican envelope (light), the transfers the plan uses "
                        "(blue) and the regions' co-financing on top (orange).",
                        _img(charts.money_chart(envelope, cofinancing), "money")))
    out.append(_section("unfunded", "Largest unfunded needs", _needs_note(facts),
                        _unfunded(projects, facts)))
    return out


def _timeline(starts: pd.DataFrame, projects: pd.DataFrame, years: list[int]) -> str:
    """The timeline chart: capex started per year and group, then the largest funded projects.

    A divisible project started in parts counts each part's share of capex in its year.
    """
    started = starts.merge(projects[["project_id", "capex", "group"]], on="project_id")
    started["capex"] *= started["share"]
    largest = (projects[projects["funded"] > 1e-9].nlargest(LARGEST, "funded_capex")
               .sort_values(["start_year", "completion_year", "funded_capex"],
                            ascending=[True, True, False]))
    largest["label"] = [f"{pid} {charts.short(name)}, {region}" for pid, name, region in zip(
        largest["project_id"], largest["name"], largest["region"], strict=True)]
    return charts.timeline_chart(started, largest, years)


def _named(region_ids: pd.Series, names: pd.Series) -> pd.Series:
    """Each region's name, or its id when the instance gives none (or is not at hand)."""
    return region_ids.map(names).astype(object).fillna(region_ids)


def _needs_note(facts: pd.DataFrame | None) -> str:
    if facts is None:
        return ("Candidate projects the plan leaves (partly) unfunded, largest capex first "
                "(excluded projects are left out). Running srsopt report with --instance PATH adds "
                "each project's category and the persons it would newly serve.")
    return ("Candidate projects the plan leaves (partly) unfunded, those that would newly serve "
            "the most persons first (persons x provision gained over all standards the project "
            "improves; excluded projects are left out).")


def _unfunded(projects: pd.DataFrame, facts: pd.DataFrame | None) -> str:
    need = projects[(projects["status"] == "candidate") & (projects["funded"] < 1 - 1e-6)].copy()
    headers = {"project_id": "project", "name": "name", "region": "region",
               "settlement_id": "settlement", "capex": "capex (mn KZT)",
               "opex": "opex (mn KZT/yr)", "funded": "funded"}
    if facts is not None:
        need = need.join(facts, on="project_id")
        headers |= {"category": "category", "provision_gain": "persons newly served"}
        need = need.sort_values(["provision_gain", "capex"], ascending=False)
    else:
        need = need.sort_values("capex", ascending=False)
    if need.empty:
        return "<p>Every candidate project is funded.</p>"
    return _table(need.head(LARGEST), headers)


def render_report(result: Result, instance: Instance | None = None) -> str:
    """The report as one HTML document (no external file, script or font)."""
    name = html.escape(str(result.metadata.get("instance") or "instance"))
    parts = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
             f"<title>srsopt plan: {name}</title><style>{_CSS}</style></head><body>",
             f"<h1>SRS allocation plan: {name}</h1>",
             f"<p>{html.escape(result.message)}</p>"]
    if result.has_plan:
        parts += [_kpis(result, result.table("projects")), *_sections(result, instance)]
    else:
        parts.append("<p><b>No plan to report.</b></p>")
    parts.append("<p class='how'>Money in million KZT; provision is the share of residents of "
                 "settlements where a standard applies. Made by srsopt "
                 f"{html.escape(str(result.metadata.get('srsopt_version', '')))}.</p>"
                 "</body></html>")
    return "\n".join(parts)


def save_report(result: Result, file: Path, instance: Instance | None = None) -> None:
    """Save the HTML report at ``file``."""
    file.write_text(render_report(result, instance), encoding="utf-8")


def write_report(result: Result, path: str | Path | OutputTarget,
                 instance: Instance | None = None) -> Path:
    """Write the HTML report safely (``models.safe_output``); returns its path."""
    return write_output(path, "report", lambda file: save_report(result, file, instance),
                        plan=result.has_plan)
