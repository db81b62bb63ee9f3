"""Spend profiles, alternatives and prerequisites (docs/formulation.md section 12).

Two published capital-budgeting problems pin the formulation with both backends: OR-Library's
seven ``mknap1`` problems need spend that differs from year to year (``project_spend``), and
California Manufacturing needs "at most one of these" (``group``) and "this one only with
that one" (``project_requires``); ``tests/structure_cases.py`` maps them. Then: the verifier
catches a plan that breaks a group, a requirement or a profile; hand-solved timing cases; the
late starts a requirement keeps; evaluation, reasons and the heuristic with the rules.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest
from structure_cases import (
    Knapsack,
    california,
    california_tables,
    mknap_tables,
    read_mknap,
)

from models.instance import Instance, instance_from_tables
from models.result import Result, SolveStatus
from optimizer import solve
from optimizer.analysis.evaluate import evaluate
from optimizer.check.verify import check_plan
from optimizer.formulation import build_formulation
from optimizer.formulation.index import build_index
from optimizer.highs.mip_start import meets_rows
from optimizer.pyomo_ref import hand_over, model_data
from optimizer.solving.heuristic import round_lp
from optimizer.solving.solution import polish

BACKENDS = ("highs", "pyomo")
OPTIONS = {"mip_rel_gap": 0.0, "time_limit": 30.0, "price_envelope": False}
PROBLEMS = read_mknap()


def _instance(tables: tuple[dict, dict[str, pd.DataFrame]], source: str = "test") -> Instance:
    return instance_from_tables(*tables, source=source)


def _funded(result: Result) -> list[str]:
    starts = result.table("starts")
    return sorted(starts.loc[starts["share"] > 0.5, "project_id"])


# --- OR-Library mknap1 ---------------------------------------------------------------------


def test_the_seven_mknap1_problems_are_read() -> None:
    assert [(len(p.profit), len(p.capacity), p.optimum) for p in PROBLEMS] == [
        (6, 10, 3800), (10, 10, 8706.1), (15, 10, 4015), (20, 10, 6120), (28, 10, 12400),
        (39, 5, 10618), (50, 5, 16537)]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("number", range(1, 8))
def test_mknap1_minimum_shortfall_is_ten_times_the_published_gap(number: int,
                                                                 backend: str) -> None:
    """Minimum shortfall = 10 x (sum of profits - published optimum), each of the seven."""
    problem: Knapsack = PROBLEMS[number - 1]
    instance = _instance(mknap_tables(problem), f"mknap1 problem {number}")
    started = time.perf_counter()
    result = solve(instance, backend=backend, **OPTIONS)
    seconds = time.perf_counter() - started
    assert result.status == SolveStatus.OPTIMAL, result.message
    assert result.objective == pytest.approx(problem.shortfall, rel=1e-9, abs=1e-6)
    # the plan is the published selection's value: its profits add up to the optimum
    chosen = [int(p[1:]) - 1 for p in _funded(result)]
    assert sum(problem.profit[j] for j in chosen) == pytest.approx(problem.optimum)
    spend = np.asarray(problem.weight)[:, chosen].sum(axis=1)
    assert (spend <= np.asarray(problem.capacity) + 1e-9).all()
    assert check_plan(instance, result) == []
    assert seconds < 20, f"problem {number} took {seconds:.1f} s with {backend}"


def test_mknap1_spends_each_years_weight_by_profile() -> None:
    """Project j spends r_ij in year i: the funding rows hold the knapsack's rows."""
    problem = PROBLEMS[0]
    instance = _instance(mknap_tables(problem))
    index = build_index(instance)
    form = build_formulation(index, instance.settings.objective)
    rows = form.matrix[form.rows["funding"]][:, : form.layout.n_start].toarray()
    assert np.allclose(-rows, np.asarray(problem.weight))


