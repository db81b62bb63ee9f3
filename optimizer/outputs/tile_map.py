"""A tile-grid map of Kazakhstan's regions: one square per region at its approximate place.

No boundary file is shipped, so the report draws the 17 oblasts and 3 cities of republican
significance as equal tiles on a 7 x 5 grid, coloured by a figure (remaining shortfall,
transfers). A tile's column follows the longitude of the region's administrative centre
(west to east) and its row the latitude (north to south), then nudged so that neighbours
touch as on the map: the division after the 2022 reform (Abai, Ulytau and Zhetysu regions).
Region ids are those of ``instances/kz-2026-2030/regions.csv``; any other set of regions is
laid out on a plain grid in its own order.
"""

from __future__ import annotations

import math
import textwrap

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.cm import ScalarMappable
from matplotlib.colors import ListedColormap, Normalize
from matplotlib.patches import Rectangle

from optimizer.outputs.labels import Translate, finite, number
from optimizer.outputs.report_charts import figure, svg, thousands

KAZAKHSTAN: dict[str, tuple[int, int, str]] = {
    # region_id: (column from the west, row from the north, administrative centre ~lat/lon)
    "north_kaz": (3, 0, "Petropavl 54.9N 69.1E"),
    "west_kaz": (0, 1, "Oral 51.2N 51.4E"),
    "aktobe": (1, 1, "Aktobe 50.3N 57.2E"),
    "kostanay": (2, 1, "Kostanay 53.2N 63.6E"),
    "akmola": (3, 1, "Kokshetau 53.3N 69.4E"),
    "pavlodar": (4, 1, "Pavlodar 52.3N 76.9E"),
    "atyrau": (0, 2, "Atyrau 47.1N 51.9E"),
    "ulytau": (2, 2, "Zhezkazgan 47.8N 67.7E"),
    "astana": (3, 2, "Astana 51.2N 71.4E"),
    "karaganda": (4, 2, "Karaganda 49.8N 73.1E"),
    "abai": (5, 2, "Semey 50.4N 80.2E"),
    "east_kaz": (6, 2, "Oskemen 49.9N 82.6E"),
    "mangystau": (0, 3, "Aktau 43.6N 51.2E"),
    "kyzylorda": (1, 3, "Kyzylorda 44.8N 65.5E"),
    "turkestan": (2, 3, "Turkestan 43.3N 68.3E"),
    "zhambyl": (3, 3, "Taraz 42.9N 71.4E"),
    "almaty_obl": (4, 3, "Konaev 43.9N 77.1E"),
    "zhetysu": (5, 3, "Taldykorgan 45.0N 78.4E"),
    "shymkent": (2, 4, "Shymkent 42.3N 69.6E"),
    "almaty_city": (4, 4, "Almaty 43.2N 76.9E"),
}
"""The tile of each of the 20 regions; centres' coordinates rounded from public gazetteers."""
_WRAP = 13
"""Characters per line of a region's name on its tile."""


def positions(region_ids: list[str]) -> dict[str, tuple[int, int]]:
    """Each region's tile (column, row).

    Kazakhstan's grid when it knows every region, else a plain grid about 1.5 times as wide as
    high, in the order given.
    """
    if region_ids and set(region_ids) <= set(KAZAKHSTAN):
        return {r: KAZAKHSTAN[r][:2] for r in region_ids}
    columns = max(1, math.ceil(math.sqrt(1.5 * len(region_ids))))
    return {r: (i % columns, i // columns) for i, r in enumerate(region_ids)}


def tile_map(values: pd.Series, names: pd.Series, key: str, title: str, colours: str,
             t: Translate) -> str:
    """The tile map of ``values`` (by region id; missing: grey ``–``) as inline SVG.

    ``names``: each region's name by id, in the order of a plain grid; ``colours``: a
    sequential matplotlib colormap, light for little (its palest tenth left out, so that
    nothing reads as white).
    """
    place = positions(list(names.index))
    columns = max(c for c, _ in place.values()) + 1
    rows = max(r for _, r in place.values()) + 1
    fig, (ax,) = figure(max(1.05 * columns + 0.3, 4.5), 1.05 * rows + 0.9)
    top = float(values.max()) if values.notna().any() else 0.0
    norm = Normalize(0.0, top if top > 0 else 1.0)
    cmap = ListedColormap(colormaps[colours](np.linspace(0.1, 1.0, 256)))
    for region, (col, row) in place.items():
        value = finite(values.get(region))
        fill = "#EEEEEE" if value is None else cmap(norm(value))
        ax.add_patch(Rectangle((col, -row), 0.94, 0.94, facecolor=fill, edgecolor="white",
                               gid=f"tile-{region}"))
        dark = value is not None and norm(value) > 0.55
        text = "\n".join(textwrap.wrap(str(names[region]), _WRAP, max_lines=3,
                                       placeholder="…"))
        shown = number(value, t.lang)
        ax.text(col + 0.47, -row + 0.62, text, ha="center", va="center", fontsize=6.5,
                color="white" if dark else "#222222")
        ax.text(col + 0.47, -row + 0.2, shown, ha="center", va="center", fontsize=8,
                fontweight="bold", color="white" if dark else "#222222")
    ax.set_xlim(-0.05, columns)
    ax.set_ylim(-rows + 0.9, 1.0)
    ax.set_aspect("equal")
    ax.axis("off")
    bar = fig.colorbar(ScalarMappable(norm=norm, cmap=cmap), ax=ax, orientation="horizontal",
                       fraction=0.05, pad=0.02, aspect=40)
    bar.ax.xaxis.set_major_formatter(thousands(t.lang))
    bar.set_label(title)
    return svg(fig, key, title)
