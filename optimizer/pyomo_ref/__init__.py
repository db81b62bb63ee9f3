"""The Pyomo reference formulation: the model for reading, extending and cross-checking.

``model_data`` reads the sets and parameters from the instance tables (the fiscal rules' in
``fiscal_data.py``), ``build_model`` states the model with one named constraint per family
(the fiscal rules' in ``fiscal.py``), ``hand_over`` passes it to HiGHS through
Pyomo's interface and ``run_pyomo`` solves it and maps the plan onto the array build's columns.
``srsopt solve --backend pyomo`` runs it; ``srsopt export --backend pyomo`` writes it.
"""

from optimizer.pyomo_ref.data import ModelData, model_data
from optimizer.pyomo_ref.model import build_model
from optimizer.pyomo_ref.solve import (
    PyomoHandle,
    check_stated,
    hand_over,
    named_highs,
    run_pyomo,
    solve_reference,
    to_columns,
)

__all__ = [
    "ModelData",
    "PyomoHandle",
    "build_model",
    "check_stated",
    "hand_over",
    "model_data",
    "named_highs",
    "run_pyomo",
    "solve_reference",
    "to_columns",
]
