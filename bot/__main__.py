"""``python -m bot``: the same as the ``reachout`` command."""

from bot.cli import run

run()
