"""The Pyomo reference states the fiscal rules: both backends reach the same optimum with them.

Generated instances (``generate_tables``, 2 regions) get each rule alone and all five at once,
set from the instance's own data so that every rule binds: the optimum moves away from the
plan without rules (and that plan breaks the band, keeps fewer approved starts, ...). Both
backends must reach the same objective to 1e-6 relative at gap 0, the Pyomo model's own
objective too, and both plans pass the verifier. The hand-solved instances of
tests/test_fiscal_rules.py are solved by the reference too, and the reference's rows and
columns carry the array build's names.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyomo.environ as pyo
import pytest
from fiscal_builders import funded, small, starts
from test_fiscal_rules import (
    band_instance,
    baseline_instance,
    floor_instance,
    pool_instance,
    two_projects,
)
from typer.testing import CliRunner

from models.folder import write_folder
from models.instance import Instance, instance_from_tables
from models.result import Result
from models.synthetic import generate_tables
from optimizer import solve
from optimizer.check.verify import check_plan
from optimizer.check.verify_fiscal import check_fiscal, floor_gaps
from optimizer.cli.app import app
from optimizer.formulation import build_formulation
from optimizer.formulation.index import build_index
from optimizer.highs.names import column_names, row_names
from optimizer.pyomo_ref import build_model, hand_over, model_data
from optimizer.pyomo_ref.solve import readable

RTOL = 1e-6
OPTIONS = {"mip_rel_gap": 0.0, "time_limit": 30.0, "price_envelope": False}
SIZE = {"n_settlements": 20, "n_projects": 35, "years": range(2026, 2030)}
Tables = tuple[dict[str, Any], dict[str, pd.DataFrame]]


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= RTOL * max(1.0, abs(a), abs(b))


def generated(seed: int) -> Tables:
    return generate_tables(SIZE["n_settlements"], SIZE["n_projects"], seed,
                           years=SIZE["years"])


# -- each rule, set from the instance's data so that it binds -------------------------------

def equalization(tables: Tables, plain: Result) -> dict[str, Any]:
    """A pool of half the regions' fiscal space; the poorest region-year needs a quarter of it."""
    _, t = tables
    ry = t["region_years"]
    pop = ry["region_id"].map(t["settlements"].groupby("region_id")["population"].sum())
    pool = ry.groupby("year")["fiscal_space"].sum() * 0.5
    revenue = ry["own_revenue"] + ry["general_transfer"]
    persons = t["settlements"]["population"].sum()
    average = (revenue.groupby(ry["year"]).transform("sum") + ry["year"].map(pool)) / persons
    theta = ((revenue + 0.25 * ry["year"].map(pool)) / (average * pop)).min()
    assert 0 < theta < 1
    return {"equalization": {"pool": {int(y): float(v) for y, v in pool.items()},
                             "theta": float(theta)}}


def dependency_cap(tables: Tables, plain: Result) -> dict[str, Any]:
    """The year's cap just above the first region's ratio; the second region's own cap just
    below its ratio (its general transfer alone is above it: no targeted transfer)."""
    settings, t = tables
    ry = t["region_years"]
    ratio = (ry["general_transfer"] / (ry["own_revenue"] + ry["general_transfer"])).groupby(
        ry["region_id"]).max()
    first, second = ratio.index[:2]
    t["regions"]["dependency_cap"] = np.where(t["regions"]["region_id"] == second,
                                              max(0.0, ratio[second] - 0.01), np.nan)
    cap = float(np.clip(ratio[first] + 0.01, 0.0, 1.0))
    return {"dependency_cap": dict.fromkeys(settings["years"], cap)}


def _shares(tables: Tables, floors: dict[str, dict], plan: pd.DataFrame) -> pd.DataFrame:
    """Per floor and region: the share ``plan`` serves and the share every project would."""
    settings, t = tables
    instance = instance_from_tables(settings | {"fiscal_rules": {"critical_floors": floors}},
                                    t, source="floor shares")
    p = instance.projects[instance.projects["status"] != "excluded"]
    everything = pd.DataFrame({"project_id": p["project_id"], "share": 1.0,
                               "start_year": p["earliest_start"].fillna(settings["years"][0])
                               .astype(int)})
    gaps = floor_gaps(instance, plan).merge(floor_gaps(instance, everything),
                                            on=["floor", "region_id", "persons"],
                                            suffixes=("", "_all"))
    return gaps.assign(now=gaps["served"] / gaps["persons"],
                       best=gaps["served_all"] / gaps["persons"])


