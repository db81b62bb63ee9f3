"""Pre-solve checks of the fiscal rules.

Floors no project can reach, the equalization pool, the dependency cap, and approved starts
that cannot be kept.
"""

from __future__ import annotations

import numpy as np

from models.instance import Instance
from optimizer.check.findings import Finding, mkzt
from optimizer.formulation.index import IndexSets
from optimizer.formulation.projects import completion_year


def check_floors(index: IndexSets) -> list[Finding]:
    """Critical floors that no set of projects completed by their year can reach."""
    f = index.fiscal
    if len(f.floor_level) == 0:
        return []
    done = completion_year(index)
    by_year = np.full(len(index.project_ids), np.iinfo(np.int64).max)
    np.minimum.at(by_year, index.start_project, done)  # earliest completion of each project
    pop = index.population[index.pair_settlement]
    out: list[Finding] = []
    for i in range(len(f.floor_level)):  # the analyst's few floor rows
        ready = by_year[index.effect_project] <= f.floor_year[i]
        gain = np.bincount(index.effect_pair[ready], weights=index.effect_gain[ready],
                           minlength=len(index.pair_c0))
        pairs = f.floor_pair[f.floor_pair_row == i]
        best = float((pop[pairs] * np.minimum(1.0, index.pair_c0[pairs] + gain[pairs])).sum())
        needed = f.floor_level[i] * f.floor_den[i]
        if best >= needed - 1e-9 * max(needed, 1.0):
            continue
        hard = np.isnan(f.floor_penalty[i])
        region = str(index.region_ids[f.floor_region[i]])
        year = int(index.years[f.floor_year[i]])
        std = str(index.standard_ids[f.floor_standard[i]])
        out.append(Finding(
            "error" if hard else "warning", "critical_floor",
            f"the {std} floor '{f.floor_name[i]}' in {region} by {year} "
            f"({f.floor_level[i]:.0%}) cannot be reached: every project that can complete by "
            f"{year} brings provision to {best / f.floor_den[i]:.1%} "
            f"({needed - best:,.0f} persons short)" + ("" if hard else "; its penalty is paid"),
            region, year, needed, best))
    return out


def check_fiscal_rules(index: IndexSets) -> list[Finding]:
    """Equalization floors against the pool; regions above the dependency cap by law."""
    f, years, out = index.fiscal, index.years, []
    if f.equalization:
        need = np.maximum(f.eq_floor, 0.0).sum(axis=0)
        out += [Finding("error", "equalization_pool",
                        f"the equalization floors need {mkzt(need[t])} in {years[t]}; the pool "
                        f"is {mkzt(f.pool[t])}", None, int(years[t]), float(need[t]),
                        float(f.pool[t])) for t in np.flatnonzero(need > f.pool + 1e-6)]
    if f.dep_cap.size:
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = f.general / (f.own_revenue + f.general)
        for r, t in zip(*np.nonzero(ratio > f.dep_cap), strict=True):
            region = str(index.region_ids[r])
            out.append(Finding(
                "warning", "dependency_cap",
                f"the general transfer alone is {ratio[r, t]:.1%} of {region}'s revenue in "
                f"{years[t]}, above the {f.dep_cap[r, t]:.0%} cap: it can receive no targeted "
                "transfer", region, int(years[t]), float(ratio[r, t]), float(f.dep_cap[r, t])))
    return out


def check_baseline(instance: Instance, index: IndexSets) -> list[Finding]:
    """Approved starts the new plan cannot keep (no start column for them)."""
    base = instance.settings.fiscal_rules.baseline
    if base is None or len(index.fiscal.baseline_start) == len(base.starts):
        return []
    kept = set(index.project_ids[index.start_project[index.fiscal.baseline_start]])
    lost = [f"{p} ({y})" for p, y in base.starts.items() if p not in kept]
    return [Finding("warning", "baseline",
                    f"{len(lost)} approved start(s) cannot be kept (project excluded or unknown, "
                    f"or the year is outside its window or completes after the horizon): "
                    f"{', '.join(lost[:8])}" + (", ..." if len(lost) > 8 else ""))]
