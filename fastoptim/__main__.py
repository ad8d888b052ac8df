"""The ``fastoptim`` command (``python -m fastoptim``).

Until the main-job issue fills it, it prints the version and the build
configuration.
"""
import argparse
import sys


def main(argv=None):
    """Entry point of ``python -m fastoptim`` and the ``fastoptim`` script."""
    from . import __version__, show_config

    parser = argparse.ArgumentParser(
        prog="fastoptim",
        description="fastoptim: fast, exact optimizers and the convex models they train.",
    )
    parser.add_argument("--version", action="version", version=f"fastoptim {__version__}")
    parser.parse_args(argv)
    show_config()
    return 0


if __name__ == "__main__":
    sys.exit(main())
