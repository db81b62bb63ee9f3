"""Build ``instances/kz-2026-2030``: Kazakhstan's 20 real regions, synthetic places and projects.

Run from the repository root: ``python instances/build_kz.py``. The output is deterministic
(fixed seed). Real inputs are read from ``instances/sources/regions_kz.csv`` (sources in
``regions_kz_sources.md``); every derived figure and assumption is a named constant below and
is explained in ``docs/data.md``. Money in million KZT, population in persons.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from instances.kz_designations import flag_all  # noqa: E402
from models.folder import SETTINGS_FILE, write_folder  # noqa: E402
from models.schema import TABLES  # noqa: E402
from models.synthetic import generate_tables, national_provision  # noqa: E402
from models.synthetic_growth import add_growth  # noqa: E402
from models.synthetic_places import split_integer  # noqa: E402

logger = logging.getLogger("build_kz")

SOURCES = ROOT / "instances" / "sources" / "regions_kz.csv"
OUTPUT = ROOT / "instances" / "kz-2026-2030"
SEED = 2026
YEARS = range(2026, 2031)
N_PROJECTS = 15_000
N_GROWTH = 40
"""SYNTHETIC growth projects G0001.. (models/synthetic_growth.py), shaped by the published ones."""
"""Candidate projects: the real pipeline is tens of thousands; this keeps the default solve fast."""

# --- settlements (real counts, 1 Jan 2025, vcentre.kz) ---
N_VILLAGES = 6_179
N_CITY_REGIONAL = 39
N_TOWN_DISTRICT = 48
"""Of the 90 cities, 3 are of republican significance (one settlement each, own region)."""
POPULATION_FALLBACK = {
    "akmola": (788_435.5, 334_911.0),
    "pavlodar": (748_130.5, 214_636.5),
    "zhetysu": (691_013.0, 374_870.0),
}
"""Average-annual 2025 total / rural (BNS table 6576), for regions without a point figure."""
AGGLOMERATION = {"astana": "astana", "almaty_city": "almaty", "shymkent": "shymkent",
                 "aktobe": "aktobe", "karaganda": "karaganda"}
INTERIOR = {"akmola", "karaganda", "ulytau", "astana", "almaty_city", "shymkent"}
"""Regions without an international border (general geography); the rest are border oblasts."""

# --- baseline SRS provision ---
UNKNOWN_PROVISION = (0.60, 0.66)
"""ASSUMPTION: oblasts without a published value get 60–66%, by rank of GRP per capita
(poorer lower), so Abai (56.3%) and Ulytau (59.0%) stay the lowest."""

# --- money ---
SUBVENTION_TOTAL_2026 = 5_137_567.833
"""2026 subventions, Mazhilis version (million KZT), zakon.kz 6495148."""
TURKESTAN_2025_11M = 1_031_400.0
"""Turkestan subvention received in Jan–Nov 2025 (million KZT), kaz.inform.kz."""
WITHDRAWAL_2027 = {"atyrau": 237_910.881, "almaty_city": 600_946.982}
"""2027 withdrawals fixed by the 2026–2028 law (million KZT); others held at 2026."""
DEVELOPMENT_PLAN = {2026: 1_700_000.0, 2027: 3_200_000.0, 2028: 4_100_000.0}
"""Regional development envelope (million KZT), First Vice-Minister Amrin via lada.kz."""
SRS_SHARE = 0.18
"""ASSUMPTION: share of the regional development envelope targeted at SRS gaps."""
LOCAL_REVENUE = {2026: 10_700_000.0, 2027: 12_100_000.0, 2028: 13_300_000.0}
"""Forecast local-budget revenues excluding transfers (million KZT), 2026–2028 budget law."""
GROWTH = LOCAL_REVENUE[2028] / LOCAL_REVENUE[2027]
"""ASSUMPTION: 2029–2030 envelope and own revenue grow as local revenues 2027→2028 (≈9.9%)."""
FISCAL_SHARE = 0.0125
"""ASSUMPTION: fiscal space = 1.25% of the regional budget (own revenue + general transfer)."""
SIGMA_CAPPED = {"atyrau": 0.25, "almaty_city": 0.25, "astana": 0.25}
"""ASSUMPTION: the three donor regions may take at most 25% of a year's envelope."""


