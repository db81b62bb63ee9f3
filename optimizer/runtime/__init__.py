"""Process-wide machinery under every layer: the stop request (SIGINT/SIGTERM) and isolated worker processes."""
