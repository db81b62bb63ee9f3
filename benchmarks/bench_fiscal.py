"""What each fiscal rule does on the national instance: one solve per rule, then all together.

    python benchmarks/bench_fiscal.py [--time-limit 60]

Each case is the national instance (instances/kz-2026-2030) with one rule of
benchmarks/fiscal_rules_kz.yaml on, then every rule plus a baseline plan (the plain solve's
starts, penalty 1000). Prints one line per case and the rule's own numbers.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from models.instance import Instance, instance_from_tables, load_instance
from models.result import Result
from optimizer.api import solve
from optimizer.check.verify_fiscal import floor_gaps

ROOT = Path(__file__).resolve().parents[1]
RULES = yaml.safe_load((ROOT / "benchmarks" / "fiscal_rules_kz.yaml").read_text())


def with_rules(national: Instance, rules: dict[str, Any]) -> Instance:
    """The national instance with these fiscal rules, validated."""
    return instance_from_tables(national.settings_dict() | {"fiscal_rules": rules},
                                national.tables(), source="kz-2026-2030")


def headline(name: str, result: Result, seconds: float) -> dict[str, Any]:
    """One line of the comparison table."""
    ry, prov = result.region_years, result.provision
    last = prov[prov["year"] == prov["year"].max()]
    totals = ry.groupby("year")[["own_revenue", "general_transfer", "transfer"]].sum()
    dep = ((totals["general_transfer"] + totals["transfer"])
           / (totals.sum(axis=1))).round(4).tolist()
    return {"case": name, "status": result.status.value, "gap": result.mip_gap,
            "objective": round(result.objective, 1),
            "funded": int((result.projects["funded"] > 0.5).sum()),
            "transfer": round(ry["transfer"].sum()), "shortfall_2030": round(
                last["shortfall"].sum()), "dependency_after_by_year": dep,
            "seconds": round(seconds, 1)}


def rule_notes(name: str, result: Result, base: Result, instance: Instance) -> list[str]:
    """The numbers that show what a rule did."""
    ry = result.region_years
    notes = []
    if name in ("equalization", "all"):
        eq = ry.groupby("region_id")["equalization"].sum().sort_values(ascending=False)
        notes.append("equalization received over 2026-2030 (million KZT): "
                     + ", ".join(f"{r} {v:,.0f}" for r, v in eq.head(6).items()))
    if name in ("dependency_cap", "all"):
        at_cap = ry[ry["dependency_after"] >= 0.7 - 1e-6]
        before = base.region_years
        notes.append(f"region-years at the 70% cap: {len(at_cap)}; transfer to turkestan "
                     f"{ry.loc[ry.region_id == 'turkestan', 'transfer'].sum():,.0f} (without "
                     f"rules {before.loc[before.region_id == 'turkestan', 'transfer'].sum():,.0f})")
    if name in ("critical_floors", "all"):
        floors_only = with_rules(instance, {"critical_floors": RULES["critical_floors"]})
        now, before = floor_gaps(instance, result.starts), floor_gaps(floors_only, base.starts)

        def water(gaps: pd.DataFrame) -> float:
            ulytau = gaps[gaps.floor == "water_ulytau"]
            return float(ulytau.served.sum() / ulytau.persons.sum())

        rural_now = now[now.floor == "water_rural"]
        rural_before = before[before.floor == "water_rural"]
        notes.append(f"rural water in ulytau by 2028: {water(now):.3f} (without rules "
                     f"{water(before):.3f}); water_rural persons short "
                     f"{rural_now.short.sum():,.0f} in {int((rural_now.short > 0.5).sum())} "
                     f"regions (without rules {rural_before.short.sum():,.0f} in "
                     f"{int((rural_before.short > 0.5).sum())})")
    if name in ("stability", "all"):
        s = RULES["stability"]
        m = ry.sort_values(["region_id", "year"])
        prev = m.groupby("region_id")["transfer"].shift(1)
        low = (m["transfer"] <= (1 - s["max_decrease"]) * prev - s["allowance"] + 1e-3).sum()
        high = (m["transfer"] >= (1 + s["max_increase"]) * prev + s["allowance"] - 1e-3).sum()
        b = base.region_years.sort_values(["region_id", "year"])
        bprev = b.groupby("region_id")["transfer"].shift(1)
        broken = ((b["transfer"] < (1 - s["max_decrease"]) * bprev - s["allowance"] - 1e-3)
                  | (b["transfer"] > (1 + s["max_increase"]) * bprev + s["allowance"] + 1e-3)
                  ).sum()
        notes.append(f"region-years at the band: {low} at the floor, {high} at the cap "
                     f"(the plan without rules breaks the band in {broken})")
    if name == "all":
        approved = set(zip(base.starts.project_id, base.starts.start_year, strict=True))
        kept = set(zip(result.starts.project_id, result.starts.start_year, strict=True))
        notes.append(f"approved starts kept {len(approved & kept)} of {len(approved)}")
    return notes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--time-limit", type=float, default=60.0)
    args = parser.parse_args()
    national = load_instance(ROOT / "instances" / "kz-2026-2030")
    rows = []
    started = time.perf_counter()
    base = solve(national, time_limit=args.time_limit)
    rows.append(headline("no rules", base, time.perf_counter() - started))
    cases = [(key, {key: RULES[key]}) for key in RULES]
    approved = dict(zip(base.starts.project_id, base.starts.start_year.astype(int),
                        strict=True))
    cases.append(("all", RULES | {"baseline": {"starts": approved, "penalty": 1000.0}}))
    for name, rules in cases:
        instance = with_rules(national, rules)
        started = time.perf_counter()
        result = solve(instance, time_limit=args.time_limit)
        if not result.has_plan:
            print(f"{name}: {result.status.value}: {result.message}", flush=True)
            continue
        rows.append(headline(name, result, time.perf_counter() - started))
        print(rows[-1], flush=True)
        for note in rule_notes(name, result, base, instance):
            print("   ", note, flush=True)
    print(pd.DataFrame(rows).to_string(index=False))


if __name__ == "__main__":
    main()
