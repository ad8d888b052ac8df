"""``fastoptim info``: how fastoptim was built and what it uses on this machine."""
from .._config import show_config

__all__ = ["add_parser", "info_cmd"]


def info_cmd(args):
    """``fastoptim info``: print :func:`fastoptim.show_config`.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed ``info`` options (none).

    Returns
    -------
    int
        The exit status (0).
    """
    show_config()
    return 0


def add_parser(sub):
    """The ``info`` subcommand, on the subparsers ``sub`` of the main parser."""
    p = sub.add_parser("info", help="show how fastoptim was built",
                       description="Print the versions, compiler, flags, OpenMP and thread count.")
    p.set_defaults(run=info_cmd)
    return p
