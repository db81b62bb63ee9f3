"""An elastic model's slacks and causes in the analyst's words: rule, region, year, amount."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from optimizer.check.findings import mkzt
from optimizer.formulation import Formulation
from optimizer.formulation.fiscal import dependency_bound
from optimizer.formulation.index import FloatArray, IndexSets
from optimizer.formulation.projects import operation_terms, spend_terms
from optimizer.formulation.provision import PERSONS_SCALE

MONEY_UNIT = "million KZT"


@dataclass(frozen=True)
class Relaxation:
    """One relaxed row: which rule, where, by how much (in ``unit``), and in words."""

    family: str
    amount: float
    unit: str
    message: str
    region: str | None = None
    year: int | None = None
    project: str | None = None
    floor: str | None = None

    def to_dict(self) -> dict[str, object]:
        """Plain data for JSON output."""
        return asdict(self)


@dataclass(frozen=True)
class Cause:
    """A hard critical floor that forces part of the relaxation, and what it needs."""

    floor: str
    region: str
    year: int
    needs: dict[str, float]
    """Relaxation per family that the floor accounts for (million KZT, or persons)."""
    one_more_year: bool | None
    """The floor a year later needs nothing more; None when its year is the last one or the
    test did not finish in time."""
    message: str

    def to_dict(self) -> dict[str, object]:
        """Plain data for JSON output."""
        return asdict(self)


def _place(index: IndexSets, family: str, row: int) -> tuple[int | None, int | None]:
    """(region, year) positions of a family's row (None where the row has no such index)."""
    n_t = index.n_years
    if family in ("fiscal_space", "cofinancing", "concentration"):
        return row // n_t, row % n_t
    if family in ("envelope", "equalization_pool"):
        return None, row
    if family in ("hold_harmless", "transfer_growth"):
        return row // (n_t - 1), row % (n_t - 1) + 1
    flat = {"equalization_floor": lambda: np.flatnonzero(index.fiscal.eq_floor.reshape(-1) > 0),
            "dependency_cap": lambda: np.flatnonzero(~np.isnan(dependency_bound(index)))}
    if family in flat:
        at = int(flat[family]()[row])
        return at // n_t, at % n_t
    return None, None


def committed_active(index: IndexSets, values: FloatArray, region: int, year: int
                     ) -> list[str]:
    """Committed projects of ``region`` that spend capex or pay opex in ``year`` in the plan."""
    ids: set[str] = set()
    for j, t, _ in (spend_terms(index), operation_terms(index)):
        p = index.start_project[j]
        hit = ((t == year) & (index.project_region[p] == region) & index.committed[p]
               & (values[j] > 1e-6))
        ids |= set(index.project_ids[p[hit]])
    return sorted(ids)


def _text(index: IndexSets, family: str, r: int | None, t: int | None, amount: float,
          region: str | None, year: int | None, values: FloatArray) -> str:
    """The sentence for one relaxed row."""
    money = mkzt(amount)
    if family == "envelope":
        return (f"the {'cumulative ' if index.carryover else ''}envelope "
                f"{'up to ' if index.carryover else 'of '}{year} is short by {money}")
    if family == "equalization_pool":
        return f"the equalization pool of {year} is short by {money}"
    if r is None or t is None or year is None:  # every other family is per region and year
        raise ValueError(family)
    if family == "fiscal_space":
        projects = committed_active(index, values, r, t)
        who = (f"cannot fund committed project{'s' if len(projects) > 1 else ''} "
               f"{', '.join(projects[:5])} in {year}: " if projects else f"in {year}: ")
        return f"Region {region} {who}fiscal space short by {money}"
    if family == "cofinancing":
        return (f"Region {region} cannot co-finance {index.alpha[r]:.0%} of its capex in {year}:"
                f" co-financing short by {money}")
    if family == "concentration":
        return (f"Region {region} needs {money} more than its {index.sigma[r]:.0%} share of the "
                f"{year} envelope")
    if family == "equalization_floor":
        return f"Region {region}'s per-capita revenue floor in {year} is missed by {money}"
    if family == "dependency_cap":
        delta = index.fiscal.dep_cap[r, t]
        return (f"Region {region} needs {mkzt(amount / max(1.0 - delta, 1e-9))} of targeted "
                f"transfer above its {delta:.0%} dependency cap in {year}")
    if family == "hold_harmless":
        return (f"Region {region}'s transfer in {year} must fall more than "
                f"{index.fiscal.max_decrease:.0%} below {year - 1}: by {money} more")
    if family == "transfer_growth":
        return (f"Region {region}'s transfer in {year} must rise more than "
                f"{index.fiscal.max_increase:.0%} above {year - 1}: by {money} more")
    raise ValueError(family)


