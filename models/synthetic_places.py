"""Synthetic regions, settlements and baseline coverage (the places half of the generator).

Kept apart from projects and money so the real-region builder (``instances/build_kz.py``) can
feed real region totals through the same machinery. Every function is vectorized over
settlements and pairs; the only loops run over regions' bisection steps or over the 13
standards.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from models.catalogue import STANDARDS, applicable_matrix
from models.schema import SETTLEMENT_TYPES

SETTLEMENTS_PER_REGION = 350
"""Synthetic regions hold about this many settlements (KZ oblasts: 200–900 villages)."""
DISTRICT_CENTER_SHARE = 0.024
"""Rural district centres per village (KZ: ~150 of 6,179; the other ~45 are towns)."""
OKRUG_SUPPORT_SHARE = 0.42
"""Okrug centres plus support villages per village (KZ: ~2,000 + 1,173 support, overlapping)."""

_TYPE_EFFECT = np.array([0.9, 0.6, 0.4, 0.3, 0.0, 0.05, -0.3, -0.6])
"""Baseline provision shift per settlement type, in ``SETTLEMENT_TYPES`` order."""
_STANDARD_EFFECT = {
    "school": 0.6, "kindergarten": 0.1, "phc": 0.4, "polyclinic": 0.0, "hospital": 0.0,
    "social_center": -0.5, "culture_house": 0.0, "library": 0.2, "sport_facility": -0.3,
    "water": 0.7, "gas": -0.3, "sewerage": -0.5, "road": -0.4,
}
_NETWORK_STANDARDS = ("water", "gas", "sewerage", "road")
"""Standards measured as a share (partial levels common); facilities are near binary."""
_URBAN = np.isin(np.array(SETTLEMENT_TYPES), ["city_republican", "city_regional", "town_district"])


@dataclass(frozen=True)
class Pairs:
    """Applicable (settlement, standard) pairs with their baseline provision, as flat arrays."""

    settlement: np.ndarray
    """Row position of the settlement in the settlements table."""
    standard: np.ndarray
    """Row position of the standard in the standards table."""
    level: np.ndarray
    """Baseline provision ``c0`` in [0, 1], rounded to 0.01."""
    lookup: np.ndarray
    """Dense (settlements × standards) pair position, -1 where the pair does not apply."""


def split_integer(weights: np.ndarray, total: int, minimum: int = 0) -> np.ndarray:
    """Split ``total`` into integers proportional to ``weights`` (largest remainder)."""
    w = np.asarray(weights, dtype=float)
    rest = int(total) - minimum * len(w)
    if rest < 0:
        raise ValueError(f"cannot give {len(w)} parts at least {minimum} out of {total}")
    share = w / w.sum() * rest if w.sum() > 0 else np.full(len(w), rest / max(len(w), 1))
    out = np.floor(share).astype(np.int64)
    order = np.argsort(-(share - out), kind="stable")
    out[order[: rest - int(out.sum())]] += 1
    return out + minimum


def split_by_group(weights: np.ndarray, groups: np.ndarray, totals: np.ndarray) -> np.ndarray:
    """Scale ``weights`` within each group to integers summing exactly to ``totals[group]``."""
    totals = np.asarray(totals, dtype=np.int64)
    gsum = np.bincount(groups, weights, minlength=len(totals))
    share = weights / gsum[groups] * totals[groups]
    floor = np.floor(share)
    left = totals - np.bincount(groups, floor, minlength=len(totals)).astype(np.int64)
    order = np.lexsort((-(share - floor), groups))
    start = np.searchsorted(groups[order], np.arange(len(totals)))
    rank = np.arange(len(order)) - start[groups[order]]
    add = np.zeros(len(weights), dtype=np.int64)
    add[order] = rank < left[groups[order]]
    return floor.astype(np.int64) + add


def _rank_in_group(score: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """0-based rank of each item within its group, highest score first."""
    order = np.lexsort((-score, groups))
    start = np.searchsorted(groups[order], groups[order], side="left")
    rank = np.empty(len(score), dtype=np.int64)
    rank[order] = np.arange(len(order)) - start
    return rank


def synthetic_regions(n_settlements: int, rng: np.random.Generator) -> pd.DataFrame:
    """Regions ``r01``.. with settlement counts summing to ``n_settlements``.

    With 8 or more regions the first is a city of republican significance (one settlement).
    """
    n_regions = min(n_settlements, max(2, n_settlements // SETTLEMENTS_PER_REGION))
    width = max(2, len(str(n_regions)))
    ids = pd.Series(np.arange(1, n_regions + 1)).astype(str).str.zfill(width)
    is_city = np.zeros(n_regions, dtype=bool)
    is_city[0] = n_regions >= 8
    counts = np.ones(n_regions, dtype=np.int64)
    oblast = ~is_city
    counts[oblast] = split_integer(rng.gamma(4.0, size=int(oblast.sum())),
                                   n_settlements - int(is_city.sum()), minimum=1)
    n_urban = np.minimum(counts, np.maximum(1, np.rint(counts * 0.015))).astype(np.int64)
    sigma = np.ones(n_regions)
    if n_regions >= 5:
        sigma[rng.choice(n_regions, size=max(1, round(0.1 * n_regions)), replace=False)] = 0.25
    return pd.DataFrame({
        "region_id": "r" + ids,
        "name": "Synthetic region " + ids,
        "kind": np.where(is_city, "city", "oblast"),
        "cofinancing_rate": np.round(rng.uniform(0.05, 0.2, n_regions), 2),
        "max_envelope_share": sigma,
        "n_city_regional": np.where(is_city, 0, 1),
        "n_town": np.where(is_city, 0, n_urban - 1),
        "n_village": np.where(is_city, 0, counts - n_urban),
    })


def make_settlements(regions: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Settlements of every region, typed and populated, sorted by region then size.

    ``regions`` needs ``region_id, name, kind, n_city_regional, n_town, n_village``; with
    ``population_urban`` and ``population_rural`` the populations sum exactly to them. Optional:
    ``short_name`` prefixes settlement names, ``border`` (bool) lets 8% of the region's villages
    be border settlements, ``agglomeration`` (str) tags the region's largest settlement.
    """
    n_reg = len(regions)
    is_city = (regions["kind"] == "city").to_numpy()
    n_rep = is_city.astype(np.int64)
    n_cr = regions["n_city_regional"].to_numpy(np.int64)
    n_tw = regions["n_town"].to_numpy(np.int64)
    n_vi = regions["n_village"].to_numpy(np.int64)
    region = np.concatenate([np.repeat(np.arange(n_reg), n) for n in (n_rep, n_cr, n_tw, n_vi)])
    cls = np.repeat(np.arange(4), [n_rep.sum(), n_cr.sum(), n_tw.sum(), n_vi.sum()])
    n = len(region)
    weight = np.choose(cls, [
        rng.lognormal(np.log(1.2e6), 0.3, n).clip(3e5, 3e6),
        rng.lognormal(np.log(1.5e5), 0.6, n).clip(3e4, 1.2e6),
        rng.lognormal(np.log(1.8e4), 0.6, n).clip(5e3, 1.2e5),
        rng.lognormal(np.log(600.0), 1.0, n).clip(20, 2e4),
    ])
    urban = cls < 3
    if {"population_urban", "population_rural"} <= set(regions.columns):
        group = region * 2 + (~urban)
        floor = np.where(urban, 5000, 20)
        totals = np.stack([regions["population_urban"], regions["population_rural"]], axis=1)
        rest = totals.astype(np.int64).ravel() - np.bincount(group, floor, minlength=2 * n_reg)
        population = floor + split_by_group(weight, group, rest.astype(np.int64))
    else:
        population = np.rint(weight).astype(np.int64)
    # village types by size rank within the region (with noise): centres are the larger ones
    type_code = np.choose(cls, [0, 1, 2, 6])
    vil = np.flatnonzero(~urban)
    rank = _rank_in_group(np.log(population[vil]) + rng.normal(0, 0.5, len(vil)), region[vil])
    nv = n_vi[region[vil]]
    n_dc = np.where(nv >= 10, np.maximum(1, np.rint(nv * DISTRICT_CENTER_SHARE)), nv >= 3)
    u = rng.random(len(vil))
    type_code[vil] = np.select(
        [rank < n_dc, rank < n_dc + np.rint(nv * OKRUG_SUPPORT_SHARE), u < 0.66],
        [3, np.where(u < 0.76, 4, 5), 6], 7)
    order = np.lexsort((-population, type_code, region))
    region, type_code, population, cls = (a[order] for a in (region, type_code, population, cls))
    number = _rank_in_group(-np.arange(n, dtype=float), region) + 1
    rid = regions["region_id"].to_numpy(str)[region]
    short = (regions["short_name"] if "short_name" in regions else regions["name"].str.replace(
        r" Region$| \(.*\)$", "", regex=True)).to_numpy(str)
    label = np.array(["", "city", "town", "village"])[cls]
    numbered = pd.Series(number).astype(str).str.zfill(4)
    names = pd.Series(short[region]) + " " + label + " " + numbered
    names = names.where(cls != 0, pd.Series(short[region]))
    is_rural = type_code >= 3
    border_region = (regions["border"].to_numpy(bool) if "border" in regions
                     else np.ones(n_reg, dtype=bool))
    border = is_rural & border_region[region] & (rng.random(n) < 0.08)
    monotown = ((cls == 2) | ((cls == 1) & (number > 1))) & (rng.random(n) < 0.3)
    aggl = np.full(n, "", dtype=object)
    if "agglomeration" in regions:
        first = number == 1
        aggl[first] = regions["agglomeration"].fillna("").to_numpy(str)[region[first]]
    return pd.DataFrame({
        "settlement_id": pd.Series(rid) + "-" + numbered,
        "region_id": rid,
        "name": names,
        "type": np.array(SETTLEMENT_TYPES)[type_code],
        "area": np.where(is_rural, "rural", "urban"),
        "population": population.astype(np.int64),
        "monotown": monotown,
        "border": border,
        "agglomeration": aggl,
    })