def critical_floors(tables: Tables, plain: Result) -> dict[str, Any]:
    """An elastic floor in every region and a hard rural floor a year earlier in one region,
    each on the standard the plain plan leaves furthest from what its projects could serve;
    each asks for more than the plain plan serves."""
    settings, t = tables
    last = settings["years"][-1]
    standards = t["project_effects"]["standard_id"].unique()
    candidates = {f"common {k}": {"standard": k, "year": last, "level": 0.0, "penalty": 3.0}
                  for k in standards}
    candidates |= {f"hard {k} {r}": {"standard": k, "region": r, "area": "rural",
                                     "year": last - 1, "level": 0.0}
                   for k in standards for r in t["regions"]["region_id"]}
    shares = _shares(tables, candidates, plain.starts)
    shares["gap"] = shares["best"] - shares["now"]
    widest = shares.sort_values("gap", kind="stable").groupby(
        shares["floor"].str.split().str[0]).tail(1).set_index("floor")
    floors = {}
    for name, row in widest.iterrows():
        assert row["gap"] > 0.05, f"{name}: no project can raise it"
        floor = candidates[name]
        key = "every-region" if "penalty" in floor else "hard-rural"  # '-': renamed in LP
        floors[key] = floor | {"level": float(row["now"] + (0.6 if key == "common" else 0.3)
                                              * row["gap"])}
    return {"critical_floors": floors}


def stability(tables: Tables, plain: Result) -> dict[str, Any]:
    """A band of -20% / +30% with an allowance of 5% of a region's even envelope share."""
    settings, t = tables
    envelope = settings["budget"]["envelope"]
    allowance = 0.05 * min(envelope.values()) / len(t["regions"])
    return {"stability": {"max_decrease": 0.2, "max_increase": 0.3,
                          "allowance": round(allowance, 1)}}


def baseline(tables: Tables, plain: Result) -> dict[str, Any]:
    """Approved: every other start of the plain plan a year earlier or later, two projects it
    leaves out, and a start that cannot be kept (a candidate completing after the horizon)."""
    settings, t = tables
    years = settings["years"]
    p = t["projects"].set_index("project_id")

    def keepable(pid: str, year: int) -> bool:
        first, last = p.at[pid, "earliest_start"], p.at[pid, "latest_start"]
        return (year >= (years[0] if pd.isna(first) else first)
                and year <= (years[-1] if pd.isna(last) else last)
                and year + p.at[pid, "duration"] - 1 <= years[-1])

    done = plain.starts[plain.starts["share"] > 0.5]
    approved = {}
    for i, (pid, year) in enumerate(zip(done["project_id"], done["start_year"], strict=True)):
        moved = [y for y in (year + 1, year - 1) if i % 2 and keepable(pid, y)]
        approved[pid] = int(moved[0] if moved else year)
    left = [pid for pid in p.index[(p["status"] == "candidate") & (p["duration"] == 1)]
            if pid not in approved]
    approved |= {pid: years[0] for pid in left[:2]}
    late = p.index[(p["status"] == "candidate") & (p["duration"] > 1)
                   & ~p.index.isin(list(approved))][0]
    approved[late] = years[-1]
    return {"baseline": {"penalty": 2000.0, "starts": approved}}


RULES: dict[str, Callable[[Tables, Result], dict[str, Any]]] = {
    "equalization": equalization, "dependency_cap": dependency_cap,
    "critical_floors": critical_floors, "stability": stability, "baseline": baseline}


@cache
def plain_optimum(seed: int) -> Result:
    """The optimum of the generated instance of ``seed`` without rules."""
    return solve(instance_from_tables(*generated(seed), source="plain"), **OPTIONS)


def with_rules(seed: int, names: list[str]) -> tuple[Instance, Result]:
    """The generated instance of ``seed`` with the named rules, and its plain optimum."""
    plain = plain_optimum(seed)
    tables = generated(seed)
    rules: dict[str, Any] = {}
    for name in names:
        rules |= RULES[name](tables, plain)
    settings, t = tables
    return instance_from_tables(settings | {"fiscal_rules": rules}, t,
                                source=f"seed {seed} with {', '.join(names)}"), plain


