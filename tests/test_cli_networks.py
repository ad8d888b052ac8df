"""The ``fastoptim`` command with the networks: the main job (every optimizer trains the
network 256-128-64-10 on USPS; ``--quick`` in a subprocess), ``compare``/``train``/
``predict`` with ``--model mlp`` and ``mlp-regressor`` on svmlight and CSV files (the
table's numbers against the same fits in memory), the progress on a terminal only, and the
usage errors of the network options (exit status 2, one line, nothing left on disk)."""
import argparse
import importlib.util
import io
import re
import sys
import warnings

import numpy as np
import pytest

from fastoptim import MLPClassifier, MLPRegressor, model_io
from fastoptim import _cli
from fastoptim.__main__ import build_parser, main
from fastoptim._cli import networks
from fastoptim._cli._data import split
from fastoptim._cli._models import data_loss
from fastoptim.datasets import load_svmlight
from fastoptim.exceptions import ConvergenceWarning

from conftest import is_png as _is_png, parse_table as parse_results, run_cli as run, \
    usage_error

HAVE_MPL = importlib.util.find_spec("matplotlib") is not None
NETWORK_OPTIMIZERS = ["gd", "sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw",
                      "adadelta", "lbfgs"]


def parse_table(stdout):
    """{optimizer: (epochs, train loss, score, seconds, settings)} from the results table."""
    return parse_results(stdout, settings=True)


class Terminal(io.StringIO):
    """A stream that says it is a terminal (for the progress drawn there only)."""

    def isatty(self):
        return True


def _error(capsys):
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    return err[0]


# -- the main job: the network on USPS -----------------------------------------------------------

@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    cwd = tmp_path_factory.mktemp("quick-mlp")
    return run(["--quick"], cwd), cwd


def test_main_job_quick_trains_the_network_with_every_optimizer(quick_run):
    proc, cwd = quick_run
    assert proc.returncode == 0, proc.stderr
    assert "MLPClassifier 256-128-64-10 (relu, he_normal init) on the USPS digits (1800 " \
           "training (quick subset), 200 validation, 2007 test images)" in proc.stdout
    rows = parse_table(proc.stdout)
    assert list(rows) == NETWORK_OPTIMIZERS  # every optimizer, none diverged
    for name, (epochs, loss, acc, seconds, settings) in rows.items():
        assert 0 < loss < np.log(10) and seconds >= 0, name  # (printed to 4 digits)
    # the budgets and the tuned rates of NETWORK_RUNS, shown in the table
    for name, params, full, quick in _cli.NETWORK_RUNS:
        if name in _cli.STOCHASTIC:
            assert rows[name][0] == quick
            assert rows[name][4] == f"lr={params['learning_rate']:g}, batch_size=64"
        else:
            assert 1 <= rows[name][0] <= quick
    assert rows["gd"][4] == "Armijo line search, max_iter=50"
    # every optimizer reaches 85% on the test digits in the quick run (87% to 91% measured);
    # the stochastic ones 88%
    assert all(acc > 0.85 for _, _, acc, _, _ in rows.values()), rows
    assert all(rows[name][2] > 0.88 for name in _cli.STOCHASTIC), rows
    assert rows["lbfgs"][1] < 1e-3 < rows["gd"][1]  # L-BFGS fits the 1800 images, gd not yet
    assert "not in fastoptim yet" not in proc.stdout  # Adadelta has its row now
    assert "on 200 images held out from the training set" in proc.stdout
    assert proc.stderr == ""  # progress only on a terminal: here stderr is a pipe
    png = cwd / "fastoptim-usps.png"
    assert _is_png(png) if HAVE_MPL else not png.exists()


def _two_runs(monkeypatch):
    """The main job with gd and adam only (fast)."""
    runs = tuple(r for r in _cli.NETWORK_RUNS if r[0] in ("gd", "adam"))
    monkeypatch.setattr(_cli.usps, "NETWORK_RUNS", runs)


