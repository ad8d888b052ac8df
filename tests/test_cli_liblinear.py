"""The command line as liblinear users expect it (issue 20, item 5): -e, -w, --dual/--primal,
-v K, -b 1, -q, --threads, --scale; compare's scale warning and Armijo gd row; CSV files
with string labels; an aligned table for wide losses; a progress line for long fits.

Each option is checked against the estimators' own results on the same data."""
import io
import re
import sys
import warnings

import numpy as np
import pytest
import scipy.sparse as sp

from fastoptim import LinearSVC, LogisticRegression, Ridge, SoftmaxRegression, model_io
from fastoptim.__main__ import main
from fastoptim._cli import _training, format_table
from fastoptim._cli._args import liblinear_spellings
from fastoptim._cli._data import load_data, split
from fastoptim.datasets import load_csv, load_svmlight
from fastoptim.exceptions import ConvergenceWarning

from conftest import parse_table, usage_error


@pytest.fixture(scope="module")
def files(cli_files):
    return cli_files


def _quiet(est, X, y, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(X, y, **kwargs)


def _run(argv, capsys):
    assert main([str(a) for a in argv]) == 0
    return capsys.readouterr()


# -- train: -e, -w, --dual/--primal, --threads ---------------------------------------------------

@pytest.mark.parametrize("argv, estimator", [
    (["-e", "1e-8"], LogisticRegression(tol=1e-8, random_state=0)),
    (["-w", "1=5", "-w", "-1=0.5"],
     LogisticRegression(class_weight={1.0: 5.0, -1.0: 0.5}, random_state=0)),
    (["-w1", "5", "-w-1", "0.5"],  # liblinear's own spelling
     LogisticRegression(class_weight={1.0: 5.0, -1.0: 0.5}, random_state=0)),
    (["--model", "linearsvc", "--dual", "-e", "1e-6"],
     LinearSVC(dual=True, tol=1e-6, random_state=0)),
    (["--model", "linearsvc", "--primal"], LinearSVC(dual=False, random_state=0)),
    (["--threads", "1"], LogisticRegression(n_threads=1, random_state=0)),
])
def test_train_options_set_the_estimators_parameters(files, tmp_path, capsys, argv, estimator):
    out = tmp_path / "m.npz"
    _run(["train", files / "binary-train.svm", out, *argv], capsys)
    model = model_io.load_model(out)
    assert model.get_params() == estimator.get_params()
    X, y = load_svmlight(files / "binary-train.svm", n_features=8)
    ref = _quiet(estimator, X, y)
    np.testing.assert_array_equal(model.coef_, ref.coef_)
    np.testing.assert_array_equal(model.intercept_, ref.intercept_)


def test_class_weights_match_labels_of_either_kind():
    y = np.array([1.0, -1.0, 1.0])
    assert _training.class_weights([("1", 5.0), ("-1", 0.5)], y, "logistic") == {1.0: 5.0,
                                                                                 -1.0: 0.5}
    assert _training.class_weights([("+1", 2.0)], y, "logistic") == {1.0: 2.0}
    names = np.array(["cat", "dog", "cat"])
    assert _training.class_weights([("dog", 3.0)], names, "logistic") == {"dog": 3.0}
    assert _training.class_weights(None, y, "logistic") is None


def test_liblinear_spellings():
    assert liblinear_spellings(["-w1", "5", "-w-1", "0.5", "x"]) == ["-w=1=5", "-w=-1=0.5", "x"]
    assert liblinear_spellings(["-w", "-1=2"]) == ["-w=-1=2"]
    assert liblinear_spellings(["-w", "1=2", "-e", "0.1"]) == ["-w", "1=2", "-e", "0.1"]


@pytest.mark.parametrize("argv, message", [
    (["-w", "3=2"], "-w 3=2: '3' is not a class of the training data; the classes are -1, 1"),
    (["-w", "a=2"], "the labels are numbers and 'a' is not one"),
    (["-w", "1=2", "-w", "1.0=3"], "-w names the class '1.0' twice"),
    (["--model", "ridge", "-w", "1=2"], "-w weighs classes; --model ridge is a regressor"),
    (["--model", "logistic", "--dual"], "--dual/--primal choose LinearSVC's problem"),
    (["--model", "svc", "--dual"], "--dual/--primal choose LinearSVC's problem"),
])
def test_liblinear_options_that_do_not_apply(files, tmp_path, capsys, argv, message):
    out = tmp_path / "m.npz"
    assert main(["train", str(files / "binary-train.svm"), str(out), *argv]) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.parametrize("argv, flag", [
    (["-w", "1"], "argument -w: '1' is not LABEL=WEIGHT"),
    (["-w", "1=x"], "argument -w: '1=x': the weight 'x' is not a number"),
    (["-w", "1=-2"], "the weight must be a finite number >= 0"),
    (["-e", "0"], "argument -e/--tol: 0 must be a finite number > 0"),
    (["-v", "1"], "argument -v: 1: cross-validation needs K >= 2 folds"),
    (["-v", "two"], "argument -v: 'two' is not a whole number"),
    (["--threads", "0"], "argument --threads: 0 must be >= 1"),
    (["--dual", "--primal"], "argument --primal: not allowed with argument --dual"),
])
def test_bad_liblinear_flags_are_usage_errors(files, tmp_path, capsys, argv, flag):
    message = usage_error(main, ["train", str(files / "binary-train.svm"),
                                 str(tmp_path / "m.npz"), *argv], capsys)
    assert flag in message


# -- train -v K ----------------------------------------------------------------------------------

@pytest.mark.parametrize("name, model, estimator", [
    ("binary", "logistic", LogisticRegression(random_state=0)),
    ("multi", "softmax", SoftmaxRegression(random_state=0)),
    ("multi", "linearsvc", LinearSVC(random_state=0)),
])
def test_cross_validation_accuracy_equals_the_estimators_on_the_same_folds(
        files, tmp_path, capsys, name, model, estimator):
    out = tmp_path / "never.npz"
    text = _run(["train", files / f"{name}-train.svm", out, "--model", model, "-v", "5",
                 "--seed", "3"], capsys).out
    X, y = load_svmlight(files / f"{name}-train.svm", n_features=8)
    fold = _training.cv_folds(y, 5, 3, classifier=True)
    hits = 0
    for f in range(5):
        est = _quiet(type(estimator)(**estimator.get_params()), X[fold != f], y[fold != f])
        hits += int(np.sum(est.predict(X[fold == f]) == y[fold == f]))
    assert f"Cross Validation Accuracy = {100 * hits / len(y):.4f}% ({hits}/{len(y)}; 5 folds" \
        in text
    assert "no model written" in text and not out.exists()


def test_cross_validation_of_a_regressor_and_with_scaling(files, capsys):
    text = _run(["train", files / "reg-train.csv", "--model", "ridge", "-v", "4", "--scale"],
                capsys).out
    X, y = load_csv(files / "reg-train.csv")
    fold = _training.cv_folds(y, 4, 0, classifier=False)
    pred = np.empty_like(y)
    for f in range(4):
        train, test = fold != f, fold == f
        mean, std = X[train].mean(axis=0), X[train].std(axis=0)
        std[std == 0] = 1.0
        est = Ridge().fit((X[train] - mean) / std, y[train])
        pred[test] = est.predict((X[test] - mean) / std)
    mse = np.mean((pred - y) ** 2)
    r2 = 1 - np.sum((pred - y) ** 2) / np.sum((y - y.mean()) ** 2)
    assert f"Cross Validation Mean squared error = {mse:.6g} (4 folds, Ridge)" in text
    assert f"Cross Validation R2 = {r2:.6g}" in text


def test_cv_folds_are_stratified_and_cover_every_row():
    y = np.repeat([0, 1, 2], [50, 30, 20])
    fold = _training.cv_folds(y, 5, 0, classifier=True)
    for label, size in ((0, 50), (1, 30), (2, 20)):
        counts = np.bincount(fold[y == label], minlength=5)
        assert counts.max() - counts.min() <= 1 and counts.sum() == size
    assert np.bincount(_training.cv_folds(np.arange(103.0), 4, 1, False)).tolist() \
        == [26, 26, 26, 25]
    np.testing.assert_array_equal(fold, _training.cv_folds(y, 5, 0, classifier=True))
    with pytest.raises(_training.CLIError, match="fewer than the 7 folds"):
        _training.cv_folds(np.arange(5), 7, 0, True)


def test_train_without_a_model_file_needs_v(files, capsys):
    assert main(["train", str(files / "binary-train.svm")]) == 2
    assert "MODEL_FILE is missing" in capsys.readouterr().err


def test_model_file_after_options(files, tmp_path, capsys):
    # MODEL_FILE is optional (for -v), so it may come after options between it and DATA
    out = tmp_path / "late.npz"
    _run(["train", files / "binary-train.svm", "-e", "1e-5", out], capsys)
    assert model_io.load_model(out).tol == 1e-5


# -- predict -b 1, -q, --threads -----------------------------------------------------------------

@pytest.mark.parametrize("name, model", [("binary", "logistic"), ("multi", "softmax"),
                                         ("multi", "mlp")])
def test_predict_probabilities_in_liblinears_format(files, tmp_path, capsys, name, model):
    out, pred = tmp_path / "m.npz", tmp_path / "p.txt"
    _run(["train", files / f"{name}-train.svm", out, "--model", model, "--epochs", "5"]
         if model == "mlp" else ["train", files / f"{name}-train.svm", out, "--model", model],
         capsys)
    _run(["predict", files / f"{name}-test.svm", out, pred, "-b", "1"], capsys)
    est = model_io.load_model(out)
    X, _ = load_svmlight(files / f"{name}-test.svm", n_features=8)
    lines = pred.read_text().splitlines()
    assert lines[0] == "labels " + " ".join(str(int(c)) for c in est.classes_)
    rows = [line.split() for line in lines[1:]]
    assert len(rows) == X.shape[0]
    np.testing.assert_array_equal([float(r[0]) for r in rows], est.predict(X))
    np.testing.assert_allclose([[float(v) for v in r[1:]] for r in rows], est.predict_proba(X),
                               rtol=1e-5, atol=1e-6)


def test_predict_b1_refuses_a_model_without_probabilities(files, tmp_path, capsys):
    out, pred = tmp_path / "m.npz", tmp_path / "p.txt"
    _run(["train", files / "binary-train.svm", out, "--model", "linearsvc"], capsys)
    assert main(["predict", str(files / "binary-test.svm"), str(out), str(pred), "-b", "1"]) == 2
    assert "-b 1: " in capsys.readouterr().err and not pred.exists()
    message = usage_error(main, ["predict", str(files / "binary-test.svm"), str(out), str(pred),
                                 "-b", "2"], capsys)
    assert "argument -b: '2' is neither 0 nor 1" in message


def test_quiet_prints_nothing(files, tmp_path, capsys):
    out, pred = tmp_path / "m.npz", tmp_path / "p.txt"
    assert _run(["train", files / "binary-train.svm", out, "-q"], capsys).out == ""
    assert _run(["predict", files / "binary-test.svm", out, pred, "-q", "--threads", "1"],
                capsys).out == ""
    assert len(pred.read_text().splitlines()) == 100
    text = _run(["compare", files / "binary-train.svm", "-q", "--no-plot", "--optimizers",
                 "lbfgs"], capsys)
    assert "lbfgs" in parse_table(text.out) and text.err == ""


# -- --scale ---------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["svm", "csv"])
def test_scale_stores_the_training_statistics_and_predict_applies_them(files, tmp_path, capsys,
                                                                       fmt):
    out, pred = tmp_path / "m.npz", tmp_path / "p.txt"
    _run(["train", files / f"multi-train.{fmt}", out, "--model", "softmax", "--scale"], capsys)
    est, meta = model_io.load_model(out, return_metadata=True)
    X, y, _, _ = load_data(files / f"multi-train.{fmt}")
    dense = X.toarray() if sp.issparse(X) else X
    std = dense.std(axis=0)
    std[std == 0] = 1.0
    np.testing.assert_allclose(meta["scaling"]["scale"], std, rtol=1e-12)
    if fmt == "csv":  # dense: centred too
        np.testing.assert_allclose(meta["scaling"]["mean"], dense.mean(axis=0), rtol=1e-12,
                                   atol=1e-15)
        scaled = (dense - dense.mean(axis=0)) / std
    else:  # sparse: divided only, to stay sparse
        assert meta["scaling"]["mean"] is None
        scaled = dense / std
    ref = SoftmaxRegression(random_state=0).fit(scaled, y)
    np.testing.assert_allclose(est.coef_, ref.coef_, rtol=1e-10, atol=1e-12)
    _run(["predict", files / f"multi-test.{fmt}", out, pred], capsys)
    Xt, _, _, _ = load_data(files / f"multi-test.{fmt}", n_features=8)
    Xt = Xt.toarray() if sp.issparse(Xt) else Xt
    test = (Xt - (dense.mean(axis=0) if fmt == "csv" else 0)) / std
    np.testing.assert_array_equal(np.array(pred.read_text().split(), dtype=float),
                                  ref.predict(test))


def test_compare_warns_about_feature_scales_and_scale_silences_it(files, tmp_path, capsys):
    X, y = load_csv(files / "binary-train.csv")
    X = X.copy()
    X[:, 2] *= 1e5
    wide = tmp_path / "wide.csv"
    np.savetxt(wide, np.column_stack([X, y]), delimiter=",", fmt="%.17g")
    err = _run(["compare", wide, "--no-plot", "--optimizers", "lbfgs"], capsys).err
    assert re.search(r"warning: the features differ in scale by 1\.\d+e\+05x \(standard "
                     r"deviation of column 2 over column \d\b.*pass --scale", err)
    text = _run(["compare", wide, "--no-plot", "--optimizers", "lbfgs", "--scale"], capsys)
    assert "warning" not in text.err and "(standardized)" in text.out


def test_scale_spread():
    X = np.column_stack([np.arange(10.0), 1e4 * np.arange(10.0), np.ones(10)])
    ratio, wide, narrow = _training.scale_spread(X)
    assert ratio == pytest.approx(1e4) and (wide, narrow) == (1, 0)
    assert _training.scale_spread(sp.csr_matrix(X)) == pytest.approx((1e4, 1, 0))
    assert _training.scale_spread(np.ones((5, 3))) is None


# -- compare's gd row: the Armijo search, for the regressors too -----------------------------------

def test_compare_gd_row_is_armijo_gradient_descent(files, capsys):
    text = _run(["compare", files / "reg-train.svm", "--model", "ridge", "--no-plot",
                 "--optimizers", "gd", "auto", "--max-iter", "50"], capsys).out
    rows = parse_table(text, settings=True)
    assert rows["gd"][4] == "Armijo line search, max_iter=50"
    X, y = load_svmlight(files / "reg-train.svm", n_features=8)
    X, y, _, _ = split(X, y, 0.25, 0, "reg-train.svm")  # compare's held-out split
    est = Ridge(solver="gd", max_iter=50, random_state=0).fit(X, y)
    assert rows["gd"][0] == est.n_iter_
    # gd converges on this well-scaled problem to the exact solve's loss
    assert rows["gd"][1] == pytest.approx(rows["auto"][1], rel=1e-3)


# -- CSV files with string labels ----------------------------------------------------------------

@pytest.fixture(scope="module")
def named(tmp_path_factory):
    d = tmp_path_factory.mktemp("named")
    rng = np.random.default_rng(1)
    X = rng.standard_normal((240, 4))
    names = np.array(["setosa", "versicolor", "virginica"])
    y = names[np.digitize(X @ [1.0, -1.0, 0.5, 0.0], [-0.5, 0.5])]
    for part, rows in (("train", slice(0, 180)), ("test", slice(180, 240))):
        with open(d / f"iris-{part}.csv", "w") as f:
            f.write("a,b,c,d,species\n")
            for row, label in zip(X[rows], y[rows]):
                f.write(",".join(f"{v:.17g}" for v in row) + f",{label}\n")
    return d, X, y


def test_csv_with_string_labels_trains_and_predicts(named, tmp_path, capsys):
    d, X, y = named
    out, pred = tmp_path / "m.npz", tmp_path / "p.txt"
    _run(["train", d / "iris-train.csv", out, "--model", "softmax", "-w", "virginica=2"],
         capsys)
    est = model_io.load_model(out)
    assert est.classes_.tolist() == ["setosa", "versicolor", "virginica"]
    ref = SoftmaxRegression(class_weight={"virginica": 2.0}, random_state=0).fit(X[:180], y[:180])
    np.testing.assert_array_equal(est.coef_, ref.coef_)
    text = _run(["predict", d / "iris-test.csv", out, pred], capsys).out
    expected = ref.predict(X[180:])
    assert pred.read_text().split() == expected.tolist()
    hits = int(np.sum(expected == y[180:]))
    assert f"Accuracy = {100 * hits / 60:.4g}% ({hits}/60)" in text
    cv = _run(["train", d / "iris-train.csv", "-v", "3", "--model", "logistic"], capsys).out
    assert "Cross Validation Accuracy = " in cv
    table = parse_table(_run(["compare", d / "iris-train.csv", "--test", d / "iris-test.csv",
                              "--model", "softmax", "--no-plot", "--optimizers", "lbfgs",
                              "adam"], capsys).out)
    assert table["lbfgs"][2] > 0.8
    assert main(["train", str(d / "iris-train.csv"), str(out), "--model", "ridge"]) == 2
    assert re.search(r"the labels are text \('(setosa|versicolor|virginica)', \.\.\.\), so "
                     r"they are classes", capsys.readouterr().err)


def test_load_csv_reads_text_labels():
    X, y = load_csv(io.BytesIO(b'a,b,kind\n1,2,cat\n3,4, dog\n5,6,"cat"\n'))
    np.testing.assert_array_equal(X, [[1, 2], [3, 4], [5, 6]])
    assert y.tolist() == ["cat", "dog", "cat"] and y.dtype.kind == "U"
    X, y = load_csv(io.BytesIO(b"spam,1,2\nham,3,4\n"), target_column=0)
    assert y.tolist() == ["spam", "ham"] and X.tolist() == [[1, 2], [3, 4]]
    for bad, message in ((b"1,2,cat\n3,x,dog\n", "<file>:2: field 2 'x' is not a number"),
                         (b"1,2,cat\n3,4,5,dog\n", "<file>:2: 4 fields where line 1 has 3"),
                         (b"1,2,cat\n3,dog\n", "<file>:2: 2 fields where line 1 has 3"),
                         (b"1,2,3\n3,4,dog\n", "<file>:2: field 3 'dog' is not a number"),
                         # a label column with one name among numbers is not made text
                         (b"1,2,NA\n3,4,1\n", "<file>:2: field 3 '1' is a number, but the "
                                                "labels are text"),
                         (b"1,2,cat\n3,4,\n", "<file>:2: field 3 is empty")):
        with pytest.raises(ValueError, match=re.escape(message)):
            load_csv(io.BytesIO(bad))


# -- the table: wide values stay aligned ---------------------------------------------------------

def test_table_stays_aligned_with_wide_losses_and_long_names():
    rows = [dict(name="newton-cholesky", epochs=12, loss=1.2345678e12, score=0.5, seconds=1.5,
                 settings="a", error=None),
            dict(name="sgd", epochs=1000000, loss=0.25, score=0.75, seconds=12345.25,
                 settings="b", error=None),
            dict(name="adam", epochs=None, loss=None, score=None, seconds=None, settings="c",
                 error="diverged"),
            dict(name="lbfgs", epochs=3, loss=2e-5, score=1.0, seconds=0.1, settings="d",
                 error=None)]
    lines = format_table(rows, "classifier").splitlines()
    table = [lines[0]] + lines[2:]
    ends = {len(line[:line.rindex("  ")]) for line in table}
    assert len(ends) == 1  # every row's settings start at the same column
    for column in ("train loss", "test acc", "seconds"):
        right = lines[0].index(column) + len(column)
        assert all(line[right - 1] != " " and line[right] == " " for line in table), column
    assert "1.2346e+12" in lines[2] and "2.00e-05" in lines[5]


# -- progress of a long fit on a terminal -------------------------------------------------------

class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_fit_ticker_shows_the_seconds_and_clears_its_line():
    stream = _Terminal()
    ticker = _training.FitTicker("training Ridge", stream, delay=0.05)
    import time
    time.sleep(0.2)
    ticker.close()
    text = stream.getvalue()
    assert text.startswith("\rtraining Ridge: 0 s elapsed") and text.endswith("\r\033[K")
    quick = _Terminal()
    _training.FitTicker("x", quick, delay=10).close()  # a fit shorter than the delay: nothing
    assert quick.getvalue() == ""


def test_train_shows_the_ticker_on_a_terminal_only(files, tmp_path, monkeypatch, capsys):
    shown = []

    class Recorder(_training.FitTicker):
        def __init__(self, label, stream=None, delay=1.0):
            shown.append(label)
            super().__init__(label, stream, delay)

    from fastoptim._cli import train
    monkeypatch.setattr(train, "FitTicker", Recorder)
    _run(["train", files / "binary-train.svm", tmp_path / "a.npz"], capsys)
    assert shown == []  # stderr is not a terminal here
    monkeypatch.setattr(sys, "stderr", _Terminal())
    _run(["train", files / "binary-train.svm", tmp_path / "b.npz"], capsys)
    assert shown == ["training LogisticRegression"]
    _run(["train", files / "binary-train.svm", tmp_path / "c.npz", "-q"], capsys)
    assert shown == ["training LogisticRegression"]  # -q: none
