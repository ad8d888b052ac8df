"""``python -m fastoptim``: the ``fastoptim`` command (its usage: :mod:`fastoptim._cli`)."""
import sys

from ._cli import build_parser, main

__all__ = ["main", "build_parser"]

if __name__ == "__main__":
    sys.exit(main())
