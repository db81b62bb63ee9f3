"""How a plan is found: the strategies, heuristics, decomposition and its workers, staged objective modes, the result assembler and the live re-solve."""
