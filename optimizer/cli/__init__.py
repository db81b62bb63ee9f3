"""The ``srsopt`` command line: one module per command group, ``app`` registers them.

``common`` holds what the commands share; no command imports the app.
"""
