"""The what-if comparison as people read it: names beside ids, every change in words.

One source for the CSV files (the analysis tables with names and English words added, their
old columns kept), ``comparison.xlsx``, ``comparison.html`` and the terminal. Project changes
read "start 2027 -> 2028", "funded 72% -> 4%", "added (start 2029)", "dropped (was 2027)";
a project is named "School in X (Region Y)" (its settlement left out when its name holds it).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from optimizer.analysis.whatif_compare import SHARE_TOLERANCE, Comparison
from optimizer.outputs import people_tables as people
from optimizer.outputs.labels import MISSING, finite, label, label_or, percent

CSV_LANG = "en"
"""The words in the CSV files, as in the results folder: files programs read stay English."""
_MODEL = {"built": "whatif.model.built", "edited in place": "whatif.model.edited",
          "built from scratch": "whatif.model.scratch"}
"""How a case's model was obtained (``run_cases``), in words."""


def names(comparison: Comparison) -> people.Names:
    """Region and settlement names of the base's instance (ids stand in without one)."""
    instances = comparison.instances
    return people.Names.of(instances.get(comparison.base) or next(iter(instances.values()),
                                                                  None))


def year_text(value: object) -> str:
    """A start year, or ``–`` when there is none (not funded, or funded before the horizon)."""
    year = finite(value)
    return MISSING if year is None or year == 0 else f"{year:.0f}"


def share_text(share: float, lang: str, decimals: int = 0) -> str:
    """A funded share as a percentage, whole unless that would read 0% or 100% (then 1 decimal)."""
    hidden = 0 < share < 0.01 or 0.99 < share < 1
    return percent(share, lang, 1 if hidden or (decimals and 0 < share < 1) else 0)


def shares_text(before: float, after: float, lang: str) -> tuple[str, str]:
    """Two funded shares, with a decimal when whole percentages would not show the change."""
    whole = share_text(before, lang), share_text(after, lang)
    return (share_text(before, lang, 1), share_text(after, lang, 1)) if whole[0] == whole[1] \
        else whole


def change_words(row: Mapping[Any, Any], lang: str) -> str:
    """One project's change in a scenario in words (``row``: a ``Comparison.changes`` row)."""
    kind = row["kind"]
    before, after = float(row["base_funded"]), float(row["scenario_funded"])
    was, now = year_text(row["base_start_year"]), year_text(row["scenario_start_year"])
    if kind in ("added", "dropped"):
        share = after if kind == "added" else before
        part = "_part" if share < 1 - SHARE_TOLERANCE else ""
        return label(f"whatif.{kind}{part}", lang, year=now if kind == "added" else was,
                     share=share_text(share, lang))
    parts = []
    if kind.startswith("start"):
        parts.append(label("whatif.start", lang, before=was, after=now))
    if kind.endswith("funded"):
        shares = shares_text(before, after, lang)
        parts.append(label("whatif.funded", lang, before=shares[0], after=shares[1]))
    return ", ".join(parts)


def project_label(name: object, settlement: object, region: object, lang: str) -> str:
    """"School in X (Region Y)"; "School: X (Region Y)" when the name holds the settlement."""
    key = "whatif.project_here" if str(settlement) in str(name) else "whatif.project"
    return label(key, lang, name=name, settlement=settlement, region=region)


PROJECT_COLUMNS = ["scenario", "region_id", "region", "project_id", "name", "settlement_id",
                   "settlement", "change", "kind", "base_start_year", "scenario_start_year",
                   "base_funded", "scenario_funded", "capex"]
"""The columns of ``project_changes``, in order."""


def project_changes(comparison: Comparison, lang: str) -> pd.DataFrame:
    """Every project change, one row per scenario and project, names beside ids, in words.

    In scenario order, then by region name and project id.
    """
    changes = comparison.changes
    if changes.empty:
        return pd.DataFrame(columns=PROJECT_COLUMNS)
    known = names(comparison)
    table = changes.assign(region=known.region(changes["region_id"]).to_numpy(),
                           settlement=known.settlement(changes["settlement_id"]).to_numpy())
    table["change"] = [change_words(row, lang) for row in table.to_dict("records")]
    table["order"] = table["scenario"].map({n: k for k, n in enumerate(comparison.results)})
    table = table.sort_values(["order", "region", "project_id"], kind="stable")
    return table[PROJECT_COLUMNS].reset_index(drop=True)


