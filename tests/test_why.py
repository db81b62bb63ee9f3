"""Why a project is left out, which limits bind, why envelope is unused: each case by hand.

Small instances of ``fiscal_builders.small`` (one year, access weight 1, no targets: a
project's value is the persons it serves) and the tiny instance (docs/tiny.md, docs/why.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from fiscal_builders import small
from typer.testing import CliRunner

import optimizer
from models.instance import Instance
from models.scenario import load_scenarios
from models.scenario_apply import apply_scenarios
from optimizer.analysis.sweep import sweep
from optimizer.analysis.whatif import with_scenario
from optimizer.cli.app import app
from optimizer.outputs.sweep_files import mark_missing, write_curve
from optimizer.outputs.why_text import unused_envelope_reasons

TINY = Path(__file__).resolve().parents[1] / "instances" / "tiny"


def _reasons(result: Any) -> dict[str, tuple[str, str]]:
    p = result.projects
    return {pid: (r, d) for pid, r, d in zip(p["project_id"], p["reason"], p["reason_detail"],
                                             strict=True)}


def _tiny(tmp_path: Path, changes: str) -> tuple[Instance, dict[str, Any]]:
    """The tiny instance with a scenario of ``changes`` (YAML list items) applied."""
    path = tmp_path / "scenario.yaml"
    path.write_text(f"name: test\nchanges:\n{changes}", encoding="utf-8")
    return apply_scenarios(optimizer.load(TINY), load_scenarios(str(path)))


def _costed(instance: Instance, weight: float = 0.01) -> Instance:
    """``instance`` with a cost weight on republican money (``small`` has none)."""
    settings = instance.settings
    objective = settings.objective.model_copy(update={"cost_weight": weight})
    return instance.model_copy(update={"settings": settings.model_copy(
        update={"objective": objective})})


def test_envelope_reason_with_its_price_and_the_capex_cut() -> None:
    """Two regions with fiscal space 5 each (co-financing 10%) and an envelope of 15: 25
    million KZT for projects of 10 each. The plan funds Q (5,000 persons, in r2) and A
    (3,000); B (2,000) and C (1,000) do not fit whole. Around the plan half of B fits, so a
    million of the envelope is worth B's 2,000 / 10 = 200; C's 1,000 / 10 = 100 is half of
    that: C needs 50% lower capex. W (2 years in a 1-year horizon) cannot finish; X is
    excluded.
    """
    instance = small([{"project_id": "Q", "settlement_id": "q"},
                      {"project_id": "A", "settlement_id": "a"},
                      {"project_id": "B", "settlement_id": "b"},
                      {"project_id": "C", "settlement_id": "c"},
                      {"project_id": "W", "settlement_id": "c", "duration": 2},
                      {"project_id": "X", "settlement_id": "c", "status": "excluded"}],
                     regions={"r1": {"fiscal": 5.0}, "r2": {"fiscal": 5.0}},
                     settlements={"q": {"region_id": "r2", "population": 5000},
                                  "a": {"population": 3000}, "b": {"population": 2000},
                                  "c": {"population": 1000}}, envelope=15.0)
    result = optimizer.solve(instance)
    why = _reasons(result)
    assert why["Q"] == why["A"] == ("", "")
    assert why["C"] == ("envelope", "value 100 per million KZT of capex, below the 200 its "
                        "money costs at the plan's prices (the 2026 envelope's marginal value "
                        "is 200); needs 50% lower capex")
    assert why["B"][0] == "envelope" and why["B"][1].endswith("only 50% of it fits beside the "
                                                             "plan")
    assert why["W"] == ("window", "a 2-year project starting no earlier than 2026 cannot "
                        "complete by 2026")
    assert why["X"] == ("excluded", "status excluded in the instance")
    assert result.metadata["steps"]["why_status"] == "optimal"


def test_fiscal_space_reason_names_the_region_and_year() -> None:
    """r1 pays its projects itself (no co-financing duty, fiscal space 15); the envelope of 10
    goes to r2's divisible D, worth 20,000 / 40 = 500 per million, so a transfer to r1 would
    cost 500 per million. r1 funds A1 (3,000 persons) and has 5 left: half of A2 (2,000).
    r1's own million is then worth 200, and A3 (1,000 persons, 100 per million) is left out
    by r1's fiscal space, needing 50% lower capex; D, 25% funded, by the envelope.
    """
    instance = small([{"project_id": "D", "settlement_id": "d", "capex": 40.0,
                       "divisible": True},
                      {"project_id": "A1", "settlement_id": "a1"},
                      {"project_id": "A2", "settlement_id": "a2"},
                      {"project_id": "A3", "settlement_id": "a3"}],
                     regions={"r1": {"alpha": 0.0, "fiscal": 15.0},
                              "r2": {"alpha": 0.0, "fiscal": 0.0}},
                     settlements={"d": {"region_id": "r2", "population": 20000},
                                  "a1": {"population": 3000}, "a2": {"population": 2000},
                                  "a3": {"population": 1000}}, envelope=10.0)
    why = _reasons(optimizer.solve(instance))
    assert why["A3"] == ("fiscal_space", "R1's fiscal space is used up in 2026 (marginal value "
                         "200 per million KZT); needs 50% lower capex")
    assert why["A2"][0] == "fiscal_space"
    assert why["D"][0] == "envelope" and "only 25% of it fits" in why["D"][1]


def test_a_project_too_large_even_alone_gets_the_limit_it_breaks(tmp_path: Path) -> None:
    """Tiny with an envelope of 40 a year: South may take 70% of it, 28, and has fiscal space
    10, so a 40 million KZT project in one year (p3, p4) can never be funded there; North's
    p2 (100 in one year) gets 30 + 40 = 70 at most.
    """
    instance, _ = _tiny(tmp_path, "  - envelope: {set: {2026: 40, 2027: 40, 2028: 40}}\n")
    why = _reasons(optimizer.solve(instance))
    assert why["p3"] == why["p4"] == (
        "envelope_share", "even alone it needs 40.0 million KZT in 2026; South oblast's fiscal "
        "space (10.0 million KZT) and its 70% share of the 2026 envelope (28.0 million KZT) "
        "give 38.0 million KZT")
    assert why["p2"][0] == "envelope" and why["p2"][1].endswith("give 70.0 million KZT")


def test_a_project_that_adds_nothing_has_no_need() -> None:
    """Target 50% rural and no access weight: P1 alone brings s1 to 100%, so P2 on the same
    school gains nothing; a transfer costs 0.01 per million, so the plan leaves it out.
    """
    instance = small([{"project_id": "P1"}, {"project_id": "P2"}],
                     regions={"r1": {"alpha": 0.0, "fiscal": 0.0}}, access_weight=0.0)
    settings = instance.settings.model_copy(update={"targets": {"rural": {2026: 0.5}}})
    instance = _costed(instance.model_copy(update={"settings": settings}))
    why = _reasons(optimizer.solve(instance))
    assert why["P1"] == ("", "")
    assert why["P2"][0] == "no_need"


def test_a_project_a_scenario_forced_out_is_locked(tmp_path: Path) -> None:
    instance, record = _tiny(tmp_path, "  - lock: {project: p3, force: out}\n")
    why = _reasons(with_scenario(optimizer.solve(instance), record))
    assert why["p3"] == ("locked", "forced out by scenario test (change 1)")
    assert why["p6"] == ("excluded", "status excluded in the instance")


def test_binding_on_tiny_is_the_table_of_docs_tiny() -> None:
    """docs/tiny.md section 5: fiscal space binds everywhere, co-financing too in the south
    in 2027 and 2028; south 2026 co-finances 10 of the 8 it must, north 2026 takes 70 of its
    100 share of the envelope."""
    money = optimizer.solve(optimizer.load(TINY)).region_years.set_index(["region_id", "year"])
    assert money["binding"].to_dict() == {
        ("north", 2026): "fiscal_space", ("north", 2027): "fiscal_space",
        ("north", 2028): "fiscal_space", ("south", 2026): "fiscal_space",
        ("south", 2027): "cofinancing;fiscal_space", ("south", 2028): "cofinancing;fiscal_space"}
    assert money.loc[("south", 2026), "slack_cofinancing"] == pytest.approx(2.0)
    assert money.loc[("north", 2026), "slack_envelope_share"] == pytest.approx(30.0)
    assert money["slack_dependency_cap"].isna().all()
    assert money["slack_hold_harmless"].isna().all()


def test_binding_lists_exactly_the_tight_limits_of_a_hand_built_region() -> None:
    """One region, fiscal space 1, envelope 20 of which it may take half (10); its dependency
    cap 37.5% allows (0.375 * 150 - 50) / 0.625 = 10 of transfer; its transfer may fall 50% a
    year. P (11 in 2026) takes 1 of fiscal space and the 10 of transfer it may; P2 (6 in
    2027) takes 1 and 5: exactly half of 2026's 10. Co-financing (5%) is never tight.
    """
    instance = small([{"project_id": "P", "capex": 11.0, "earliest_start": 2026,
                       "latest_start": 2026},
                      {"project_id": "P2", "capex": 6.0, "settlement_id": "s2",
                       "earliest_start": 2027, "latest_start": 2027}],
                     years=(2026, 2027), settlements={"s1": {}, "s2": {}}, envelope=20.0,
                     regions={"r1": {"alpha": 0.05, "fiscal": 1.0, "sigma": 0.5,
                                     "dependency_cap": 0.375}},
                     rules={"stability": {"max_decrease": 0.5}})
    money = optimizer.solve(_costed(instance)).region_years.set_index("year")
    assert money["binding"].to_dict() == {
        2026: "envelope_share;fiscal_space;dependency_cap", 2027: "fiscal_space;hold_harmless"}
    assert money.loc[2026, "slack_cofinancing"] == pytest.approx(1.0 - 0.05 * 11)
    assert money.loc[2027, "slack_envelope_share"] == pytest.approx(5.0)
    assert money.loc[2027, "slack_dependency_cap"] == pytest.approx(5.0)
    assert np.isnan(money.loc[2026, "slack_hold_harmless"])  # no year before the first


def test_unused_envelope_in_words_on_tiny(tmp_path: Path) -> None:
    """docs/tiny.md: 2027 uses 37 of 100 and 2028 29; South co-finances at its limit, and
    North has nothing left it could start (p6 is excluded) while short of its target."""
    result = optimizer.solve(optimizer.load(TINY))
    lines = unused_envelope_reasons(result, optimizer.load(TINY))
    assert lines == [
        "2027: 63 million KZT unused: nothing left to start in 1 region; co-financing limit "
        "binding in South oblast",
        "2028: 71 million KZT unused: nothing left to start in 1 region; co-financing limit "
        "binding in South oblast"]
    cut, _ = _tiny(tmp_path, "  - envelope: {set: {2026: 60, 2027: 60, 2028: 60}}\n")
    first = unused_envelope_reasons(optimizer.solve(cut), cut)[0]
    assert first == ("2026: 30 million KZT unused: targets met in 1 region; projects left too "
                     "large for what is left, or needing envelope of a year where it is used "
                     "up, in North oblast")
    out = CliRunner().invoke(app, ["solve", str(TINY), "--out", str(tmp_path / "r")])
    assert out.exit_code == 0
    text = " ".join(out.output.split())
    assert "2027: 63 million KZT unused: nothing left to start in 1 region;" in text


def test_an_infeasible_sweep_point_stays_with_its_reason(tmp_path: Path) -> None:
    """At 10% of the envelope tiny's committed p5 cannot be funded: the pre-solve check says
    so, and the point stays in sweep.csv with that reason, beside the feasible one; the chart
    marks it at its envelope, 30 million KZT (0.03 billion)."""
    curve = sweep(optimizer.load(TINY), [0.1, 1.0])
    written = write_curve(curve, tmp_path / "sweep")
    points = pd.read_csv(written[0])
    assert list(points["status"]) == ["infeasible", "optimal"]
    assert points.loc[0, "reason"].startswith("committed project p5 in south fits no start "
                                              "year of 2026-2028")
    assert pd.isna(points.loc[1, "reason"])
    assert written[2].name == "sweep.png" and written[2].stat().st_size > 0
    from matplotlib.figure import Figure

    ax = Figure().subplots()
    mark_missing(ax, curve.points[curve.points["status"] == "infeasible"])
    cross = [line for line in ax.get_lines() if line.get_label() == "no plan: infeasible"]
    assert len(cross) == 1 and list(cross[0].get_xdata()) == [pytest.approx(0.03)]
