"""The ``fastoptim`` command: the USPS demo of SoftmaxRegression (``--model softmax``) end
to end (in a subprocess), compare, train/predict round trips through svmlight and CSV
files (the kernel SVC too, with --kernel/--gamma), model files in a fresh process, and the
one-line errors (exit status 2) on missing or malformed files and options that do not
apply.  The networks (the default job, ``--model mlp``): tests/test_cli_networks.py."""
import importlib.util
import os
import subprocess
import sys

import numpy as np
import pytest

from fastoptim import (SVC, LinearRegression, LinearSVC, LogisticRegression, Ridge,
                       SoftmaxRegression)
from fastoptim import _cli
from fastoptim.__main__ import build_parser, main
from fastoptim.datasets import load_csv, load_svmlight
from fastoptim.model_io import load_model

from conftest import is_png, parse_table, run_cli, usage_error

HAVE_MPL = importlib.util.find_spec("matplotlib") is not None
OPTIMIZERS = ["gd", "sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adadelta",
              "lbfgs"]
run = run_cli
_is_png = is_png


# -- the USPS demo of SoftmaxRegression (--model softmax) ----------------------------------------

@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    cwd = tmp_path_factory.mktemp("quick")
    return run(["--model", "softmax", "--quick"], cwd), cwd


def test_quick_run_end_to_end(quick_run):
    proc, cwd = quick_run
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    rows = parse_table(proc.stdout)
    assert list(rows) == OPTIMIZERS
    for name, (epochs, loss, acc, seconds) in rows.items():
        assert epochs >= 1 and 0 < loss < np.log(10) and 0 <= acc <= 1 and seconds >= 0, name
    assert rows["lbfgs"][2] > 0.85 and rows["adam"][2] > 0.85
    assert rows["lbfgs"][1] < rows["gd"][1]  # the reference reaches the lowest loss
    assert "SoftmaxRegression(C=1.0) on the USPS digits (2000 training (quick subset)" \
        in proc.stdout
    assert proc.stderr == ""  # progress goes to a terminal only: stderr is a pipe here
    png = cwd / "fastoptim-usps.png"
    if HAVE_MPL:
        assert _is_png(png)
        assert f"wrote {png.name}" in proc.stdout
    else:
        assert "pip install matplotlib to get the plot" in proc.stdout
        assert not png.exists()


def test_quick_run_without_matplotlib(tmp_path, monkeypatch, capsys):
    for name in ("matplotlib", "matplotlib.figure", "matplotlib.pyplot"):
        monkeypatch.setitem(sys.modules, name, None)  # import matplotlib -> ImportError
    monkeypatch.setattr(_cli.usps, "USPS_RUNS", tuple(r for r in _cli.USPS_RUNS if r[0] == "adam"))  # adam only: fast
    out = tmp_path / "curves.png"
    assert main(["--model", "softmax", "--quick", "--out", str(out)]) == 0
    stdout = capsys.readouterr().out
    assert "pip install matplotlib to get the plot" in stdout
    assert list(parse_table(stdout)) == ["adam"]
    assert not out.exists()