CASES = {name: (1, [name]) for name in RULES} | {"all": (2, list(RULES)),
                                                 "all-donor": (1, list(RULES))}
"""Each rule alone, and all five at once (seed 1 has a donor region: general transfer < 0)."""


@pytest.fixture(scope="module")
def solved() -> dict[str, tuple[Instance, Result, Result, Result]]:
    """Every case: instance, its plain optimum, and both backends' optimum (module cache)."""
    out = {}
    for case, (seed, names) in CASES.items():
        instance, plain = with_rules(seed, names)
        out[case] = (instance, plain, solve(instance, **OPTIONS),
                     solve(instance, backend="pyomo", **OPTIONS))
    return out


@pytest.mark.parametrize("case", list(CASES))
def test_backends_agree_with_fiscal_rules(case: str, solved: dict) -> None:
    instance, plain, array, pyomo = solved[case]
    assert array.status == pyomo.status == "optimal", (array.message, pyomo.message)
    assert _close(array.objective, pyomo.objective), (array.objective, pyomo.objective)
    # the Pyomo model's own optimum, not only its plan as the array build scores it
    assert _close(pyomo.metadata["highs_objective"], array.objective)
    assert pyomo.metadata["backend"] == "pyomo"
    for result in (array, pyomo):  # solve() verified them; once more, explicitly
        assert check_plan(instance, result) == []
        assert result.bound <= result.objective + RTOL * max(1.0, abs(result.objective))
    # the rules bind: the optimum moved
    assert not _close(array.objective, plain.objective), "the rules change nothing"


def test_each_rule_binds(solved: dict) -> None:
    """What each rule does to the plain plan, so that agreement above means something."""
    instance, plain, array, _ = solved["equalization"]
    assert array.objective < plain.objective  # the pool adds fiscal space
    floor = build_index(instance).fiscal.eq_floor
    assert (floor > 0).any() and (floor < 0).any()  # a floor row, and a region without one
    instance, plain, array, pyomo = solved["dependency_cap"]
    for result in (array, pyomo):
        after = result.region_years.groupby("region_id")["transfer"].max()
        assert after.iloc[1] == pytest.approx(0.0, abs=1e-6)
        assert after.iloc[0] > 1.0
    instance, plain, array, pyomo = solved["critical_floors"]
    assert any("critical floor" in v for v in check_fiscal(instance, plain)[0])
    assert check_fiscal(instance, pyomo)[1] > 0  # the elastic floor's penalty is paid
    instance, plain, array, _ = solved["stability"]
    assert any("transfer" in v for v in check_fiscal(instance, plain)[0])
    instance, plain, array, pyomo = solved["baseline"]
    approved = instance.settings.fiscal_rules.baseline.starts

    def kept(result: Result) -> int:
        return sum(approved.get(p) == y for p, y in starts(result).items())

    assert kept(array) == kept(pyomo) > kept(plain)


HAND = {  # the hand-solved cases of tests/test_fiscal_rules.py and their funded projects
    "dependency_cap": (lambda: two_projects({"dependency_cap": {2026: 0.4}}), {"P1"}),
    "above_cap_by_law": (lambda: two_projects({"dependency_cap": {2026: 0.3}}), set()),
    "pool_floor": (lambda: pool_instance(0.3), {"PB"}),
    "hard_floor": (lambda: floor_instance(None), {"P2"}),
    "elastic_floor_paid": (lambda: floor_instance(3.0), {"P1"}),
    "hold_harmless": (lambda: band_instance({"max_decrease": 0.5}), {"P2"}),
    "growth_allowance": (lambda: band_instance({"max_increase": 0.5, "allowance": 30.0},
                                               with_p1=False), {"P2"}),
    "floor_no_project_changes": (lambda: small(  # a constant row: Constraint.Feasible
        [{"project_id": "P1"}], settlements={"s1": {}, "s2": {"type": "rural_other"}},
        rules={"critical_floors": {"water": {"standard": "water", "year": 2026,
                                             "level": 0.0}}}), {"P1"}),
    "baseline_kept": (lambda: baseline_instance(100.0), {"P1", "P2"}),
    "baseline_moved": (lambda: baseline_instance(20.0), {"P1", "P2"}),
}


