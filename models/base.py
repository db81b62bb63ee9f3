"""Strict pydantic base shared by every settings model."""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field


class StrictModel(BaseModel):
    """Unknown keys are errors and objects are immutable once validated."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


Share = Annotated[float, Field(ge=0.0, le=1.0)]
"""A share of residents or of money, in [0, 1]."""

NonNegative = Annotated[float, Field(ge=0.0)]
"""A non-negative amount (million KZT, persons, or a weight)."""

Year = Annotated[int, Field(ge=1900, le=2200)]
"""A calendar year."""