def test_main_job_progress_on_a_terminal(monkeypatch, capsys):
    _two_runs(monkeypatch)
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main(["--quick", "--no-plot"]) == 0
    text = terminal.getvalue()
    lines = text.split("\n")
    # a bar per epoch, redrawn in place, then one line per optimizer replacing it
    assert re.fullmatch(r"\[1/2\] gd +\d+ epochs  train loss \d\.\d{4}  \d+\.\d{3} s *",
                        lines[0].rsplit("\r", 1)[1])
    assert re.fullmatch(r"\[2/2\] adam +10 epochs  train loss \d\.\d{4}  \d+\.\d{3} s *",
                        lines[1].rsplit("\r", 1)[1])
    bars = lines[1].split("\r")[1:-1]
    assert len(bars) == 10  # adam's 10 epochs
    assert re.fullmatch(r"\[2/2\] adam      \[#+\.*\]  1/10  loss \d\.\d{4}  validation loss "
                        r"\d\.\d{4}  \d+\.\d s *", bars[0])
    assert bars[-1].startswith("[2/2] adam      [" + "#" * 24 + "] 10/10  loss ")
    assert lines[2:] == [""]
    assert "optimizer " in capsys.readouterr().out  # the table still goes to stdout


@pytest.mark.skipif(not HAVE_MPL, reason="matplotlib is not installed")
def test_main_job_figure(monkeypatch, tmp_path, capsys):
    _two_runs(monkeypatch)
    drawn = {}
    import matplotlib.figure

    def savefig(fig, path, **kwargs):
        drawn["ax"] = fig.axes[0]
        return real_savefig(fig, path, **kwargs)

    real_savefig = matplotlib.figure.Figure.savefig
    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", savefig)
    out = tmp_path / "curves.png"
    assert main(["--quick", "--out", str(out)]) == 0
    rows = parse_table(capsys.readouterr().out)
    assert _is_png(out)
    ax = drawn["ax"]
    assert ax.get_yscale() == "log" and ax.get_xscale() == "log"
    assert ax.get_xlabel() == ("epoch (pass over the training set; gd, lbfgs: one per "
                               "evaluation of the objective), log scale")
    assert ax.get_ylabel() == "loss"
    assert "training (solid) and validation (dashed) loss" in ax.get_title()
    styles = [(line.get_label(), line.get_linestyle()) for line in ax.lines]
    assert styles == [("gd", "-"), ("gd (validation)", "--"), ("adam", "-"),
                      ("adam (validation)", "--")]
    assert len(ax.lines[2].get_xdata()) == 10  # one point per epoch
    np.testing.assert_array_equal(ax.lines[2].get_xdata(), np.arange(1, 11))
    # gd drawn in the same unit: each iteration at the passes over the data made by then
    # (its start, then one evaluation per trial step of its line search)
    gd_x = np.asarray(ax.lines[0].get_xdata())
    assert rows["gd"][0] == gd_x.size and gd_x[0] >= 2 and np.all(np.diff(gd_x) >= 1)
    assert gd_x[-1] > gd_x.size
    top = max(row[2] for row in rows.values())  # every run of the best score is marked
    legend = {t.get_text(): t.get_fontweight() for t in ax.get_legend().get_texts()}
    for name, (_, _, acc, _, _) in rows.items():
        text = f"{name}: test acc {100 * acc:.2f}%" + (" (best)" if acc == top else "")
        assert legend[text] == ("bold" if acc == top else "normal")


# -- compare --model mlp / mlp-regressor ---------------------------------------------------------

@pytest.fixture(scope="module")
def files(cli_files):
    """Train/test files of a 3-class and a regression problem, svmlight and CSV (conftest)."""
    return cli_files