def changed_projects(comparison: Comparison, scenario: str, lang: str = CSV_LANG
                     ) -> list[tuple[str, str]]:
    """Each change of ``scenario`` as (project, change), largest capex first.

    E.g. ("P7 School in X (Region Y)", "start 2027 -> 2028").
    """
    table = project_changes(comparison, lang)
    table = table[table["scenario"] == scenario].sort_values(
        ["capex", "project_id"], ascending=[False, True], kind="stable")
    return [(f"{row['project_id']} "
             f"{project_label(row['name'], row['settlement'], row['region'], lang)}",
             row["change"]) for row in table.to_dict("records")]


def projects_file(comparison: Comparison) -> pd.DataFrame:
    """``projects.csv``: the wide table, names beside ids, each change in words.

    Region and settlement names, and ``change:<scenario>`` (English); the columns it had
    before keep their names.
    """
    table = comparison.projects
    if table.empty:
        return table
    known = names(comparison)
    table = people.beside(table, "region_id", "region", known.region(table["region_id"]))
    table = people.beside(table, "settlement_id", "settlement",
                          known.settlement(table["settlement_id"]))
    words = project_changes(comparison, CSV_LANG).set_index(["scenario", "project_id"])["change"]
    for scenario in list(comparison.results)[1:]:
        if scenario in set(comparison.changes.get("scenario", [])):
            table[f"change:{scenario}"] = table["project_id"].map(
                words.xs(scenario, level="scenario")).fillna("").to_numpy()
    return table


def regions_file(comparison: Comparison) -> pd.DataFrame:
    """``regions.csv``: the regions table with each region's name beside its id."""
    table = comparison.regions
    if table.empty:
        return table
    return people.beside(table, "region_id", "region", names(comparison).region(
        table["region_id"]))


def overview(comparison: Comparison, lang: str) -> pd.DataFrame:
    """One row per case: status and how it was solved in words, the scenario's changes."""
    table = comparison.overview.copy()
    table.insert(1, "solve_status", [label_or(f"status_short.{s}", lang, s)
                                     for s in table.pop("status")])
    table["model"] = [label_or(_MODEL.get(m, ""), lang, m) if m else MISSING
                      for m in table["model"]]
    table["model_reason"] = table.pop("reason").where(lambda r: r != "the base")
    table["scenario_changes"] = [
        "; ".join(c["effect"] for c in comparison.results[name].metadata.get(
            "scenario", {}).get("changes", [])) if name in comparison.results else ""
        for name in table["scenario"]]
    return table


OVERVIEW = ["scenario", "solve_status", "objective", "objective_change", "mip_gap",
            "funded_projects", "projects_added", "projects_dropped", "projects_changed",
            "transfer", "transfer_change", "shortfall_target_year", "shortfall_change",
            "solve_seconds", "model", "model_reason", "start", "scenario_changes"]
"""The columns of the people's overview, in order."""


def _columns(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    return frame[[c for c in columns if c in frame]]


def people_tables(comparison: Comparison, lang: str) -> dict[str, pd.DataFrame]:
    """The comparison's tables for people, by sheet key.

    ``overview``, ``national``, ``money``, ``regions``, ``projects``; provision changes in
    percentage points.
    """
    nat, reg = comparison.national, regions_file(comparison)
    if len(nat):
        nat = nat.assign(provision_change=100 * nat["change"])
    if len(reg):
        reg = reg.assign(provision_change=100 * reg["change"])
    return {
        "overview": _columns(overview(comparison, lang), OVERVIEW),
        "national": _columns(nat, ["scenario", "category", "area", "year", "persons",
                                   "baseline", "provision", "provision_change", "target",
                                   "shortfall", "shortfall_change"]),
        "money": _columns(comparison.money, ["scenario", "year", "envelope", "transfer",
                                             "transfer_change", "cofinancing", "new_opex"]),
        "regions": _columns(reg, ["scenario", "region_id", "region", "provision",
                                  "provision_change", "shortfall", "shortfall_change",
                                  "transfer", "transfer_change", "projects_added",
                                  "projects_dropped", "projects_changed"]),
        "projects": project_changes(comparison, lang).drop(columns="kind"),
    }
