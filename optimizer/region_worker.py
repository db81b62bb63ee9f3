"""A worker process for the Lagrangian decomposition: region blocks in, bounds and plans out.

Started as ``python -m optimizer.region_worker`` with a pickle on stdin, so that it never
imports the caller's ``__main__`` (as ``multiprocessing``'s spawn would: a script without an
``if __name__ == "__main__"`` guard would run again in every worker).
"""

from __future__ import annotations

import pickle
import subprocess
import sys

from optimizer.decompose import RegionModel, solve_regions
from optimizer.highs import HighsOptions


def run_worker(models: list[RegionModel], options: HighsOptions, deadline: float
               ) -> list[tuple]:
    """Solve ``models`` in a fresh Python process and return ``solve_regions``' rows."""
    done = subprocess.run([sys.executable, "-m", "optimizer.region_worker"],
                          input=pickle.dumps((models, options, deadline)),
                          capture_output=True, check=True)
    return pickle.loads(done.stdout)


def main() -> None:
    """Read (models, options, deadline) from stdin, write the solved rows to stdout."""
    models, options, deadline = pickle.loads(sys.stdin.buffer.read())
    rows = solve_regions(models, options, deadline)
    sys.stdout.buffer.write(pickle.dumps(rows))


if __name__ == "__main__":
    main()
