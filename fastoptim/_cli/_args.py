"""What the subcommands share on the command line: CLIError and the argparse types
and option groups (each type rejects a bad value with a message that names it)."""
import argparse

__all__ = ["CLIError", "positive_int", "positive_float", "nonneg_float", "seed", "fraction",
           "svc_gamma", "class_weight_item", "folds", "add_penalty_options", "add_svc_options",
           "add_data_options", "add_liblinear_options", "liblinear_spellings", "SVC_KERNELS",
           "SEED_MAX"]


class CLIError(Exception):
    """A mistake in the command line or the input files: printed as one line, exit status 2."""


def _whole_number(minimum, too_small):
    """An argparse type: a whole number >= minimum (``too_small`` formats the refusal)."""
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(too_small.format(value=value))
        return value
    return parse


#: An argparse type: a whole number >= 1.
positive_int = _whole_number(1, "{value} must be >= 1")


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


def class_weight_item(text):
    """An argparse type: one ``-w LABEL=WEIGHT`` (liblinear's -wi), as (label text, weight).

    The label is matched against the training labels later (numbers or strings); the weight
    must be a finite number >= 0.
    """
    label, sep, weight = text.rpartition("=")
    if not sep or not label.strip():
        raise argparse.ArgumentTypeError(f"{text!r} is not LABEL=WEIGHT (e.g. -w 1=5 weighs "
                                         f"class 1's errors 5 times)")
    try:
        value = float(weight)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: the weight {weight!r} is not a "
                                         f"number") from None
    if not 0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r}: the weight must be a finite number >= 0")
    return label.strip(), value


#: An argparse type: the K of ``-v K`` (K-fold cross-validation), a whole number >= 2.
folds = _whole_number(2, "{value}: cross-validation needs K >= 2 folds")


def liblinear_spellings(argv):
    """argv with liblinear's ``-wLABEL WEIGHT`` (e.g. ``-w1 5``, ``-w-1 0.5``) rewritten as
    ``-w LABEL=WEIGHT``, and ``-w -1=0.5`` (a label starting with '-', which argparse would
    take for an option) as ``-w=-1=0.5``.  Other arguments are left as they are."""
    out, i = [], 0
    while i < len(argv):
        arg = argv[i]
        nxt = argv[i + 1] if i + 1 < len(argv) else None
        if arg.startswith("-w") and len(arg) > 2 and "=" not in arg and nxt is not None \
                and _is_number(nxt):
            out.append(f"-w={arg[2:]}={nxt}")
            i += 2
            continue
        if arg == "-w" and nxt is not None and nxt.startswith("-") and "=" in nxt:
            out.append(f"-w={nxt}")
            i += 2
            continue
        out.append(arg)
        i += 1
    return out


def _is_number(text):
    try:
        float(text)
    except ValueError:
        return False
    return True


def add_liblinear_options(p, *, cross_validation=False, dual=True):
    """The options liblinear's users bring (``-e``, ``-w``, ``--dual``/``--primal``, ``-q``,
    ``--threads``, ``--scale``; ``-v`` with cross_validation), on the parser p."""
    p.add_argument("-e", "--tol", type=positive_float, default=None, metavar="EPS",
                   help="the stopping tolerance of the solver, the estimator's tol (default: "
                        "the estimator's)")
    p.add_argument("-w", dest="class_weight", action="append", type=class_weight_item,
                   default=None, metavar="LABEL=WEIGHT",
                   help="weigh the errors on class LABEL by WEIGHT (class_weight; repeat for "
                        "several classes, e.g. -w 1=5 -w -1=0.5; liblinear's -w1 5 works "
                        "too); classifiers only")
    if dual:
        form = p.add_mutually_exclusive_group()
        form.add_argument("--dual", dest="dual", action="store_const", const=True, default=None,
                          help="linearsvc: solve the dual problem (coordinate descent, "
                               "liblinear's -s 1/3)")
        form.add_argument("--primal", dest="dual", action="store_const", const=False,
                          help="linearsvc: solve the primal problem (liblinear's -s 2; default: "
                               "'auto', the primal when there are more samples than features)")
    p.add_argument("--threads", type=positive_int, default=None, metavar="N",
                   help="threads of the C kernels and BLAS (n_threads; default: every core)")
    p.add_argument("--scale", action="store_true",
                   help="standardize the features with the training data's mean and standard "
                        "deviation (sparse data: divided by the standard deviation only, to "
                        "stay sparse); train stores them in the model file and predict "
                        "applies them")
    p.add_argument("-q", "--quiet", action="store_true",
                   help="quiet: no progress and no summary lines (errors still go to stderr)")
    if cross_validation:
        p.add_argument("-v", dest="cv", type=folds, default=None, metavar="K",
                       help="K-fold cross-validation: print the cross-validation accuracy "
                            "(regressors: mean squared error and R2) and write no model file; "
                            "the folds are a seeded shuffle of the rows (--seed)")
