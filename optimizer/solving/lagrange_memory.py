"""What a Lagrangian decomposition leaves for the solve of a changed model: prices and blocks.

A what-if case changes the base model a little, so the base's decomposition is almost the
changed one's. Kept from it (small and picklable, by region id, so it travels with the base's
result to a worker that builds the changed model from scratch):

- the multipliers ``mu`` of the linking rows: ``L(mu)`` is a valid lower bound of any model
  with the same linking rows, computed with that model's own row sides and blocks
  (``optimizer.solving.decompose``);
- each region's block as priced at ``mu``: a digest of its matrix, costs and integrality (of
  the cumulative block), its column bounds and row sides, its bound and plan. A block of the
  changed model with the same digest, bounds and sides no wider than remembered (the same MIP,
  or one whose plans are a subset of its plans: a cut envelope lowers each region's cap of
  ``max_envelope_share`` of it) whose remembered plan still meets them is not solved again: the
  remembered bound is below its optimum, and the plan is one of its plans of the same objective.
  Any other block is solved again, its previous plan handed to its MIP as a start (through the
  claim-checked path, ``optimizer.highs.mip_start``) when its columns are laid out as before.
"""

from __future__ import annotations

import hashlib
import zlib
from dataclasses import dataclass, replace

import numpy as np

from optimizer.formulation.index import FloatArray, IntArray
from optimizer.highs.mip_start import meets_rows
from optimizer.solving.cumulative import CumulativeModel
from optimizer.solving.regions import RegionModel, RegionRow


@dataclass(frozen=True, eq=False)
class RegionMemo:
    """One block's digests, and its bound and plan (the plan's nonzeros, original columns)."""

    digest: str
    """Of its matrix, costs and integrality (and ``layout``): the MIP but for bounds and sides."""
    layout: str
    """Of its structure only (nonzero pattern, integrality, start chains): a plan of the one is
    a start of the other."""
    packed_sides: bytes
    """Column lower and upper bounds, then row lower and upper sides (``block_sides``),
    compressed: mostly 0, 1 and infinity, they shrink tenfold (the national model's memory
    0.34 MB pickled)."""
    bound: float
    status: str
    size: int
    support: IntArray
    values: FloatArray

    @property
    def sides(self) -> FloatArray:
        """The block's column bounds and row sides when it was solved."""
        return np.frombuffer(zlib.decompress(self.packed_sides), dtype=float)

    def plan(self) -> FloatArray:
        """The block's plan as a full vector of its columns."""
        x = np.zeros(self.size)
        x[self.support] = self.values
        return x


@dataclass(frozen=True, eq=False)
class LagrangeMemory:
    """A decomposition's multipliers and blocks (see the module doc)."""

    linking: tuple[int, ...]
    """Rows of each linking family (``decompose.LINKING``) the multipliers belong to."""
    mu: FloatArray
    regions: dict[str, RegionMemo]
    """By region id."""


def block_digests(model: CumulativeModel) -> tuple[str, str]:
    """(digest of the block but for its bounds and sides, digest of its layout): ``RegionMemo``."""
    layout = hashlib.blake2b(digest_size=16)
    for part in (np.asarray(model.matrix.shape), model.matrix.indptr, model.matrix.indices,
                 model.integer, model.previous):
        layout.update(np.ascontiguousarray(part).tobytes())
    whole = layout.copy()
    for part in (model.matrix.data, model.cost, np.asarray([model.offset])):
        whole.update(np.ascontiguousarray(part, dtype=float).tobytes())
    return whole.hexdigest(), layout.hexdigest()


def block_sides(model: CumulativeModel) -> FloatArray:
    """The block's column bounds and row sides, in one array."""
    return np.concatenate([model.col_lower, model.col_upper, model.row_lower, model.row_upper])


def _still_holds(memo: RegionMemo, model: CumulativeModel) -> bool:
    """Whether ``memo``'s bound and plan are the block's: its plans a subset, the plan one.

    The bound holds on the first condition alone (a plan kept from a region MIP that found none
    is its LP solution, which the check does not hold to integrality).
    """
    sides, before = block_sides(model), memo.sides
    if len(sides) != len(before):
        return False
    n, m = len(model.cost), len(model.row_lower)
    lower = np.r_[np.ones(n, dtype=bool), np.zeros(n, dtype=bool), np.ones(m, dtype=bool),
                  np.zeros(m, dtype=bool)]
    if not np.where(lower, sides >= before, sides <= before).all():
        return False
    if np.array_equal(sides, before):
        return True
    return meets_rows(model.matrix, model.row_lower, model.row_upper, model.col_lower,
                      model.col_upper, model.start(memo.plan()))


def recall(models: list[RegionModel], keys: list[tuple[str, str]],
           memory: LagrangeMemory | None) -> tuple[list[RegionRow], list[RegionModel]]:
    """The rows of blocks whose remembered bound and plan still hold, and the blocks to solve.

    A block left to solve whose layout is the remembered one gets the remembered plan as start.
    """
    kept: list[RegionRow] = []
    todo: list[RegionModel] = []
    for model, (digest, layout) in zip(models, keys, strict=True):
        memo = None if memory is None else memory.regions.get(model.name)
        if memo is not None and memo.digest == digest and _still_holds(memo, model.model):
            kept.append((model.region, memo.bound, memo.plan(), memo.status))
        elif memo is not None and memo.layout == layout:
            todo.append(replace(model, start=memo.plan()))
        else:
            todo.append(model)
    return kept, todo


def remember(linking: tuple[int, ...], mu: FloatArray, models: list[RegionModel],
             keys: list[tuple[str, str]], rows: list[RegionRow]) -> LagrangeMemory:
    """The memory of a decomposition: ``rows`` of every one of ``models``, priced at ``mu``."""
    by_region = {row[0]: row for row in rows}
    regions = {}
    for model, (digest, layout) in zip(models, keys, strict=True):
        _, bound, plan, status = by_region[model.region]
        support = np.flatnonzero(plan)
        regions[model.name] = RegionMemo(digest=digest, layout=layout,
                                         packed_sides=zlib.compress(
                                             block_sides(model.model).tobytes()),
                                         bound=float(bound),
                                         status=status, size=len(plan), support=support,
                                         values=np.asarray(plan)[support])
    return LagrangeMemory(linking=linking, mu=np.array(mu, dtype=float), regions=regions)
