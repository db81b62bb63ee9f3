"""Process-wide machinery under every layer: the stop request and isolated worker processes.

``stopping`` turns SIGINT/SIGTERM into a request every HiGHS run and strategy stage looks at;
``isolated`` runs a function in a fresh interpreter that imports only srsopt's own code.
"""

from optimizer.runtime import isolated, stopping

__all__ = ["isolated", "stopping"]
