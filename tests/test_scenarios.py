"""Scenario files on the tiny instance: each change kind, its effect, and the errors it gives.

The expected plans follow docs/tiny.md; every changed instance is also written out and solved
by the independent brute force, so a change that edits the wrong cell cannot pass.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from reference_bruteforce import brute_force

import optimizer
from models.folder import write_folder
from models.instance import Instance, load_instance
from models.scenario import ScenarioError, load_scenarios, parse_scenario
from models.scenario_apply import apply_scenarios
from models.uncertainty import load_uncertainty

TINY = Path(__file__).resolve().parents[1] / "instances" / "tiny"
HAND_OPTIMUM = -3663.34
"""docs/tiny.md: p2 and p4 start in 2026, p1 and p3 in 2027, p5 in 2028."""


@pytest.fixture(scope="module")
def tiny() -> Instance:
    return load_instance(TINY)


def changed(instance: Instance, *changes: dict[str, Any]) -> tuple[Instance, dict[str, Any]]:
    scenario = parse_scenario({"name": "test", "changes": list(changes)}, "test.yaml")
    return apply_scenarios(instance, [scenario])


def solved(instance: Instance, tmp_path: Path) -> tuple[Any, dict[str, int]]:
    """The engine's result, checked against the brute force of the same changed instance."""
    result = optimizer.solve(instance, mip_rel_gap=0.0, price_envelope=False)
    best, _ = brute_force(write_folder(instance.settings_dict(), instance.tables(),
                                       tmp_path / "changed"))
    if best is None:
        assert result.status == "infeasible"
        return result, {}
    assert result.objective == pytest.approx(best, rel=1e-8, abs=1e-6)
    funded = result.projects[result.projects["funded"] > 0.5]
    return result, dict(zip(funded["project_id"], funded["start_year"].astype(int), strict=True))


def test_envelope_scale_and_set(tiny: Instance, tmp_path: Path) -> None:
    scaled, record = changed(tiny, {"envelope": {"scale": 0.5}})
    assert scaled.settings.budget.envelope == {2026: 50, 2027: 50, 2028: 50}
    assert "300 -> 150" in record["changes"][0]["effect"]
    # 2026 holds p2 (transfer 70) next to p4 (30) only at the full 100
    cut, _ = changed(tiny, {"envelope": {"set": {2026: 90}}})
    assert cut.settings.budget.envelope[2027] == 100
    result, starts = solved(cut, tmp_path)
    assert result.objective > HAND_OPTIMUM
    assert not (starts.get("p2") == 2026 and starts.get("p4") == 2026)


def test_targets(tiny: Instance, tmp_path: Path) -> None:
    # rural 0.75: the same plan; north rural health (DEN 5,000, 2,500 served) misses
    # 0.75 x 5,000 - 2,500 = 1,250 persons instead of 1,000, at weight 2: +500
    higher, _ = changed(tiny, {"targets": {"rural": {2028: 0.75}}})
    assert higher.settings.targets["rural"] == {2028: 0.75}
    assert higher.settings.targets["urban"] == {2028: 0.9}
    result, _ = solved(higher, tmp_path)
    assert result.objective == pytest.approx(HAND_OPTIMUM + 500, abs=1e-6)


def test_objective_weights_and_mode(tiny: Instance, tmp_path: Path) -> None:
    new, _ = changed(tiny, {"objective": {"category_weights": {"health": 1.0},
                                          "cost_weight": 0.0}})
    assert new.settings.objective.category_weights == {"education": 1.0, "health": 1.0}
    assert new.settings.objective.access_weight == 0.03  # not named: kept
    result, _ = solved(new, tmp_path)
    assert result.objective != pytest.approx(HAND_OPTIMUM)
    mode, _ = changed(tiny, {"objective": {"mode": "equity"}})
    assert mode.settings.objective.mode == "equity"


def test_region_rules(tiny: Instance, tmp_path: Path) -> None:
    # south at 30% co-finances at most (10 - opex) / 0.3 < 34 a year: no 40-capex project fits
    strict, _ = changed(tiny, {"region": {"region": "south", "cofinancing_rate": 0.3}})
    _, starts = solved(strict, tmp_path / "a")
    assert {"p3", "p4"}.isdisjoint(starts) and "p5" in starts
    # north capped at half the envelope: p2 needs a transfer of at least 70
    capped, _ = changed(tiny, {"region": {"region": "north", "max_envelope_share": 0.5}})
    _, starts = solved(capped, tmp_path / "b")
    assert "p2" not in starts
    # no fiscal space in the south: the committed p5 cannot be co-financed
    broke, _ = changed(tiny, {"region": {"region": ["south"], "fiscal_space_scale": 0.0}})
    assert (broke.region_years.query("region_id == 'south'")["fiscal_space"] == 0).all()
    result, _ = solved(broke, tmp_path / "c")
    assert result.status == "infeasible"
    richer, _ = changed(tiny, {"region": {"region": "all", "fiscal_space_scale": 2.0}})
    result, _ = solved(richer, tmp_path / "d")
    assert result.objective <= HAND_OPTIMUM + 1e-9


def test_project_locks(tiny: Instance, tmp_path: Path) -> None:
    out, _ = changed(tiny, {"lock": {"project": "p2", "force": "out"}})
    _, starts = solved(out, tmp_path / "a")
    assert "p2" not in starts
    forced, _ = changed(tiny, {"lock": {"project": "p6", "force": "in"}})
    assert forced.projects.set_index("project_id").loc["p6", "status"] == "committed"
    _, starts = solved(forced, tmp_path / "b")
    assert "p6" in starts
    # docs/tiny.md step 4: p1 in 2026 pushes p2 to 2028, -3,383.40
    fixed, _ = changed(tiny, {"lock": {"project": "p1", "start_year": 2026}})
    result, starts = solved(fixed, tmp_path / "c")
    assert starts["p1"] == 2026 and starts["p2"] == 2028
    assert result.objective == pytest.approx(-3383.40, abs=1e-6)


