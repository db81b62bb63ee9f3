"""The HTML report: the plan in words, tables, tile maps and SVG charts, in ru and en, offline."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

import optimizer
from models.instance import Instance, instance_from_tables
from models.result import Result, SolveStatus
from optimizer.cli.app import Exit, app
from optimizer.outputs.labels import label
from optimizer.outputs.report import LARGEST, load_results, render_report, write_report
from optimizer.outputs.results_io import worst_regions, write_results
from optimizer.outputs.tile_map import KAZAKHSTAN, positions

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "instances" / "tiny"
KZ_REGIONS = list(pd.read_csv(ROOT / "instances" / "kz-2026-2030" / "regions.csv")["region_id"])
SECTIONS = ("summary", "funded", "per-region", "maps", "national", "regions", "transfers",
            "timeline", "money", "unfunded")
CHARTS = 7
"""Two tile maps and five charts: national, regions, transfers, timeline, money."""
NBSP = "\u00a0"


def run(*args: object) -> object:
    return CliRunner().invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def national() -> tuple[Instance, Result]:
    """The national instance (20 regions, all categories) with every tenth candidate project and
    a fiftieth of the envelope, so that it solves in seconds and still leaves needs unfunded
    (a tenth of it left only 11 of 1,445 candidates unfunded, 0.02% above the LP bound)."""
    full = optimizer.load(str(ROOT / "instances" / "kz-2026-2030"))
    settings, tables = full.settings_dict(), full.tables()
    envelope = settings["budget"]["envelope"]
    settings["budget"]["envelope"] = {y: 0.02 * v for y, v in envelope.items()}
    projects = tables["projects"].copy()
    keep = (projects.index % 10 == 0) | (projects["status"] == "committed")
    projects.loc[~keep, "status"] = "excluded"
    instance = instance_from_tables(settings, tables | {"projects": projects}, source="kz")
    result = optimizer.solve(instance, time_limit=20, mip_rel_gap=0.01)
    assert result.has_plan, result.message
    return instance, result


def svgs(page: str) -> list[str]:
    """The inline SVG charts whose text stays text (searchable, selectable)."""
    return [svg for svg in re.findall(r'<svg class="chart[^"]*".*?</svg>', page, re.S)
            if re.search(r"<text[^>]*>[^<]+</text>", svg)]


def section(page: str, key: str) -> str:
    return re.search(rf'<section id="{key}".*?</section>', page, re.S).group(0)


def body_rows(html: str) -> list[list[str]]:
    """The cells of each body row of the tables in ``html``."""
    return [re.findall(r"<td[^>]*>(.*?)</td>", row)
            for body in re.findall(r"<tbody>(.*?)</tbody>", html, re.S)
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def assert_complete_report(page: str, lang: str) -> None:
    assert page.startswith(f'<!DOCTYPE html>\n<html lang="{lang}">')
    assert len(svgs(page)) == CHARTS
    for key in SECTIONS:
        assert f'<section id="{key}"' in page, key
    assert "@page{size:A4" in page and "break-before:page" in page  # print layout
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)  # opens without internet
    assert "<script" not in page and "<img" not in page and "<link" not in page


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_national_report_has_words_tables_maps_and_charts(national: tuple, lang: str,
                                                         tmp_path: Path) -> None:
    instance, result = national
    page = write_report(result, tmp_path / "r.html", instance, lang).read_text(encoding="utf-8")
    assert_complete_report(page, lang)
    names = instance.regions.set_index("region_id")["name"]
    funded = result.projects[result.projects["funded"] > 1e-9]
    largest = funded.loc[funded["funded_capex"].idxmax()]
    rows = body_rows(section(page, "funded"))
    assert [largest["project_id"], largest["name"]] in [r[:2] for r in rows]  # names beside ids
    assert names[largest["region_id"]] in next(r for r in rows if r[0] == largest["project_id"])
    per_region = body_rows(section(page, "per-region"))
    assert sorted(r[0] for r in per_region) == sorted(names)  # every region, by name
    assert label("header.with_unit", lang, label=label("col.transfer", lang),
                 unit=label("unit.money", lang)) in section(page, "per-region")
    maps = section(page, "maps")
    for key in ("map-shortfall", "map-transfer"):  # a tile per region of regions.csv
        assert sorted(re.findall(rf'id="{key}-tile-([a-z_]+)"', maps)) == sorted(KZ_REGIONS)
    national_chart = next(svg for svg in svgs(page) if 'id="national-' in svg)
    assert f">{label('chart.baseline', lang)}</text>" in national_chart  # searchable text
    needs = section(page, "unfunded")
    assert len(body_rows(needs)) == LARGEST
    assert label("col.provision_gain", lang) in needs
    assert "Turkestan Region" in page  # region names as the instance gives them


def test_tiny_first_page_says_the_hand_known_plan_in_words() -> None:
    """docs/tiny.md: p1-p5 funded (capex 270), 166 of 300 transferred, 63 and 71 unused in
    2027 and 2028, and the 1,000 rural residents of the north whose clinic (p6) is excluded."""
    instance = optimizer.load(str(TINY))
    result = optimizer.solve(instance)
    words = section(render_report(result, instance, "en"), "summary").replace(NBSP, " ")
    for said in ("Projects funded: 5, with a capex of 270 million KZT",
                 "come to 166 million KZT over 2026–2028, 55.3% of the envelope of 300 million",
                 "the regions add 104 million KZT of co-financing",
                 "Envelope left unused: 63 million KZT in 2027 and 71 million KZT in 2028.",
                 "In 2028, 1,000 persons remain short of the SRS targets, most in North oblast "
                 "(1,000 persons).", "health, rural: 67.8% against 70.0%"):
        assert said in words, said
    russian = section(render_report(result, instance, "ru"), "summary")
    assert f"капитальные затраты 270{NBSP}млн тенге" in russian
    assert f"67,8{NBSP}% при цели 70,0{NBSP}%" in russian


def test_report_explains_unused_envelope_in_its_language() -> None:
    instance = optimizer.load(str(TINY))
    result = optimizer.solve(instance)
    english = render_report(result, instance, "en")
    assert label("words.reasons_title", "en") in english
    assert "<li>2027: 63 million KZT unused: " in english  # docs/tiny.md: 63 left in 2027
    russian = render_report(result, instance, "ru")
    assert "<li>2027: не использовано 63 млн тенге: " in russian
    assert label("words.reasons_title", "ru") not in render_report(result, None, "ru")


def test_tiles_sit_on_kazakhstans_grid_or_a_plain_one() -> None:
    grid = positions(KZ_REGIONS)
    assert set(KZ_REGIONS) == set(KAZAKHSTAN)
    assert len(set(grid.values())) == 20  # one tile per region, no two on one place
    assert grid["north_kaz"][1] < grid["akmola"][1] < grid["astana"][1] < grid["zhambyl"][1]
    assert grid["west_kaz"][0] < grid["aktobe"][0] < grid["karaganda"][0] < grid["east_kaz"][0]
    assert positions(["north", "south"]) == {"north": (0, 0), "south": (1, 0)}


def test_report_is_the_same_for_the_same_plan() -> None:
    instance = optimizer.load(str(TINY))
    result = optimizer.solve(instance)
    assert render_report(result, instance, "en") == render_report(result, instance, "en")


def test_report_command_reads_a_results_folder(national: tuple, tmp_path: Path) -> None:
    _, result = national
    folder = write_results(result, tmp_path / "results")
    outcome = run("report", folder, "--lang", "en")
    assert outcome.exit_code == Exit.OK, outcome.output
    page = (folder / "report.html").read_text(encoding="utf-8")
    assert_complete_report(page, "en")
    assert "abai" in section(page, "per-region")  # without --instance: region ids
    loaded = load_results(folder)
    pd.testing.assert_frame_equal(worst_regions(loaded, 20), worst_regions(result, 20),
                                  check_dtype=False)
    assert run("report", folder, "--lang", "de", "--force").exit_code == Exit.INVALID_INPUT


def test_report_command_needs_a_results_folder(tmp_path: Path) -> None:
    assert run("report", tmp_path).exit_code == Exit.INVALID_INPUT


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_report_without_a_plan_says_so(lang: str) -> None:
    page = render_report(Result(status=SolveStatus.INFEASIBLE, message="no plan satisfies"),
                         lang=lang)
    assert label("report.no_plan", lang, message="no plan satisfies") in page
    assert svgs(page) == []


def test_solve_writes_workbook_and_report_in_the_language_asked(tmp_path: Path) -> None:
    out = tmp_path / "out"
    outcome = run("solve", TINY, "--out", out, "--excel", "--report", "--lang", "en")
    assert outcome.exit_code == Exit.OK, outcome.output
    assert (out / "summary.json").is_file()
    assert load_workbook(out / "results.xlsx").sheetnames[:2] == ["Summary", "Funded projects"]
    assert_complete_report((out / "report.html").read_text(encoding="utf-8"), "en")


def test_solve_out_xlsx_writes_only_the_workbook(tmp_path: Path) -> None:
    outcome = run("solve", TINY, "--out", tmp_path / "plan.xlsx", "--report")
    assert outcome.exit_code == Exit.OK, outcome.output
    names = sorted(p.name for p in tmp_path.iterdir())
    assert [n for n in names if not n.startswith(".")] == ["plan.html", "plan.xlsx"]
    # and the hidden markers saying srsopt wrote them (models.safe_output)
    assert [n for n in names if n.startswith(".")] == [".plan.html.srsopt-output.json",
                                                       ".plan.xlsx.srsopt-output.json"]
    assert load_workbook(tmp_path / "plan.xlsx").sheetnames[0] == "Сводка"  # Russian by default
    assert '<html lang="ru">' in (tmp_path / "plan.html").read_text(encoding="utf-8")
