"""Placeholder: the `build` command module is being written; its issue owns this file."""

COMMANDS = ()
