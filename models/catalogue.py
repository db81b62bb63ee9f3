"""The reference SRS standards catalogue and the unit costs used to price synthetic projects.

Both tables are defaults an analyst can override: the per-type thresholds of Resolution
No. 710 (2025) sit in annexes that were not retrieved, so ``applies_to`` and ``min_population``
follow the settlement categories of the SRS and are labelled as assumptions in ``source``.
Unit costs are order-of-magnitude figures from press reports (``docs/data.md``, design
``domain.md`` §4), in million KZT.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from models.checks import applicable_mask

_RESOLUTION = "Government resolution No. 710 of 02.09.2025 (SRS for settlements)"
_ORDER = "joint order MNE No. 29 of 20.04.2019, reg. No. 18592 (rev. 2023)"
_THRESHOLD = "type list and population threshold assumed (annex not retrieved)"

URBAN_TYPES = "city_republican;city_regional;town_district"
RURAL_TYPES = "district_center;rural_okrug_center;rural_support;rural_satellite;rural_other"

_ROWS: list[tuple[str, str, str, str, int]] = [
    # standard_id, name, category, applies_to, min_population (persons)
    ("school", "General secondary school within reach", "education", "all", 200),
    ("kindergarten", "Pre-school organisation (kindergarten or mini-centre)", "education",
     "all", 500),
    ("phc", "Primary health care point (medical point, FAP or outpatient clinic)", "health",
     RURAL_TYPES, 0),
    ("polyclinic", "Urban outpatient clinic (polyclinic) within reach", "health",
     URBAN_TYPES, 0),
    ("hospital", "District (multi-profile) hospital", "health",
     "city_regional;town_district;district_center", 0),
    ("social_center", "Social services centre (elderly and disabled day care)",
     "social_protection", "city_republican;city_regional;town_district;district_center;"
     "rural_okrug_center", 0),
    ("culture_house", "House of culture or club", "culture", "all", 300),
    ("library", "Public library or branch", "culture", "all", 200),
    ("sport_facility", "Sports hall or equipped sports ground", "sport", "all", 500),
    ("water", "Centralised drinking water supply", "engineering", "all", 0),
    ("gas", "Natural gas supply (gasification)", "engineering", "all", 0),
    ("sewerage", "Centralised sewerage", "engineering", URBAN_TYPES + ";district_center", 0),
    ("road", "Paved road link and streets in normative condition", "transport", "all", 0),
]

STANDARDS: pd.DataFrame = pd.DataFrame(
    {
        "standard_id": [r[0] for r in _ROWS],
        "name": [r[1] for r in _ROWS],
        "source": [f"{_RESOLUTION}; {_ORDER}; {_THRESHOLD}" for _ in _ROWS],
        "category": [r[2] for r in _ROWS],
        "applies_to": [r[3] for r in _ROWS],
        "min_population": [r[4] for r in _ROWS],
    }
)
"""The reference catalogue: 13 standards over the 7 categories of the reference instance."""

_AEB = "https://astanatimes.com/2023/01/kazakhstan-allocates-312-million-in-2023-to-modernize-rural-areas"
_COST_ROWS: list[tuple[str, float, float, float, float, int, int, str, str]] = [
    # standard_id, capex_base, per_person_rural, per_person_urban, opex_rate,
    # duration_rural, duration_urban, basis, source
    ("school", 150, 0.53, 0.64, 0.04, 2, 3,
     "rural school 300 places ≈ 800 mn (2.7 mn/place); Comfortable School ≈ 6.5 bn, "
     "3.2 mn/place; 0.2 places per resident",
     "https://ehonews.kz/v-turkestanskoj-oblasti-otkroyut-shkolu-na-300-mest ; "
     "https://kapital.kz/gosudarstvo/118490/na-stroitel-stvo-komfortnykh-shkol-planiruyet-sya-"
     "vydelit-2-4-trln-tenge.html"),
    ("kindergarten", 100, 0.40, 0.44, 0.05, 2, 2,
     "280 places ≈ 1.5–2 bn (≈6.25 mn/place); 0.07 places per resident",
     "https://zakon.kz/amp/obshestvo/6461150-na-vozvrashchennye-gosudarstvu-dengi-v-"
     "petropavlovske-postroyat-detsad.html ; https://alau.kz/v-kostanajskom-mikrorajone-"
     "ajeroport-otkroetsja-dolgozhdannyj-detskij-sad"),
    ("phc", 90, 0.06, 0.06, 0.06, 1, 1,
     "rural PHC facility ≈ 135–198 mn (192 mn average of 655)",
     "https://qazinform.com/news/kazakhstan-builds-655-rural-healthcare-facilities-fd83cc"),
    ("polyclinic", 300, 0.03, 0.03, 0.06, 2, 2,
     "ASSUMPTION: PHC unit cost scaled to urban catchments (no urban benchmark found)",
     "https://qazinform.com/news/kazakhstan-builds-655-rural-healthcare-facilities-fd83cc"),
    ("hospital", 1500, 0.10, 0.10, 0.06, 3, 3,
     "ASSUMPTION: district hospital ≈ 3 bn for 15,000 residents (no benchmark found)", ""),
    ("social_center", 50, 0.02, 0.02, 0.05, 1, 1,
     "Auyl – El Besigi average project ≈ 95 mn (proxy)", _AEB),
    ("culture_house", 60, 0.03, 0.03, 0.04, 1, 2,
     "Auyl – El Besigi average project ≈ 95 mn (proxy)", _AEB),
    ("library", 20, 0.01, 0.01, 0.03, 1, 1,
     "Auyl – El Besigi average project ≈ 95 mn (proxy, smaller facility)", _AEB),
    ("sport_facility", 50, 0.03, 0.03, 0.04, 1, 2,
     "Auyl – El Besigi average project ≈ 95 mn (proxy)", _AEB),
    ("water", 150, 0.20, 0.06, 0.03, 2, 2,
     "rural water project ≈ 420 mn (267 projects, 113 bn, 2023)",
     "https://jjtv.kz/en/news/society/31061-kazakhstan-allocates-280-billion-tenge-for-"
     "construction-of-water-supply-systems-in-2023"),
    ("gas", 150, 0.30, 0.25, 0.02, 2, 2,
     "gasification ≈ 1.2 bn per settlement, ≈ 0.32 mn per person (2025)",
     "https://rus.baq.kz/95-naselennyh-punktov-poluchili-gaz-za-god-v-kazahstane_300029184/"),
    ("sewerage", 200, 0.12, 0.06, 0.03, 2, 2,
     "ASSUMPTION: water-supply unit cost used as proxy (≈ 0.42–0.52 bn per project)",
     "https://jjtv.kz/en/news/society/31061-kazakhstan-allocates-280-billion-tenge-for-"
     "construction-of-water-supply-systems-in-2023"),
    ("road", 112, 0.07, 0.02, 0.07, 1, 1,
     "local road ≈ 26–30 mn/km (28 used): 4 km + 1 km per 400 rural residents served; "
     "upkeep ≈ 2 mn/km/year",
     "https://kazpravda.kz/n/dengi-na-remont-dorog/ ; https://wfin.kz/novosti/obschestvo-i-"
     "politika/97572-stoimost-odnogo-kilometra-dorogi-nazvali-v-kazakhstane.html"),
]

UNIT_COSTS: pd.DataFrame = pd.DataFrame(
    _COST_ROWS,
    columns=["standard_id", "capex_base", "per_person_rural", "per_person_urban", "opex_rate",
             "duration_rural", "duration_urban", "basis", "source"],
).set_index("standard_id")
"""Unit costs per standard, million KZT.

A project that newly serves ``n`` residents costs ``capex_base + per_person * n`` (rural or
urban rate), times a lognormal noise in the generator; opex per year is ``opex_rate * capex``.
"""


def typical_capex(standard_id: str, served: float, *, urban: bool = False) -> float:
    """Capex of a project newly serving ``served`` residents (million KZT), without noise."""
    row = UNIT_COSTS.loc[standard_id]
    assert isinstance(row, pd.Series)  # the standard ids are unique: one row
    rate = row["per_person_urban"] if urban else row["per_person_rural"]
    return float(row["capex_base"] + rate * served)


def applicable_matrix(
    types: np.ndarray, population: np.ndarray, standards: pd.DataFrame = STANDARDS
) -> np.ndarray:
    """Boolean matrix (settlements × standards) of the applicable pairs ``A``.

    The validator's rule (``models.checks.applicable_mask``) applied to bare arrays.
    """
    settlements = pd.DataFrame({"type": types, "population": np.asarray(population, float)})
    return applicable_mask(settlements, standards.assign(
        min_population=standards["min_population"].fillna(0.0)))