# --- California Manufacturing ---------------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
def test_california_manufacturing_is_14_with_both_factories(backend: str) -> None:
    case = california()
    npv = {p["name"]: p["npv"] for p in case["projects"]}
    result = solve(_instance(california_tables()), backend=backend, **OPTIONS)
    assert result.status == SolveStatus.OPTIMAL
    assert _funded(result) == ["factory_LA", "factory_SF"]
    assert sum(npv[p] for p in _funded(result)) == case["optimum"]["npv"] == 14
    assert result.objective == pytest.approx(1000.0 * (sum(npv.values()) - 14))


@pytest.mark.parametrize("backend", BACKENDS)
def test_with_money_for_all_the_group_still_allows_one_warehouse(backend: str) -> None:
    """Capital 100: only the group binds. Both factories and the better warehouse (LA, NPV
    6), 20 in all; the 24 of all four would break "at most one warehouse"."""
    result = solve(_instance(california_tables(capital=100)), backend=backend, **OPTIONS)
    assert _funded(result) == ["factory_LA", "factory_SF", "warehouse_LA"]
    assert result.objective == pytest.approx(1000.0 * (24 - 20))


def test_without_the_rules_the_forbidden_15_wins_and_the_verifier_refuses_it() -> None:
    free = solve(_instance(california_tables(rules=False)), **OPTIONS)
    assert _funded(free) == ["factory_SF", "warehouse_LA", "warehouse_SF"]  # NPV 15
    assert free.objective == pytest.approx(1000.0 * (24 - 15))
    broken = check_plan(_instance(california_tables()), free)
    assert any("group 'warehouse' has warehouse_LA, warehouse_SF started" in v for v in broken)
    assert any("warehouse_LA is funded 1.000 by 2026 but requires factory_LA" in v
               for v in broken)
    assert not any("warehouse_SF is funded" in v for v in broken)  # factory_SF is started


def test_an_evaluated_draft_lists_the_group_and_the_requirement_it_breaks() -> None:
    instance = _instance(california_tables())
    draft = pd.DataFrame({"project_id": ["factory_SF", "warehouse_LA", "warehouse_SF"],
                          "start_year": 2026, "share": 1.0})
    evaluation = evaluate(instance, draft, compare_with_best=False)
    assert set(evaluation.breaks["rule"]) == {"alternatives", "prerequisite"}
    assert set(evaluation.breaks["project_id"]) == {"warehouse_SF", "warehouse_LA"}


def test_reasons_name_the_group_and_the_requirement() -> None:
    """Capital 11: both factories and the SF warehouse (NPV 18); the LA warehouse's group is
    taken. Capital 9 with the SF factory locked out: the SF warehouse needs it."""
    taken = solve(_instance(california_tables(capital=11)), **OPTIONS)
    assert _funded(taken) == ["factory_LA", "factory_SF", "warehouse_SF"]
    why = taken.table("projects").set_index("project_id")
    assert why.at["warehouse_LA", "reason"] == "alternative"
    assert "warehouse_SF takes its one start" in why.at["warehouse_LA", "reason_detail"]
    settings, tables = california_tables(capital=9)
    tables["projects"].loc[tables["projects"]["project_id"] == "factory_SF", "status"] = (
        "excluded")
    alone = solve(_instance((settings, tables)), **OPTIONS)
    why = alone.table("projects").set_index("project_id")
    assert why.at["warehouse_SF", "reason"] == "requires"
    assert why.at["warehouse_SF", "reason_detail"] == (
        "requires factory_SF, which the plan does not fund")


# --- the verifier catches a doctored plan ----------------------------------------------------


def _doctored(result: Result, starts: pd.DataFrame) -> Result:
    return result.model_copy(update={"starts": starts})


