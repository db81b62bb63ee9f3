"""Atomic outputs: an interrupted or failed write leaves the old output, one writer per
output (the other is told who holds it), and a kill while writing loses nothing."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from output_checks import ROOT, TINY, run, said, theirs, tree

import optimizer
from models.safe_output import MARKER, OutputError, atomic
from optimizer.outputs import results_workbook
from optimizer.outputs.results_io import write_results


def test_an_interrupted_write_leaves_the_old_output(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    result = optimizer.solve(optimizer.load(str(TINY)))
    book = results_workbook.write_results_workbook(result, tmp_path / "r.xlsx")
    folder = write_results(result, tmp_path / "r")
    before = tree(tmp_path)

    def ctrl_c(_: object, file: Path, *more: object) -> None:  # more: the workbook's names, lang
        (file / "summary.json" if file.is_dir() else file).write_bytes(b"22 bytes, then Ctrl-C")
        raise KeyboardInterrupt

    monkeypatch.setattr(results_workbook, "save_results_workbook", ctrl_c)
    monkeypatch.setattr("optimizer.outputs.results_io.fill_results", ctrl_c)
    for write, out in ((results_workbook.write_results_workbook, book), (write_results, folder)):
        with pytest.raises(KeyboardInterrupt):
            write(result, out)
    assert tree(tmp_path) == before  # old outputs intact, no staging copy, no lock left


def test_without_an_atomic_exchange_a_failed_swap_restores(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    result = optimizer.solve(optimizer.load(str(TINY)))
    out = write_results(result, tmp_path / "r")
    before = tree(tmp_path)
    monkeypatch.setattr(atomic, "_exchange", lambda a, b: False)
    real = os.rename

    def second_fails(src: object, dst: object) -> None:
        if Path(str(dst)) == out and ".srsopt-new-" in str(src):
            raise OSError("disk went away")
        real(src, dst)

    monkeypatch.setattr(os, "rename", second_fails)
    with pytest.raises(OSError, match="disk went away"):
        write_results(result, out)
    assert tree(tmp_path) == before and os.listdir(tmp_path) == ["r"]
    monkeypatch.setattr(os, "rename", real)
    assert write_results(result, out) == out and tree(tmp_path).keys() == before.keys()


def test_a_planted_lock_symlink_is_not_followed(tmp_path: Path) -> None:
    victim = theirs(tmp_path / "victim.txt", ".txt")
    (tmp_path / ".out.srsopt-lock").symlink_to(victim)
    with pytest.raises(OutputError, match="symbolic link"):
        write_results(optimizer.Result(status="infeasible", message="x"), tmp_path / "out")
    assert victim.read_bytes() == b"a file srsopt did not write"


def _start(out: Path, flag: Path | None = None) -> subprocess.Popen[str]:
    extra = {atomic.PAUSE_ENV: str(flag)} if flag else {}
    return subprocess.Popen([sys.executable, "-m", "optimizer.cli.app", "solve", str(TINY),
                             "--out", str(out), "--excel"], cwd=ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, "COLUMNS": "400", **extra})


def _paused(process: subprocess.Popen[str], flag: Path) -> None:
    deadline = time.monotonic() + 60
    while not flag.exists():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_two_writers_of_one_output(tmp_path: Path) -> None:
    out, flag = tmp_path / "out", tmp_path / "paused"
    first = _start(out, flag)
    _paused(first, flag)  # its plan is complete and it holds the lock
    second = _start(out)
    _, err = second.communicate(timeout=120)
    assert second.returncode == 2, err
    assert said(err, "is being written by") and said(err, f"pid {first.pid}"), err
    assert said(err, f"solve {TINY} --out {out}"), err
    flag.unlink()
    _, err = first.communicate(timeout=120)
    assert first.returncode == 0, err
    marker = json.loads((out / MARKER).read_text())
    assert set(marker["files"]) == {p.name for p in out.iterdir() if p.name != MARKER}
    assert {"summary.json", "projects.csv", "results.xlsx"} <= set(marker["files"])


def test_a_kill_while_writing_leaves_the_old_result(tmp_path: Path) -> None:
    out, flag = tmp_path / "out", tmp_path / "paused"
    assert run("solve", TINY, "--out", out).exit_code == 0
    before = tree(out)
    writer = _start(out, flag)
    _paused(writer, flag)  # the new result is complete beside, the old one in place
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait(timeout=60)
    assert tree(out) == before
    again = run("solve", TINY, "--out", out, "--excel")  # not blocked by the dead writer
    assert again.exit_code == 0, again.output
    assert (out / "results.xlsx").is_file()
