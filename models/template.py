"""``srsopt template``: an instance workbook to fill, with instructions and one example per sheet.

The workbook opens on an Instructions sheet (English and Russian: what each sheet holds, the
units, how to validate and solve). Every table sheet has its headers with units, drop-downs
for allowed values and for ids defined on other sheets, and one example record in grey whose
key starts with ``example:``: the reader skips it (``models.sheet_reading.EXAMPLE``), so it
may be left or deleted. Filled in, the workbook reads as any instance workbook does.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font

from models.safe_output import OutputTarget, write_output
from models.schema import TABLES
from models.settings import ObjectiveSettings, SolverSettings
from models.sheet_reading import EXAMPLE
from models.synthetic import DEFAULT_TARGETS
from models.workbook import fill_workbook

TEMPLATE_YEARS = (2026, 2027, 2028, 2029, 2030)
"""Planning years the template's settings start from (edit the keys for another horizon)."""
INSTRUCTIONS = "Instructions"

_R, _S, _P = f"{EXAMPLE} abai", f"{EXAMPLE} semey", f"{EXAMPLE} school"
EXAMPLES: dict[str, dict[str, object]] = {
    "regions": {"region_id": _R, "name": "Abai oblast (example)", "kind": "oblast",
                "cofinancing_rate": 0.1, "max_envelope_share": 0.2, "grp": 2500000},
    "region_years": {"region_id": _R, "year": TEMPLATE_YEARS[0], "fiscal_space": 5000,
                     "own_revenue": 120000, "general_transfer": 300000},
    "settlements": {"settlement_id": _S, "region_id": _R, "name": "Semey (example)",
                    "type": "city_regional", "area": "urban", "population": 350000,
                    "monotown": False, "border": False},
    "standards": {"standard_id": _P, "name": "General secondary school within reach",
                  "source": "Government resolution No. 710 of 02.09.2025",
                  "category": "education", "applies_to": "all", "min_population": 200},
    "coverage": {"settlement_id": _S, "standard_id": _P, "level": 0.85},
    "projects": {"project_id": f"{EXAMPLE} P-0001", "name": "School for 600 pupils (example)",
                 "settlement_id": _S, "capex": 4500, "opex": 120, "duration": 2,
                 "earliest_start": TEMPLATE_YEARS[0], "latest_start": TEMPLATE_YEARS[2],
                 "status": "candidate", "divisible": False, "group": "semey-school",
                 "grp_effect": 0, "revenue_effect": 0},
    "project_effects": {"project_id": f"{EXAMPLE} P-0001", "settlement_id": _S,
                        "standard_id": _P, "level": 0.95},
    "project_spend": {"project_id": f"{EXAMPLE} P-0001", "construction_year": 1,
                      "share": 0.4},
    "project_requires": {"project_id": f"{EXAMPLE} P-0001", "requires": f"{EXAMPLE} P-0000"},
}
"""One record per table, consistent with one another; every key starts with ``example:``."""

SHEETS: dict[str, tuple[str, str]] = {
    "settings": (
        "Name, planning years, SRS provision targets, the envelope per year (million KZT), "
        "objective and solver. One key per row; an empty value keeps the default.",
        "Название, годы планирования, целевые показатели обеспеченности СРС, конверт по годам "
        "(млн тенге), цель и решатель. Один ключ в строке; пустое значение - по умолчанию."),
    "regions": (
        "One row per region (oblast or city of republican significance): co-financing rate "
        "and largest share of the envelope (0-1).",
        "Одна строка на регион (область или город республиканского значения): доля "
        "софинансирования и наибольшая доля конверта (0-1)."),
    "region_years": (
        "One row per region and planning year: fiscal space, own revenue and general "
        "transfer (million KZT).",
        "Одна строка на регион и год: фискальное пространство, собственные доходы и общий "
        "трансферт (млн тенге)."),
    "settlements": (
        "One row per settlement: its region, SRS type, urban or rural, population (persons).",
        "Одна строка на населённый пункт: регион, тип по СРС, город или село, численность "
        "населения (человек)."),
    "standards": (
        "One row per SRS standard: category, the settlement types it applies to, the least "
        "population it applies from.",
        "Одна строка на стандарт СРС: направление, типы населённых пунктов, к которым он "
        "применяется, минимальная численность."),
    "coverage": (
        "Provision today: the share of a settlement's residents a standard serves (0-1).",
        "Обеспеченность сегодня: доля жителей населённого пункта, обеспеченных стандартом "
        "(0-1)."),
    "projects": (
        "One row per project: host settlement, capex and yearly opex (million KZT), "
        "construction years, start window, status. group (optional): projects with the same "
        "group are alternatives, at most one of them is started (e.g. two sites for one "
        "school). grp_effect, revenue_effect (optional): regional output and own revenue the "
        "project adds per year once operating (million KZT).",
        "Одна строка на проект: населённый пункт, капитальные и ежегодные эксплуатационные "
        "расходы (млн тенге), срок строительства (лет), окно начала, статус. group "
        "(необязательно): проекты с одинаковой группой - альтернативы, начинается не более "
        "одного из них (например, два участка для одной школы). grp_effect, revenue_effect "
        "(необязательно): прирост ВРП и собственных доходов региона в год после ввода "
        "(млн тенге)."),
    "project_effects": (
        "Provision a project brings once complete, per settlement and standard (0-1).",
        "Обеспеченность пары населённый пункт - стандарт после завершения проекта (0-1)."),
    "project_spend": (
        "Optional. Spend profile: the share of a project's capex spent in each construction "
        "year (1 = the start year, up to its duration). A project's shares add up to 1; a "
        "year without a row spends nothing; a project without rows spends evenly. Leave the "
        "sheet empty or delete it if every project spends evenly.",
        "Необязательно. Профиль расходов: доля капитальных расходов проекта в каждом году "
        "строительства (1 - год начала, до срока строительства). Доли проекта в сумме дают 1; "
        "год без строки - без расходов; проект без строк расходует поровну. Оставьте лист "
        "пустым или удалите, если все проекты расходуют поровну."),
    "project_requires": (
        "Optional. Prerequisites: project_id may start only in or after the year the project "
        "it requires has started (a road before the school it serves). No cycles; a "
        "committed project's requirement must be able to start.",
        "Необязательно. Предварительные условия: проект project_id может начаться только в "
        "год начала проекта requires или позже (дорога до школы, к которой она ведёт). Без "
        "циклов; требуемый проект обязательного проекта должен иметь возможность начаться."),
}
"""What each sheet holds, in English and Russian."""

