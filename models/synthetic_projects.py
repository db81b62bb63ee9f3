"""Synthetic candidate projects and their effects (the projects half of the generator).

Each project closes (part of) a gap of one settlement × standard; about 12% are network
projects (road link, group water pipeline, gas network, support-village outpatient clinic)
that also raise the same standard in 1–4 neighbouring villages of the region; about 6% are
cheap partial alternatives to another project's full solution. Costs follow
``models.catalogue.UNIT_COSTS``. Everything is array work over the sampled projects.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from models.catalogue import STANDARDS, UNIT_COSTS
from models.synthetic_places import Pairs

NETWORK_SHARE = 0.12
ALTERNATIVE_SHARE = 0.06
URBAN_PACKAGE_POP = 40_000
"""An urban pair is split into one package per this many residents (at most 16)."""
_NETWORK_KINDS = {"road": 0.5, "water": 0.2, "gas": 0.15, "phc": 0.15}
_LABEL = {
    "school": "School", "kindergarten": "Kindergarten", "phc": "PHC point",
    "polyclinic": "Polyclinic", "hospital": "District hospital",
    "social_center": "Social services centre", "culture_house": "House of culture",
    "library": "Library", "sport_facility": "Sports facility", "water": "Water supply",
    "gas": "Gasification", "sewerage": "Sewerage", "road": "Road",
}
_NETWORK_LABEL = {"road": "Road link", "water": "Group water pipeline", "gas": "Gas network",
                  "phc": "Support-village outpatient clinic"}
_PARTIAL_LABEL = {"water": "Block-module water unit", "school": "Modular school",
                  "phc": "Medical point", "road": "Gravel road", "gas": "Gas, first stage",
                  "kindergarten": "Pre-school mini-centre"}


def _top_k(weight: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """Weighted sample of ``k`` positions without replacement (Efraimidis–Spirakis keys).

    When fewer than ``k`` positions exist, the rest are drawn with replacement.
    """
    n = len(weight)
    if k <= 0 or n == 0:
        return np.zeros(0, dtype=np.int64)
    keys = np.log(rng.random(n)) / np.maximum(weight, 1e-12)
    chosen = np.argsort(-keys, kind="stable")[: min(k, n)]
    if k > n:
        extra = rng.choice(n, size=k - n, p=weight / weight.sum())
        chosen = np.concatenate([chosen, extra])
    return chosen


def _costs(
    std: np.ndarray, served: np.ndarray, urban: np.ndarray, base_factor: np.ndarray
) -> np.ndarray:
    """Capex per effect row (million KZT, before noise): base share + per-person rate."""
    uc = UNIT_COSTS.loc[STANDARDS["standard_id"]]
    rate = np.where(urban, uc["per_person_urban"].to_numpy()[std],
                    uc["per_person_rural"].to_numpy()[std])
    return uc["capex_base"].to_numpy()[std] * base_factor + rate * served


class _Neighbours:
    """Villages of a region in a random 'locality' order: a host's next ones are its network."""

    def __init__(self, settlements: pd.DataFrame, rng: np.random.Generator) -> None:
        rural = np.flatnonzero((settlements["area"] == "rural").to_numpy())
        region = pd.factorize(settlements["region_id"])[0]
        self.order = rural[np.lexsort((rng.random(len(rural)), region[rural]))]
        self.position = np.full(len(settlements), -1)
        self.position[self.order] = np.arange(len(self.order))
        grp = region[self.order]
        self.start = np.searchsorted(grp, grp, side="left")
        self.size = np.searchsorted(grp, grp, side="right") - self.start

    def of(self, host: np.ndarray, offset: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The ``offset``-th neighbour of each host (itself at 0) and whether it exists."""
        pos = self.position[host]
        if len(self.order) == 0:
            return host, offset == 0
        p0 = np.maximum(pos, 0)
        start, size = self.start[p0], self.size[p0]
        valid = np.where(pos >= 0, offset < size, offset == 0)
        member = self.order[start + (p0 - start + offset) % size]
        return np.where((pos >= 0) & (offset > 0), member, host), valid


def _target_level(c0: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Provision after a full project: 1.0 or 0.8–1.0, always at least 0.1 above ``c0``."""
    e = np.where(rng.random(len(c0)) < 0.55, 1.0, np.round(rng.uniform(0.8, 1.0, len(c0)), 2))
    return np.maximum(e, np.minimum(1.0, c0 + 0.1))


def make_projects(
    settlements: pd.DataFrame, pairs: Pairs, n_projects: int, rng: np.random.Generator
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Candidate projects (without status and windows) and their effect rows.

    Returns ``projects`` (project_id, name, settlement_id, capex, opex, duration, plus the
    helper columns ``kind`` (``single``, ``alternative`` or ``network``), the host
    ``standard_id`` and ``rival``, the id of the project an alternative stands in for) and
    ``project_effects``.
    """
    pop = settlements["population"].to_numpy(float)
    urban_s = (settlements["area"] == "urban").to_numpy()
    n_net = round(NETWORK_SHARE * n_projects)
    n_alt = round(ALTERNATIVE_SHARE * n_projects)
    n_single = n_projects - n_net - n_alt
    n_alt = min(n_alt, n_single)
    n_single = n_projects - n_net - n_alt

    # single projects: sample gap slots (urban pairs split into packages)
    s, k, c0 = pairs.settlement, pairs.standard, pairs.level
    slots = np.where(urban_s[s], np.clip(np.ceil(pop[s] / URBAN_PACKAGE_POP), 1, 16), 1)
    gap = 1.0 - c0
    ok = np.where(slots > 1, gap >= 0.02, gap >= 0.1)
    if not ok.any():
        ok = gap > 0 if (gap > 0).any() else np.ones(len(gap), dtype=bool)
    cand = np.repeat(np.flatnonzero(ok), slots[ok].astype(np.int64))
    w = np.sqrt(pop[s[cand]] * np.maximum(gap[cand], 0.01) / slots[cand])
    pick = cand[_top_k(w, n_single, rng)]
    ps, pk, pc, pn = s[pick], k[pick], c0[pick], slots[pick]
    e = np.where(pn > 1, np.minimum(1.0, pc + (1 - pc) / pn * rng.uniform(0.7, 1.0, len(pick))),
                 _target_level(pc, rng))
    e = np.maximum(np.round(e, 3), np.minimum(1.0, pc + 0.001))
    single_capex = _costs(pk, pop[ps] * (e - pc), urban_s[ps], np.ones(len(pick)))

    # alternatives: a cheap partial option for some single, small-settlement gaps
    alt_ok = (pn == 1) & np.isin(STANDARDS["standard_id"].to_numpy()[pk], list(_PARTIAL_LABEL))
    alt_w = np.where(alt_ok, 1.0, 1e-6)
    a = _top_k(alt_w, n_alt, rng) if n_alt else np.zeros(0, dtype=np.int64)
    a_e = np.maximum(np.round(pc[a] + 0.6 * (e[a] - pc[a]), 2), np.minimum(1.0, pc[a] + 0.01))

    # network projects: host pair plus neighbouring villages of the same region
    std_ids = STANDARDS["standard_id"].to_numpy()
    kinds = np.array(list(_NETWORK_KINDS))
    net_kind = rng.choice(len(kinds), size=n_net, p=list(_NETWORK_KINDS.values()))
    neighbours = _Neighbours(settlements, rng)
    hub = settlements["type"].isin(["rural_support", "rural_okrug_center",
                                    "district_center"]).to_numpy()
    hosts = np.zeros(n_net, dtype=np.int64)
    for j, kind in enumerate(kinds):  # four kinds only
        need = net_kind == j
        kid = int(np.flatnonzero(std_ids == kind)[0])
        cand_n = np.flatnonzero((k == kid) & ~urban_s[s] & (gap >= 0.1))
        if len(cand_n) == 0:
            cand_n = np.flatnonzero((k == kid) & ~urban_s[s])
        if len(cand_n) == 0:
            cand_n = np.flatnonzero(k == kid)
        if len(cand_n) == 0:  # e.g. no villages at all: any pair hosts it
            cand_n = np.arange(len(k))
        wn = np.sqrt(pop[s[cand_n]]) * np.where(hub[s[cand_n]], 3.0, 1.0)
        hosts[need] = cand_n[_top_k(wn, int(need.sum()), rng)]
    size = rng.integers(2, 6, n_net)
    row_proj = np.repeat(np.arange(n_net), size)
    offset = np.arange(len(row_proj)) - np.repeat(np.cumsum(size) - size, size)
    host_s = s[hosts][row_proj]
    member, valid = neighbours.of(host_s, offset)
    net_std = k[hosts][row_proj]
    pair = pairs.lookup[member, net_std]
    m_c0 = np.where(pair >= 0, c0[np.maximum(pair, 0)], 1.0)
    m_e = np.where(std_ids[net_std] == "road", 1.0, _target_level(m_c0, rng))
    keep = valid & (pair >= 0) & ((offset == 0) | (m_e > m_c0))
    m_e = np.where(offset == 0, np.maximum(m_e, np.minimum(1.0, m_c0 + 0.01)), m_e)
    row_proj, member, net_std, m_c0, m_e, offset = (
        x[keep] for x in (row_proj, member, net_std, m_c0, m_e, offset))
    row_cost = _costs(net_std, pop[member] * (m_e - m_c0), urban_s[member],
                      np.where(offset == 0, 1.0, 0.6))
    net_capex = np.bincount(row_proj, row_cost, minlength=n_net)
    n_members = np.bincount(row_proj, minlength=n_net)

    # assemble
    names = settlements["name"].to_numpy(str)
    uc = UNIT_COSTS.loc[std_ids]
    rate = uc["opex_rate"].to_numpy()
    dur_u, dur_r = uc["duration_urban"].to_numpy(), uc["duration_rural"].to_numpy()
    net_std_host = k[hosts]
    host = np.concatenate([ps, ps[a], s[hosts]])
    std = np.concatenate([pk, pk[a], net_std_host])
    kind_col = np.repeat(["single", "alternative", "network"], [len(ps), len(a), n_net])
    capex = np.concatenate([single_capex, single_capex[a] * rng.uniform(0.3, 0.4, len(a)),
                            net_capex])
    capex = np.maximum(np.round(capex * rng.lognormal(0.0, 0.2, len(capex)), 1), 5.0)
    opex_mult = np.where(kind_col == "alternative", 1.5, 1.0)
    opex = np.round(capex * rate[std] * opex_mult, 2)
    dur = np.where(urban_s[host], dur_u[std], dur_r[std]) + (rng.random(len(host)) < 0.2)
    dur = np.where(kind_col == "alternative", 1, np.where(kind_col == "network", 2 + (
        np.concatenate([np.zeros(len(ps) + len(a)), n_members]) >= 4), dur))
    label = pd.Series(std_ids[std]).map(_LABEL)
    label = label.where(kind_col != "alternative", pd.Series(std_ids[std]).map(_PARTIAL_LABEL))
    label = label.where(kind_col != "network", pd.Series(std_ids[std]).map(_NETWORK_LABEL))
    suffix = pd.Series(np.concatenate([np.zeros(len(ps) + len(a), dtype=np.int64),
                                       n_members - 1])).astype(str)
    name = label + ": " + pd.Series(names[host])
    name = name.where(kind_col != "network", name + " + " + suffix + " settlement(s)")

    # effects: one row per single/alternative project, network rows as built
    proj_of_row = np.concatenate([np.arange(len(ps)), len(ps) + np.arange(len(a)),
                                  len(ps) + len(a) + row_proj])
    eff_s = np.concatenate([ps, ps[a], member])
    eff_k = np.concatenate([pk, pk[a], net_std])
    eff_level = np.concatenate([e, a_e, m_e])

    # order projects by host settlement, then kind and standard; ids follow that order
    p_order = np.lexsort((rng.random(len(host)), std, kind_col, host))
    new_id = np.empty(len(host), dtype=np.int64)
    new_id[p_order] = np.arange(len(host))
    width = max(5, len(str(len(host))))
    pid = "P" + pd.Series(np.arange(1, len(host) + 1)).astype(str).str.zfill(width)
    sid = settlements["settlement_id"].to_numpy(str)
    rival = np.full(len(host), -1, dtype=np.int64)
    rival[len(ps) + np.arange(len(a))] = a  # an alternative stands in for single a[i]
    rival_id = np.where(rival >= 0, pid.to_numpy()[new_id[np.maximum(rival, 0)]], "")
    projects = pd.DataFrame({
        "project_id": pid.to_numpy(),
        "name": name.to_numpy()[p_order],
        "settlement_id": sid[host][p_order],
        "capex": capex[p_order],
        "opex": opex[p_order],
        "duration": np.clip(dur, 1, 3).astype(np.int64)[p_order],
        "kind": kind_col[p_order],
        "standard_id": std_ids[std][p_order],
        "rival": rival_id[p_order],
    })
    e_proj = new_id[proj_of_row]
    e_order = np.lexsort((eff_k, eff_s, e_proj))
    effects = pd.DataFrame({
        "project_id": pid.to_numpy()[e_proj[e_order]],
        "settlement_id": sid[eff_s[e_order]],
        "standard_id": std_ids[eff_k[e_order]],
        "level": np.round(eff_level[e_order], 3),
    })
    return projects, effects