def test_the_verifier_catches_a_broken_group_requirement_and_profile() -> None:
    instance = _instance(california_tables(capital=20))
    result = solve(instance, **OPTIONS)
    assert check_plan(instance, result) == []
    starts = result.table("starts")
    both = pd.concat([starts, pd.DataFrame({"project_id": ["warehouse_LA", "warehouse_SF"],
                                            "start_year": 2026, "share": 1.0})])
    both = both.drop_duplicates("project_id")
    assert any("group 'warehouse'" in v for v in check_plan(instance, _doctored(result, both)))
    alone = pd.DataFrame({"project_id": ["warehouse_LA"], "start_year": [2026], "share": [1.0]})
    assert any("requires factory_LA" in v
               for v in check_plan(instance, _doctored(result, alone)))
    # a plan whose money follows even spending breaks the profile's funding rows
    problem = PROBLEMS[0]
    profiled = _instance(mknap_tables(problem))
    settings, tables = mknap_tables(problem)
    even = solve(_instance((settings, {k: v for k, v in tables.items()
                                       if k != "project_spend"})), **OPTIONS)
    broken = check_plan(profiled, even)
    assert any("transfer + co-financing differs from capex spend" in v for v in broken), broken


# --- timing rules, by hand ------------------------------------------------------------------