NOTES: tuple[tuple[str, str, str], ...] = (
    ("Units", "Money in million KZT, population in persons, shares from 0 to 1 (a percentage "
     "such as 71% is read as 0.71), years as whole calendar years.",
     "Деньги - в млн тенге, население - в человеках, доли - от 0 до 1 (процент, например 71%, "
     "читается как 0,71), годы - целые календарные годы."),
    ("Examples", "Row 2 of each sheet is an example in grey; its id starts with 'example:' and "
     "srsopt skips it. Write your records below it; delete it or leave it.",
     "Строка 2 каждого листа - пример (серым); его код начинается с 'example:', srsopt его "
     "пропускает. Вносите данные ниже; пример можно удалить или оставить."),
    ("Headers", "Row 1 names the column and its unit. Do not rename headers; extra columns are "
     "kept and ignored. The drop-downs offer allowed values and the ids of other sheets.",
     "Строка 1 - название столбца и единица измерения. Не переименовывайте заголовки; "
     "дополнительные столбцы сохраняются и не учитываются. Списки предлагают допустимые "
     "значения и коды с других листов."),
    ("Numbers", "Excel numbers, or text such as 1 234,5 or 0,85; 1,234 is ambiguous and "
     "refused. Formulas count by the value Excel computed: save the file in Excel before "
     "validating. A date in a year column counts as its year.",
     "Числа Excel или текст вида 1 234,5 и 0,85; запись 1,234 неоднозначна и не "
     "принимается. Формулы учитываются по значению, вычисленному Excel: сохраните файл в Excel "
     "перед проверкой. Дата в столбце года считается годом."),
    ("Validate", "srsopt validate plan.xlsx - lists every problem with its sheet, row and "
     "column; fix them and run it again until it says valid.",
     "srsopt validate plan.xlsx - перечисляет все ошибки с листом, строкой и столбцом; "
     "исправьте их и повторяйте, пока не будет valid."),
    ("Solve", "srsopt solve plan.xlsx --out results --excel --report - the plan as CSV tables, "
     "results.xlsx and report.html.",
     "srsopt solve plan.xlsx --out results --excel --report - план в таблицах CSV, "
     "results.xlsx и report.html."),
)
"""Topics after the sheets: (topic, English, Russian)."""


def template_settings(years: Sequence[int] = TEMPLATE_YEARS) -> dict[str, Any]:
    """Settings to start from: required keys empty, SRS targets for the last year, defaults."""
    return {
        "name": None, "description": None, "years": list(years),
        "targets": {area: {years[-1]: share} for area, share in DEFAULT_TARGETS.items()},
        "budget": {"envelope": dict.fromkeys(years), "carryover": False},
        "objective": ObjectiveSettings().model_dump(),
        "solver": SolverSettings().model_dump(),
    }


def instruction_rows() -> list[tuple[str, str, str]]:
    """The Instructions sheet below its header: (topic, English, Russian)."""
    sheets = [(f"Sheet {name}", *texts) for name, texts in SHEETS.items()]
    return [*sheets, *NOTES]


def _instructions(book: Workbook) -> None:
    ws = book.create_sheet(INSTRUCTIONS)
    for letter, width in zip("ABC", (18, 70, 70), strict=True):
        ws.column_dimensions[letter].width = width
    bold, wrap = Font(bold=True), Alignment(wrap_text=True, vertical="top")
    title = WriteOnlyCell(ws, "srsopt instance workbook / Рабочая книга исходных данных srsopt")
    title.font = Font(bold=True, size=14)
    ws.append([title])
    header = [WriteOnlyCell(ws, text) for text in ("Topic / Тема", "English", "Русский")]
    for cell in header:
        cell.font = bold
    ws.append(header)
    for row in instruction_rows():
        cells = [WriteOnlyCell(ws, text) for text in row]
        for cell in cells:
            cell.alignment = wrap
        cells[0].font = bold
        ws.append(cells)


def save_template(file: Path) -> None:
    """The template at ``file``: Instructions, settings, and each table with its example."""
    book = Workbook(write_only=True)
    _instructions(book)
    tables = {name: pd.DataFrame([EXAMPLES[name]], columns=list(table.column_names))
              for name, table in TABLES.items()}
    fill_workbook(book, template_settings(), tables, examples=1)
    book.save(file)


def write_template(path: str | Path | OutputTarget) -> Path:
    """Write the template workbook, safely (``models.safe_output``)."""
    return write_output(path, "template", save_template)
