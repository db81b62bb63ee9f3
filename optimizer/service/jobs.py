"""What a job is made of: its stored inputs and options, checked at submission, rebuilt to run.

``Submission`` is checked in the web process before anything is queued (the instance and any
scenario or plan validated: 422 with every located error); the job row keeps only hashes and
options, and ``payload`` rebuilds the same objects from the stored files when the job runs: on
the Dask worker, from the files' bytes sent with the task (``files_of``, ``unpacked``).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, Literal

from models.instance import Instance
from models.scenario import ScenarioError
from optimizer.analysis.plan_input import PlanError, read_plan
from optimizer.analysis.whatif import Case, scenario_case
from optimizer.service.inputs import Inputs, load

Kind = Literal["solve", "whatif", "evaluate"]
KINDS: tuple[Kind, ...] = ("solve", "whatif", "evaluate")
SOLVER_OPTIONS = ("time_limit", "gap", "threads")


class SubmissionError(ValueError):
    """A scenario or draft plan that cannot be used; ``errors`` are located like the instance's."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__("; ".join(str(e["message"]) for e in errors))
        self.errors = errors


def versions() -> dict[str, str]:
    """Srsopt's and HiGHS's versions: a reused result must come from the same ones."""
    found = {}
    for name, package in (("srsopt", "srsopt"), ("highs", "highspy")):
        try:
            found[name] = version(package)
        except PackageNotFoundError:
            found[name] = "unknown"
    return found


def reuse_key(kind: str, input_sha256: str, options: dict[str, Any]) -> str:
    """sha256 of the kind, the input, the options (other inputs' hashes too) and versions."""
    text = json.dumps([kind, input_sha256, options, versions()], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class Stored:
    """A job's inputs as stored: the instance's hash and form, scenarios and plan by hash."""

    sha256: str
    suffix: str
    scenarios: list[str] = field(default_factory=list)
    """``<sha256><suffix>`` of each scenario file, in order."""
    plan: str | None = None
    """``<sha256><suffix>`` of the draft plan (evaluate)."""

    def record(self) -> dict[str, Any]:
        """What goes into the job's ``options`` besides the solver's."""
        return {"input": f"{self.sha256}{self.suffix}", "scenarios": self.scenarios,
                "plan": self.plan}


def _split(name: str) -> tuple[str, str]:
    return name[:64], name[64:]


def scenario_paths(inputs: Inputs, names: list[str]) -> list[Path]:
    """The stored scenario files, in order."""
    return [inputs.path(*_split(name)) for name in names]


def _cases(instance: Instance, paths: list[Path], whatif: bool) -> list[Case]:
    """The base and one case per scenario file (whatif), or the scenarios applied in order."""
    try:
        if not whatif:
            return [scenario_case(instance, ",".join(map(str, paths)))] if paths else []
        cases = [Case(name="base", instance=instance)]
        for path in paths:
            case = scenario_case(instance, str(path))
            name, k = case.name, 2
            while name in {c.name for c in cases}:
                name, k = f"{case.name} ({k})", k + 1
            cases.append(Case(name, case.instance, case.record, case.scenarios))
        return cases
    except ScenarioError as exc:
        raise SubmissionError([{"table": "scenario", "row": p.line, "id": None,
                                "field": p.where, "message": p.message}
                               for p in exc.problems]) from None


def _starts(instance: Instance, path: Path) -> Any:
    try:
        return read_plan(path, instance)
    except PlanError as exc:
        raise SubmissionError([{"table": "plan", "row": i.line, "id": i.row_id,
                                "field": i.field, "message": i.message} for i in exc.issues]
                              ) from None


def payload(kind: str, stored: Stored, options: dict[str, Any], inputs: Inputs
            ) -> dict[str, Any]:
    """What the worker's task needs: the instance (and cases or plan) and the solver options.

    Raises:
        InstanceError, BadUploadError, SubmissionError: an input that cannot be used.
    """
    instance = load(inputs.path(stored.sha256, stored.suffix))
    solver = {"time_limit": options.get("time_limit"), "mip_rel_gap": options.get("gap"),
              "threads": options.get("threads")}
    out: dict[str, Any] = {"kind": kind, "instance": instance, "options": solver,
                           "excel": options.get("excel", True),
                           "report": options.get("report", True)}
    paths = scenario_paths(inputs, stored.scenarios)
    if kind == "whatif":
        out["cases"] = _cases(instance, paths, whatif=True)
    elif paths:
        case = _cases(instance, paths, whatif=False)[0]
        out["instance"], out["record"] = case.instance, case.record
    if kind == "evaluate":
        if stored.plan is None:
            raise SubmissionError([{"table": "plan", "row": None, "id": None, "field": "plan",
                                    "message": "an evaluation needs a draft plan"}])
        out["starts"] = _starts(out["instance"], inputs.path(*_split(stored.plan)))
    return out


def stored_of(options: dict[str, Any]) -> Stored:
    """The ``Stored`` inputs recorded in a job's options."""
    sha, suffix = _split(options["input"])
    return Stored(sha, suffix, list(options.get("scenarios") or []), options.get("plan"))


def files_of(options: dict[str, Any], inputs: Inputs) -> dict[str, bytes]:
    """The stored files a job reads (``<sha256><suffix>`` -> bytes): what travels with its task.

    The server sends bytes, not the instance built from them: building it is the pandas work
    of a validation, which in the web process held the GIL against the event loop, and a
    pickled instance was unpickled again by the scheduler (in the web process too).
    """
    stored = stored_of(options)
    names = [stored.record()["input"], *stored.scenarios, *([stored.plan] if stored.plan else [])]
    return {name: inputs.path(*_split(name)).read_bytes() for name in names}


@contextlib.contextmanager
def unpacked(files: dict[str, bytes]) -> Iterator[Inputs]:
    """``files_of``'s files as an ``Inputs`` in a temporary folder (where the job runs)."""
    with tempfile.TemporaryDirectory(prefix="srsopt-inputs-") as folder:
        inputs = Inputs(Path(folder))
        for name, data in files.items():
            inputs.path(*_split(name)).write_bytes(data)
        yield inputs
