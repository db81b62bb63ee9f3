"""``srsopt`` as a real process for the tests that signal, kill or watch it."""

from __future__ import annotations

import contextlib
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path


class Srsopt:
    """``srsopt`` as a real process, its merged output read line by line as it comes."""

    def __init__(self, *args: object, cwd: Path) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "optimizer.cli.app", *map(str, args)],
                                     cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True)
        self.lines: queue.Queue[str] = queue.Queue()
        self.output: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line)

    def wait_for(self, text: str, count: int = 1, timeout: float = 60.0) -> None:
        """Block until ``text`` has appeared in ``count`` lines."""
        end = time.monotonic() + timeout
        seen = sum(text in line for line in self.output)
        while seen < count:
            try:
                line = self.lines.get(timeout=0.5)
            except queue.Empty:
                assert self.proc.poll() is None, f"srsopt ended first: {self.text}"
                assert time.monotonic() < end, f"no {text!r} in time: {self.text}"
                continue
            self.output.append(line)
            seen += text in line

    def signal_and_wait(self, signum: int, *, again: tuple[int, ...] = ()) -> tuple[int, float]:
        """Send ``signum``, then ``again`` in turn every 0.1 s until the end (while srsopt stops
        and writes); the exit code and the seconds from the first signal to the end."""
        sent = time.monotonic()
        self.proc.send_signal(signum)
        k = 0
        while again and self.proc.poll() is None:
            time.sleep(0.1)
            with contextlib.suppress(ProcessLookupError):
                self.proc.send_signal(again[k % len(again)])
            k += 1
        code = self.proc.wait(timeout=30)
        elapsed = time.monotonic() - sent
        self.reader.join(timeout=5)  # the rest of the output, up to its end
        while not self.lines.empty():
            self.output.append(self.lines.get())
        return code, elapsed

    def finish(self, timeout: float = 120.0) -> int:
        """Wait for the end; the exit code, with the output read to its end."""
        code = self.proc.wait(timeout=timeout)
        self.reader.join(timeout=5)
        while not self.lines.empty():
            self.output.append(self.lines.get())
        return code

    @property
    def text(self) -> str:
        return " ".join("".join(self.output).split())