def _curve(z: np.ndarray, steep: np.ndarray) -> np.ndarray:
    """Map a latent score to a provision level: steep (near 0/1) for village facilities."""
    return np.clip(0.5 + z * np.where(steep, 0.8, 1.0 / 3.0), 0.0, 1.0)


def make_coverage(
    settlements: pd.DataFrame,
    rng: np.random.Generator,
    *,
    region_ids: pd.Series,
    provision: np.ndarray | None = None,
) -> Pairs:
    """Baseline provision of every applicable pair, better in larger and urban settlements.

    With ``provision`` (one share per region, NaN for none) each region's level is shifted by
    bisection so that ``sum pop*c0 / sum pop`` over its applicable pairs meets the share;
    without it each region gets a random shift.
    """
    types = settlements["type"].to_numpy(str)
    pop = settlements["population"].to_numpy(float)
    app = applicable_matrix(types, pop)
    s_idx, k_idx = np.nonzero(app)
    lookup = np.full(app.shape, -1, dtype=np.int64)
    lookup[s_idx, k_idx] = np.arange(len(s_idx))
    type_code = pd.Categorical(types, categories=list(SETTLEMENT_TYPES)).codes
    region = pd.Categorical(settlements["region_id"], categories=list(region_ids)).codes
    std_eff = STANDARDS["standard_id"].map(_STANDARD_EFFECT).to_numpy(float)
    network = STANDARDS["standard_id"].isin(_NETWORK_STANDARDS).to_numpy()
    quality = rng.normal(0.0, 0.4, len(settlements))
    z = (_TYPE_EFFECT[type_code[s_idx]] + std_eff[k_idx] + quality[s_idx]
         + 0.25 * np.log10(np.maximum(pop[s_idx], 1.0) / 1000.0)
         + rng.normal(0.0, 0.9, len(s_idx)))
    steep = ~network[k_idx] & ~_URBAN[type_code[s_idx]]
    n_reg = len(region_ids)
    shift = rng.normal(0.0, 0.35, n_reg)
    if provision is not None:
        target = np.asarray(provision, dtype=float)
        weight, r = pop[s_idx], region[s_idx]
        den = np.bincount(r, weight, minlength=n_reg)
        lo, hi = np.full(n_reg, -10.0), np.full(n_reg, 10.0)
        for _ in range(60):
            mid = (lo + hi) / 2
            val = np.bincount(r, weight * _curve(z + mid[r], steep), minlength=n_reg)
            low = val < target * den
            lo, hi = np.where(low, mid, lo), np.where(low, hi, mid)
        shift = np.where(np.isnan(target), shift, (lo + hi) / 2)
    level = np.round(_curve(z + shift[region[s_idx]], steep), 2)
    return Pairs(settlement=s_idx, standard=k_idx, level=level, lookup=lookup)


def provision_by_region(settlements: pd.DataFrame, pairs: Pairs) -> pd.Series:
    """Population-weighted baseline provision per region: sum pop*c0 / sum pop over pairs."""
    pop = settlements["population"].to_numpy(float)[pairs.settlement]
    region = settlements["region_id"].to_numpy(str)[pairs.settlement]
    frame = pd.DataFrame({"region_id": region, "num": pop * pairs.level, "den": pop})
    sums = frame.groupby("region_id", sort=False)[["num", "den"]].sum()
    return sums["num"] / sums["den"]


def national_provision(settlements: pd.DataFrame, coverage: pd.DataFrame) -> pd.Series:
    """Population-weighted baseline provision by area and overall: sum pop*c0 / sum pop."""
    cov = coverage.merge(settlements[["settlement_id", "area", "population"]], on="settlement_id")
    cov["num"] = cov["population"] * cov["level"]
    by_area = cov.groupby("area")[["num", "population"]].sum()
    out = by_area["num"] / by_area["population"]
    out["total"] = cov["num"].sum() / cov["population"].sum()
    return out