def _quiet_fit(est, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(X, y)


@pytest.mark.parametrize("fmt", ["svm", "csv"])
def test_compare_mlp_matches_the_same_fits_in_memory(files, tmp_path, monkeypatch, capsys, fmt):
    monkeypatch.chdir(tmp_path)
    data = files / f"multi-train.{fmt}"
    assert main(["compare", str(data), "--model", "mlp", "--hidden", "16,8", "--activation",
                 "tanh", "--init", "he_normal", "--epochs", "6", "--max-iter", "15",
                 "--seed", "3"]) == 0
    captured = capsys.readouterr()
    rows = parse_table(captured.out)
    assert list(rows) == NETWORK_OPTIMIZERS
    assert captured.err == ""
    # the rows: the compare split (25% test, seed 3), then 10% of the rest held out (seed 3)
    if fmt == "svm":
        X, y = load_svmlight(data)
        X = X.toarray()
    else:
        raw = np.loadtxt(data, delimiter=",")
        X, y = raw[:, :-1], raw[:, -1]
    X, y, X_test, y_test = split(X, y, 0.25, 3, "data")
    X, y, X_val, y_val = split(X, y, 0.1, 3, "data")
    assert f"MLPClassifier on {data} ({'svmlight' if fmt == 'svm' else 'csv'}): {X.shape[0]} " \
           f"training samples" in captured.out
    for name in ("adam", "lbfgs", "gd"):
        params = dict(solver=name, max_iter=15, random_state=3)
        if name == "adam":
            params.update(max_iter=6, n_iter_no_change=6, batch_size=64)
        est = _quiet_fit(MLPClassifier((16, 8), "tanh", init="he_normal", **params), X, y)
        epochs, loss, acc, seconds, settings = rows[name]
        assert epochs == est.n_iter_
        assert loss == pytest.approx(data_loss(est, X, y), abs=5e-5)  # 4 decimals
        assert acc == pytest.approx(est.score(X_test, y_test), abs=5e-5)
    assert all(rows[name][0] == 6 for name in _cli.STOCHASTIC)
    assert rows["sgd"][4] == "lr=auto, batch_size=64"
    assert "validation loss dashed (mean cross-entropy after each epoch on 15 samples held " \
           "out" in captured.out
    assert "lr: 'auto' (the estimator's default rate of each solver)" in captured.out
    png = tmp_path / "fastoptim-multi-train.png"
    assert _is_png(png) if HAVE_MPL else not png.exists()


def test_compare_mlp_regressor(files, capsys):
    assert main(["compare", str(files / "reg-train.csv"), "--test", str(files / "reg-test.csv"),
                 "--model", "mlp-regressor", "--optimizers", "adam", "gd", "lbfgs",
                 "--hidden", "12", "--epochs", "30", "--lr", "0.01", "--batch-norm",
                 "--no-plot"]) == 0
    stdout = capsys.readouterr().out
    rows = parse_table(stdout)
    assert list(rows) == ["adam", "gd", "lbfgs"] and "test R2" in stdout
    raw = np.loadtxt(files / "reg-train.csv", delimiter=",")
    X, y, X_val, _ = split(raw[:, :-1], raw[:, -1], 0.1, 0, "data")
    test = np.loadtxt(files / "reg-test.csv", delimiter=",")
    est = _quiet_fit(MLPRegressor((12,), solver="adam", learning_rate=0.01, batch_size=64,
                                  max_iter=30, n_iter_no_change=30, batch_norm=True,
                                  random_state=0), X, y)
    assert rows["adam"][1] == pytest.approx(data_loss(est, X, y), abs=5e-5)
    assert rows["adam"][2] == pytest.approx(est.score(test[:, :-1], test[:, -1]), abs=5e-5)
    assert rows["lbfgs"][2] > 0.8  # a linear target plus noise
    assert "train loss: mean squared error / 2 on the 180 training samples" in stdout
    assert "lr: 0.01" in stdout


def test_compare_linear_progress_on_a_terminal(files, monkeypatch):
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main(["compare", str(files / "multi-train.svm"), "--model", "softmax",
                 "--optimizers", "sgd", "lbfgs", "--epochs", "3", "--no-plot"]) == 0
    text = terminal.getvalue()  # a line per optimizer (linear models draw no bar)
    lines = [line.rsplit("\r", 1)[-1].rstrip() for line in text.split("\n")]
    assert [line.split()[:4] for line in lines[:2]] == [["[1/2]", "sgd", "3", "epochs"],
                                                        ["[2/2]", "lbfgs", lines[1].split()[2],
                                                         "epochs"]]
    assert lines[2:] == [""]


# -- train and predict with a network ------------------------------------------------------------

TRAIN_CASES = [  # (--model, options, in-memory estimator, data)
    ("mlp", ["--hidden", "16,8", "--activation", "relu", "--solver", "adam", "--batch-norm",
             "--epochs", "20", "--lr", "0.01", "--batch-size", "32", "--seed", "4"],
     MLPClassifier((16, 8), "relu", solver="adam", batch_norm=True, max_iter=20,
                   learning_rate=0.01, batch_size=32, random_state=4), "multi"),
    ("mlp", ["--hidden", "10", "--solver", "gd", "--max-iter", "25", "--alpha", "0.1",
             "--init", "xavier_normal"],
     MLPClassifier((10,), solver="gd", max_iter=25, alpha=0.1, init="xavier_normal",
                   random_state=0), "multi"),
    ("mlp", ["--dropout", "0.2", "--early-stopping", "--epochs", "15"],
     MLPClassifier(dropout=0.2, early_stopping=True, max_iter=15, random_state=0), "multi"),
    ("mlp-regressor", ["--hidden", "20", "--activation", "tanh", "--solver", "lbfgs",
                       "--epochs", "40"],
     MLPRegressor((20,), "tanh", solver="lbfgs", max_iter=40, random_state=0), "reg"),
]


@pytest.mark.parametrize("fmt", ["svm", "csv"])
@pytest.mark.parametrize("model, options, estimator, data", TRAIN_CASES,
                         ids=[f"{c[0]}-{'-'.join(c[1][:2])}" for c in TRAIN_CASES])
def test_train_predict_network(files, tmp_path, capsys, fmt, model, options, estimator, data):
    train, test = files / f"{data}-train.{fmt}", files / f"{data}-test.{fmt}"
    model_file, out = tmp_path / "net.npz", tmp_path / "pred.txt"
    assert main(["train", str(train), str(model_file), "--model", model, *options]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith(f"{type(estimator).__name__}(")
    assert f"saved {model_file}" in captured.out and captured.err == ""  # no bar on a pipe
    assert main(["predict", str(test), str(model_file), str(out), "--model", model]) == 0
    stdout = capsys.readouterr().out
    if fmt == "svm":
        X, y = load_svmlight(train)
        X_test, y_test = load_svmlight(test, n_features=X.shape[1])
    else:
        raw, raw_test = (np.loadtxt(f, delimiter=",") for f in (train, test))
        X, y, X_test, y_test = raw[:, :-1], raw[:, -1], raw_test[:, :-1], raw_test[:, -1]
    expected = _quiet_fit(estimator, X, y).predict(X_test)
    assert np.array_equal(np.loadtxt(out), expected)  # exactly the in-memory predictions
    loaded = model_io.load_model(model_file)
    assert type(loaded) is type(estimator)
    assert np.array_equal(loaded.predict(X_test), expected)
    if data == "reg":
        assert "Mean squared error" in stdout
    else:
        hits = int(np.sum(expected == y_test))
        assert f"({hits}/{len(y_test)})" in stdout


def test_train_progress_bar_on_a_terminal(files, tmp_path, monkeypatch, capsys):
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    model_file = tmp_path / "net.npz"
    assert main(["train", str(files / "multi-train.svm"), str(model_file), "--model", "mlp",
                 "--hidden", "8", "--epochs", "5", "--early-stopping"]) == 0
    text = terminal.getvalue()
    bars = text.rstrip("\n").split("\r")[1:]
    assert len(bars) == 5 and text.endswith("\n")
    assert re.fullmatch(r"epoch \[#+\.*\] 1/5  loss \d+\.\d{4}  validation score \d\.\d{4}  "
                        r"\d+\.\d s *", bars[0])
    assert bars[-1].startswith("epoch [" + "#" * 24 + "] 5/5  loss ")
    assert f"saved {model_file}" in capsys.readouterr().out


def test_predict_truncated_network_file(files, tmp_path, capsys):
    model_file = tmp_path / "net.npz"
    assert main(["train", str(files / "multi-train.svm"), str(model_file), "--model", "mlp",
                 "--hidden", "8", "--epochs", "3"]) == 0
    capsys.readouterr()
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(model_file.read_bytes()[:-300])
    out = tmp_path / "pred.txt"
    assert main(["predict", str(files / "multi-test.svm"), str(truncated), str(out)]) == 2
    message = _error(capsys)
    assert message.startswith("fastoptim predict: error: ") and "truncated.npz" in message
    assert not out.exists()


def test_predict_refuses_another_kind_of_model(files, tmp_path, capsys):
    model_file, out = tmp_path / "linear.npz", tmp_path / "pred.txt"
    assert main(["train", str(files / "multi-train.svm"), str(model_file)]) == 0
    capsys.readouterr()
    assert main(["predict", str(files / "multi-test.svm"), str(model_file), str(out), "--model",
                 "mlp"]) == 2
    assert _error(capsys) == (
        f"fastoptim predict: error: {model_file} holds a LogisticRegression (--model "
        f"logistic), not a MLPClassifier (--model mlp); pass a model file trained with "
        f"--model mlp, or drop --model")
    assert not out.exists()
    assert main(["predict", str(files / "multi-test.svm"), str(model_file), str(out), "--model",
                 "logistic"]) == 0  # the kind it holds
    network = tmp_path / "net.npz"
    assert main(["train", str(files / "multi-train.svm"), str(network), "--model", "mlp",
                 "--hidden", "4", "--epochs", "2"]) == 0
    capsys.readouterr()
    assert main(["predict", str(files / "multi-test.svm"), str(network), str(out), "--model",
                 "mlp-regressor"]) == 2
    assert _error(capsys).endswith(f"{network} holds a MLPClassifier (--model mlp), not a "
                                   f"MLPRegressor (--model mlp-regressor); pass a model file "
                                   f"trained with --model mlp-regressor, or drop --model")


def test_network_train_and_predict_in_fresh_processes(files, tmp_path):
    proc = run(["train", files / "multi-train.svm", "net.npz", "--model", "mlp", "--hidden",
                "16", "--solver", "lbfgs", "--epochs", "30"], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""  # no progress bar into a pipe
    assert proc.stdout.startswith("MLPClassifier(hidden_layer_sizes=(16,), max_iter=30, "
                                  "random_state=0, solver='lbfgs') on ")
    proc = run(["predict", files / "multi-test.svm", "net.npz", "pred.txt"], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    X, y = load_svmlight(files / "multi-train.svm")
    X_test, y_test = load_svmlight(files / "multi-test.svm", n_features=X.shape[1])
    est = _quiet_fit(MLPClassifier((16,), solver="lbfgs", max_iter=30, random_state=0), X, y)
    expected = est.predict(X_test)
    assert np.array_equal(np.loadtxt(tmp_path / "pred.txt"), expected)
    hits = int(np.sum(expected == y_test))
    assert proc.stdout.startswith(f"Accuracy = {100 * hits / len(y_test):.4g}% ({hits}/100)")


def test_a_model_file_is_not_data(files, tmp_path, capsys):
    model_file = tmp_path / "m.npz"
    assert main(["train", str(files / "multi-train.svm"), str(model_file)]) == 0
    capsys.readouterr()
    for argv in (["compare", str(model_file), "--model", "mlp"],
                 ["train", str(model_file), str(tmp_path / "n.npz")]):
        assert main(argv) == 2
        assert _error(capsys) == (
            f"fastoptim {argv[0]}: error: {model_file}: a zip archive (a fastoptim model "
            f"file?), not a data file; pass an svmlight or CSV file here (a model file goes "
            f"to predict's MODEL_FILE)")
    assert not (tmp_path / "n.npz").exists()


# -- usage errors: one line, exit status 2, no model file -----------------------------------------

@pytest.mark.parametrize("argv, message", [
    (["--hidden", "0"], "argument --hidden: layer width 0 in '0' must be >= 1 (e.g. --hidden "
                        "256,128)"),
    (["--hidden", "64,0"], "argument --hidden: layer width 0 in '64,0' must be >= 1"),
    (["--hidden", "-5"], "argument --hidden: layer width -5 in '-5' must be >= 1"),
    (["--hidden", "abc"], "argument --hidden: 'abc' is not a comma-separated list of layer "
                          "widths (whole numbers >= 1), e.g. --hidden 256,128"),
    (["--hidden", "64,,32"], "argument --hidden: '64,,32' is not a comma-separated list"),
    (["--hidden", "2.5"], "argument --hidden: '2.5' is not a comma-separated list"),
    (["--hidden", ""], "argument --hidden: an empty list of layers; give one width or more, "
                       "comma-separated, e.g. --hidden 256,128"),
    (["--dropout", "1"], "argument --dropout: 1 must be a probability in [0, 1)"),
    (["--dropout", "nan"], "argument --dropout: nan must be a probability in [0, 1)"),
    (["--dropout", "x"], "argument --dropout: 'x' is not a number"),
    (["--activation", "swish"], "argument --activation: invalid choice: 'swish'"),
    (["--init", "orthogonal"], "argument --init: invalid choice: 'orthogonal'"),
    (["--epochs", "0"], "argument --max-iter/--epochs: 0 must be >= 1"),
    (["--model", "cnn"], "argument --model: invalid choice: 'cnn'"),
])
def test_bad_network_options_are_usage_errors(files, tmp_path, capsys, argv, message):
    model_file = tmp_path / "m.npz"
    error = usage_error(main, ["train", str(files / "multi-train.svm"), str(model_file),
                               "--model", "mlp", *argv], capsys)
    assert error.startswith(f"fastoptim train: error: {message}")
    assert not model_file.exists()


def test_bad_options_of_compare_and_predict(files, capsys):
    for argv, option in ((["compare", "d.svm", "--hidden", "0"], "--hidden"),
                         (["compare", "d.svm", "--model", "rnn"], "--model"),
                         (["predict", "d.svm", "m.npz", "o.txt", "--model", "cnn"], "--model"),
                         (["--model", "mlp-regressor"], "--model")):
        assert f"error: argument {option}" in usage_error(main, argv, capsys)


@pytest.mark.parametrize("argv, message", [
    (["--model", "logistic", "--hidden", "64"],
     "--hidden applies only to the networks: use --model mlp (or mlp-regressor for a "
     "regression target) with it, or drop it for --model logistic (LogisticRegression)"),
    (["--model", "ridge", "--batch-norm"], "--batch-norm applies only to the networks"),
    (["--model", "svc", "--dropout", "0.5"], "--dropout applies only to the networks"),
    (["--model", "softmax", "--activation", "tanh"], "--activation applies only to the networks"),
    (["--model", "linearsvc", "--init", "he_normal"], "--init applies only to the networks"),
    (["--early-stopping"], "--early-stopping applies only to the networks"),
    (["--model", "mlp", "-C", "2"],
     "-C does not apply to --model mlp (MLPClassifier has no parameter 'C')"),
    (["--model", "mlp", "--kernel", "rbf"], "--kernel does not apply to --model mlp"),
    (["--model", "mlp", "--solver", "newton-cg"], "solver must be one of ('gd', 'sgd'"),
    (["--model", "mlp", "--solver", "gd", "--dropout", "0.5"],
     "dropout needs a stochastic solver: 'gd'"),
])
def test_options_that_do_not_apply(files, tmp_path, capsys, argv, message):
    model_file = tmp_path / "m.npz"
    assert main(["train", str(files / "multi-train.svm"), str(model_file), *argv]) == 2
    assert message in _error(capsys)
    assert not model_file.exists()


def test_compare_network_errors(files, capsys):
    data = str(files / "multi-train.svm")
    assert main(["compare", data, "--model", "mlp", "--dropout", "0.3"]) == 2
    assert _error(capsys) == (
        "fastoptim compare: error: --dropout needs stochastic optimizers (gd and lbfgs need "
        "the same objective at every evaluation): leave gd and lbfgs out of --optimizers "
        "(e.g. --optimizers sgd adam), or drop --dropout")
    assert main(["compare", data, "--model", "logistic", "--hidden", "8"]) == 2
    assert "--hidden applies only to the networks" in _error(capsys)
    assert main(["compare", str(files / "reg-train.svm"), "--model", "mlp"]) == 2
    assert "not whole numbers, so they are not classes; use --model mlp-regressor" in \
        _error(capsys)
    with pytest.raises(SystemExit):  # compare gives every optimizer the same epochs
        main(["compare", data, "--model", "mlp", "--early-stopping"])
    assert "unrecognized arguments: --early-stopping" in capsys.readouterr().err


def test_compare_needs_rows_for_the_validation_curves(tmp_path, capsys):
    path = tmp_path / "tiny.csv"
    path.write_text("".join(f"{i},{i % 3},{i % 2}\n" for i in range(16)))
    assert main(["compare", str(path), "--model", "mlp", "--no-plot"]) == 2
    assert _error(capsys) == (f"fastoptim compare: error: {path}: 12 training samples are too "
                              f"few to hold out 10% of them for the networks' validation "
                              f"curves; pass 20 samples or more")


def test_a_failed_network_fit_leaves_no_model_file(files, tmp_path, capsys):
    model_file = tmp_path / "m.npz"
    assert main(["train", str(files / "multi-train.svm"), str(model_file), "--model", "mlp",
                 "--solver", "sgd", "--lr", "1e9", "--epochs", "5"]) == 2
    message = _error(capsys)
    assert message.startswith("fastoptim train: error: MLPClassifier: ")
    assert "learning_rate" in message and "smaller" in message
    assert not model_file.exists() and list(tmp_path.iterdir()) == []


def test_model_before_a_command(capsys):
    assert main(["--model", "softmax", "info"]) == 2
    assert "--model before the command chooses the default job's model" in _error(capsys)


# -- the pieces ----------------------------------------------------------------------------------

@pytest.mark.parametrize("text, widths", [("256,128", (256, 128)), ("64", (64,)),
                                          (" 32 , 16 ,8", (32, 16, 8))])
def test_hidden_layers(text, widths):
    assert networks.hidden_layers(text) == widths
    args = build_parser().parse_args(["train", "d", "m", "--hidden", text])
    assert args.hidden == widths


def test_hidden_layers_rejects():
    for text in ("", " ", ",", "1,", "0", "a,b", "1e3"):
        with pytest.raises(argparse.ArgumentTypeError):
            networks.hidden_layers(text)


def test_epoch_progress():
    terminal = Terminal()
    bar = networks.EpochProgress(4, terminal, "fit ", width=8)
    bar(1, 0.5, None)
    bar.show(2, 0.25, 0.875, 0.3)
    bar.close("done")
    parts = terminal.getvalue().split("\r")
    assert parts[0] == ""
    assert re.fullmatch(r"fit \[##\.\.\.\.\.\.\] 1/4  loss 0\.5000  \d+\.\d s", parts[1])
    assert re.fullmatch(r"fit \[####\.\.\.\.\] 2/4  loss 0\.2500  validation loss 0\.3000  "
                        r"validation score 0\.8750  \d+\.\d s", parts[2])
    assert parts[3] == "done" + " " * (len(parts[2]) - 4) + "\n"  # the bar's text overwritten
    assert networks.on_terminal(terminal) and not networks.on_terminal(io.StringIO())


def test_every_option_has_help():
    parser = build_parser()
    parsers = {"fastoptim": parser, **parser._subparsers._group_actions[0].choices}
    for name, p in parsers.items():
        for action in p._actions:
            if action.option_strings and action.dest != "help":
                assert action.help and action.help != argparse.SUPPRESS, \
                    (name, action.option_strings)
    train = parsers["train"].format_help()
    for flag in ("--hidden", "--activation", "--init", "--batch-norm", "--dropout",
                 "--early-stopping", "--epochs", "--lr", "--batch-size", "--seed", "--alpha",
                 "mlp-regressor"):
        assert flag in train, flag
    assert "--hidden" in parsers["compare"].format_help()
    assert "--model" in parsers["predict"].format_help()
    assert "256-128-64-10" in parser.format_help()


def test_figure_notes_mark_every_best_run():
    rows = [dict(name=n, score=s) for n, s in (("a", 0.9), ("b", 0.95), ("c", 0.95), ("d", None))]
    curves = {n: {"train": [1.0, 0.5], "validation": None} for n in "abcd"}
    runs, best = _cli._comparison._with_notes(rows, curves, "classifier")
    assert best == {"b", "c"}
    assert [runs[n]["note"] for n in "abcd"] == ["test acc 90.00%", "test acc 95.00% (best)",
                                                 "test acc 95.00% (best)", None]
    runs, best = _cli._comparison._with_notes(rows[:1], curves, "regressor")
    assert runs == {"a": {"train": [1.0, 0.5], "validation": None, "note": "test R2 0.9000 (best)"}}
