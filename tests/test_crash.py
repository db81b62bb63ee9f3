"""An unexpected error prints one line and the log file holding its traceback, never a traceback.

Also: ``--debug`` and ``SRSOPT_DEBUG=1`` let it through; usage errors keep exit code 2; a signal
outside a solve ends the command with 130 or 143 and one line.
"""

from __future__ import annotations

import os
import re
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from optimizer.cli import crash
from optimizer.cli.app import main
from optimizer.runtime import stopping

TINY = Path(__file__).resolve().parent.parent / "instances" / "tiny"


def _crash(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, *argv: str) -> None:
    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom [/x]\n" + "long " * 100)

    monkeypatch.setattr("optimizer.cli.solve.solve_instance", boom)
    monkeypatch.setattr(sys, "argv", ["srsopt", *argv, "solve", str(TINY), "--out",
                                      str(tmp_path / "out")])
    main()


@pytest.fixture
def _signals_restored() -> Iterator[None]:
    saved = {s: signal.getsignal(s) for s in stopping.SIGNALS}
    yield
    for s, handler in saved.items():
        signal.signal(s, handler)


@pytest.mark.usefixtures("_signals_restored")
def test_an_internal_error_is_one_line_and_a_log_file(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.delenv(crash.DEBUG_ENV, raising=False)
    with pytest.raises(SystemExit) as ended:
        _crash(monkeypatch, tmp_path)
    assert ended.value.code == 1
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    found = re.fullmatch(r"srsopt: internal error: RuntimeError: boom \[/x\] long .{150,}…; "
                         r"the traceback is in (\S+)\n", err)
    assert found, err
    log = Path(found[1])
    assert log.parent == tmp_path / "state" / "srsopt"
    assert f"-{os.getpid()}.log" in log.name
    text = log.read_text()
    assert "Traceback (most recent call last)" in text and "def boom" not in text
    assert "RuntimeError: boom [/x]" in text and "srsopt solve" in text


@pytest.mark.usefixtures("_signals_restored")
def test_the_log_falls_back_to_the_temporary_folder(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    monkeypatch.setenv("XDG_STATE_HOME", str(blocked))  # no folder can be made under it
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path / "tmp"))
    with pytest.raises(SystemExit):
        _crash(monkeypatch, tmp_path)
    path = Path(capsys.readouterr().err.rsplit(" ", 1)[1].strip())
    assert path.parent == tmp_path / "tmp" and "Traceback" in path.read_text()


@pytest.mark.usefixtures("_signals_restored")
@pytest.mark.parametrize("how", ["env", "option"])
def test_debug_lets_the_traceback_through(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                          how: str) -> None:
    monkeypatch.delenv(crash.DEBUG_ENV, raising=False)
    if how == "env":
        monkeypatch.setenv(crash.DEBUG_ENV, "1")
    with pytest.raises(RuntimeError, match="boom"):
        _crash(monkeypatch, tmp_path, *(["--debug"] if how == "option" else []))


@pytest.mark.usefixtures("_signals_restored")
def test_usage_errors_and_signals_outside_a_solve_keep_their_codes(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    monkeypatch.setattr(sys, "argv", ["srsopt", "solve", "--no-such-option"])
    with pytest.raises(SystemExit) as ended:
        main()
    assert ended.value.code == 2

    def app() -> None:
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)  # the handler raises before this ends

    with pytest.raises(SystemExit) as ended:
        crash.run_console(app)
    assert ended.value.code == 143
    assert capsys.readouterr().err.strip().splitlines()[-1] == "srsopt: stopped by SIGTERM"
