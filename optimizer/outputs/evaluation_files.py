"""A scored plan on disk: its result tables, the comparison, or the rules it breaks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from models.safe_output import OutputTarget, write_output
from optimizer.analysis.evaluate import Evaluation, differences
from optimizer.outputs.results_io import fill_results


def _json(value: dict[str, Any]) -> str:
    """``value`` as indented JSON; NaN, infinities and numpy numbers made plain (pandas)."""
    text = pd.Series([value]).to_json(orient="records", double_precision=15)
    plain = json.loads(text or "[null]")[0]
    return json.dumps(plain, indent=2, ensure_ascii=False) + "\n"


def evaluation_record(evaluation: Evaluation, plan: str) -> dict[str, Any]:
    """What ``evaluation.json`` holds: the verdict, the plan's file and the comparison."""
    return {"status": "feasible" if evaluation.feasible else "breaks_rules", "plan": plan,
            "breaks": len(evaluation.breaks), "comparison": evaluation.comparison}


def write_evaluation(evaluation: Evaluation, plan: str, out: str | Path | OutputTarget
                     ) -> list[Path]:
    """The evaluation as the folder ``out``; the paths written.

    A feasible plan: the result files of a solve (``summary.json`` and the CSV tables),
    ``evaluation.json`` and ``differences.csv`` (projects the best plan funds otherwise). A plan
    that breaks rules: ``violations.csv`` (one located break per row) and ``evaluation.json``.
    """
    names: list[str] = ["evaluation.json"]

    def fill(folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "evaluation.json").write_text(_json(evaluation_record(evaluation, plan)),
                                                encoding="utf-8")
        if not evaluation.feasible or evaluation.result is None:
            evaluation.breaks.to_csv(folder / "violations.csv", index=False)
            names.append("violations.csv")
            return
        fill_results(evaluation.result, folder)
        names.extend(["summary.json", *(f"{t}.csv" for t in evaluation.result.tables())])
        if evaluation.best is not None and evaluation.best.has_plan:
            differences(evaluation.result, evaluation.best).to_csv(
                folder / "differences.csv", index=False)
            names.append("differences.csv")

    folder = write_output(out, "evaluation", fill)
    return [folder / name for name in names]