def _extend(values: dict[int, float]) -> dict[int, float]:
    """Extend a 2026–2028 series to the horizon at ``GROWTH`` a year."""
    out = dict(values)
    for year in YEARS:  # five years
        if year not in out:
            out[year] = out[year - 1] * GROWTH
    return {y: out[y] for y in YEARS}


def load_regions(path: Path = SOURCES) -> pd.DataFrame:
    """Real region figures with the documented fallbacks: population, urban share, transfers."""
    src = pd.read_csv(path)
    for rid, (total, rural) in POPULATION_FALLBACK.items():
        row = src["region_id"] == rid
        src.loc[row, "population_total"] = np.floor(total + 0.5)
        src.loc[row, "population_rural"] = np.floor(rural + 0.5)
    total = src["population_total"].to_numpy(float)
    urban = np.where(src["population_urban"].notna(), src["population_urban"],
                     np.where(src["population_rural"].notna(), total - src["population_rural"],
                              np.floor(total * src["urban_share_pct"] / 100 + 0.5)))
    subvention = src["subvention_bln_kzt"].to_numpy(float) * 1000.0
    missing = np.isnan(subvention)
    rest = SUBVENTION_TOTAL_2026 - np.nansum(subvention)
    turkestan = (src["region_id"] == "turkestan").to_numpy()
    subvention[turkestan] = TURKESTAN_2025_11M * 12 / 11
    others = missing & ~turkestan
    subvention[others] = (rest - subvention[turkestan][0]) * total[others] / total[others].sum()
    grp = src["grp_per_capita_thousand_kzt"].to_numpy(float) * total / 1000.0
    rank = src["grp_per_capita_thousand_kzt"].rank(method="first").to_numpy() - 1
    known = src["srs_provision_pct"].to_numpy(float) / 100.0
    oblast_rank = pd.Series(np.where(np.isnan(known), grp / total, np.nan)).rank().to_numpy()
    lo, hi = UNKNOWN_PROVISION
    imputed = lo + (hi - lo) * (oblast_rank - 1) / max(np.nanmax(oblast_rank) - 1, 1)
    return pd.DataFrame({
        "region_id": src["region_id"],
        "name": src["name_en"],
        "short_name": src["name_en"].str.replace(r" Region$| \(.*\)$", "", regex=True).where(
            src["region_id"] != "almaty_obl", "Almaty Region"),
        "kind": src["kind"],
        "cofinancing_rate": np.round(0.05 + 0.15 * rank / (len(src) - 1), 2),
        "max_envelope_share": src["region_id"].map(SIGMA_CAPPED).fillna(1.0),
        "population_urban": urban.astype(np.int64),
        "population_rural": (total - urban).astype(np.int64),
        "baseline_provision": np.where(np.isnan(known), np.round(imputed, 3), known),
        "provision_published": ~np.isnan(known),
        "border": ~src["region_id"].isin(INTERIOR),
        "agglomeration": src["region_id"].map(AGGLOMERATION).fillna(""),
        "grp": grp,
        "general_transfer": subvention - src["withdrawal_bln_kzt"].to_numpy(float) * 1000.0,
    })


def settlement_counts(regions: pd.DataFrame, src: pd.DataFrame) -> pd.DataFrame:
    """Villages: the known counts, the rest by rural population; towns by urban population."""
    out = regions.copy()
    oblast = (out["kind"] == "oblast").to_numpy()
    known = src["rural_settlements"].to_numpy(float)
    villages = np.where(np.isnan(known), 0, known).astype(np.int64)
    fill = oblast & np.isnan(known)
    villages[fill] = split_integer(out["population_rural"][fill].to_numpy(float),
                                   N_VILLAGES - int(villages.sum()))
    urban = np.where(oblast, out["population_urban"], 0.0)
    regional = np.where(oblast, 1, 0)
    regional[oblast] += split_integer(urban[oblast], N_CITY_REGIONAL - int(oblast.sum()))
    out["n_city_regional"] = regional
    out["n_town"] = 0
    out.loc[oblast, "n_town"] = split_integer(urban[oblast], N_TOWN_DISTRICT)
    out["n_village"] = villages
    return out


