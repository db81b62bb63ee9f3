"""Many solves for one question: what-if comparisons, budget sweeps, near-optimal alternatives, re-planning against an approved plan."""
