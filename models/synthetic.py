"""Deterministic synthetic allocation instances, for tests, benchmarks and the KZ builder.

``generate_tables(n_settlements, n_projects, seed)`` returns a settings mapping and the seven
contract tables; ``models.folder.write_folder`` writes them. Everything derives from one
``numpy.random.default_rng(seed)``, so the same arguments give byte-identical CSV files.
Every value is synthetic unless the caller passes real ``regions`` (see
``instances/build_kz.py``); the settings ``description`` says so.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from models.catalogue import STANDARDS, UNIT_COSTS
from models.schema import TABLES
from models.synthetic_growth import add_growth
from models.synthetic_places import (
    Pairs,
    make_coverage,
    make_settlements,
    national_provision,
    provision_by_region,
    split_integer,
    synthetic_regions,
)
from models.synthetic_projects import make_projects
from models.synthetic_structure import add_structure

__all__ = ["STANDARDS", "UNIT_COSTS", "generate_tables", "national_provision"]

logger = logging.getLogger(__name__)

COMMITTED_SHARE = 0.015
EXCLUDED_SHARE = 0.015
DIVISIBLE_SHARE = 0.05
DEFAULT_TARGETS: Mapping[str, float] = {"urban": 0.96, "rural": 0.71}
"""Concept of regional development 2025–2030: urban 96%, rural 71% by the last year."""


def _allocate_counts(regions: pd.DataFrame, n_settlements: int) -> pd.DataFrame:
    """Settlement counts per region from its urban and rural population (when not given)."""
    out = regions.copy()
    city = (out["kind"] == "city").to_numpy()
    urban = out["population_urban"].to_numpy(float)
    n_towns = np.where(city, 0, np.maximum(1, np.rint(urban / 150_000))).astype(np.int64)
    left = n_settlements - int(city.sum()) - int(n_towns.sum())
    out["n_city_regional"] = np.where(city, 0, 1)
    out["n_town"] = n_towns - out["n_city_regional"].to_numpy()
    rural = np.where(city, 0.0, out["population_rural"].to_numpy(float))
    out["n_village"] = split_integer(rural, left) if left > 0 else 0
    return out


def _year_or_missing(years: np.ndarray) -> pd.arrays.IntegerArray:
    """Years as nullable ``Int64``, missing where ``years`` is 0 (no bound drawn)."""
    return pd.arrays.IntegerArray(years.astype(np.int64), ~(years > 0))


def _statuses(projects: pd.DataFrame, years: list[int], rng: np.random.Generator) -> None:
    """Set status, start windows and divisibility in place (committed: cheap, start early)."""
    n, t0, tn = len(projects), years[0], years[-1]
    capex = projects["capex"].to_numpy()
    status = np.full(n, "candidate", dtype=object)
    limit = np.quantile(capex, 0.4) if n else 0.0
    cheap = (projects["kind"].to_numpy() == "single") & (capex <= limit)
    n_com = min(round(COMMITTED_SHARE * n), int(np.sum(cheap)))
    key = rng.random(n)
    committed = np.zeros(n, dtype=bool)
    committed[np.argsort(np.where(cheap, key, 2.0), kind="stable")[:n_com]] = True
    rest = np.flatnonzero(~committed)
    excluded = rest[rng.permutation(len(rest))[: round(EXCLUDED_SHARE * n)]]
    status[committed] = "committed"
    status[excluded] = "excluded"
    earliest = np.where(rng.random(n) < 0.12, t0 + rng.integers(1, 3, n), 0)
    earliest = np.where(earliest > tn, 0, earliest)
    has_latest = (rng.random(n) < 0.08) & (tn - t0 >= 2)
    latest = np.maximum(np.maximum(earliest, t0) + rng.integers(1, 3, n), t0 + 1)
    latest = np.where(has_latest & (latest <= tn - 1), latest, 0)
    earliest = np.where(committed, t0, earliest)
    latest = np.where(committed, min(t0 + 1, tn), latest)
    free = np.flatnonzero(status == "candidate")
    prefer = np.where(projects["standard_id"].isin(["road", "water", "gas"]).to_numpy()[free],
                      3.0, 1.0)
    keys = np.log(rng.random(len(free))) / prefer
    divisible = np.zeros(n, dtype=bool)
    divisible[free[np.argsort(-keys, kind="stable")[: round(DIVISIBLE_SHARE * n)]]] = True
    projects["earliest_start"] = _year_or_missing(earliest)
    projects["latest_start"] = _year_or_missing(latest)
    projects["status"] = status
    projects["divisible"] = divisible


def _committed_need(projects: pd.DataFrame, region_of: np.ndarray, n_regions: int,
                    years: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """Per region and year, committed spend and new opex if each starts at its earliest year."""
    is_com = (projects["status"] == "committed").to_numpy()
    com, r = projects[is_com], region_of[is_com]
    start = com["earliest_start"].fillna(years[0]).to_numpy(np.int64) - years[0]
    dur = com["duration"].to_numpy(np.int64)
    t = np.arange(len(years))[None, :]
    building = (t >= start[:, None]) & (t < (start + dur)[:, None])
    operating = t >= (start + dur)[:, None]
    spend = np.zeros((n_regions, len(years)))
    opex = np.zeros_like(spend)
    np.add.at(spend, r, building * (com["capex"].to_numpy() / dur)[:, None])
    np.add.at(opex, r, operating * com["opex"].to_numpy()[:, None])
    return spend, opex


def _money(
    projects: pd.DataFrame, region_of: np.ndarray, regions: pd.DataFrame, years: list[int],
    rng: np.random.Generator, envelope: Mapping[int, float] | None,
    region_years: pd.DataFrame | None, funded_share: float,
) -> tuple[dict[int, float], pd.DataFrame]:
    """Envelope and region-year fiscal space, sized to bind yet keep committed projects feasible.

    Without an envelope: ``funded_share`` of candidate capex (less local co-financing) over the
    horizon, growing 6% a year. Without region_years: fiscal space = the region's expected
    co-financing and opex if it drew its capex share of the envelope, times a factor 0.6–2.0
    (so it binds in some regions), at least a tenth of the regional mean. Either way fiscal
    space is raised to cover committed projects' co-financing plus opex (with 10% headroom),
    and their transfers are checked against the envelope and each region's cap.
    """
    alpha = regions["cofinancing_rate"].to_numpy(float)
    live = (projects["status"] != "excluded").to_numpy()
    cap_r = np.bincount(region_of[live], projects["capex"][live], minlength=len(regions))
    opex_r = np.bincount(region_of[live], projects["opex"][live], minlength=len(regions))
    share = cap_r / max(cap_r.sum(), 1e-9)
    a_bar = float(np.sum(share * alpha))
    if envelope is None:
        profile = 1.06 ** np.arange(len(years))
        total = funded_share * cap_r.sum() * (1 - a_bar)
        envelope = dict(zip(years, np.round(total * profile / profile.sum(), 1), strict=True))
    env = np.array([float(envelope[y]) for y in years])
    if region_years is None:
        factor = rng.uniform(0.6, 2.0, len(regions))
        gross = env[None, :] * share[:, None] / (1 - alpha[:, None])
        opex_rate = np.divide(opex_r, cap_r, out=np.zeros(len(regions)), where=cap_r > 0)
        built = np.cumsum(gross, axis=1) - gross
        fiscal = factor[:, None] * (gross * alpha[:, None] + built * opex_rate[:, None])
        fiscal = np.maximum(fiscal, np.maximum(0.1 * fiscal.mean(axis=0), 1.0))
        own = fiscal / rng.uniform(0.01, 0.03, len(regions))[:, None]
        general = own * rng.normal(0.4, 0.5, len(regions))[:, None]
        region_years = pd.DataFrame({
            "region_id": np.repeat(regions["region_id"].to_numpy(), len(years)),
            "year": np.tile(years, len(regions)),
            "fiscal_space": np.round(fiscal, 1).ravel(),
            "own_revenue": np.round(own, 1).ravel(),
            "general_transfer": np.round(general, 1).ravel(),
        })
    region_years = region_years.sort_values(["region_id", "year"], kind="stable")
    index = pd.MultiIndex.from_product([regions["region_id"], years])
    ry = region_years.set_index(["region_id", "year"]).reindex(index)
    for column in ("own_revenue", "general_transfer"):
        if column not in ry:
            ry[column] = np.nan
    if ry["fiscal_space"].isna().any():
        raise ValueError("region_years must hold fiscal_space for every region and year")
    spend, new_opex = _committed_need(projects, region_of, len(regions), years)
    need = alpha[:, None] * spend + new_opex
    fiscal = ry["fiscal_space"].to_numpy(float).reshape(len(regions), len(years))
    low = fiscal < 1.1 * need
    if low.any():
        logger.info("fiscal space raised in %d region-years to fit committed projects",
                    int(low.sum()))
        fiscal = np.where(low, np.ceil(1.1 * need * 10) / 10, fiscal)
    transfer = (1 - alpha[:, None]) * spend
    sigma = regions["max_envelope_share"].to_numpy(float)
    capped = (transfer > sigma[:, None] * env[None, :]).any(axis=1)
    regions.loc[capped, "max_envelope_share"] = 1.0
    if (transfer.sum(axis=0) > env).any():
        raise ValueError(f"committed projects need {transfer.sum(axis=0)} > envelope {env}")
    ry["fiscal_space"] = fiscal.ravel()
    return dict(zip(years, (float(b) for b in env), strict=True)), ry.reset_index(
        names=["region_id", "year"])


def _targets(settlements: pd.DataFrame, coverage: pd.DataFrame, years: list[int],
             final: Mapping[str, float]) -> dict[str, dict[int, float]]:
    """Final-year targets plus a mid-horizon step on the straight line from the baseline."""
    base = national_provision(settlements, coverage)
    mid = years[(len(years) - 1) // 2]
    out: dict[str, dict[int, float]] = {}
    for area, goal in final.items():  # two areas
        steps = {years[-1]: float(goal)}
        b = float(base.get(area, goal))
        if len(years) > 2 and b < goal:
            frac = (mid - years[0] + 1) / len(years)
            steps = {mid: round(b + (goal - b) * frac, 2), **steps}
        out[area] = steps
    return out


def generate_tables(
    n_settlements: int,
    n_projects: int,
    seed: int,
    *,
    regions: pd.DataFrame | None = None,
    years: Iterable[int] = range(2026, 2031),
    envelope: Mapping[int, float] | None = None,
    region_years: pd.DataFrame | None = None,
    funded_share: float = 0.45,
    targets: Mapping[str, float] = DEFAULT_TARGETS,
    name: str = "synthetic",
    description: str | None = None,
    structure: bool = False,
    growth: int = 0,
) -> tuple[dict[str, Any], dict[str, pd.DataFrame]]:
    """Build a complete instance: the settings mapping and the seven contract tables.

    ``regions`` (optional) holds ``region_id, name, kind`` and may add
    ``cofinancing_rate, max_envelope_share`` (else drawn), ``population_urban,
    population_rural`` (settlement populations then sum to them), ``n_city_regional, n_town,
    n_village`` (else allocated from population), ``baseline_provision`` (share per region the
    coverage is calibrated to), ``border`` and ``agglomeration``. ``envelope`` (million KZT per
    year) and ``region_years`` (fiscal_space, own_revenue, general_transfer) override the
    synthetic money rules. ``n_settlements`` and ``n_projects`` are honoured exactly.
    ``structure``: also spend profiles, alternative groups and prerequisites
    (``models.synthetic_structure``), drawn after everything else. ``growth``: that many
    growth projects ``G0001``.. with ``grp_effect`` and ``revenue_effect``, ``regions.grp``
    and agglomerations where the regions give none (``models.synthetic_growth``), drawn from
    their own stream so the rest of the instance is the same as without them.
    """
    years = [int(y) for y in years]
    if n_settlements < 1 or n_projects < 0:
        raise ValueError("need at least one settlement and a non-negative project count")
    rng = np.random.default_rng(seed)
    if regions is None:
        spec = synthetic_regions(n_settlements, rng)
    else:
        spec = regions.reset_index(drop=True).copy()
        if "n_village" not in spec:
            spec = _allocate_counts(spec, n_settlements)
        if "cofinancing_rate" not in spec:
            spec["cofinancing_rate"] = np.round(rng.uniform(0.05, 0.2, len(spec)), 2)
        if "max_envelope_share" not in spec:
            spec["max_envelope_share"] = 1.0
    count = ((spec["kind"] == "city").astype(int) + spec["n_city_regional"] + spec["n_town"]
             + spec["n_village"]).sum()
    if count != n_settlements:
        raise ValueError(f"regions hold {count} settlements, n_settlements is {n_settlements}")

    settlements = make_settlements(spec, rng)
    provision = spec["baseline_provision"].to_numpy(float) if "baseline_provision" in spec else None
    pairs: Pairs = make_coverage(settlements, rng, region_ids=spec["region_id"],
                                 provision=provision)
    std_ids = STANDARDS["standard_id"].to_numpy()
    sid = settlements["settlement_id"].to_numpy()
    coverage = pd.DataFrame({"settlement_id": sid[pairs.settlement],
                             "standard_id": std_ids[pairs.standard], "level": pairs.level})
    projects, effects = make_projects(settlements, pairs, n_projects, rng)
    region_code = pd.Categorical(settlements["region_id"], categories=spec["region_id"]).codes
    project_region = region_code[pd.Index(sid).get_indexer(projects["settlement_id"])]
    _statuses(projects, years, rng)
    env, ry = _money(projects, project_region, spec, years, rng, envelope, region_years,
                     funded_share)

    tables = {
        "regions": spec, "region_years": ry, "settlements": settlements,
        "standards": STANDARDS.copy(), "coverage": coverage, "projects": projects,
        "project_effects": effects,
    }
    if structure:
        tables["projects"], tables["project_spend"], tables["project_requires"] = (
            add_structure(projects, years, rng))
    if growth:
        add_growth(tables, growth, years, np.random.default_rng([seed, 24]))
    tables = {t: tables[t][[c for c in TABLES[t].column_names if c in tables[t]]]
              .reset_index(drop=True) for t in TABLES if t in tables}  # optional columns and
    # tables may be left out
    categories = sorted(STANDARDS["category"].unique())
    settings: dict[str, Any] = {
        "name": name,
        "description": description or (
            f"SYNTHETIC instance (seed {seed}): {n_settlements} settlements, {n_projects} "
            "projects; every figure is generated by models/synthetic.py, none is real data."
            + (" Spend profiles, alternative groups and prerequisites are synthetic too "
               "(models/synthetic_structure.py)." if structure else "")
            + (f" {growth} growth projects, GRP and agglomerations are synthetic too "
               "(models/synthetic_growth.py)." if growth else "")),
        "years": years,
        "targets": _targets(settlements, coverage, years, targets),
        "budget": {"envelope": env, "carryover": False},
        "objective": {"mode": "weighted", "category_weights": dict.fromkeys(categories, 1.0),
                      "access_weight": 0.01, "cost_weight": 0.0},
        "solver": {"time_limit": 60, "mip_rel_gap": 0.001, "threads": None},
    }
    logger.info("generated %d settlements, %d coverage rows, %d projects, %d effect rows; "
                "provision by region min %.2f max %.2f", len(settlements), len(coverage),
                len(projects), len(effects), *provision_by_region(settlements, pairs).agg(
                    ["min", "max"]))
    return settings, tables
