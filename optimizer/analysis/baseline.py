"""A previously approved plan (a results folder) as the baseline of a re-plan.

``srsopt solve --baseline-plan RESULTS_DIR`` reads the plan's ``starts.csv`` (or, failing that,
``projects.csv``) and puts its start years into ``fiscal_rules.baseline``: each approved start
the new plan moves or drops then costs the baseline penalty (docs/fiscal-rules.md).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from models.fiscal import BaselinePlan
from models.instance import Instance


def read_baseline(folder: str | Path) -> dict[str, int]:
    """Approved start year per project: the start with the largest share of each project.

    Raises:
        FileNotFoundError: the folder has neither ``starts.csv`` nor ``projects.csv``.
    """
    folder = Path(folder)
    if (folder / "starts.csv").is_file():
        starts = pd.read_csv(folder / "starts.csv", dtype={"project_id": str})
    elif (folder / "projects.csv").is_file():
        projects = pd.read_csv(folder / "projects.csv", dtype={"project_id": str})
        starts = projects.dropna(subset=["start_year"]).assign(share=projects["funded"])
    else:
        raise FileNotFoundError(f"{folder} holds no starts.csv or projects.csv of a solved plan")
    starts = starts[starts["share"] > 1e-9].sort_values(["project_id", "share"],
                                                        ascending=[True, False])
    first = starts.drop_duplicates("project_id")
    return dict(zip(first["project_id"], first["start_year"].astype(int), strict=True))


def with_baseline(instance: Instance, starts: dict[str, int], penalty: float | None = None
                  ) -> Instance:
    """The instance with ``starts`` as its approved plan (penalty: given, else the instance's)."""
    rules = instance.settings.fiscal_rules
    old = rules.baseline or BaselinePlan()
    plan = BaselinePlan.model_validate({"starts": starts,
                                        "penalty": old.penalty if penalty is None else penalty})
    settings = instance.settings.model_copy(update={
        "fiscal_rules": rules.model_copy(update={"baseline": plan})})
    return instance.model_copy(update={"settings": settings})
