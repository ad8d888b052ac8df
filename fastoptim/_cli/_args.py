"""What the subcommands share on the command line: CLIError and the argparse types
and option groups (each type rejects a bad value with a message that names it)."""
import argparse

__all__ = ["CLIError", "positive_int", "positive_float", "nonneg_float", "seed", "fraction",
           "svc_gamma", "add_penalty_options", "add_svc_options", "add_data_options", "SVC_KERNELS", "SEED_MAX"]


class CLIError(Exception):
    """A mistake in the command line or the input files: printed as one line, exit status 2."""


def positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} must be >= 1")
    return value


def _finite_float(strict):
    """An argparse type: a finite number > 0 (strict) or >= 0."""
    op = ">" if strict else ">="

    def parse(text):
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not (value > 0 if strict else value >= 0) or value == float("inf"):
            raise argparse.ArgumentTypeError(f"{text} must be a finite number {op} 0")
        return value

    parse.__name__ = "positive_float" if strict else "nonnegative_float"
    return parse


positive_float = _finite_float(strict=True)
nonneg_float = _finite_float(strict=False)

SEED_MAX = 2 ** 32 - 1  # numpy's RandomState takes seeds in [0, 2**32 - 1]


def seed(text):
    """An argparse type: a seed, a whole number in [0, 2**32 - 1]."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 0 <= value <= SEED_MAX:
        raise argparse.ArgumentTypeError(f"{value} is outside [0, {SEED_MAX}] (2**32 - 1)")
    return value


def fraction(text):
    """An argparse type: a number strictly between 0 and 1."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 < value < 1:  # NaN fails too
        raise argparse.ArgumentTypeError(f"{text} must be a number between 0 and 1 (exclusive)")
    return value


SVC_KERNELS = ("rbf", "linear", "poly", "sigmoid")


def svc_gamma(text):
    """An argparse type: SVC's gamma, 'scale', 'auto' or a finite number > 0.

    Parameters
    ----------
    text : str

    Returns
    -------
    str or float
    """
    if text in ("scale", "auto"):
        return text
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is neither 'scale', 'auto' nor a "
                                         f"number") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"{text} must be 'scale', 'auto' or a finite "
                                         f"number > 0")
    return value


def add_penalty_options(p):
    """-C and --alpha (the penalties of the linear models and SVC), on the parser p."""
    p.add_argument("-C", type=positive_float, default=None,
                   help="inverse penalty of logistic/softmax/linearsvc/svc (default: 1.0)")
    p.add_argument("--alpha", type=nonneg_float, default=None,
                   help="penalty of ridge (default: 1.0), L2 penalty of the networks' weights "
                        "(default: 1e-4)")


def add_svc_options(p):
    """--kernel and --gamma (SVC's), on the parser p."""
    p.add_argument("--kernel", choices=SVC_KERNELS, default=None,
                   help="kernel of svc (default: rbf); only for --model svc")
    p.add_argument("--gamma", type=svc_gamma, default=None, metavar="G",
                   help="kernel coefficient of svc: 'scale' (1 / (n_features * X.var())), "
                        "'auto' (1 / n_features) or a number > 0 (default: scale); only for "
                        "--model svc")


def add_data_options(p):
    """--format, --target-column and the svmlight index base, on the parser p."""
    p.add_argument("--format", choices=("auto", "svmlight", "csv"), default="auto",
                   help="data file format (default: by extension -- .csv/.tsv are CSV, "
                        ".svm/.svmlight/.libsvm svmlight -- else by the first line)")
    p.add_argument("--target-column", type=int, default=None, metavar="K",
                   help="CSV files: the column holding the labels (default: the last)")
    base = p.add_mutually_exclusive_group()
    base.add_argument("--zero-based", dest="zero_based", action="store_const", const=True,
                      default="auto",
                      help="svmlight files: feature indices start at 0 (default: guessed -- "
                           "zero-based when an index 0 occurs; predict and compare --test "
                           "read test files with the training file's base, stored in the "
                           "model file)")
    base.add_argument("--one-based", dest="zero_based", action="store_const", const=False,
                      help="svmlight files: feature indices start at 1 (LIBSVM's convention)")
