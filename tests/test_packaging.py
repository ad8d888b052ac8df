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
