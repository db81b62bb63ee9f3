"""The analysts' page over plain HTTP (no browser): sign-in, cookies, CSRF, languages, upload
checks, history and who sees what, on a live ``srsopt serve``."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import openpyxl
import pytest
from service_server import TINY, Server, zipped
from web_session import Session, make_tokens, two_mistakes

from models.instance import read_raw
from models.workbook import save_workbook
from optimizer.service import tokens
from optimizer.service.db import connect, default_url

ROOT = Path(__file__).resolve().parents[1]
WEB = ROOT / "optimizer" / "service" / "web"


@pytest.fixture
def server(web_server: Server) -> Server:
    return web_server


def signed_in(server: Server, name: str = "anna") -> Session:
    session = Session(server.url)
    assert session.sign_in(server.tokens[name]).status_code == 303
    return session


def cookie(answer: object, name: str) -> str:
    found = [c for c in answer.headers.get_list("set-cookie") if c.startswith(f"{name}=")]  # type: ignore[attr-defined]
    assert len(found) == 1, found
    return found[0].lower()


def test_every_label_the_templates_use_is_in_both_catalogues() -> None:
    used = {m for t in (WEB / "templates").glob("*.j2")
            for m in re.findall(r"t\('(web\.[a-z_.]+)'", t.read_text())}
    prefixes = {k for k in used if k.endswith(".")}
    catalogues = {lang: json.loads((ROOT / "optimizer/outputs/locales" / f"{lang}.json")
                                   .read_text("utf-8")) for lang in ("ru", "en")}
    for lang, catalogue in catalogues.items():
        assert used - prefixes <= set(catalogue), (lang, used - prefixes - set(catalogue))
        for prefix in prefixes:  # web.status. + every status the store knows, and so on
            assert any(k.startswith(prefix) for k in catalogue), (lang, prefix)
    for status in ("queued", "running", "done", "failed", "cancelled", "interrupted"):
        assert {f"web.status.{status}"} <= set(catalogues["ru"]) & set(catalogues["en"])


def test_a_page_needs_signing_in_and_a_wrong_token_is_refused(server: Server) -> None:
    session = Session(server.url)
    answer = session.get("/jobs")
    assert answer.status_code == 303 and answer.headers["location"] == "/signin?next=/jobs"
    page = session.get("/signin?next=/jobs")
    assert page.status_code == 200 and 'name="next" value="/jobs"' in page.text
    wrong = session.post("/signin", {"token": server.tokens["anna"] + "x", "next": "/jobs"})
    assert wrong.status_code == 401 and "srsopt_session" not in wrong.headers.get(
        "set-cookie", "")
    assert 'role="alert"' in wrong.text
    # the other site's address is never where signing in leads
    away = session.post("/signin", {"token": server.tokens["anna"], "next": "//evil.example"})
    assert away.status_code == 303 and away.headers["location"] == "/plans/new"


def test_cookies_are_httponly_samesite_strict_and_secure_behind_https(server: Server) -> None:
    session = Session(server.url)
    first = session.get("/signin")
    csrf = cookie(first, "srsopt_csrf")
    assert "httponly" in csrf and "samesite=strict" in csrf and "secure" not in csrf
    answer = session.post("/signin", {"token": server.tokens["anna"]})
    kept = cookie(answer, "srsopt_session")
    assert "httponly" in kept and "samesite=strict" in kept and "max-age=43200" in kept
    assert "secure" not in kept  # plain HTTP on 127.0.0.1: a Secure cookie would be dropped
    assert session.client.cookies["srsopt_csrf"] != first.cookies["srsopt_csrf"]  # renewed
    proxied = Session(server.url)
    over_https = proxied.get("/signin", headers={"X-Forwarded-Proto": "https"})
    assert "; secure" in cookie(over_https, "srsopt_csrf")
    proxied.client.cookies.set("srsopt_csrf", proxied.csrf)  # httpx keeps Secure ones for https
    behind = proxied.post("/signin", {"token": server.tokens["anna"]},
                          headers={"X-Forwarded-Proto": "https"})
    assert "; secure" in cookie(behind, "srsopt_session")
    headers = session.get("/plans/new").headers
    assert "script-src 'self'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"


def test_a_form_without_its_csrf_token_is_refused(server: Server, tmp_path: Path) -> None:
    session = signed_in(server)
    session.get("/plans/new")
    tiny = zipped(TINY, tmp_path / "tiny.zip").read_bytes()
    for token in ("", "forged" * 8):
        posted = session.client.post("/plans/check", data={"csrf": token},
                                     files={"file": ("tiny.zip", tiny)})
        assert posted.status_code == 403, token
        assert session.client.post("/lang", data={"csrf": token, "lang": "en"}
                                   ).status_code == 403
        assert session.client.post("/signout", data={"csrf": token}).status_code == 403
    assert "srsopt_lang" not in session.client.cookies
    assert session.get("/plans/new").status_code == 200  # still signed in
    # a job's cancel button: refused without the token, then it cancels. The one worker is
    # busy with a first job (its solve, workbook and report), so the second one waits
    first, second = (server.submit(server.tokens["anna"], tmp_path / "tiny.zip",
                                   data={"time_limit": "30"}).json()["id"] for _ in range(2))
    assert session.client.post(f"/jobs/{second}/cancel", data={"csrf": "x"}).status_code == 403
    job = server.call("GET", f"/v1/jobs/{second}", server.tokens["anna"]).json()
    assert job["status"] == "queued", job
    page = session.get(f"/jobs/{second}")
    assert f'action="/jobs/{second}/cancel"' in page.text
    done = session.post(f"/jobs/{second}/cancel")
    assert done.status_code == 303 and done.headers["location"] == f"/jobs/{second}"
    assert server.call("GET", f"/v1/jobs/{second}", server.tokens["anna"]).json()[
        "status"] == "cancelled"
    page = session.get(f"/jobs/{second}")
    assert "отменено" in page.text and "/cancel" not in page.text
    assert first != second


def test_russian_by_default_english_on_request(server: Server) -> None:
    session = signed_in(server)
    ru = session.get("/plans/new").text
    assert '<html lang="ru">' in ru and "Новый план" in ru and "Скачать пустой шаблон" in ru
    switched = session.post("/lang", {"lang": "en", "next": "/plans/new"})
    assert switched.status_code == 303 and switched.headers["location"] == "/plans/new"
    lang = cookie(switched, "srsopt_lang")
    assert "samesite=strict" in lang and "max-age=31536000" in lang
    en = session.get("/plans/new").text
    assert '<html lang="en">' in en and "New plan" in en and "Новый план" not in en
    assert session.post("/lang", {"lang": "xx", "next": "/plans/new"}).status_code == 303
    assert '<html lang="en">' in session.get("/plans/new").text  # an unknown one is ignored


def test_two_mistakes_are_both_located_and_a_good_upload_is_summarised(
        server: Server, tmp_path: Path) -> None:
    session = signed_in(server)
    session.get("/plans/new")
    bad = two_mistakes(tmp_path)
    answer = session.post("/plans/check", files={"file": ("план 2026.xlsx", bad.read_bytes())})
    assert answer.status_code == 422
    rows = re.findall(r"<tr><td>(.*?)</td><td class=\"num\">(.*?)</td>\s*<td>(.*?)</td>"
                      r"<td>(.*?)</td><td>(.*?)</td></tr>", answer.text)
    assert [r[:4] for r in rows] == [
        ("план 2026.xlsx sheet settlements", "4", "n_sat", "population"),
        ("план 2026.xlsx sheet projects", "3", "p2", "capex")]  # the name as uploaded
    assert "is below 0" in rows[1][4]
    settings, tables, _ = read_raw(TINY)
    tables["regions"].loc[0, "name"] = "Северо-Казахстанская область"
    save_workbook(settings, tables, tmp_path / "tiny.xlsx")
    good = session.post("/plans/check", files={"file": ("tiny.xlsx", (
        tmp_path / "tiny.xlsx").read_bytes())})
    assert good.status_code == 200
    cells = re.findall(r"<th scope=\"row\">(.*?)</th><td[^>]*>(.*?)</td>", good.text)
    assert ("Регионы", "2") in cells and ("Проекты", "6") in cells
    assert ("Названия регионов, как в файле",
            "Северо-Казахстанская область, South oblast") in cells
    assert ("Конверт 2026", "100\u00a0млн тенге") in cells
    assert re.search(r'name="stored" value="[0-9a-f]{64}\.xlsx"', good.text)
    wrong = session.post("/plans/check", files={"file": ("plan.txt", b"hello")})
    assert wrong.status_code == 422 and "plan.txt" in wrong.text


def test_the_template_downloads_as_the_cli_makes_it(server: Server) -> None:
    answer = signed_in(server).get("/plans/template.xlsx")
    assert answer.status_code == 200 and "attachment" in answer.headers["content-disposition"]
    book = openpyxl.load_workbook(io.BytesIO(answer.content))
    assert {"Instructions", "settings", "regions", "projects"} <= set(book.sheetnames)


def test_history_is_ones_own_jobs_and_an_admin_sees_everyones(server: Server,
                                                              tmp_path: Path) -> None:
    tiny = zipped(TINY, tmp_path / "tiny.zip")
    bolat = server.submit(server.tokens["bolat"], tiny, data={"time_limit": "30"}).json()["id"]
    anna = signed_in(server, "anna")
    mine = anna.get("/jobs").text
    assert bolat not in mine and "<th scope=\"col\">Чьё</th>" not in mine
    other = anna.get(f"/jobs/{bolat}")
    assert other.status_code == 404 and "no such job" in other.text  # as if none
    chief = signed_in(server, "chief").get("/jobs").text
    assert f"/jobs/{bolat}" in chief and "<td>bolat</td>" in chief
    ids = re.findall(r'href="/jobs/([0-9a-f]{32})"', chief)
    assert ids and ids[0] == bolat  # newest first
    # its files, to the admin: the report framed with no script allowed, the rest downloaded
    assert server.wait(server.tokens["bolat"], bolat)["status"] == "done"
    admin = signed_in(server, "chief")
    report = admin.get(f"/jobs/{bolat}/files/report.html")
    assert report.status_code == 200 and report.headers["content-disposition"].startswith(
        "inline")
    assert "default-src 'none'" in report.headers["content-security-policy"]
    book = admin.get(f"/jobs/{bolat}/files/results.xlsx")
    assert book.headers["content-disposition"].startswith("attachment")
    assert openpyxl.load_workbook(io.BytesIO(book.content), read_only=True).sheetnames
    assert admin.get(f"/jobs/{bolat}/files/..%2Fsrsopt.db").status_code == 404
    assert anna.get(f"/jobs/{bolat}/files/results.xlsx").status_code == 404


def test_a_revoked_token_signs_the_page_out(server: Server) -> None:
    token = make_tokens(server.data, ("dana", "analyst"))["dana"]
    session = signed_in(server, "anna")
    session.sign_in(token)
    assert session.get("/plans/new").status_code == 200
    tokens.revoke(connect(default_url(server.data)), token)
    assert session.get("/plans/new").headers["location"] == "/signin?next=/plans/new"


def test_every_form_the_page_posts_to_checks_its_csrf_token() -> None:
    from optimizer.service.state import Settings
    from optimizer.service.web import ROUTERS
    from optimizer.service.web.session import checked_csrf

    posts = [r for router in ROUTERS for r in router.routes
             if "POST" in getattr(r, "methods", set())]
    assert {r.path for r in posts} >= {"/signin", "/signout", "/lang", "/plans/check",  # type: ignore[attr-defined]
                                       "/plans/run", "/jobs/{job_id}/cancel",
                                       "/jobs/{job_id}/whatif"}
    for route in posts:
        calls = {d.call for d in route.dependant.dependencies}  # type: ignore[attr-defined]
        assert checked_csrf in calls, route.path  # type: ignore[attr-defined]
    assert Settings().lang == "ru"


def test_the_what_if_form_makes_a_scenario_of_every_kind_of_change(tmp_path: Path) -> None:
    from models.instance import load_instance
    from optimizer.analysis.whatif import scenario_case
    from optimizer.service.web.session import PageError
    from optimizer.service.web.whatif_routes import form_changes, scenario_yaml

    changes = form_changes("-10", "rural", "2028", "75", "south", "25", "p1", "out", "20",
                           "health")
    assert changes == [{"envelope": {"scale": 0.9}}, {"targets": {"rural": {2028: 0.75}}},
                       {"region": {"region": "south", "cofinancing_rate": 0.25}},
                       {"lock": {"project": "p1", "force": "out"}},
                       {"capex_overrun": {"factor": 1.2, "category": "health"}}]
    assert form_changes("", "urban", "", "", "", "", "", "", "", "") == []
    assert form_changes(" -10,5 ", "urban", "", "", "", "", "", "", "", "") == [
        {"envelope": {"scale": 0.895}}]  # a comma as the decimal mark
    for half in (("2028", ""), ("", "75")):  # a change half filled is refused, not dropped
        with pytest.raises(PageError, match="target: fill both"):
            form_changes("", "rural", *half, "", "", "", "", "", "")
    with pytest.raises(PageError, match="project: fill both"):
        form_changes("", "rural", "", "", "", "", "p1", "", "", "")
    with pytest.raises(PageError, match="envelope: 'ten' is not a number"):
        form_changes("ten", "rural", "", "", "", "", "", "", "", "")
    path = tmp_path / "scenario.yaml"  # read as the worker reads an uploaded scenario file
    path.write_bytes(scenario_yaml("сокращение", changes))
    base = load_instance(TINY)
    case = scenario_case(base, str(path))
    assert case.name == "сокращение" and len(case.scenarios[0].changes) == 5
    changed = case.instance
    assert changed.settings.budget.envelope == pytest.approx(
        {y: 0.9 * v for y, v in base.settings.budget.envelope.items()})
    assert changed.settings.targets["rural"][2028] == 0.75
    regions = changed.regions.set_index("region_id")
    assert regions.loc["south", "cofinancing_rate"] == 0.25
    projects = changed.projects.set_index("project_id")
    assert projects.loc["p1", "status"] == "excluded"
