"""Placeholder: the `timeline` command module is being written; its issue owns this file."""

COMMANDS = ()
