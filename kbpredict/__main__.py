"""``python -m kbpredict`` is the ``kbpredict`` command."""

from .cli import main

main()
