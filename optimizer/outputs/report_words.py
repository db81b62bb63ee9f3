"""The report's first page: the plan in words for a head of department.

What is funded, where the money goes, how much of the envelope it uses, what stays unmet, and
why envelope money stays unused where it does. Every figure comes from the result tables (the
same ones as the workbook's sheets); the sentences from the catalogue (``labels``).
"""

from __future__ import annotations

import pandas as pd

from models.instance import Instance
from models.result import Result
from optimizer.outputs import people_tables as people
from optimizer.outputs.labels import Translate, listed
from optimizer.outputs.results_io import plan_years, target_year
from optimizer.outputs.why_text import unused_envelope_reasons

NAMED = 3
"""Regions named in a sentence such as "most in A, B and C"."""
_UNUSED = 0.5
"""Money below this (million KZT) is rounding, not money left or received."""
_UNUSED_SHARE = 0.001
"""Envelope left in a year below this share of it is what indivisible projects leave over."""


def envelope_reasons(result: Result, instance: Instance | None, lang: str) -> list[str] | None:
    """Why envelope money stays unused, in sentences; ``None`` without the instance."""
    if instance is None:
        return None
    return unused_envelope_reasons(result, instance, lang)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _items(rows: pd.DataFrame, key: str, t: Translate, limit: int | None = NAMED,
           **columns: str) -> str:
    """Rows as a list in a sentence, each written by message ``key`` with its ``columns``.

    At most ``limit`` rows (then "N more"); category and area codes in words.
    """
    shown = people.in_words(rows if limit is None else rows.head(limit), t.lang)
    items = [t(key, **{field: row[column] for field, column in columns.items()})
             for row in shown.to_dict("records")]
    if limit is not None and len(rows) > limit:
        items.append(t("words.more", count=len(rows) - limit))
    return listed(items, t.lang)


def plan_in_words(result: Result, names: people.Names, t: Translate) -> list[str]:
    """The first page's paragraphs: funded, where, how much, what stays unmet."""
    projects = result.table("projects")
    funded = projects[projects["funded"] > people.FUNDED]
    candidates = projects[projects["status"] == "candidate"]
    years = plan_years(result)
    money = people.money_per_year(result)
    regions = people.per_region(result, names)
    out = [
        t("words.status" if result.mip_gap is not None else "words.status_no_gap",
          status=_capital(t(f"status.{result.status.value}")), gap=result.mip_gap),
        t("words.funded", count=len(funded), capex=funded["funded_capex"].sum(),
          first=int(funded["start_year"].min()) if len(funded) else years[0],
          last=int(funded["start_year"].max()) if len(funded) else years[-1])
        + " " + t("words.chosen", chosen=int((candidates["funded"] > people.FUNDED).sum()),
                  candidates=len(candidates),
                  committed=int((funded["status"] == "committed").sum())),
        t("words.money", transfer=money["transfer"].sum(), envelope=money["envelope"].sum(),
          share=money["transfer"].sum() / max(money["envelope"].sum(), 1e-9),
          first=years[0], last=years[-1], cofinancing=money["cofinancing"].sum()),
    ]
    receiving = regions[regions["transfer"] > _UNUSED].sort_values("transfer", ascending=False)
    if not receiving.empty:
        out.append(t("words.where", items=_items(receiving, "words.region_money", t,
                                                 region="region", transfer="transfer")))
    unused = money[money["unused"] > (_UNUSED_SHARE * money["envelope"]).clip(lower=_UNUSED)]
    if not unused.empty:
        out.append(t("words.unused", items=_items(unused, "words.year_money", t, None,
                                                  year="year", money="unused")))
    out += _unmet(result, regions, t)
    left = candidates[candidates["funded"] < 1 - 1e-6]
    if not left.empty:
        capex = (left["capex"] - left["funded_capex"]).sum()
        out.append(t("words.unfunded", count=len(left), capex=capex))
    return out


def _unmet(result: Result, regions: pd.DataFrame, t: Translate) -> list[str]:
    """What stays unmet in the last target year: persons short, where, in which categories."""
    year = target_year(result)
    if year is None:
        return [t("words.no_target")]
    short = regions[regions["shortfall"] > 0.5].sort_values("shortfall", ascending=False)
    if short.empty:
        return [t("words.all_met", year=year)]
    out = [t("words.unmet", year=year, shortfall=short["shortfall"].sum(),
             items=_items(short, "words.region_short", t, region="region",
                          shortfall="shortfall"))]
    national = result.table("national")
    below = national[(national["year"] == year)
                     & (national["provision"] < national["target"] - 1e-9)]
    if not below.empty:
        out.append(t("words.below_target", items=_items(
            below.sort_values("shortfall", ascending=False), "words.category_gap", t,
            category="category", area="area", provision="provision", target="target")))
    return out