def test_no_plot_and_out(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(_cli.usps, "USPS_RUNS", tuple(r for r in _cli.USPS_RUNS if r[0] == "adam"))  # adam only: fast
    assert main(["--model", "softmax", "--quick", "--no-plot"]) == 0
    assert list(tmp_path.iterdir()) == []
    assert "pip install" not in capsys.readouterr().out
    if HAVE_MPL:
        assert main(["--model", "softmax", "--quick", "--out", "sub.png"]) == 0
        assert _is_png(tmp_path / "sub.png")


# -- data files ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def files(cli_files):
    """Train/test files of a binary, a 3-class and a regression problem (conftest)."""
    return cli_files


def _read(path, fmt, n_features=None):
    if fmt == "svm":
        return load_svmlight(path, n_features=n_features)
    return load_csv(path)


CASES = [  # (--model, extra options, in-memory estimator, data)
    ("logistic", [], LogisticRegression(random_state=0), "binary"),
    ("logistic", ["--solver", "newton-cg", "-C", "0.1"],
     LogisticRegression(solver="newton-cg", C=0.1, random_state=0), "multi"),
    ("softmax", ["--solver", "adam", "--max-iter", "7", "--lr", "0.01", "--batch-size", "16"],
     SoftmaxRegression(solver="adam", max_iter=7, learning_rate=0.01, batch_size=16,
                       random_state=0), "multi"),
    ("linearsvc", ["-C", "0.5"], LinearSVC(C=0.5, random_state=0), "multi"),
    ("ridge", ["--alpha", "3"], Ridge(alpha=3.0, random_state=0), "reg"),
    ("linear", ["--solver", "sgd", "--max-iter", "5"],
     LinearRegression(solver="sgd", max_iter=5, random_state=0), "reg"),
]


@pytest.mark.parametrize("fmt", ["svm", "csv"])
@pytest.mark.parametrize("model, options, estimator, data", CASES,
                         ids=[f"{c[0]}-{c[3]}-{'-'.join(c[1][:2]) or 'default'}" for c in CASES])
def test_train_predict_round_trip(files, tmp_path, capsys, fmt, model, options, estimator, data):
    train, test = files / f"{data}-train.{fmt}", files / f"{data}-test.{fmt}"
    model_file, out = tmp_path / "model.npz", tmp_path / "pred.txt"
    assert main(["train", str(train), str(model_file), "--model", model, *options]) == 0
    assert f"saved {model_file}" in capsys.readouterr().out
    assert main(["predict", str(test), str(model_file), str(out)]) == 0
    stdout = capsys.readouterr().out
    X, y = _read(train, fmt)
    X_test, y_test = _read(test, fmt, n_features=X.shape[1])
    with np.errstate(all="ignore"):
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            expected = estimator.fit(X, y).predict(X_test)
    got = np.loadtxt(out)
    assert got.shape == expected.shape
    assert np.array_equal(got, expected)  # exactly the in-memory predictions
    loaded = load_model(model_file)
    assert np.array_equal(loaded.predict(X_test), expected)
    if data == "reg":
        assert "Mean squared error" in stdout
    else:
        hits = int(np.sum(expected == y_test))
        assert f"({hits}/{len(y_test)})" in stdout
        assert set(np.unique(got)) <= set(np.unique(y))
        # labels are written as the file has them: whole numbers without '.0'
        assert all("." not in line for line in out.read_text().splitlines())


def test_predict_csv_without_labels(files, tmp_path, capsys):
    model_file, out = tmp_path / "m.npz", tmp_path / "pred.txt"
    assert main(["train", str(files / "binary-train.csv"), str(model_file)]) == 0
    assert main(["predict", str(files / "unlabelled.csv"), str(model_file), str(out)]) == 0
    stdout = capsys.readouterr().out
    assert "Accuracy" not in stdout and "wrote 100 predictions" in stdout
    assert np.loadtxt(out).shape == (100,)


def test_model_file_in_a_fresh_process(files, tmp_path, capsys):
    model_file = tmp_path / "model.npz"
    assert main(["train", str(files / "multi-train.svm"), str(model_file),
                 "--model", "softmax"]) == 0
    est = load_model(model_file)
    X_test, _ = load_svmlight(files / "multi-test.svm", n_features=est.n_features_in_)
    scores = tmp_path / "scores.npy"
    code = ("import sys, numpy as np\n"
            "from fastoptim.model_io import load_model\n"
            "from fastoptim.datasets import load_svmlight\n"
            "m = load_model(sys.argv[1])\n"
            "X, _ = load_svmlight(sys.argv[2], n_features=m.n_features_in_)\n"
            "np.save(sys.argv[3], m.predict_proba(X))\n")
    proc = subprocess.run([sys.executable, "-c", code, str(model_file),
                           str(files / "multi-test.svm"), str(scores)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert np.array_equal(np.load(scores), est.predict_proba(X_test))  # bit for bit


def test_predict_in_a_fresh_process(files, tmp_path):
    model_file, out = tmp_path / "model.npz", tmp_path / "pred.txt"
    assert main(["train", str(files / "binary-train.svm"), str(model_file)]) == 0
    proc = run(["predict", files / "binary-test.svm", model_file, out], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("Accuracy = ")
    X, y = load_svmlight(files / "binary-train.svm")
    X_test, _ = load_svmlight(files / "binary-test.svm", n_features=X.shape[1])
    expected = LogisticRegression(random_state=0).fit(X, y).predict(X_test)
    assert np.array_equal(np.loadtxt(out), expected)


SVC_CASES = [  # (extra options, in-memory SVC, data)
    ([], SVC(), "multi"),
    (["--kernel", "poly", "--gamma", "0.5", "-C", "2"], SVC(kernel="poly", gamma=0.5, C=2.0),
     "binary"),
    (["--kernel", "linear", "--gamma", "auto", "--max-iter", "50"],
     SVC(kernel="linear", gamma="auto", max_iter=50), "multi"),
]


@pytest.mark.parametrize("fmt", ["svm", "csv"])
@pytest.mark.parametrize("options, estimator, data", SVC_CASES,
                         ids=[f"{c[2]}-{'-'.join(c[0][:2]) or 'default'}" for c in SVC_CASES])
def test_svc_train_predict_round_trip(files, tmp_path, capsys, fmt, options, estimator, data):
    # svmlight files load as CSR; --model svc trains on a dense copy (model files store dense
    # support vectors) and predicts on the file's rows as they load (CSR for svmlight)
    train, test = files / f"{data}-train.{fmt}", files / f"{data}-test.{fmt}"
    model_file, out = tmp_path / "svc.npz", tmp_path / "pred.txt"
    assert main(["train", str(train), str(model_file), "--model", "svc", *options]) == 0
    stdout = capsys.readouterr().out
    assert stdout.startswith("SVC(") and f"saved {model_file}" in stdout
    assert main(["predict", str(test), str(model_file), str(out)]) == 0
    stdout = capsys.readouterr().out
    X, y = _read(train, fmt)
    X_test, y_test = _read(test, fmt, n_features=X.shape[1])
    X_dense = X.toarray() if hasattr(X, "toarray") else X
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # max_iter=50 stops early: ConvergenceWarning
        expected = estimator.fit(X_dense, y).predict(X_test)
    got = np.loadtxt(out)
    assert np.array_equal(got, expected)  # exactly the in-memory predictions
    loaded = load_model(model_file)
    assert isinstance(loaded, SVC) and not hasattr(loaded.support_vectors_, "toarray")
    assert loaded.get_params() == estimator.get_params()
    assert np.array_equal(loaded.predict(X_test), expected)
    hits = int(np.sum(expected == y_test))
    assert f"({hits}/{len(y_test)})" in stdout
    assert all("." not in line for line in out.read_text().splitlines())


@pytest.mark.parametrize("argv, kernel, gamma", [
    ([], None, None),
    (["--kernel", "sigmoid"], "sigmoid", None),
    (["--gamma", "scale"], None, "scale"),
    (["--gamma", "auto", "--kernel", "linear"], "linear", "auto"),
    (["--gamma", "0.25"], None, 0.25),
    (["--gamma", "2e-3", "--kernel", "poly"], "poly", 2e-3),
])
def test_svc_options_parsed(argv, kernel, gamma):
    for command in (["train", "d.svm", "m.npz"], ["compare", "d.svm"]):
        args = build_parser().parse_args([*command, "--model", "svc", *argv])
        assert args.kernel == kernel and args.gamma == gamma
        assert type(args.gamma) is type(gamma)


@pytest.mark.parametrize("argv, message", [
    (["--gamma", "0"], "argument --gamma: 0 must be 'scale', 'auto' or a finite number > 0"),
    (["--gamma", "-1"], "argument --gamma: -1 must be 'scale', 'auto' or a finite number > 0"),
    (["--gamma", "inf"], "argument --gamma: inf must be 'scale', 'auto' or a finite number > 0"),
    (["--gamma", "abc"], "argument --gamma: 'abc' is neither 'scale', 'auto' nor a number"),
    (["--gamma", "Scale"], "argument --gamma: 'Scale' is neither 'scale', 'auto' nor a number"),
    (["--kernel", "gaussian"], "argument --kernel: invalid choice: 'gaussian'"),
])
def test_svc_bad_options(files, tmp_path, capsys, argv, message):
    error = usage_error(main, ["train", str(files / "binary-train.svm"), str(tmp_path / "m.npz"),
                               "--model", "svc", *argv], capsys)
    assert error.startswith(f"fastoptim train: error: {message}")
    assert not (tmp_path / "m.npz").exists()


@pytest.mark.parametrize("argv, message", [
    (["--kernel", "linear"], "--kernel does not apply to --model logistic"),
    (["--model", "linearsvc", "--gamma", "0.5"], "--gamma does not apply to --model linearsvc"),
    (["--model", "ridge", "--gamma", "scale", "--kernel", "rbf"], "does not apply to --model ridge"),
    (["--model", "svc", "--solver", "lbfgs"], "--solver does not apply to --model svc"),
    (["--model", "svc", "--seed", "1"], "--seed does not apply to --model svc"),
])
def test_svc_options_for_other_models(files, tmp_path, capsys, argv, message):
    data = str(files / "binary-train.svm")
    assert main(["train", data, str(tmp_path / "m.npz"), *argv]) == 2
    assert message in _error(capsys)
    assert not (tmp_path / "m.npz").exists()


def test_svc_data_loss_is_the_hinge_loss_of_the_pairwise_problems(files):
    X, y = load_svmlight(files / "multi-train.svm")
    X = X.toarray()
    model = SVC(C=0.5, gamma=0.1).fit(X, y)
    classes = np.unique(y)
    total, count = 0.0, 0
    for i, a in enumerate(classes):  # each one-vs-one problem is the binary SVC of its samples
        for b in classes[i + 1:]:
            rows = (y == a) | (y == b)
            binary = SVC(C=0.5, gamma=0.1).fit(X[rows], y[rows])
            sign = np.where(y[rows] == binary.classes_[1], 1.0, -1.0)
            total += np.sum(np.maximum(0.0, 1.0 - sign * binary.decision_function(X[rows])))
            count += int(np.sum(rows))
    assert _cli.data_loss(model, X, y) == pytest.approx(total / count, rel=1e-6)
    assert model.decision_function_shape == "ovr"  # the model is left as it was
    rows = (y == classes[0]) | (y == classes[1])
    binary = SVC(C=0.5).fit(X[rows], y[rows])
    sign = np.where(y[rows] == binary.classes_[1], 1.0, -1.0)
    expected = np.mean(np.maximum(0.0, 1.0 - sign * binary.decision_function(X[rows])))
    assert _cli.data_loss(binary, X[rows], y[rows]) == pytest.approx(expected, rel=1e-12)


# -- compare -------------------------------------------------------------------------------------

def test_compare_held_out(files, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["compare", str(files / "multi-train.svm"), "--model", "softmax",
                 "--epochs", "5", "--max-iter", "20"]) == 0
    captured = capsys.readouterr()
    rows = parse_table(captured.out)
    assert list(rows) == OPTIMIZERS
    assert "tested on 50 samples (held-out 0.25" in captured.out
    assert all(r[0] == 5 for name, r in rows.items() if name in _cli.STOCHASTIC)
    assert captured.err == ""  # no progress: stderr is not a terminal
    png = tmp_path / "fastoptim-multi-train.png"
    assert _is_png(png) if HAVE_MPL else not png.exists()


def test_compare_test_file_regression(files, tmp_path, capsys):
    out = tmp_path / "reg.png"
    assert main(["compare", str(files / "reg-train.csv"), "--test", str(files / "reg-test.csv"),
                 "--model", "ridge", "--optimizers", "sgd", "adam", "auto", "--epochs", "3",
                 "--out", str(out)]) == 0
    stdout = capsys.readouterr().out
    rows = parse_table(stdout)
    assert list(rows) == ["sgd", "adam", "auto"]
    assert "test R2" in stdout and rows["auto"][2] > 0.9
    assert _is_png(out) if HAVE_MPL else not out.exists()


def test_compare_reports_divergence(files, tmp_path, capsys):
    assert main(["compare", str(files / "binary-train.svm"), "--optimizers", "sgd", "lbfgs",
                 "--lr", "1e8", "--epochs", "3", "--no-plot"]) == 0
    captured = capsys.readouterr()
    rows = parse_table(captured.out)
    assert rows["sgd"] is None and rows["lbfgs"] is not None
    assert "diverged" in captured.err


def test_compare_svc(files, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["compare", str(files / "multi-train.svm"), "--model", "svc", "-C", "2"]) == 0
    captured = capsys.readouterr()
    rows = parse_table(captured.out)
    assert list(rows) == ["smo"]
    epochs, loss, acc, seconds = rows["smo"]
    assert epochs >= 1 and 0 <= loss < 1 and acc > 0.7 and seconds >= 0
    assert "kernel=rbf, gamma=scale, max_iter=no limit" in captured.out
    assert "mean hinge loss of the one-vs-one problems" in captured.out
    assert "stopped at their iteration limit" not in captured.out
    assert captured.err == ""  # no progress: stderr is not a terminal
    png = tmp_path / "fastoptim-multi-train.png"
    assert _is_png(png) if HAVE_MPL else not png.exists()


def test_compare_svc_test_file_and_options(files, tmp_path, capsys):
    assert main(["compare", str(files / "binary-train.csv"), "--test",
                 str(files / "binary-test.csv"), "--model", "svc", "--optimizers", "smo",
                 "--kernel", "linear", "--gamma", "0.5", "--max-iter", "5", "--no-plot"]) == 0
    stdout = capsys.readouterr().out
    rows = parse_table(stdout)
    assert list(rows) == ["smo"] and rows["smo"][0] == 5
    assert "kernel=linear, gamma=0.5, max_iter=5" in stdout
    assert "stopped at their iteration limit before converging: smo" in stdout
    assert "tested on 100 samples (test file" in stdout


def test_compare_svc_errors(files, capsys):
    data = str(files / "binary-train.svm")
    assert main(["compare", data, "--model", "svc", "--optimizers", "adam"]) == 2
    message = _error(capsys)
    assert message.startswith("fastoptim compare: error: --model svc trains only by SMO")
    assert "--optimizers smo" in message
    assert main(["compare", data, "--model", "svc", "--optimizers", "smo", "lbfgs"]) == 2
    assert "--model svc trains only by SMO" in _error(capsys)
    assert main(["compare", data, "--model", "svc", "--alpha", "1"]) == 2
    assert "--alpha does not apply to --model svc" in _error(capsys)
    assert main(["compare", data, "--kernel", "poly"]) == 2
    assert "--kernel does not apply to --model logistic" in _error(capsys)


# -- errors: one line on stderr, exit status 2 ---------------------------------------------------

def _error(capsys):
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    return err[0]


def test_missing_files(files, tmp_path, capsys):
    assert main(["train", str(tmp_path / "nope.svm"), str(tmp_path / "m.npz")]) == 2
    assert _error(capsys) == f"fastoptim train: error: {tmp_path / 'nope.svm'}: no such file"
    assert main(["predict", str(files / "binary-test.svm"), str(tmp_path / "nope.npz"),
                 str(tmp_path / "o.txt")]) == 2
    assert "nope.npz: no such model file" in _error(capsys)
    assert main(["compare", str(tmp_path / "nope.csv")]) == 2
    assert "nope.csv: no such file" in _error(capsys)


@pytest.mark.parametrize("name, text, where", [
    ("bad.svm", "1 1:0.5 2:1\n-1 1:0.25\n1 3:1 2:0.5\n", "bad.svm:3:"),
    ("bad.svm", "1 1:0.5\n# comment\n\n1 2:abc\n", "bad.svm:4:"),
    ("bad.csv", "1,2,0\n3,4,1\n5,six,0\n", "bad.csv:3:"),
    ("bad.csv", "1,2,0\n3,4\n", "bad.csv:2:"),
])
def test_malformed_data_file(tmp_path, capsys, name, text, where):
    path = tmp_path / name
    path.write_text(text)
    assert main(["train", str(path), str(tmp_path / "m.npz")]) == 2
    message = _error(capsys)
    assert message.startswith("fastoptim train: error: ") and where in message
    assert not (tmp_path / "m.npz").exists()


def test_malformed_data_file_in_a_fresh_process(tmp_path):
    (tmp_path / "bad.svm").write_text("1 1:0.5\n1 1:0.5 1:2\n")
    proc = run(["train", "bad.svm", "m.npz"], cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines() == [
        "fastoptim train: error: bad.svm:2: feature index 1 appears twice: indices must be "
        "strictly increasing on a line"]


def test_bad_model_files(files, tmp_path, capsys):
    model_file = tmp_path / "model.npz"
    assert main(["train", str(files / "binary-train.svm"), str(model_file)]) == 0
    capsys.readouterr()
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(model_file.read_bytes()[:-200])
    out = tmp_path / "pred.txt"
    assert main(["predict", str(files / "binary-test.svm"), str(truncated), str(out)]) == 2
    message = _error(capsys)
    assert "truncated.npz" in message and "truncated" in message.split("truncated.npz", 1)[1]
    # a data file given as the model file
    assert main(["predict", str(files / "binary-test.svm"), str(files / "binary-train.svm"),
                 str(out)]) == 2
    assert "binary-train.svm: not a fastoptim model file" in _error(capsys)
    assert not out.exists()


def test_usage_errors(files, tmp_path, capsys):
    data = str(files / "binary-train.svm")
    assert main(["train", data, str(tmp_path / "m.npz"), "--model", "ridge", "-C", "2"]) == 2
    assert "-C does not apply to --model ridge" in _error(capsys)
    assert main(["train", data, str(tmp_path / "m.npz"), "--solver", "magic"]) == 2
    assert "solver='magic'" in _error(capsys)
    assert main(["train", str(files / "reg-train.csv"), str(tmp_path / "m.npz")]) == 2
    assert "not whole numbers" in _error(capsys)
    assert main(["compare", data, "--model", "linearsvc", "--optimizers", "adam"]) == 2
    assert "dual coordinate descent" in _error(capsys)
    # a test file with more columns than the model
    model_file = tmp_path / "m.npz"
    assert main(["train", str(files / "binary-train.csv"), str(model_file)]) == 0
    capsys.readouterr()
    wide = tmp_path / "wide.csv"
    wide.write_text("1,2,3,4,5,6,7,8,9,10,1\n")
    assert main(["predict", str(wide), str(model_file), str(tmp_path / "o.txt")]) == 2
    assert "wide.csv: 11 columns, but the model has 8 features" in _error(capsys)
    with pytest.raises(SystemExit) as exc:  # argparse's own usage errors: status 2 too
        main(["train"])
    assert exc.value.code == 2


# -- info and bench ------------------------------------------------------------------------------

def test_info(capsys):
    assert main(["info"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("fastoptim ") and "OpenMP" in out and "threads" in out


def test_bench_help(capfd):
    if _cli.find_bench() is None:
        pytest.skip("bench/ is not next to the package")
    assert main(["bench", "--help"]) == 0
    out = capfd.readouterr().out
    assert "usage:" in out and "--quick" in out


def test_bench_missing(monkeypatch, capsys):
    monkeypatch.setattr(_cli.bench, "find_bench", lambda: None)
    assert main(["bench", "--quick"]) == 2
    message = _error(capsys)
    assert message.startswith("fastoptim bench: ") and "bench" in message


def test_format_detection(tmp_path):
    (tmp_path / "a.data").write_text("# c\n1 1:2 3:4\n")
    (tmp_path / "b.data").write_text("1,2,3\n")
    (tmp_path / "c.csv").write_text("")
    assert _cli.detect_format(tmp_path / "a.data") == "svmlight"
    assert _cli.detect_format(tmp_path / "b.data") == "csv"
    assert _cli.detect_format(tmp_path / "c.csv") == "csv"
    assert _cli.detect_format(tmp_path / "d.svm.gz") == "svmlight"
    assert _cli.detect_format(tmp_path / "e.tsv.bz2") == "csv"


# -- reliability of files (#17, items 2, 3, 12, 15) ----------------------------------------------

def test_csv_first_row_with_na_is_an_error_not_a_header(tmp_path, capsys):
    path = tmp_path / "na.csv"
    path.write_text("1,NA,0\n2,3,1\n4,5,0\n6,7,1\n")
    assert main(["train", str(path), str(tmp_path / "m.npz")]) == 2
    message = _error(capsys)
    assert message.startswith(f"fastoptim train: error: {path}:1: field 2 'NA' is not a number")
    assert not (tmp_path / "m.npz").exists()


def _write(path, text):
    path.write_text(text)
    return str(path)


def test_svmlight_index_base_is_stored_in_the_model(tmp_path, capsys):
    """A zero-based training file that never stores feature 0 is read as one-based by the
    guess; the test file, which does store feature 0, is read with the training file's base
    (stored in the model file), not guessed again as zero-based: no silent shift."""
    train = _write(tmp_path / "train.svm", "1 1:1 2:3\n0 1:-1 2:-2\n1 1:2 2:1\n0 1:-3 2:0.5\n")
    test = _write(tmp_path / "test.svm", "1 0:7 1:1 2:3\n")
    model = str(tmp_path / "m.npz")
    assert main(["train", train, model]) == 0
    assert load_model(model, return_metadata=True)[1] == {"data_format": "svmlight",
                                                          "zero_based": False}
    capsys.readouterr()
    out = str(tmp_path / "o.txt")
    assert main(["predict", test, model, out]) == 2  # it used to predict from shifted columns
    message = _error(capsys)
    assert "test.svm:1: feature index 0 in a file read as one-based" in message
    assert "--zero-based" in message
    # told the truth, train and predict agree on the columns
    assert main(["train", train, model, "--zero-based"]) == 0
    est, meta = load_model(model, return_metadata=True)
    assert meta["zero_based"] is True and est.n_features_in_ == 3
    assert main(["predict", test, model, out]) == 0
    X_test, _ = load_svmlight(test, n_features=3, zero_based=True)
    assert (tmp_path / "o.txt").read_text().split() == [str(int(v)) for v in est.predict(X_test)]
    # --one-based at predict overrides the stored base (the test file's own convention)
    one = _write(tmp_path / "one.svm", "1 1:7 2:1 3:3\n")  # the same row, one-based
    assert main(["predict", one, model, out, "--one-based"]) == 0
    assert (tmp_path / "o.txt").read_text().split() == [str(int(v)) for v in est.predict(X_test)]


def test_compare_reads_the_test_file_with_the_training_files_base(tmp_path, capsys):
    rng = np.random.default_rng(0)
    lines = [f"{int(a > 0)} 1:{a:.3f} 2:{b:.3f}" for a, b in rng.normal(size=(40, 2))]
    train = _write(tmp_path / "train.svm", "\n".join(lines) + "\n")
    test = _write(tmp_path / "test.svm", "1 0:1 1:0.5\n")
    assert main(["compare", train, "--test", test, "--optimizers", "lbfgs", "--no-plot"]) == 2
    assert "test.svm:1: feature index 0 in a file read as one-based" in _error(capsys)
    assert main(["compare", train, "--test", test, "--optimizers", "lbfgs", "--no-plot",
                 "--zero-based"]) == 0


def test_index_base_flags_are_documented():
    for command in ("train", "predict", "compare"):
        sub = build_parser()._subparsers._group_actions[0].choices[command]
        text = sub.format_help()
        assert "--zero-based" in text and "--one-based" in text, command
    with pytest.raises(SystemExit) as exc:
        main(["predict", "a", "b", "c", "--zero-based", "--one-based"])
    assert exc.value.code == 2


def test_predict_from_stdin(files, tmp_path):
    """Format detection peeks into the stream: /dev/stdin is read once, whole."""
    model = tmp_path / "m.npz"
    assert run(["train", files / "binary-train.svm", model], cwd=tmp_path).returncode == 0
    data = (files / "binary-test.svm").read_bytes()
    env = dict(os.environ, MPLBACKEND="Agg")
    proc = subprocess.run([sys.executable, "-m", "fastoptim", "predict", "/dev/stdin",
                           str(model), "out.txt"], input=data, cwd=tmp_path, env=env,
                          capture_output=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert len((tmp_path / "out.txt").read_text().split()) == data.count(b"\n")
    assert b"Accuracy = " in proc.stdout


@pytest.mark.parametrize("args, message", [
    (["--test-fraction", "nan"], "argument --test-fraction: nan must be a number between 0 and 1"),
    (["--test-fraction", "1.5"], "argument --test-fraction: 1.5 must be a number between 0"),
    (["--seed", str(2 ** 40)], f"argument --seed: {2 ** 40} is outside [0, 4294967295]"),
    (["--seed", "-1"], "argument --seed: -1 is outside [0, 4294967295]"),
])
def test_bad_numbers_are_usage_errors(files, capsys, args, message):
    with pytest.raises(SystemExit) as exc:
        main(["compare", str(files / "binary-train.svm"), "--no-plot", *args])
    assert exc.value.code == 2
    assert message in capsys.readouterr().err


def test_truncated_compressed_data_file(tmp_path, capsys):
    import gzip

    data = gzip.compress(b"1 1:0.5 2:1\n-1 1:0.25\n" * 2000)
    path = tmp_path / "cut.svm.gz"
    path.write_bytes(data[:len(data) // 2])
    assert main(["train", str(path), str(tmp_path / "m.npz")]) == 2
    assert _error(capsys) == (f"fastoptim train: error: {path}: the gzip file is truncated (it "
                              f"ends before the end of its compressed stream); copy or download "
                              f"it again")


def test_crafted_model_files_give_one_line(files, tmp_path):
    """A model file nested thousands deep or with one class used to print a traceback."""
    import json

    model = tmp_path / "m.npz"
    assert run(["train", files / "binary-train.svm", model], cwd=tmp_path).returncode == 0
    with np.load(model) as z:
        entries = {n: z[n] for n in z.files}
    meta = json.loads(str(entries["__meta__"]))
    deep = dict(entries, __meta__=np.array(json.dumps(meta).replace(
        '"params": {', '"params": {"x": ' + "[" * 50000 + "]" * 50000 + ', ', 1)))
    np.savez(tmp_path / "deep.npz", **deep)
    np.savez(tmp_path / "one.npz", **dict(entries, **{"attr.classes_": np.array([1.0])}))
    for name, expected in (("deep.npz", "nests lists or objects too deeply"),
                           ("one.npz", "LogisticRegression.classes_ holds 1 class")):
        proc = run(["predict", files / "binary-test.svm", name, "o.txt"], cwd=tmp_path)
        assert proc.returncode == 2
        assert "Traceback" not in proc.stderr
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("fastoptim predict: error: ")
        assert expected in lines[0]


def test_internal_errors_are_one_line(monkeypatch, capsys, files, tmp_path):
    def boom(*args, **kwargs):
        raise IndexError("index 1 is out of bounds")

    monkeypatch.setattr(_cli.train, "train_cmd", boom)
    assert main(["train", str(files / "binary-train.svm"), str(tmp_path / "m.npz")]) == 1
    assert _error(capsys) == ("fastoptim train: error: internal error (IndexError: index 1 is "
                              "out of bounds); please report it")


def test_format_detection_peeks_without_consuming(tmp_path):
    from fastoptim.datasets._io import open_binary, peek

    path = tmp_path / "a.data"
    path.write_text("# c\n1 1:2 3:4\n")
    with open_binary(path) as f:
        assert _cli.detect_format(path, head=peek(f)) == "svmlight"
        assert f.read() == b"# c\n1 1:2 3:4\n"
