"""The README's commands and example stay true: .ci/run runs the README's test command, and the
Python example runs and prints a small gradient-check error."""
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _blocks(lang):
    text = (ROOT / "README.md").read_text()
    return re.findall(r"```%s\n(.*?)```" % lang, text, flags=re.S)


def test_ci_runs_the_readme_test_command():
    commands = [b.strip() for b in _blocks("bash")]
    test_commands = [c for c in commands if "pytest" in c]
    assert len(test_commands) == 1, commands
    ci_lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    assert test_commands[0] in ci_lines


def test_readme_main_command_runs_the_main_job():
    commands = [b.strip() for b in _blocks("bash")]
    assert any(c.endswith("python -m fastoptim") for c in commands), commands


def _run(example):
    out = subprocess.run([sys.executable, "-c", example], capture_output=True, text=True,
                         timeout=120, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip().splitlines()


def test_readme_loss_example_runs():
    example = next(b for b in _blocks("python") if "check_grad" in b)
    assert float(_run(example)[-1]) < 1e-5


def test_readme_optimizer_example_fits_the_two_points():
    example = next(b for b in _blocks("python") if "minimize" in b)
    w, b = (float(v) for v in _run(example)[-1].split("]")[0].strip("[ ").split())
    assert abs(w - 1.79176) < 1e-3 and abs(b + 2.28217) < 1e-3


def test_readme_estimator_example_recovers_the_coefficients():
    example = next(b for b in _blocks("python") if "LinearRegression" in b)
    last = _run(example)[-1]
    coef = [float(v) for v in last.split("]")[0].strip("[ ").split()]
    intercept, epochs = last.split("]")[1].split()
    assert max(abs(c - k) for k, c in enumerate(coef)) < 5e-3 and abs(float(intercept) - 1) < 5e-3
    assert 1 <= int(epochs) <= 300


def test_readme_logistic_example_runs_on_usps():
    example = next(b for b in _blocks("python") if "load_usps" in b)
    assert float(_run(example)[-1]) > 0.9


def test_readme_svc_example_matches_libsvm_on_usps():
    example = next(b for b in _blocks("python") if "SVC(" in b and "load_usps" in b)
    n_sv, acc = _run(example)[-1].split()
    assert int(n_sv) == 2305 and abs(float(acc) - 0.9472) < 2e-3


def test_readme_network_example_reaches_95_percent_on_usps():
    example = next(b for b in _blocks("python") if "MLPClassifier" in b)
    epochs, accuracy = _run(example)[-1].split()
    assert float(accuracy) >= 0.95 and 1 <= int(epochs) < 200