def _timing_tables(**project_changes: dict) -> tuple[dict, dict[str, pd.DataFrame]]:
    """Road (2 years, capex 20, 10 + 10) and a school needing it, 2026-2028, plenty of money.

    The school (1 year, capex 10) serves 2,000 persons; the road serves nobody. Targets only
    in 2028.
    """
    years = [2026, 2027, 2028]
    settings = {"name": "timing", "years": years, "targets": {"rural": {2028: 1.0}},
                "budget": {"envelope": dict.fromkeys(years, 100.0)},
                "objective": {"access_weight": 0.01, "cost_weight": 0.0}}
    projects = {"road": {"project_id": "road", "settlement_id": "v", "capex": 20.0,
                         "opex": 0.0, "duration": 2},
                "school": {"project_id": "school", "settlement_id": "v", "capex": 10.0,
                           "opex": 0.0, "duration": 1}}
    for pid, change in project_changes.items():
        projects[pid] |= change
    tables = {
        "regions": pd.DataFrame([{"region_id": "r", "name": "R", "kind": "oblast",
                                  "cofinancing_rate": 0.0}]),
        "region_years": pd.DataFrame([{"region_id": "r", "year": t, "fiscal_space": 0.0}
                                      for t in years]),
        "settlements": pd.DataFrame([{"settlement_id": "v", "region_id": "r", "name": "V",
                                      "type": "rural_other", "area": "rural",
                                      "population": 2000}]),
        "standards": pd.DataFrame([{"standard_id": "school", "name": "School",
                                    "category": "education", "applies_to": "all"}]),
        "coverage": pd.DataFrame(columns=["settlement_id", "standard_id", "level"]),
        "projects": pd.DataFrame(list(projects.values())).astype(
            {c: "Int64" for c in ("earliest_start", "latest_start")
             if any(c in p for p in projects.values())}),
        "project_effects": pd.DataFrame([{"project_id": "school", "settlement_id": "v",
                                          "standard_id": "school", "level": 1.0}]),
        "project_requires": pd.DataFrame({"project_id": ["school"], "requires": ["road"]}),
    }
    return settings, tables


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_project_starts_only_once_its_requirement_has(backend: str) -> None:
    """The road may start no earlier than 2027: the school then starts in 2027 or 2028 (not
    2026, which the access term would prefer) and completes in time for the target."""
    result = solve(_instance(_timing_tables(road={"earliest_start": 2027})), backend=backend,
                   **OPTIONS)
    starts = result.table("starts").set_index("project_id")["start_year"]
    assert starts["road"] == 2027 and starts["school"] == 2027  # access: as early as allowed
    assert result.table("projects").set_index("project_id").at["school", "funded"] == 1.0


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_required_project_keeps_its_late_starts(backend: str) -> None:
    """The road can start only in 2028 and cannot complete by then, yet its start lets the
    school (1 year) be built in 2028: a required project keeps the starts after which it
    completes too late (they enable another), so the target is met."""
    tables = _timing_tables(road={"earliest_start": 2028})
    result = solve(_instance(tables), backend=backend, **OPTIONS)
    assert _funded(result) == ["road", "school"]
    assert result.table("provision")["shortfall"].fillna(0).sum() == 0
    if backend == "pyomo":  # and the reference with every late start agrees
        data = model_data(_instance(tables), late_starts=True)
        assert data.starts["road"] == [2028]


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_excluded_requirement_blocks_a_candidate(backend: str) -> None:
    instance = _instance(_timing_tables(road={"status": "excluded"}))
    assert [str(w) for w in instance.warnings if "never" in w.message]
    result = solve(instance, backend=backend, **OPTIONS)
    assert _funded(result) == []
    assert result.table("projects").set_index("project_id").at["school", "reason"] == "requires"


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_divisible_project_follows_its_requirements_share(backend: str) -> None:
    """Divisible both, money for 70% of the road in 2026 (envelope 7 in its first year):
    the school may be funded by 2026 at most what the road is by 2026."""
    settings, tables = _timing_tables(road={"divisible": True, "duration": 1},
                                      school={"divisible": True})
    settings["budget"]["envelope"] = {2026: 17.0, 2027: 0.0, 2028: 0.0}
    result = solve(_instance((settings, tables)), backend=backend, **OPTIONS)
    share = result.table("projects").set_index("project_id")["funded"]
    assert share["school"] <= share["road"] + 1e-9
    assert share["road"] * 20 + share["school"] * 10 == pytest.approx(17.0)
    assert share["school"] == pytest.approx(17.0 / 30.0)


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_spend_profile_moves_money_between_years(backend: str) -> None:
    """Envelopes 5, 20, 10. The road spends 10% and 90% of its 20 in its two years: only a
    2026 start fits (2, then 18), and the school waits for 2028. Spread evenly (10 + 10) the
    road cannot start in 2026, and both start in 2027 (the school a year earlier)."""
    settings, tables = _timing_tables()
    settings["budget"]["envelope"] = {2026: 5.0, 2027: 20.0, 2028: 10.0}
    even = solve(_instance((settings, tables)), backend=backend, **OPTIONS)
    assert even.table("starts").set_index("project_id")["start_year"].to_dict() == {
        "road": 2027, "school": 2027}
    tables["project_spend"] = pd.DataFrame({"project_id": ["road", "road"],
                                            "construction_year": [1, 2], "share": [0.1, 0.9]})
    result = solve(_instance((settings, tables)), backend=backend, **OPTIONS)
    assert result.table("starts").set_index("project_id")["start_year"].to_dict() == {
        "road": 2026, "school": 2028}
    money = result.table("envelope").set_index("year")["transfer"]
    assert money.to_dict() == pytest.approx({2026: 2.0, 2027: 18.0, 2028: 10.0})
    assert result.table("region_years")["capex_spend"].tolist() == pytest.approx(
        [2.0, 18.0, 10.0])


# --- the heuristic and the regions ----------------------------------------------------------


def test_rounding_keeps_groups_and_requirements() -> None:
    """The greedy rounding of the LP respects the structure rows (or gives up), never breaks
    them: on California without money limits it funds both factories and one warehouse."""
    instance = _instance(california_tables(capital=100))
    index = build_index(instance)
    form = build_formulation(index, instance.settings.objective)
    values = round_lp(index, form, None)
    assert values is not None
    full = polish(index, form, values).values
    cols = form.columns
    assert meets_rows(form.matrix, form.row_lower, form.row_upper, cols.lower, cols.upper, full)
    chosen = sorted(index.project_ids[index.start_project[full[: form.layout.n_start] > 0.5]])
    assert chosen in (["factory_LA", "factory_SF", "warehouse_LA"],
                      ["factory_LA", "factory_SF", "warehouse_SF"])


def test_the_pyomo_reference_states_the_structure_rows() -> None:
    handle = hand_over(_instance(california_tables()))
    names = {c.name for c in handle.model.component_objects()}
    assert {"alternatives", "prerequisite"} <= names
    assert len(handle.model.prerequisite) == 2  # two requirements, one year