def money(regions: pd.DataFrame) -> tuple[dict[int, float], pd.DataFrame]:
    """Envelope (SRS share of the development plan) and region-year budgets and fiscal space."""
    envelope = {y: round(v * SRS_SHARE, 1) for y, v in _extend(DEVELOPMENT_PLAN).items()}
    revenue = _extend(LOCAL_REVENUE)
    share = regions["grp"].to_numpy() / regions["grp"].sum()
    rows = []
    for year in YEARS:  # five years
        general = regions["general_transfer"].to_numpy().copy()
        if year >= 2027:
            for rid, value in WITHDRAWAL_2027.items():
                general[(regions["region_id"] == rid).to_numpy()] = -value
        own = revenue[year] * share
        rows.append(pd.DataFrame({
            "region_id": regions["region_id"], "year": year,
            "fiscal_space": np.round(FISCAL_SHARE * np.maximum(own + general, 0.0), 1),
            "own_revenue": np.round(own, 1), "general_transfer": np.round(general, 1),
        }))
    return envelope, pd.concat(rows, ignore_index=True)


def provision_table(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Per region: population-weighted baseline provision sum(pop*c0)/sum(pop) over pairs."""
    cov = tables["coverage"].merge(tables["settlements"], on="settlement_id")
    cov["num"] = cov["population"] * cov["level"]
    sums = cov.groupby("region_id", sort=False)[["num", "population"]].sum()
    return (sums["num"] / sums["population"]).rename("provision")


def readme(settings: dict[str, Any], tables: dict[str, pd.DataFrame], regions: pd.DataFrame) -> str:
    """The instance folder's README: what it is, what is real and what is synthetic."""
    prov = provision_table(tables)
    nat = national_provision(tables["settlements"], tables["coverage"])
    env = settings["budget"]["envelope"]
    live = tables["projects"]["status"] != "excluded"
    growth = tables["projects"][tables["projects"]["project_id"].str.startswith("G")]
    st = tables["settlements"]
    flags = {"monotown": int(st["monotown"].sum()), "border": int(st["border"].sum()),
             "agglomeration": int((st["agglomeration"] != "").sum())}
    lines = [
        "# kz-2026-2030: Kazakhstan SRS allocation, 2026–2030 (reference instance)", "",
        f"Generated by `python instances/build_kz.py` (seed {SEED}); do not edit by hand: change",
        "the builder and re-run it. Sources, derivations and assumptions are in `docs/data.md`.",
        "Money in million KZT, population in persons.", "",
        "**Real** (2024–2026 figures, `instances/sources/`): the 20 regions with their urban and",
        "rural population (settlement populations sum to them exactly); 2026 general transfers",
        "(subvention − withdrawal, law on transfers 2026–2028; 2027 withdrawals of Atyrau and",
        "Almaty city per the law, others held flat); national counts of villages (6,179) and",
        "cities (3 + 39 + 48); the village counts of 4 regions; the regional development plan",
        "1.7 / 3.2 / 4.1 trn KZT (2026–2028); the published SRS provision of 7 regions (used as",
        "calibration targets); the unit costs behind project capex.", "",
        "**Synthetic**: every settlement (name, population, type), the baseline coverage of each",
        "settlement × standard (calibrated to the regional provision), every candidate project",
        "and its effects. Settlement names such as `Abai village 0012` are placeholders.", "",
        "**Designations** (`instances/sources/kz_designations/`, docs/data.md section 3b): the",
        "20 monotowns (which 20 since 2024 is not public: a labelled choice) name towns of their",
        "regions; the five agglomerations (resolution of 19 June 2023) hold their core city, member",  # noqa: E501
        "towns and 36 villages per member district (SYNTHETIC); 1,283 border villages (the national",  # noqa: E501
        "count within 50 km) are drawn in the 14 border oblasts (SYNTHETIC: no geography).",
        "`regions.grp` = GRP per capita 2024 (BNS) × instance population. Growth projects `G…`",
        "are SYNTHETIC, shaped by the published growth and SEZ projects.", "",
        f"**Assumed**: SRS share of the development envelope ({SRS_SHARE:.0%}); 2029–2030 growth",
        f"(≈{GROWTH - 1:.1%} a year); fiscal space = {FISCAL_SHARE:.2%} of own revenue + general",
        "transfer; own revenue split by GRP; co-financing 5–20% by GRP per capita; donor regions",
        "capped at 25% of a year's envelope; provision 60–66% for regions without a published",
        "value.", "",
        "| | |", "|---|---|",
        f"| settlements | {len(tables['settlements']):,} |",
        f"| standards | {len(tables['standards'])} |",
        f"| coverage rows | {len(tables['coverage']):,} |",
        f"| projects | {len(tables['projects']):,}; capex of non-excluded "
        f"{tables['projects']['capex'][live].sum():,.0f} |",
        f"| effect rows | {len(tables['project_effects']):,} |",
        f"| growth projects (synthetic) | {N_GROWTH}; capex {growth['capex'].sum():,.0f}, "
        f"grp_effect {growth['grp_effect'].sum():,.0f}, revenue_effect "
        f"{growth['revenue_effect'].sum():,.0f} a year |",
        f"| monotowns / border / agglomeration settlements | {flags['monotown']} / "
        f"{flags['border']:,} / {flags['agglomeration']:,} |",
        f"| envelope 2026–2030 | {sum(env.values()):,.0f} |",
        f"| baseline provision (pop-weighted) | national {nat['total']:.1%}, urban "
        f"{nat['urban']:.1%}, rural {nat['rural']:.1%} |", "",
        "Provision of a region = sum(population × c0) / sum(population) over its applicable",
        "(settlement, standard) pairs.", "",
        "| region | baseline provision | published (2025) |", "|---|---|---|",
    ]
    pub = regions.set_index("region_id")
    for rid, value in prov.items():
        shown = (f"{pub.loc[rid, 'baseline_provision']:.1%}" if pub.loc[rid, "provision_published"]
                 else "—")
        lines.append(f"| {rid} | {value:.1%} | {shown} |")
    return "\n".join(lines) + "\n"


def build(output: Path = OUTPUT) -> tuple[dict[str, Any], dict[str, pd.DataFrame]]:
    """Build and write the instance folder and its README."""
    src = pd.read_csv(SOURCES)
    regions = settlement_counts(load_regions(SOURCES), src)
    envelope, region_years = money(regions)
    n = int((regions["kind"] == "city").sum() + regions[["n_city_regional", "n_town",
                                                         "n_village"]].to_numpy().sum())
    settings, tables = generate_tables(
        n, N_PROJECTS, SEED, regions=regions, years=YEARS, envelope=envelope,
        region_years=region_years, name="kz-2026-2030",
        description=(
            "Kazakhstan SRS allocation 2026-2030. REAL: 20 regions, urban/rural population, "
            "2026 general transfers, settlement counts, development envelope 1.7/3.2/4.1 trn "
            f"(SRS share {SRS_SHARE:.0%} ASSUMED), published provision of 7 regions. SYNTHETIC: "
            "settlements, baseline coverage (calibrated), projects. Built by "
            "instances/build_kz.py; see docs/data.md."),
    )
    flag_all(tables["settlements"])
    tables["regions"]["grp"] = tables["regions"]["grp"].round(1)
    add_growth(tables, N_GROWTH, list(YEARS), np.random.default_rng([SEED, 24]))
    for name in ("README.md", SETTINGS_FILE, *(t.file for t in TABLES.values())):
        (output / name).unlink(missing_ok=True)  # this script's own files: srsopt's writer
    write_folder(settings, tables, output)  # replaces only folders it can tell are its own
    (output / "README.md").write_text(readme(settings, tables, regions), encoding="utf-8")
    return settings, tables


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    build()
    logger.info("wrote %s", OUTPUT)
