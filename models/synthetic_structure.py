"""Synthetic project structure: spend profiles, alternative groups and prerequisites.

Added by ``models.synthetic.generate_tables(..., structure=True)`` (``srsopt generate`` does by
default), after every other draw, so the other tables are the same with or without it. All of
it is SYNTHETIC, shaped by how such projects are planned, not taken from any source:

- **spend profiles**: half the projects built over two or three years (committed ones aside,
  whose fiscal space is sized for even spending) get a typical profile, e.g. 30% / 70% or
  20% / 50% / 30% of the capex by construction year;
- **groups**: the generator's cheap partial alternative (a modular school, a block-module
  water unit) and the full project it stands in for form a group: at most one is started;
- **prerequisites**: half the candidate facilities of a village that hosts a road link
  require that road (started in the same year or earlier), when the road can start in time.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

PROFILES: dict[int, tuple[tuple[float, ...], ...]] = {
    2: ((0.3, 0.7), (0.4, 0.6), (0.6, 0.4)),
    3: ((0.2, 0.5, 0.3), (0.15, 0.35, 0.5), (0.3, 0.4, 0.3)),
}
"""Shares of capex by construction year a profile is drawn from, per duration."""
PROFILE_SHARE = 0.5
REQUIRES_SHARE = 0.5


def _profiles(projects: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """``project_spend`` rows for half the multi-year projects that are not committed."""
    rows: list[pd.DataFrame] = []
    duration = projects["duration"].to_numpy(np.int64)
    draw = rng.random(len(projects))
    pick = rng.integers(0, 3, len(projects))
    for d, options in PROFILES.items():
        chosen = np.flatnonzero((duration == d) & (projects["status"] != "committed").to_numpy()
                                & (draw < PROFILE_SHARE))
        table = np.asarray(options)[pick[chosen]]  # (projects, d)
        rows.append(pd.DataFrame({
            "project_id": np.repeat(projects["project_id"].to_numpy()[chosen], d),
            "construction_year": np.tile(np.arange(1, d + 1), len(chosen)),
            "share": table.reshape(-1),
            "order": np.repeat(chosen, d)}))
    out = pd.concat(rows, ignore_index=True).sort_values(["order", "construction_year"],
                                                         kind="stable")
    return out.drop(columns="order").reset_index(drop=True)


def _requirements(projects: pd.DataFrame, years: list[int], rng: np.random.Generator
                  ) -> pd.DataFrame:
    """Candidate facilities of a village that hosts a road link, requiring that road."""
    roads = projects[(projects["kind"] == "network") & (projects["standard_id"] == "road")
                     & (projects["status"] != "excluded")].drop_duplicates("settlement_id")
    road_of = roads.set_index("settlement_id")
    lo = projects["earliest_start"].fillna(years[0]).astype(int).clip(lower=years[0])
    hi = projects["latest_start"].fillna(years[-1]).astype(int).clip(upper=years[-1])
    road = projects["settlement_id"].map(road_of["project_id"])
    road_lo = road.map(pd.Series(lo.to_numpy(), index=projects["project_id"]))
    ok = (road.notna() & (projects["kind"] == "single") & (projects["standard_id"] != "road")
          & (projects["status"] == "candidate") & (road_lo <= hi)).to_numpy(bool)
    ok = ok & (rng.random(len(projects)) < REQUIRES_SHARE)
    return pd.DataFrame({"project_id": projects["project_id"].to_numpy()[ok],
                         "requires": road.to_numpy()[ok]})


def add_structure(projects: pd.DataFrame, years: list[int], rng: np.random.Generator
                  ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """``projects`` with ``group``, and the ``project_spend`` and ``project_requires`` tables.

    ``projects`` carries the generator's helper columns ``kind``, ``standard_id`` and
    ``rival`` and its statuses and windows.
    """
    rival = projects["rival"].astype(str)
    group = np.where(rival != "", "alt-" + rival, "")
    stood_in = projects["project_id"].isin(rival[rival != ""])
    group = np.where(stood_in, "alt-" + projects["project_id"].astype(str), group)
    return (projects.assign(group=group), _profiles(projects, rng),
            _requirements(projects, years, rng))
