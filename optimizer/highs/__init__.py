"""The HiGHS adapter: arrays in; status, values, duals and bound out; interrupts, checked MIP starts, readable names and LP/MPS export. No strategy lives here."""
