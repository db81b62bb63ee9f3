"""Checks independent of how a plan was found: the verifier, the pre-solve checks, the infeasibility explanation and IIS."""
