"""The ``srsopt`` command line: one module per command group, and ``common`` for what they share."""
