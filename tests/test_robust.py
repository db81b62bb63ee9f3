"""``objective.robust``: one plan over K draws, compared with the nominal plan by evaluation.

The instance: one region, an envelope of 100 million KZT, three village projects. As given,
the best plan builds A (100, serving 1,300 of the 1,680 persons the target needs); B + C (75,
1,100 persons) is second. In half the draws every capex runs 30% over: A (130) no longer fits
and, kept as a plan, is cut (all 1,680 short), while B + C (97.5) still fit.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from models.folder import write_folder
from optimizer.cli.app import app

RISK = ("name: all late or none\ncapex_overrun:\n"
        "  - draw: common\n    factor: {distribution: choice, values: [1.0, 1.3]}\n")


def three_villages(folder: Path, robust: dict[str, object]) -> Path:
    villages = ["a", "b", "c"]
    settings = {"name": "three", "years": [2026], "targets": {"rural": {2026: 0.7}},
                "budget": {"envelope": {2026: 100.0}},
                "objective": {"access_weight": 0.0, "cost_weight": 0.0, "robust": robust},
                "solver": {"mip_rel_gap": 0.0}}
    tables = {
        "regions": pd.DataFrame({"region_id": ["r"], "name": ["R"], "kind": ["oblast"],
                                 "cofinancing_rate": [0.0]}),
        "region_years": pd.DataFrame({"region_id": ["r"], "year": [2026],
                                      "fiscal_space": [0.0]}),
        "settlements": pd.DataFrame({"settlement_id": villages, "region_id": ["r"] * 3,
                                     "name": villages, "type": ["rural_support"] * 3,
                                     "area": ["rural"] * 3, "population": [1300, 600, 500]}),
        "standards": pd.DataFrame({"standard_id": ["school"], "name": ["School"],
                                   "source": ["-"], "category": ["education"],
                                   "applies_to": ["all"], "min_population": [0]}),
        "coverage": pd.DataFrame({"settlement_id": villages, "standard_id": ["school"] * 3,
                                  "level": [0.0] * 3}),
        "projects": pd.DataFrame({"project_id": ["A", "B", "C"], "name": ["A", "B", "C"],
                                  "settlement_id": villages, "capex": [100.0, 50.0, 25.0],
                                  "opex": [0.0] * 3, "duration": [1] * 3,
                                  "status": ["candidate"] * 3}),
        "project_effects": pd.DataFrame({"project_id": ["A", "B", "C"],
                                         "settlement_id": villages,
                                         "standard_id": ["school"] * 3, "level": [1.0] * 3}),
    }
    written = write_folder(settings, tables, folder)
    (written / "risk.yaml").write_text(RISK)
    return written


@pytest.mark.parametrize("quantile", [None, 0.8])
def test_the_robust_plan_fares_better_on_the_draws_than_the_nominal_plan(
        tmp_path: Path, quantile: float | None) -> None:
    robust = {"draws": 6, "seed": 3, "uncertainty": "risk.yaml"} | (
        {"quantile": quantile} if quantile is not None else {})
    instance = three_villages(tmp_path / "three", robust)
    out = tmp_path / "out"
    run = CliRunner().invoke(app, ["solve", str(instance), "--out", str(out), "--quiet"])
    assert run.exit_code == 0, run.output
    funded = pd.read_csv(out / "projects.csv").query("funded > 0.5")["project_id"]
    assert sorted(funded) == ["B", "C"]
    figures = json.loads((out / "summary.json").read_text())["robust"]
    mine, theirs = figures["robust_plan"], figures["nominal_plan"]
    late = round((theirs["mean_shortfall"] - 380) * 6 / 1300)  # draws where A is cut
    assert 0 < late < 6  # both kinds of draw are among the 6
    assert theirs["mean_shortfall"] == pytest.approx(380 + late * 1300 / 6)
    assert mine["mean_shortfall"] == pytest.approx(580)  # B + C: 1,680 - 1,100 in every draw
    assert theirs["mean_shortfall"] > mine["mean_shortfall"] and theirs["mean_projects_cut"] > 0
    assert theirs["objective_as_given"] == pytest.approx(380)  # A alone is the nominal optimum
    # the model's objective is what evaluating its plan on the draws gives
    key = "mean_objective" if quantile is None else "cvar_objective"
    assert figures["model_objective"] == pytest.approx(mine[key], abs=1e-6)
    assert "the nominal plan" in figures["sentence"]


def test_a_missing_uncertainty_file_is_a_located_error(tmp_path: Path) -> None:
    instance = three_villages(tmp_path / "three", {"draws": 3, "uncertainty": "nope.yaml"})
    run = CliRunner().invoke(app, ["solve", str(instance), "--out", str(tmp_path / "o")])
    assert run.exit_code == 2, run.output
    assert "nope.yaml" in " ".join(run.output.split()) and "Traceback" not in run.output
