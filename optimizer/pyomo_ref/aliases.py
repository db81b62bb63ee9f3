"""Type aliases of the Pyomo reference's expressions and constraint rules."""

from __future__ import annotations

from typing import TypeAlias

from pyomo.core.expr.numvalue import NumericValue
from pyomo.core.expr.relational_expr import RelationalExpression

Expr: TypeAlias = NumericValue | float
"""A linear expression, or a number where a sum is empty."""
Rule: TypeAlias = RelationalExpression | type
"""What a constraint rule returns: an (in)equality, or ``Constraint.Skip`` (or ``Feasible``)."""
