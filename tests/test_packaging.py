"""The sdist carries what a build from it needs: every C source and header, every Cython
file, the tests and the benchmarks (a user installing from the sdist builds everything)."""
import pathlib
import subprocess
import sys
import tarfile

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]

pytest.importorskip("Cython")
pytest.importorskip("setuptools")


def _needed():
    files = [p for p in (ROOT / "src_c").rglob("*") if p.suffix in (".c", ".h")]
    files += [p for p in (ROOT / "fastoptim" / "_core").glob("*") if p.suffix in (".pyx", ".pxd")]
    files += list((ROOT / "tests").glob("*.py")) + list((ROOT / "bench").glob("*.py"))
    files += [ROOT / "setup.py", ROOT / "pyproject.toml", ROOT / "README.md"]
    return sorted(str(p.relative_to(ROOT)) for p in files)


@pytest.mark.skipif(not (ROOT / "setup.py").exists(), reason="not a source checkout")
def test_sdist_holds_every_source(tmp_path):
    out = subprocess.run([sys.executable, "setup.py", "-q", "sdist", "--dist-dir", str(tmp_path)],
                         cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    (archive,) = tmp_path.glob("*.tar.gz")
    with tarfile.open(archive) as tar:
        names = {name.split("/", 1)[1] for name in tar.getnames() if "/" in name}
    missing = [f for f in _needed() if f not in names]
    assert not missing, f"the sdist lacks {missing} (MANIFEST.in)"
    generated = [n for n in names if n.startswith("fastoptim/_core/") and n.endswith(".c")]
    assert not generated, f"the sdist ships Cython's generated {generated}"


@pytest.mark.skipif(not (ROOT / "setup.py").exists(), reason="not a source checkout")
def test_a_wheel_builds_from_the_sdist_alone(tmp_path):
    """The sdist, unpacked in an empty folder, builds a wheel by itself (every C source,
    header and Cython file inside it), and the wheel holds the compiled modules, the LICENSE
    and the pure-Python package, without the Cython sources' generated C."""
    import zipfile

    dist = tmp_path / "dist"
    out = subprocess.run([sys.executable, "setup.py", "-q", "sdist", "--dist-dir", str(dist)],
                         cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    (archive,) = dist.glob("*.tar.gz")
    unpacked = tmp_path / "unpacked"
    with tarfile.open(archive) as tar:
        tar.extractall(unpacked, filter="data")
    (source,) = unpacked.iterdir()
    wheels = tmp_path / "wheels"
    # the build dependencies of this environment (no index: the test runs offline)
    out = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                          "--no-index", "-w", str(wheels), str(source)],
                         capture_output=True, text=True, timeout=1800)
    assert out.returncode == 0, (out.stdout + out.stderr)[-3000:]
    (wheel,) = wheels.glob("fastoptim-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    modules = {n.split("/")[-1].split(".")[0] for n in names
               if n.startswith("fastoptim/_core/") and n.endswith(".so")}
    expected = {p.stem for p in (ROOT / "fastoptim" / "_core").glob("*.pyx")}
    assert modules == expected
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names), names[-10:]
    assert "fastoptim/_cli/__init__.py" in names and "fastoptim/datasets/usps.npz" in names
    assert "fastoptim/py.typed" in names  # PEP 561: the annotations are for type checkers
    assert not [n for n in names if n.startswith("fastoptim/_core/") and n.endswith(".c")]
