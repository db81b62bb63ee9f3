"""The analysts' page in a real browser (Debian's chromium driven by Playwright), end to end.

Sign in with the keyboard; upload a workbook with two mistakes and see both located; upload
tiny, run it, see the progress drawn from the live events, reach the result with the
hand-solved objective (docs/tiny.md); download results.xlsx and open it; run an envelope -10%
scenario and see the comparison; see the history; sign out, and the job page leads to the
sign-in page. A screenshot of each step is kept in the test's tmp folder (docs/web.md shows
them). Skipped, saying what is missing, where chromium or Playwright is not installed.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import openpyxl
import pytest
from service_server import TINY, TINY_OBJECTIVE, Server, zipped
from web_session import two_mistakes

from optimizer.outputs.labels import number

CHROMIUM = os.environ.get("SRSOPT_CHROMIUM") or shutil.which("chromium") or ""
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="Playwright for Python is not installed (pip install "
    "playwright; the browser is Debian's chromium: apt-get install chromium)")
if not CHROMIUM:
    pytest.skip("chromium is not installed (apt-get install chromium) and SRSOPT_CHROMIUM "
                "is not set", allow_module_level=True)

TIMEOUT_MS = 60_000


@pytest.fixture
def server(web_server: Server) -> Server:
    return web_server  # shared with tests/test_web.py; this test signs in as vera


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


def unlabelled(page: Any) -> list[str]:
    """Visible form fields without a label (an accessible name from a <label>)."""
    return list(page.evaluate("""() => [...document.querySelectorAll(
        'input:not([type=hidden]), select, textarea')]
        .filter(e => !e.labels || e.labels.length === 0).map(e => e.name || e.id)"""))


def test_an_analyst_plans_compares_downloads_and_signs_out(server: Server, browser: Any,
                                                           tmp_path: Path) -> None:
    shots = tmp_path / "screens"
    shots.mkdir()

    def shot(name: str) -> None:
        page.screenshot(path=str(shots / f"{name}.png"), full_page=True)

    context = browser.new_context(accept_downloads=True, viewport={"width": 1200, "height": 900})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)

    # sign in, by keyboard only: the token field has the focus, Enter sends the form
    page.goto(f"{server.url}/plans/new")
    assert "/signin" in page.url
    assert page.evaluate("document.activeElement.id") == "token"
    page.keyboard.type(server.tokens["vera"])
    shot("01-sign-in")
    page.keyboard.press("Enter")
    # the path, not the glob: the sign-in page's own URL ends in ?next=/plans/new
    page.wait_for_url(lambda url: urlsplit(url).path == "/plans/new")
    assert page.locator("h1").inner_text() == "Новый план"
    page.keyboard.press("Tab")  # the first stop is the skip link
    assert page.evaluate("document.activeElement.getAttribute('href')") == "#main"
    assert unlabelled(page) == []

    # a workbook with two mistakes: both located
    page.set_input_files("#file", str(two_mistakes(tmp_path)))
    page.get_by_role("button", name="Загрузить и проверить").click()
    rows = page.locator("#errors tbody tr")
    rows.first.wait_for()
    located = [rows.nth(i).locator("td").all_inner_texts() for i in range(rows.count())]
    assert [r[:4] for r in located] == [
        ["two-mistakes.xlsx sheet settlements", "4", "n_sat", "population"],
        ["two-mistakes.xlsx sheet projects", "3", "p2", "capex"]]
    shot("02-located-errors")

    # tiny: what was read, then run with the fields' defaults changed
    page.set_input_files("#file", str(zipped(TINY, tmp_path / "tiny.zip")))
    page.get_by_role("button", name="Загрузить и проверить").click()
    page.locator("#summary").wait_for()
    assert "100\u00a0млн тенге" in page.locator("#summary").inner_text()
    assert unlabelled(page) == []
    page.fill("#time_limit", "30")
    page.fill("#gap", "0")
    shot("03-read-summary")
    page.get_by_role("button", name="Запустить").click()
    page.wait_for_url("**/jobs/*")
    job_url = page.url

    # the progress chart is drawn from the job's events; the page turns into the result
    page.locator('#line-objective[points*=","]').wait_for(state="attached")
    assert page.locator("#progress-objective").inner_text() != "–"
    shot("04-progress")
    page.locator("#result-objective").wait_for()
    assert page.locator("#result-objective").inner_text() == number(TINY_OBJECTIVE, "ru", 2)
    assert page.locator("#result-status").inner_text() == "оптимальный"
    assert page.locator("#result-funded").inner_text() == "5"
    assert page.locator("#shown").get_attribute("src") == \
        job_url.removeprefix(server.url) + "/files/report.html"
    report = page.frame_locator("#shown").locator("h1")
    assert report.first.inner_text()
    assert unlabelled(page) == []
    shot("05-result")

    # results.xlsx: downloaded and opened
    with page.expect_download() as download:
        page.locator("#downloads a", has_text="results.xlsx").click()
    saved = tmp_path / "results.xlsx"
    download.value.save_as(saved)
    assert len(openpyxl.load_workbook(saved, read_only=True).sheetnames) >= 3

    # what-if: the envelope 10% lower, compared side by side with the base
    page.fill("#wi-name", "envelope-10")
    page.fill("#wi-envelope", "-10")
    page.get_by_role("button", name="Рассчитать и сравнить").click()
    page.wait_for_url(lambda url: url != job_url and "/jobs/" in url)
    page.locator("#shown").wait_for(timeout=90_000)
    comparison = page.frame_locator("#shown").locator("body")
    comparison.get_by_text("envelope-10").first.wait_for()
    assert "base" in comparison.inner_text()
    shot("06-what-if")

    # history: both jobs, newest (the what-if) first
    page.get_by_role("link", name="История").click()
    links = page.locator("#history tbody tr")
    assert links.count() == 2
    assert "Сравнение сценариев" in links.nth(0).inner_text()
    shot("07-history")

    # English, then sign out: the job page is no longer reachable
    page.select_option("#lang-select", "en")
    page.get_by_role("button", name="Применить").click()
    page.get_by_role("button", name="Sign out").wait_for()
    shot("08-english")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/signin")
    page.goto(job_url)
    assert "/signin" in page.url and page.locator("#token").is_visible()
    context.close()
