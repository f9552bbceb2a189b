"""pmsite: blameless postmortems as code.

The package is a pipeline of plain stages (load, validate, lint, history,
aggregate, render, index); ``pmsite.cli`` only wires them together.
"""

__version__ = "0.1.0"
