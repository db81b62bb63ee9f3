"""Flag the settlements of kz-2026-2030: monotowns, agglomerations, border settlements.

Reads ``instances/sources/kz_designations/`` (sources in its SOURCES.md). The instance's
settlements are synthetic and have no geography, so each public list is mapped onto them by
a stated rule (docs/data.md, section 3b); every rule that is not in a source is labelled
SYNTHETIC there. Deterministic: the border draw uses its own seeded stream.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from models.synthetic_places import split_integer

SOURCE = Path(__file__).resolve().parent / "sources" / "kz_designations"
REGION_OF = {
    "Abai": "abai", "Akmola": "akmola", "Aktobe": "aktobe", "Almaty oblast": "almaty_obl",
    "Atyrau": "atyrau", "East Kazakhstan": "east_kaz", "Zhambyl": "zhambyl",
    "Jetisu": "zhetysu", "West Kazakhstan": "west_kaz", "Karaganda": "karaganda",
    "Kostanay": "kostanay", "Kyzylorda": "kyzylorda", "Mangystau": "mangystau",
    "Pavlodar": "pavlodar", "North Kazakhstan": "north_kaz", "Turkistan": "turkestan",
    "Ulytau": "ulytau",
}
AGGLOMERATION = {  # name in the instance: (core region, region of the member towns/districts)
    "Almaty agglomeration": ("almaty", "almaty_city", "almaty_obl"),
    "Astana agglomeration": ("astana", "astana", "akmola"),
    "Shymkent agglomeration": ("shymkent", "shymkent", "turkestan"),
    "Aktobe agglomeration": ("aktobe", "aktobe", "aktobe"),
    "Karaganda agglomeration": ("karaganda", "karaganda", "karaganda"),
}
N_BORDER_SETTLEMENTS = 1_283
"""Settlements within 50 km of the border (B1, March 2025)."""
VILLAGES_PER_DISTRICT = 36
"""SYNTHETIC: a member district = the region's 36 largest free villages (6,179 villages /
≈ 170 districts, district count general knowledge)."""
BORDER_SEED = 2024


def current_monotowns(path: Path = SOURCE / "monotowns.csv") -> pd.DataFrame:
    """The 20 monotowns used (SYNTHETIC choice: which 20 since 2024 is not public).

    Of the 27: drop the two that a source says exited (Saran, Tekeli), the three no source
    confirms (Kandyagash, Shakhtinsk, Zhezkazgan) and the two only "mentioned in monotown
    context" (Kurchatov, Abai).
    """
    towns = pd.read_csv(path, dtype=str).fillna("")
    status = towns["status_note"]
    keep = ((towns["monotown_status_source"] != "")
            & ~status.str.contains("EXITED|NOT confirmed|mentioned in monotown context"))
    return towns[keep].reset_index(drop=True)


def _towns(settlements: pd.DataFrame, region: str, used: np.ndarray,
           area: str = "urban") -> list[int]:
    """Free settlements of ``area`` in a region other than its centre, largest first."""
    own = settlements[(settlements["region_id"] == region) & (settlements["area"] == area)
                      & ~settlements["settlement_id"].str.endswith("-0001") & ~used]
    return own.sort_values("population", ascending=False, kind="stable").index.tolist()


def flag_monotowns(settlements: pd.DataFrame) -> None:
    """In place: each current monotown names one town of its region (largest free first)."""
    used = np.zeros(len(settlements), dtype=bool)
    settlements["monotown"] = False
    for _, town in current_monotowns().iterrows():
        region = REGION_OF[town["region_2022"]]
        # SYNTHETIC fallback: a region with fewer towns than monotowns (the instance has
        # 90 towns in all) gives the rest to its largest villages
        at = (_towns(settlements, region, used) or _towns(settlements, region, used, "rural"))[0]
        used[at] = True
        settlements.loc[at, ["monotown", "name"]] = [True, town["town"].split(" (")[0]]


def flag_agglomerations(settlements: pd.DataFrame,
                        path: Path = SOURCE / "agglomerations.csv") -> None:
    """In place: the five agglomerations' core city, member towns and districts.

    Member towns by name where a monotown has it, else the largest free towns; each member
    district is the region's VILLAGES_PER_DISTRICT largest free villages (SYNTHETIC).
    """
    settlements["agglomeration"] = ""
    source = pd.read_csv(path, dtype=str).fillna("")
    for _, row in source.iterrows():
        name, core, region = AGGLOMERATION[row["agglomeration"]]
        taken = (settlements["agglomeration"] != "").to_numpy()
        settlements.loc[settlements["settlement_id"] == f"{core}-0001", "agglomeration"] = name
        for town in filter(None, (t.strip().split(" (")[0] for t in
                                  row["member_towns"].split(";"))):
            named = (settlements["region_id"] == region) & (settlements["name"] == town)
            if named.any():  # a monotown that is also a member town (Temirtau)
                settlements.loc[named, "agglomeration"] = name
                continue
            free = [i for i in _towns(settlements, region, taken | settlements["monotown"])
                    if settlements.loc[i, "agglomeration"] == ""]
            if free:
                settlements.loc[free[0], ["agglomeration", "name"]] = [name, town]
        districts = [d.strip() for d in row["member_districts"].split(";") if d.strip()]
        for district in districts:  # a monotown named like its district joins (Khromtau)
            settlements.loc[(settlements["region_id"] == region)
                            & (settlements["name"] == district), "agglomeration"] = name
        villages = settlements[(settlements["region_id"] == region)
                               & (settlements["area"] == "rural")
                               & (settlements["agglomeration"] == "")]
        pick = villages.nlargest(VILLAGES_PER_DISTRICT * len(districts), "population",
                                 keep="first").index
        settlements.loc[pick, "agglomeration"] = name


def border_regions(path: Path = SOURCE / "border_regions.csv") -> list[str]:
    """The oblasts a source or general knowledge marks as bordering a neighbour (14, as B1)."""
    src = pd.read_csv(path, dtype=str).fillna("")
    cols = [c for c in src if c.startswith("borders_")]
    yes = src[cols].apply(lambda col: col.str.startswith("yes")).any(axis=1)
    return [REGION_OF[r] for r in src.loc[yes, "region_2022"]]


def flag_border(settlements: pd.DataFrame) -> None:
    """In place: 1,283 border villages (SYNTHETIC: the instance has no geography).

    Split over the border oblasts by village count and drawn at random within each.
    """
    rng = np.random.default_rng(BORDER_SEED)
    regions = border_regions()
    villages = settlements[(settlements["area"] == "rural")
                           & settlements["region_id"].isin(regions)]
    counts = villages.groupby("region_id", sort=False).size().reindex(regions)
    quota = split_integer(counts.to_numpy(float), N_BORDER_SETTLEMENTS)
    settlements["border"] = False
    for region, k in zip(regions, quota, strict=True):
        pool = villages.index[villages["region_id"] == region].to_numpy()
        settlements.loc[np.sort(rng.choice(pool, size=int(k), replace=False)), "border"] = True


def flag_all(settlements: pd.DataFrame) -> None:
    """In place: monotowns first (they name towns), then agglomerations, then border."""
    flag_monotowns(settlements)
    flag_agglomerations(settlements)
    flag_border(settlements)
