"""The robust option: one plan chosen over ``K`` draws, and how it compares with the nominal plan.

``objective.robust`` (``models.settings.RobustSettings``) names an uncertainty file, ``K``, a
seed and, optionally, a quantile. ``solve_robust`` builds the ``K`` drawn instances (the same
draws as ``srsopt montecarlo``'s), their formulations, and the sample-average (or CVaR) model of
``optimizer.formulation.robust``, solved by the engineered path like any model
(``strategy.attack`` with the stacked model's own ``optimizer.solving.stacked`` plans): the
LP relaxation, and from 50,000 columns (the national instance, any ``K``) the Lagrangian
decomposition by region with its crossover; the reported gap is against that proven bound. The
plan it chooses is then scored on the instance as
given like any plan (its money chosen by LP, verified), and both it and the nominal plan (the
instance solved as given) are *evaluated* on the same draws by the Monte Carlo recourse
(``optimizer.analysis.montecarlo``): the comparison does not rely on the robust model's own
objective. ``Result.metadata["robust"]`` holds the figures and the sentence.
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from models.instance import Instance
from models.result import Result
from models.scenario import ScenarioError
from models.settings import RobustSettings
from models.uncertainty import read_uncertainty
from models.uncertainty_draw import Coverage, apply_draw, cover, draw
from optimizer.analysis.evaluate import score
from optimizer.analysis.montecarlo import DrawRecord, MonteCarloBase, record, recourse_instance
from optimizer.api import solve
from optimizer.formulation import build_formulation
from optimizer.formulation.index import build_index
from optimizer.formulation.robust import RobustModel, cvar, robust_model
from optimizer.highs.adapter import HighsOptions
from optimizer.solving.pipeline import solve_options
from optimizer.solving.stacked import stacked_plans
from optimizer.solving.strategy import Attack, Strategy, attack

RECOURSE_GAP = 1e-6
"""MIP gap of each evaluation (the recourse: small, only the plan's projects)."""


def uncertainty_path(instance: Instance, name: str) -> Path:
    """``name`` relative to the instance's folder (or to the folder of its file)."""
    source = Path(instance.source)
    return (source if source.is_dir() else source.parent) / name


def drawn_from(instance: Instance, path: Path, draws: int, seed: int
               ) -> tuple[Coverage, list[Instance]]:
    """Draws ``0..draws-1`` of the uncertainty file ``path`` (with ``seed``) on ``instance``.

    Raises:
        ScenarioError: the uncertainty file is missing or wrong (every problem, located).
    """
    found, problems = read_uncertainty(path)
    coverage = cover(found, instance, problems)
    return coverage, [apply_draw(instance, draw(coverage, seed, k)) for k in range(draws)]


def drawn_instances(instance: Instance, robust: RobustSettings
                    ) -> tuple[Coverage, list[Instance]]:
    """The ``K`` draws of ``robust`` applied to ``instance`` (``drawn_from``)."""
    return drawn_from(instance, uncertainty_path(instance, robust.uncertainty), robust.draws,
                      robust.seed)


def nominal(instance: Instance) -> Instance:
    """The instance without ``objective.robust``: what one draw's model is built from."""
    objective = instance.settings.objective.model_copy(update={"robust": None})
    settings = instance.settings.model_copy(update={"objective": objective})
    return instance.model_copy(update={"settings": settings})


def evaluate_on_draws(base: MonteCarloBase, drawn: list[Instance], options: dict[str, Any]
                      ) -> list[DrawRecord]:
    """The plan of ``base`` in each draw, kept where it fits (``montecarlo``'s recourse)."""
    return [record(base, k, d, solve(recourse_instance(d, base.plan), price_envelope=False,
                                     **options)) for k, d in enumerate(drawn)]


def _figures(records: list[DrawRecord], quantile: float | None) -> dict[str, Any]:
    rows = pd.DataFrame([r.row for r in records])
    short = rows.filter(like="shortfall_").sum(axis=1).to_numpy(float)
    out = {"mean_objective": float(rows["objective"].mean()),
           "mean_shortfall": float(short.mean()), "max_shortfall": float(short.max()),
           "mean_projects_cut": float(rows["projects_cut"].mean()),
           "mean_projects_delayed": float(rows["projects_delayed"].mean())}
    if quantile is not None:
        out["cvar_objective"] = cvar(rows["objective"].to_numpy(float), quantile)[0]
    return out


def _starts(instance: Instance, x: np.ndarray) -> pd.DataFrame:
    index = build_index(instance)
    on = x > 1e-6
    return pd.DataFrame({"project_id": np.asarray(index.project_ids)[index.start_project[on]],
                         "start_year": index.years[0] + index.start_year[on],
                         "share": x[on]})


def solve_stacked(drawn: list[Instance], quantile: float | None, options: HighsOptions,
                  started: float, strategy: Strategy = "engineered"
                  ) -> tuple[RobustModel, Attack]:
    """The stacked model of the ``drawn`` instances and its attack.

    Within ``options.time_limit`` counted from ``started``; ``steps["build_seconds"]``: the
    time to build the model.
    """
    objective = drawn[0].settings.objective
    indexes = [build_index(d) for d in drawn]
    forms = [build_formulation(i, objective) for i in indexes]
    model = robust_model(forms, quantile)
    built = time.perf_counter() - started
    attacked = attack(indexes[0], model.form, options, started, strategy,
                      plans=stacked_plans(indexes, forms, model))
    return model, replace(attacked, steps=attacked.steps | {"build_seconds": built})


def solve_robust(instance: Instance, *, time_limit: float | None = None,
                 mip_rel_gap: float | None = None, threads: int | None = None,
                 node_limit: int | None = None, **_: Any) -> Result:
    """The robust plan of ``instance`` (module docstring), verified, with the comparison.

    Raises:
        ScenarioError: the uncertainty file is missing or wrong.
        VerificationError: the plan breaks a rule of the instance as given.
    """
    robust = instance.settings.objective.robust
    if robust is None:
        raise ValueError("the instance has no objective.robust")
    if instance.settings.objective.mode != "weighted":
        raise ScenarioError("instance.yaml", "objective.robust", "needs objective.mode "
                            f"weighted, not {instance.settings.objective.mode}")
    started = time.perf_counter()
    plain = nominal(instance)
    coverage, drawn = drawn_instances(plain, robust)
    objective = plain.settings.objective
    options = solve_options(plain, time_limit, mip_rel_gap, threads, False, node_limit)
    model, attacked = solve_stacked(drawn, robust.quantile, options, started)
    built = attacked.steps["build_seconds"]
    outcome = attacked.outcome
    if outcome.values is None or outcome.objective is None:
        rows, cols = model.form.shape
        return Result(status=outcome.status, message=(
            f"the robust model ({robust.draws} draws, {rows:,} rows x {cols:,} columns) found "
            f"no plan within {options.time_limit:g} s, its LP relaxation taking "
            f"{attacked.steps.get('lp_seconds', 0.0):.1f} s of them (HiGHS: "
            f"{outcome.model_status}): give it more time (on the national instance about "
            "60 s per draw) or fewer draws"), metadata={
                "robust": {"draws": robust.draws, "status": outcome.status.value}})
    x = np.clip(np.round(outcome.values[:model.n_start], 9), 0.0, 1.0)
    index = build_index(plain)
    result = score(plain, index, build_formulation(index, objective), x,
                   replace(options, mip_rel_gap=0.0), None, "robust plan")
    options_eval = {"threads": 1, "mip_rel_gap": RECOURSE_GAP, "time_limit": time_limit,
                    "node_limit": node_limit}
    mine = MonteCarloBase(plain, coverage, _starts(plain, x))
    best = solve(plain, time_limit=time_limit, mip_rel_gap=mip_rel_gap, threads=threads,
                 node_limit=node_limit, price_envelope=False)
    figures: dict[str, Any] = {
        "draws": robust.draws, "quantile": robust.quantile, "seed": robust.seed,
        "uncertainty": str(uncertainty_path(instance, robust.uncertainty)),
        "model_objective": outcome.objective, "model_bound": outcome.bound,
        "model_gap": outcome.gap, "model_status": outcome.status.value,
        "model_size": {"rows": model.form.shape[0], "columns": model.form.shape[1]},
        "model_steps": _steps(attacked.steps),
        "robust_plan": _figures(evaluate_on_draws(mine, drawn, options_eval), robust.quantile)}
    if best.has_plan:
        theirs = MonteCarloBase(plain, coverage, best.table("starts"))
        figures["nominal_plan"] = _figures(evaluate_on_draws(theirs, drawn, options_eval),
                                           robust.quantile)
        figures["nominal_plan"]["objective_as_given"] = best.objective
    figures["sentence"] = sentence(figures)
    return result.model_copy(update={
        "status": outcome.status, "bound": None, "mip_gap": None,
        "build_seconds": built, "solve_seconds": time.perf_counter() - started - built,
        "message": f"the robust plan over {robust.draws} draws ({figures['sentence']})",
        "metadata": result.metadata | {"robust": figures}})


def _steps(steps: dict[str, Any]) -> dict[str, Any]:
    """The engineered path's seconds and bounds, as plain numbers (summary.json)."""
    return {key: float(value) for key, value in steps.items()
            if isinstance(value, int | float | np.floating) and not isinstance(value, bool)}


def sentence(figures: dict[str, Any]) -> str:
    """How the robust plan trades against the nominal plan, on the same draws, in words."""
    mine = figures["robust_plan"]
    text = (f"on {figures['draws']} draws the robust plan leaves {mine['mean_shortfall']:,.0f} "
            f"persons short on average (worst draw {mine['max_shortfall']:,.0f})")
    theirs = figures.get("nominal_plan")
    if theirs is not None:
        text += (f"; the nominal plan {theirs['mean_shortfall']:,.0f} (worst "
                 f"{theirs['max_shortfall']:,.0f}, {theirs['mean_projects_cut']:.1f} projects "
                 f"cut and {theirs['mean_projects_delayed']:.1f} delayed per draw); mean "
                 f"objective {mine['mean_objective']:,.1f} against "
                 f"{theirs['mean_objective']:,.1f} (lower is better)")
        if "cvar_objective" in mine:
            text += (f"; mean of the worst {1 - figures['quantile']:.0%} of the draws' "
                     f"objectives (CVaR) {mine['cvar_objective']:,.1f} against "
                     f"{theirs['cvar_objective']:,.1f}")
    return text