@pytest.mark.parametrize("case", list(HAND))
def test_reference_solves_the_hand_cases(case: str) -> None:
    make, expected = HAND[case]
    instance = make()
    array, pyomo = solve(instance), solve(instance, backend="pyomo")
    assert funded(pyomo) == funded(array) == expected
    assert _close(pyomo.objective, array.objective)
    assert _close(pyomo.metadata["highs_objective"], array.objective)
    if case.startswith("baseline"):
        assert starts(pyomo) == starts(array)


def test_dropping_late_starts_keeps_the_optimum_with_the_rules(solved: dict) -> None:
    """Candidate starts completing after the horizon add nothing, nor to the approved set."""
    instance, _, array, _ = solved["all-donor"]
    handle = hand_over(instance, late_starts=True)
    assert len(handle.model.starts) > sum(map(len, model_data(instance).starts.values()))
    results = handle.solver.solve(handle.model, rel_gap=0.0, time_limit=30.0,
                                  load_solutions=False)
    assert _close(results.incumbent_objective, array.objective)


def test_reference_finds_a_band_the_committed_projects_break() -> None:
    # committed P1 spends 100 in 2026, so 2027 needs >= 50 of transfer; P2 spends only 30
    instance = band_instance({"max_decrease": 0.5})
    projects = instance.projects.copy()
    projects.loc[projects["project_id"] == "P1", "status"] = "committed"
    instance = instance.model_copy(update={"projects": projects})
    for backend in ("highs", "pyomo"):
        result = solve(instance, backend=backend)
        assert result.status == "infeasible" and not result.has_plan, backend


def test_reference_names_the_array_rows_and_columns(solved: dict) -> None:
    """The fiscal rows and columns of both models: same names, and the same index sets where
    the reference does not state more (it keeps every region-year's per-capita floor)."""
    instance = solved["all"][0]
    index = build_index(instance)
    form = build_formulation(index, instance.settings.objective)
    model = build_model(model_data(instance))
    array_rows = set(row_names(index, form))
    array_cols = set(column_names(index, form))

    def names(kind: type, family: str) -> set[str]:
        component = model.component(family)
        assert component is not None and isinstance(component, kind)
        return {readable(family, key) for key in component if component[key].active}

    for family in ("equalization_pool", "dependency_cap", "critical_floor", "hold_harmless",
                   "transfer_growth"):
        rows = names(pyo.Constraint, family)
        assert rows and rows == {r for r in array_rows if r.startswith(f"{family}(")}, family
    floors = names(pyo.Constraint, "equalization_floor")
    assert {r for r in array_rows if r.startswith("equalization_floor(")} < floors
    for family in ("equalization", "floor_slack"):
        cols = names(pyo.Var, family)
        assert cols and cols == {c for c in array_cols if c.startswith(f"{family}(")}, family


def test_rules_off_add_nothing_to_the_reference() -> None:
    settings, tables = generated(3)
    model = build_model(model_data(instance_from_tables(settings, tables)))
    for family in ("equalization", "floor_slack"):
        assert len(model.component(family)) == 0
    for family in ("equalization_pool", "equalization_floor", "dependency_cap",
                   "critical_floor", "hold_harmless", "transfer_growth"):
        assert not any(c.active for c in model.component(family).values()), family


def test_pyomo_export_names_the_fiscal_rows(tmp_path: Path, solved: dict) -> None:
    instance = solved["all"][0]
    folder = write_folder(instance.settings_dict(), instance.tables(), tmp_path / "all")
    out = tmp_path / "ref.lp"
    run = CliRunner().invoke(app, ["export", str(folder), "--out", str(out),
                                   "--backend", "pyomo"])
    assert run.exit_code == 0, run.output
    text = out.read_text()
    for family in ("equalization_pool(", "equalization_floor(", "dependency_cap(",
                   "critical_floor(hard_rural,", "hold_harmless(", "transfer_growth(",
                   "floor_slack(every_region,", "equalization("):
        assert family in text, family
