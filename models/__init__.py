"""Pure data for srsopt: the allocation instance, its validation, and results.

Nothing in this package imports a solver; ``srsopt validate`` runs on it alone.
"""

from models.errors import InstanceError, Issue
from models.instance import Instance
from models.settings import InstanceSettings

__all__ = ["Instance", "InstanceError", "InstanceSettings", "Issue"]