def describe(index: IndexSets, form: Formulation, values: FloatArray, family: str, row: int,
             amount: float, names: dict[str, str] | None = None) -> Relaxation:
    """One slack of the elastic model as a Relaxation (``values``: the elastic solution)."""
    names = names or {}
    if family == "one_start":
        pid = str(index.project_ids[row])
        region = str(index.region_ids[index.project_region[row]])
        return Relaxation(family, amount, "share of project",
                          f"committed project {pid} in {names.get(region, region)} cannot be "
                          f"started in the horizon ({amount:.0%} of it dropped)", region,
                          project=pid)
    if family == "critical_floor":
        f = index.fiscal
        region = str(index.region_ids[f.floor_region[row]])
        year = int(index.years[f.floor_year[row]])
        persons = amount * PERSONS_SCALE
        std = str(index.standard_ids[f.floor_standard[row]])
        return Relaxation(family, persons, "persons",
                          f"the {std} floor '{f.floor_name[row]}' in {names.get(region, region)} "
                          f"by {year} ({f.floor_level[row]:.0%}) is missed by {persons:,.0f} "
                          "persons: no plan reaches it", region, year, floor=str(
                              f.floor_name[row]))
    r, t = _place(index, family, row)
    region_id = None if r is None else str(index.region_ids[r])
    year_of = None if t is None else int(index.years[t])
    text = _text(index, family, r, t, amount,
                 None if region_id is None else names.get(region_id, region_id), year_of, values)
    return Relaxation(family, amount, MONEY_UNIT, text, region_id, year_of)


_NEED = {"envelope": "{} more envelope", "fiscal_space": "{} more fiscal space",
         "cofinancing": "{} of co-financing waived",
         "concentration": "{} above the region's envelope share",
         "equalization_pool": "{} more equalization pool",
         "equalization_floor": "{} less for the per-capita floors",
         "dependency_cap": "{} of transfer above the dependency cap",
         "hold_harmless": "{} more fall of a transfer", "transfer_growth":
         "{} more rise of a transfer"}
"""How each family's share of a cause reads (money families)."""


def describe_cause(index: IndexSets, floor_row: int, needs: dict[str, float],
                   one_more_year: bool | None, names: dict[str, str] | None = None) -> Cause:
    """A floor's share of the relaxation: "the water floor in Ulytau by 2028 needs ..."."""
    f = index.fiscal
    region = str(index.region_ids[f.floor_region[floor_row]])
    year = int(index.years[f.floor_year[floor_row]])
    std = str(index.standard_ids[f.floor_standard[floor_row]])
    parts = [_NEED[k].format(mkzt(v)) for k, v in sorted(
        needs.items(), key=lambda kv: -kv[1]) if v > 1e-6 and k in _NEED]
    short = needs.get("critical_floor", 0.0) * PERSONS_SCALE
    if parts:
        what = "needs " + " and ".join(parts) + (" or one more year" if one_more_year else "")
        what += f", and still misses {short:,.0f} persons" if short > 0.5 else ""
    else:
        what = (f"is {short:,.0f} persons short whatever the money"
                + ("; one more year would do" if one_more_year else ""))
    message = (f"the {std} floor '{f.floor_name[floor_row]}' in {(names or {}).get(region, region)}"
               f" by {year} ({f.floor_level[floor_row]:.0%}) {what}")
    return Cause(str(f.floor_name[floor_row]), region, year,
                 {k: float(v) for k, v in needs.items() if abs(v) > 1e-9}, one_more_year,
                 message)
