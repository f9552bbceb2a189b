"""Placeholder: the `actions` command module is being written; its issue owns this file."""

COMMANDS = ()
