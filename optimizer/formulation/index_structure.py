"""Index arrays of the project structure: spend profiles, groups and prerequisites.

Built once from the instance's optional ``project_spend`` and ``project_requires`` tables and
the ``projects.group`` column (docs/formulation.md, section 12). Absent, every array is empty
and nothing downstream changes: capex is spread evenly, no ``alternatives`` or
``prerequisite`` row is built.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from models.instance import Instance

_EMPTY_INT = np.zeros(0, dtype=np.int64)
_EMPTY_FLOAT = np.zeros(0)
_EMPTY_BOOL = np.zeros(0, dtype=bool)


@dataclass(frozen=True)
class StructureIndex:
    """Spend profiles, groups and prerequisites as flat arrays over project positions."""

    profiled: np.ndarray = field(default_factory=lambda: _EMPTY_BOOL)
    """Per project: whether it has a spend profile (else its capex is spread evenly); empty
    when no project has one."""
    profile_key: np.ndarray = field(default_factory=lambda: _EMPTY_INT)
    """``project * stride + k`` of each profile row (``k`` = construction year - 1), sorted."""
    profile_share: np.ndarray = field(default_factory=lambda: _EMPTY_FLOAT)
    """Share of the project's capex spent in that construction year."""
    stride: int = 1
    """Longest duration plus one: keys of one project never reach the next one's."""
    group_row: np.ndarray = field(default_factory=lambda: _EMPTY_INT)
    """Per project: its ``alternatives`` row, -1 when none (no group, or the only project of
    its group that can start); empty when no project has a group."""
    group_names: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=str))
    """Group name of each ``alternatives`` row."""
    requires_project: np.ndarray = field(default_factory=lambda: _EMPTY_INT)
    """Prerequisites: position of the project that requires (not excluded)."""
    requires_on: np.ndarray = field(default_factory=lambda: _EMPTY_INT)
    """Position of the project it requires; -1 when that one is excluded (never starts)."""
    requires_id: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=str))
    """Id of the project required (excluded ones have no position)."""

    @property
    def has_profiles(self) -> bool:
        """Whether any project spends by a profile."""
        return bool(len(self.profile_key))

    @property
    def has_rules(self) -> bool:
        """Whether any ``alternatives`` or ``prerequisite`` row can exist."""
        return bool(len(self.group_names) or len(self.requires_project))


def required_projects(instance: Instance, project_ids: pd.Series) -> np.ndarray:
    """Which of ``project_ids`` another project requires (their late starts are kept)."""
    return project_ids.isin(instance.project_requires["requires"]).to_numpy(bool)


def build_structure_index(instance: Instance, project_ids: np.ndarray, duration: np.ndarray,
                          start_count: np.ndarray) -> StructureIndex:
    """The structure arrays for the projects ``project_ids`` (those not excluded)."""
    spend, requires = instance.project_spend, instance.project_requires
    groups = instance.projects["group"].astype(str)
    if spend.empty and requires.empty and not groups.to_numpy(bool).any():
        return StructureIndex()
    ids = pd.Index(project_ids)
    out = StructureIndex()
    if not spend.empty:
        project = ids.get_indexer(spend["project_id"])
        k = spend["construction_year"].to_numpy(np.int64) - 1
        keep = project >= 0
        stride = int(duration.max(initial=1)) + 1
        key = project[keep] * stride + k[keep]
        order = np.argsort(key, kind="stable")
        profiled = np.zeros(len(project_ids), dtype=bool)
        profiled[project[keep]] = True
        out = replace(out, profiled=profiled, profile_key=key[order],
                      profile_share=spend["share"].to_numpy(float)[keep][order], stride=stride)
    active = ids.get_indexer(instance.projects["project_id"])
    named = (groups.to_numpy() != "") & (active >= 0)
    named[named] &= start_count[active[named]] > 0  # a project that cannot start is no rival
    if named.any():
        codes, names = pd.factorize(groups.to_numpy()[named])
        size = np.bincount(codes)
        row = np.cumsum(size >= 2) - 1  # only groups with two projects that can start
        group_row = np.full(len(project_ids), -1, dtype=np.int64)
        group_row[active[named]] = np.where(size[codes] >= 2, row[codes], -1)
        out = replace(out, group_row=group_row,
                      group_names=np.asarray(names[size >= 2], dtype=str))
    if not requires.empty:
        p = ids.get_indexer(requires["project_id"])
        q = ids.get_indexer(requires["requires"])
        keep = p >= 0  # an excluded project requires nothing
        out = replace(out, requires_project=p[keep].astype(np.int64),
                      requires_on=q[keep].astype(np.int64),
                      requires_id=requires["requires"].to_numpy(str)[keep])
    return out