def test_capex_overrun_by_category_and_region(tiny: Instance, tmp_path: Path) -> None:
    new, _ = changed(tiny, {"capex_overrun": {"factor": 2.0, "category": "health",
                                              "region": "north"}})
    capex = new.projects.set_index("project_id")["capex"]
    before = tiny.projects.set_index("project_id")["capex"]
    assert capex["p2"] == 200 and capex["p6"] == 40  # north health projects
    assert (capex.drop(["p2", "p6"]) == before.drop(["p2", "p6"])).all()
    _, starts = solved(new, tmp_path)  # a transfer of 170 > north's cap of 100
    assert "p2" not in starts
    everything, _ = changed(tiny, {"capex_overrun": {"factor": 1.2}})
    assert everything.projects["capex"].to_list() == pytest.approx(
        [1.2 * c for c in tiny.projects["capex"]])


def test_files_compose_in_order(tiny: Instance, tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("name: a\nchanges:\n  - envelope: {set: {2026: 80}}\n")
    (tmp_path / "b.yaml").write_text("name: b\nbase: ../tiny\nchanges:\n"
                                     "  - envelope: {scale: 0.5}\n")
    scenarios = load_scenarios(f"{tmp_path / 'a.yaml'},{tmp_path / 'b.yaml'}")
    new, record = apply_scenarios(tiny, scenarios)
    assert new.settings.budget.envelope == {2026: 40, 2027: 50, 2028: 50}
    assert record["name"] == "a+b"
    assert [c["scenario"] for c in record["changes"]] == ["a", "b"]
    assert scenarios[1].base == tmp_path / "../tiny"


@pytest.mark.parametrize(("change", "expected"), [
    ({"envelope": {"scal": 0.9}}, "unknown key 'scal'; known keys: scale, set"),
    ({"envelope": {"scale": 0.9, "set": {2026: 1}}}, "exactly one of 'scale' or 'set'"),
    ({"region": {"region": "suoth", "cofinancing_rate": 0.3}},
     "region 'suoth' does not exist; did you mean 'south'? (regions are: north, south)"),
    ({"region": {"region": "south", "cofinancing_rate": 1.5}}, "cofinancing_rate"),
    ({"lock": {"project": ["p1", "p9"], "force": "in"}},
     "project 'p9' does not exist (projects are: p1, p2, p3, p4, p5, p6)"),
    ({"lock": {"project": "p1", "force": "maybe"}}, "force"),
    ({"targets": {"rural": {2031: 0.7}}},
     "year 2031 does not exist (planning years are: 2026, 2027, 2028)"),
    ({"targets": {"suburban": {2028: 0.7}}}, "unknown key 'suburban'; known keys: urban, rural"),
    ({"objective": {"category_weights": {"helth": 2}}},
     "category 'helth' does not exist; did you mean 'health'?"),
    ({"capex_overrun": {"factor": 1.2, "region": "east"}}, "region 'east' does not exist"),
    ({"budget": {"scale": 2}}, "kind of change 'budget' does not exist"),
])
def test_bad_change_names_file_change_and_what_exists(tiny: Instance, change: dict[str, Any],
                                                      expected: str, tmp_path: Path) -> None:
    file = tmp_path / "bad.yaml"
    file.write_text(yaml.safe_dump({"name": "bad", "changes": [{"envelope": {"scale": 1.0}},
                                                               change]}))
    with pytest.raises(ScenarioError) as err:
        apply_scenarios(tiny, load_scenarios(str(file)))
    assert re.match(rf"{re.escape(str(file))} line \d+, change 2\b", str(err.value))
    assert expected in str(err.value)


def test_a_changed_instance_is_validated_again(tiny: Instance) -> None:
    assert not tiny.warnings
    broke, _ = changed(tiny, {"region": {"region": "north", "fiscal_space_scale": 0.0}})
    assert any("fiscal_space is 0 in every year" in str(w) for w in broke.warnings)
    assert "test" in broke.source


def test_missing_or_broken_file(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="file does not exist"):
        load_scenarios(str(tmp_path / "nope.yaml"))
    (tmp_path / "x.yaml").write_text("name: x\nchanges: []\n")
    with pytest.raises(ScenarioError, match="top level"):
        load_scenarios(str(tmp_path / "x.yaml"))


def test_the_example_scenarios_apply(tiny: Instance) -> None:
    folder = Path(__file__).resolve().parents[1] / "scenarios"
    example = load_scenarios(str(folder / "tiny-example.yaml"))
    assert example[0].base is not None and example[0].base.resolve() == TINY
    new, record = apply_scenarios(tiny, example)
    assert [c["kind"] for c in record["changes"]] == [
        "envelope", "targets", "objective", "region", "lock", "capex_overrun"]
    result = optimizer.solve(new, mip_rel_gap=0.0, price_envelope=False)
    assert result.has_plan  # verified against the changed instance
    starts = result.projects.set_index("project_id")["start_year"]
    assert starts["p1"] == 2026
    for file in folder.glob("*.yaml"):
        if file.name.startswith("uncertainty"):  # an uncertainty file (docs/montecarlo.md)
            assert load_uncertainty(file).entries
        else:
            assert load_scenarios(str(file))[0].changes
