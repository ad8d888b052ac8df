"""fastoptim.datasets: the embedded USPS digits, the svmlight reader/writer (C),
the CSV reader and the loaders of the shared data sets (skipped when absent)."""
import bz2
import gzip
import io
import lzma
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

import fastoptim
from fastoptim.datasets import (dump_svmlight, load_a9a, load_california_housing, load_csv,
                                load_mnist, load_reuters, load_svmlight, load_usps,
                                data_dir)
from fastoptim.datasets import _build_usps

from conftest import DATA_DIR

DATA = data_dir()
USPS_TRAIN_COUNTS = [1194, 1005, 731, 658, 652, 556, 664, 645, 542, 644]
USPS_TEST_COUNTS = [359, 264, 198, 166, 200, 160, 170, 147, 166, 177]


def _need(*parts):
    """The path of a shared data file, or skip the test when it is absent."""
    if DATA is None:
        pytest.skip("no data folder: ../shared/data is absent and FASTOPTIM_DATA is not set")
    path = DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent")
    return path


def _svm(text, **kwargs):
    return load_svmlight(io.BytesIO(text), **kwargs)


# --------------------------------------------------------------------------- USPS

def test_usps_shapes_dtypes_range_and_counts():
    X_train, y_train, X_test, y_test = load_usps()
    assert X_train.shape == (7291, 256) and X_test.shape == (2007, 256)
    assert X_train.dtype == X_test.dtype == np.float64
    assert y_train.shape == (7291,) and y_test.shape == (2007,)
    assert y_train.dtype == y_test.dtype == np.int64
    for X in (X_train, X_test):
        assert X.flags.c_contiguous
        assert X.min() == -1.0 and X.max() == 1.0
    assert np.bincount(y_train).tolist() == USPS_TRAIN_COUNTS
    assert np.bincount(y_test).tolist() == USPS_TEST_COUNTS


def test_usps_float32_is_float64_rounded():
    X64, _, T64, _ = load_usps()
    X32, y32, T32, _ = load_usps(dtype=np.float32)
    assert X32.dtype == T32.dtype == np.float32
    np.testing.assert_array_equal(X32, X64.astype(np.float32))
    np.testing.assert_array_equal(T32, T64.astype(np.float32))
    with pytest.raises(ValueError, match="dtype"):
        load_usps(dtype=np.int32)


def test_usps_embedded_file_is_small_and_on_the_grid():
    path = Path(fastoptim.datasets.__file__).with_name("usps.npz")
    assert path.stat().st_size <= 2 * 1024 * 1024
    with np.load(path) as z:
        for part in ("train", "test"):
            assert z[f"X_{part}"].dtype == np.uint16 and z[f"X_{part}"].max() <= 2000


@pytest.mark.parametrize("part", ["train", "test"])
def test_usps_equals_the_source_file(part):
    source = _need("usps", f"zip.{part}.gz")
    ref = np.loadtxt(source)  # an independent reader of the text
    X_train, y_train, X_test, y_test = load_usps()
    X, y = (X_train, y_train) if part == "train" else (X_test, y_test)
    np.testing.assert_array_equal(X, ref[:, 1:])  # exact: the storage is lossless
    np.testing.assert_array_equal(y, ref[:, 0])


def test_usps_rebuild_reproduces_the_embedded_file(tmp_path):
    _need("usps", "zip.train.gz")
    _need("usps", "zip.test.gz")
    out = _build_usps.build(DATA / "usps", tmp_path / "usps.npz")
    with np.load(out) as new, np.load(_build_usps.EMBEDDED) as old:
        assert sorted(new.files) == sorted(old.files)
        for key in new.files:
            np.testing.assert_array_equal(new[key], old[key])


def test_usps_encoding_refuses_values_off_the_grid():
    with pytest.raises(ValueError, match="lossless"):
        _build_usps.encode(np.array([[0.0005, 1.0]]))
    with pytest.raises(ValueError, match="lossless"):
        _build_usps.encode(np.array([[-1.001]]))
    levels = _build_usps.encode(np.array([[-1.0, -0.631, 0.0, 0.862, 1.0]]))
    assert levels.tolist() == [[0, 369, 1000, 1862, 2000]]


# ---------------------------------------------------------------- svmlight: reading

def test_svmlight_basic_comments_blank_lines_and_crlf():
    text = (b"# a header comment\n"
            b"\n"
            b"1 1:0.5 3:2   # trailing comment 7:7\r\n"
            b"   \t \n"
            b"-1\t2:1e-3\n"
            b"+2.5\n"           # a sample without features
            b"-1 3:-4 # c")     # no final newline
    X, y = _svm(text)
    assert sp.isspmatrix_csr(X) and X.shape == (4, 3) and X.dtype == np.float64
    np.testing.assert_array_equal(X.toarray(), [[0.5, 0, 2], [0, 1e-3, 0], [0, 0, 0], [0, 0, -4]])
    np.testing.assert_array_equal(y, [1, -1, 2.5, -1])
    assert y.dtype == np.float64
    assert X.has_sorted_indices
    Xd, _ = _svm(text, dense=True)
    assert isinstance(Xd, np.ndarray) and Xd.flags.c_contiguous
    np.testing.assert_array_equal(Xd, X.toarray())


def test_svmlight_zero_based_auto_and_explicit():
    one = b"1 1:1 4:4\n0 2:2\n"
    zero = b"1 0:1 4:4\n0 2:2\n"
    X, _ = _svm(one)  # auto, no index 0: one-based
    np.testing.assert_array_equal(X.toarray(), [[1, 0, 0, 4], [0, 2, 0, 0]])
    X, _ = _svm(zero)  # auto, an index 0: zero-based
    np.testing.assert_array_equal(X.toarray(), [[1, 0, 0, 0, 4], [0, 0, 2, 0, 0]])
    X, _ = _svm(one, zero_based=True)
    np.testing.assert_array_equal(X.toarray(), [[0, 1, 0, 0, 4], [0, 0, 2, 0, 0]])
    X, _ = _svm(one, zero_based=False)
    assert X.shape == (2, 4)
    with pytest.raises(ValueError, match=r"<file>:1: feature index 0 in a file read as one-based"):
        _svm(zero, zero_based=False)
    with pytest.raises(ValueError, match="zero_based"):
        _svm(one, zero_based="yes")


def test_svmlight_n_features():
    X, _ = _svm(b"1 2:1\n1 3:1\n", n_features=10)
    assert X.shape == (2, 10)
    with pytest.raises(ValueError, match=r"<file>:2: feature index 3 does not fit in n_features=2"):
        _svm(b"1 2:1\n1 3:1\n", n_features=2)
    with pytest.raises(ValueError, match=r"<file>:1: feature index 3 does not fit in n_features=3 "
                                         r"\(read as zero-based\)"):
        _svm(b"1 3:1\n1 0:1\n", n_features=3)  # 'auto' -> zero-based, resolved at the end
    X, _ = _svm(b"1 3:1\n1 1:1\n", n_features=3)  # 'auto' -> one-based: index 3 fits
    assert X.shape == (2, 3)
    with pytest.raises(ValueError, match=r"<file>:1: feature index 2 does not fit in n_features=2"):
        _svm(b"1 2:1\n", n_features=2, zero_based=True)
    with pytest.raises(ValueError, match="n_features=0"):
        _svm(b"1 0:1\n", n_features=0, zero_based=True)
    X, y = _svm(b"1\n2\n", n_features=0)
    assert X.shape == (2, 0)
    with pytest.raises(ValueError, match="n_features"):
        _svm(b"1 1:1\n", n_features=-1)


def test_svmlight_empty_file_and_only_comments():
    for text in (b"", b"\n\n", b"# nothing\n  # here\n"):
        X, y = _svm(text)
        assert X.shape == (0, 0) and y.shape == (0,)
    X, y = _svm(b"# nothing\n", n_features=5, dense=True)
    assert X.shape == (0, 5)


def test_svmlight_query_id():
    text = b"3 qid:1 1:1\n2 qid:1 2:1\n1 qid:-7 1:0.5\n0 1:2\n"
    X, y, qid = _svm(text, query_id=True)
    np.testing.assert_array_equal(qid, [1, 1, -7, 0])
    assert qid.dtype == np.int64
    X2, y2 = _svm(text)  # ignored by default
    assert (X2 != X).nnz == 0
    np.testing.assert_array_equal(y2, [3, 2, 1, 0])


@pytest.mark.parametrize("line, message", [
    (b"1 1:2 x:3", r"feature index 'x' is not an integer"),
    (b"1 1:2 1.5:3", r"feature index '1.5' is not an integer"),
    (b"1 -3:1", r"feature index '-3' is negative"),
    (b"1 +3:1", r"feature index '\+3' has a sign; write indices as plain digits \('3'\)"),
    (b"1 99999999999:1", r"feature index '99999999999' is too large"),
    (b"1 3:1 2:1", r"feature index 2 follows index 3: indices must be strictly increasing"),
    (b"1 2:1 2:5", r"feature index 2 appears twice"),
    (b"2:1 3:1", r"missing label: the line starts with the index:value pair '2:1'"),
    (b"abc 1:1", r"label 'abc' is not a number"),
    (b"1,2 1:1", r"label '1,2' is a comma-separated list; multilabel files are not supported"),
    (b"nan 1:1", r"label 'nan' is not finite"),
    (b"inf", r"label 'inf' is not finite"),
    (b"1 1:nan", r"value 'nan' of feature 1 is not finite"),
    (b"1 1:-inf", r"value '-inf' of feature 1 is not finite"),
    (b"1 1:1e400", r"value '1e400' of feature 1 is not finite"),
    (b"1 1:abc", r"value 'abc' of feature 1 is not a number"),
    (b"1 1:0x10", r"value '0x10' of feature 1 is not a number"),
    (b"1 1:1:2", r"value '1:2' of feature 1 is not a number"),
    (b"1 1:", r"missing value after '1:'"),
    (b"1 1: 2", r"missing value after '1:'"),
    (b"1 foo", r"'foo' is not an index:value pair"),
    (b"1 1:1 qid:3", r"'qid:3': qid:<int> must come right after the label"),
    (b"1 qid:x 1:1", r"qid 'x' is not an integer"),
])
def test_svmlight_errors_name_the_line(line, message):
    text = b"# header\n\n1 1:1 2:2\n" + line + b"\n-1 1:1\n"
    with pytest.raises(ValueError, match=f"^<file>:4: {message}"):
        _svm(text)


def test_svmlight_error_names_the_file(tmp_path):
    path = tmp_path / "a9a"
    path.write_bytes(b"1 1:1\n" * 16 + b"1 x:1\n")
    with pytest.raises(ValueError, match=r"a9a:17: feature index 'x' is not an integer"):
        load_svmlight(path)
    gz = tmp_path / "bad.svm.gz"
    gz.write_bytes(gzip.compress(b"1 1:1\n-1 2:1 1:1\n"))
    with pytest.raises(ValueError, match=r"bad\.svm\.gz:2: feature index 1 follows index 2"):
        load_svmlight(str(gz))


def test_svmlight_float32_overflow_is_an_error():
    with pytest.raises(ValueError, match=r"<file>:1: value '1e39' of feature 1 overflows float32"):
        _svm(b"1 1:1e39\n", dtype=np.float32)
    X, _ = _svm(b"1 1:1e39\n")
    assert X[0, 0] == 1e39


def test_svmlight_numbers_are_read_exactly():
    """Every number is the double float() reads, on the fast path and on strtod's."""
    tricky = ["0.1", "-0.1", "1", "+3", "-0", "0", ".5", "5.", "1e5", "1E-5", "2.5e+3",
              "9007199254740993", "9007199254740992", "123456789012345678901234567890",
              "0.30000000000000004", "2.2250738585072011e-308", "4.9e-324", "1e-320",
              "1.7976931348623157e308", "0.000000000000000000000000000001", "7e22", "7e23",
              "1234567890123456789", "12345678901234567890", "9.86899159742946E-02",
              "0.164264961410291", "1e-22", "3e-23", "000001.2500000000000000000000001"]
    rng = np.random.default_rng(0)
    for _ in range(3000):  # random decimals around the fast path's limits
        digits = "".join(rng.choice(list("0123456789"), size=rng.integers(1, 22)))
        point = rng.integers(0, len(digits) + 1)
        exp = int(rng.integers(-30, 31))
        tricky.append(f"{digits[:point]}.{digits[point:]}e{exp}")
    text = "".join(f"{t} 1:{t}\n" for t in tricky).encode()
    X, y = _svm(text, n_features=1, dense=True)
    expected = np.array([float(t) for t in tricky])
    assert np.array_equal(y.view(np.uint64), expected.view(np.uint64))  # bitwise, signs of 0
    stored = X[:, 0]
    nonzero = expected != 0  # zeros are stored, +0 and -0 compare equal
    np.testing.assert_array_equal(stored[nonzero], expected[nonzero])
    fits = np.abs(expected) < 3e38  # the others overflow float32 (an error, tested apart)
    text32 = "".join(f"{t} 1:{t}\n" for t, ok in zip(tricky, fits) if ok).encode()
    X32, _ = _svm(text32, n_features=1, dense=True, dtype=np.float32)
    np.testing.assert_array_equal(X32[:, 0], expected[fits].astype(np.float32))


def test_svmlight_long_token_uses_the_slow_path():
    t = "0." + "0" * 100 + "1"
    X, y = _svm(f"{t} 1:{t}\n".encode(), dense=True)
    assert y[0] == float(t) and X[0, 0] == float(t)


def test_svmlight_text_mode_file_is_refused():
    with pytest.raises(TypeError, match="binary mode"):
        load_svmlight(io.StringIO("1 1:1\n"))


def test_svmlight_bad_arguments():
    with pytest.raises(ValueError, match="dtype"):
        _svm(b"1 1:1\n", dtype=np.int64)
    with pytest.raises(FileNotFoundError):
        load_svmlight("/nonexistent/file.svm")


def test_svmlight_indices_are_int32_and_canonical():
    X, _ = _svm(b"1 1:1 5:2\n-1 2:3\n")
    assert X.indices.dtype == np.int32 and X.indptr.dtype == np.int32
    assert X.has_canonical_format


# ---------------------------------------------------------------- svmlight: writing

def _random_matrix(rng, n, p, dtype, density=0.3):
    X = rng.standard_normal((n, p)) * 10.0 ** rng.integers(-8, 9, size=(n, p))
    X[rng.random((n, p)) > density] = 0
    X[0] = 0  # an empty row
    X[1, :3] = [1.0, -2.0, 0.1]  # integers and a short decimal
    X[2, -1] = 1e300 if dtype == np.float64 else 1e30
    return X.astype(dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("zero_based", [False, True])
@pytest.mark.parametrize("sparse_in", [False, True])
@pytest.mark.parametrize("dense_out", [False, True])
def test_svmlight_round_trip(dtype, zero_based, sparse_in, dense_out):
    rng = np.random.default_rng(1)
    X = _random_matrix(rng, 40, 17, dtype)
    y = rng.integers(-1, 2, size=40) * rng.choice([1.0, 0.5, 1e-7], size=40)
    buf = io.BytesIO()
    dump_svmlight(sp.csr_matrix(X) if sparse_in else X, y, buf, zero_based=zero_based)
    buf.seek(0)
    X2, y2 = load_svmlight(buf, n_features=17, dtype=dtype, zero_based=zero_based,
                           dense=dense_out)
    assert X2.dtype == dtype
    np.testing.assert_array_equal(X2 if dense_out else X2.toarray(), X)
    np.testing.assert_array_equal(y2, y)


@pytest.mark.parametrize("suffix, decompress", [(".gz", gzip.decompress),
                                                 (".bz2", bz2.decompress),
                                                 (".xz", lzma.decompress), ("", bytes)])
def test_svmlight_compressed_files(tmp_path, suffix, decompress):
    rng = np.random.default_rng(2)
    X = sp.random(30, 12, density=0.2, format="csr", random_state=3)
    y = rng.standard_normal(30)
    path = tmp_path / f"data.svm{suffix}"
    dump_svmlight(X, y, path)
    raw = decompress(path.read_bytes())  # really compressed as the suffix says
    assert raw.count(b"\n") == 30
    X2, y2 = load_svmlight(path, n_features=12)
    assert (X2 != X).nnz == 0
    np.testing.assert_array_equal(y2, y)


@pytest.mark.parametrize("chunk", [7, 64, 1 << 22])
def test_svmlight_read_in_blocks_of_lines(monkeypatch, chunk):
    """Blocks split at line ends (any size) give the arrays, the index base and the line
    numbers of one pass over the whole file."""
    from fastoptim.datasets import _io

    rng = np.random.default_rng(4)
    X = sp.random(40, 9, density=0.3, format="csr", random_state=5)
    y = rng.integers(-1, 2, 40).astype(float)
    buf = io.BytesIO()
    dump_svmlight(X, y, buf, zero_based=True, query_id=np.arange(40) // 4)
    text = b"# comment\n\n" + buf.getvalue()
    X1, y1, q1 = _svm(text, query_id=True)
    monkeypatch.setattr(_io, "CHUNK_BYTES", chunk)
    monkeypatch.setattr(_io.iter_line_chunks, "__defaults__", (chunk,))
    X2, y2, q2 = _svm(text, query_id=True)
    for A, B in ((X1, X2), (X2, X)):
        assert A.shape == B.shape and (A != B).nnz == 0
    np.testing.assert_array_equal(y2, y1)
    np.testing.assert_array_equal(q2, q1)
    assert X2.indptr.dtype == np.int32 and X2.has_sorted_indices
    # the zero-based file is read as zero-based although index 0 comes in a later block
    late_zero = b"1 3:1\n" * 20 + b"1 0:1\n"
    assert _svm(late_zero)[0].shape == (21, 4)
    # an error in a later block names its line in the file
    with pytest.raises(ValueError, match=r"^<file>:23: feature index 'x' is not an integer"):
        _svm(b"1 1:1\n" * 22 + b"1 x:1\n")
    with pytest.raises(ValueError, match=r"^<file>:21: feature index 7 does not fit in "
                                         r"n_features=4"):
        _svm(b"1 1:1\n" * 20 + b"1 7:1\n", n_features=4, zero_based=True)
    X3, y3 = _svm(b"")
    assert X3.shape == (0, 0) and y3.shape == (0,)


def _gzip_bomb(path, line, n):
    with gzip.open(path, "wb", compresslevel=9) as f:
        for _ in range(n // 10000):
            f.write(line * 10000)


def test_compressed_files_are_read_in_bounded_blocks(tmp_path, monkeypatch):
    """A highly compressed file is decompressed block by block (never whole): every read
    asks for at most CHUNK_BYTES."""
    from fastoptim.datasets import _io

    path = tmp_path / "bomb.svm.gz"
    _gzip_bomb(path, b"1 1:0.5 3:2 # " + b"x" * 200 + b"\n", 50000)  # 11 MB of text, 30 kB
    sizes = []
    real = _io.read_block

    def spy(f, n, name):
        sizes.append(n)
        return real(f, n, name)

    monkeypatch.setattr(_io, "read_block", spy)
    X, y = load_svmlight(path)
    assert X.shape == (50000, 3) and len(sizes) > 2 and max(sizes) == _io.CHUNK_BYTES
    csv = tmp_path / "bomb.csv.gz"
    _gzip_bomb(csv, b"0.5,2," + b"1" * 100 + b"\n", 50000)
    X, y = load_csv(csv)
    assert X.shape == (50000, 2) and max(sizes) == _io.CHUNK_BYTES


@pytest.mark.parametrize("suffix, compress", [(".gz", gzip.compress), (".bz2", bz2.compress),
                                              (".xz", lzma.compress)])
@pytest.mark.parametrize("fmt", ["svm", "csv"])
def test_truncated_or_damaged_archives_name_the_file(tmp_path, suffix, compress, fmt):
    text = (b"1 1:0.5 2:1\n" if fmt == "svm" else b"0.5,1,1\n") * 5000
    data = compress(text)
    load = load_svmlight if fmt == "svm" else load_csv
    path = tmp_path / f"data.{fmt}{suffix}"
    path.write_bytes(data[:len(data) // 2])
    with pytest.raises(ValueError, match=rf"data\.{fmt}\{suffix}: the .* file is truncated"):
        load(path)
    damaged = bytearray(data)
    damaged[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(damaged))
    with pytest.raises(ValueError, match=rf"data\.{fmt}\{suffix}: (damaged|the .* file is "
                                         rf"truncated)"):
        load(path)


def test_svmlight_dump_format_and_query_id():
    buf = io.BytesIO()
    X = np.array([[0.5, 0.0, 3.0], [0.0, 0.0, 0.0], [0.0, 0.1, 0.0]])
    dump_svmlight(X, np.array([1, 0, -1]), buf, query_id=[7, 7, 8])
    assert buf.getvalue() == b"1 qid:7 1:0.5 3:3\n0 qid:7\n-1 qid:8 2:0.1\n"
    buf.seek(0)
    X2, y2, q = load_svmlight(buf, query_id=True, n_features=3, dense=True)
    np.testing.assert_array_equal(X2, X)
    np.testing.assert_array_equal(q, [7, 7, 8])
    buf = io.BytesIO()
    dump_svmlight(X, np.array([1, 0, -1]), buf, zero_based=True)
    assert buf.getvalue() == b"1 0:0.5 2:3\n0\n-1 1:0.1\n"


def test_svmlight_dump_canonicalizes_csr_and_keeps_explicit_zeros():
    X = sp.csr_matrix((np.array([2.0, 1.0, 0.0, 5.0]), np.array([2, 0, 1, 0]),
                       np.array([0, 3, 4])), shape=(2, 3))  # unsorted, explicit zero
    buf = io.BytesIO()
    dump_svmlight(X, [1, 2], buf)
    assert buf.getvalue() == b"1 1:1 2:0 3:2\n2 1:5\n"


def test_svmlight_dump_large_spans_several_chunks(tmp_path):
    rng = np.random.default_rng(4)
    X = sp.random(20000, 300, density=0.05, format="csr", random_state=5)
    y = rng.standard_normal(20000)
    path = tmp_path / "big.svm"
    dump_svmlight(X, y, path)
    assert path.stat().st_size > 2 * (1 << 20)  # more than one 1 MiB chunk
    X2, y2 = load_svmlight(path, n_features=300)
    assert (X2 != X).nnz == 0
    np.testing.assert_array_equal(y2, y)


def test_svmlight_dump_errors():
    buf = io.BytesIO()
    with pytest.raises(ValueError, match=r"X\[1, 2\] = nan is not finite"):
        dump_svmlight(np.array([[1.0, 0, 0], [0, 0, np.nan]]), [1, 2], buf)
    with pytest.raises(ValueError, match=r"y\[0\] = inf is not finite"):
        dump_svmlight(np.eye(2), [np.inf, 1], buf)
    with pytest.raises(ValueError, match="y must have shape"):
        dump_svmlight(np.eye(2), [1, 2, 3], buf)
    with pytest.raises(ValueError, match="X must be 2-D"):
        dump_svmlight(np.ones(3), [1, 2, 3], buf)
    with pytest.raises(ValueError, match="query_id"):
        dump_svmlight(np.eye(2), [1, 2], buf, query_id=[0.5, 1])
    assert buf.getvalue() == b""


def test_svmlight_agrees_with_sklearn_on_a9a():
    sk = pytest.importorskip("sklearn.datasets")
    path = _need("a9a", "a9a")
    X, y = load_svmlight(path, n_features=123)
    Xs, ys = sk.load_svmlight_file(str(path), n_features=123)
    assert X.shape == Xs.shape == (32561, 123)
    np.testing.assert_array_equal(X.indptr, Xs.indptr)
    np.testing.assert_array_equal(X.indices, Xs.indices)
    np.testing.assert_array_equal(X.data, Xs.data)
    np.testing.assert_array_equal(y, ys)


def test_svmlight_agrees_with_sklearn_on_reuters():
    sk = pytest.importorskip("sklearn.datasets")
    path = _need("reuters-lasvm", "reuters.tst.bz2")
    X, y = load_svmlight(path, n_features=8315)
    Xs, ys = sk.load_svmlight_file(str(path), n_features=8315)
    np.testing.assert_array_equal(X.indices, Xs.indices)
    np.testing.assert_array_equal(X.data, Xs.data)  # real-valued tf-idf, read exactly
    np.testing.assert_array_equal(y, ys)


# --------------------------------------------------------------------------- CSV

def _csv(text, **kwargs):
    return load_csv(io.BytesIO(text), **kwargs)


def test_csv_header_detection_and_target_column():
    with_header = b"a,b,target\n1,2,3\n4,5,6\n"
    without = b"1,2,3\n4,5,6\n"
    for text in (with_header, without):
        X, y = _csv(text)
        np.testing.assert_array_equal(X, [[1, 2], [4, 5]])
        np.testing.assert_array_equal(y, [3, 6])
        assert X.flags.c_contiguous and y.flags.c_contiguous
    X, y = _csv(with_header, target_column=0)
    np.testing.assert_array_equal(X, [[2, 3], [5, 6]])
    np.testing.assert_array_equal(y, [1, 4])
    X, y = _csv(with_header, target_column="b")
    np.testing.assert_array_equal(y, [2, 5])
    X, y = _csv(without, target_column=None)
    assert y is None and X.shape == (2, 3)
    X, y = _csv(b"1,2\n3,4\n", skip_header=True)  # the first line is a header anyway
    np.testing.assert_array_equal(X, [[3]])
    X, y = _csv(b"junk\nmore junk\n1,2\n", skip_header=2)
    np.testing.assert_array_equal(y, [2])
    X, y = _csv(b'"x","y"\n"1.5",2\n', dtype=np.float32)
    assert X.dtype == y.dtype == np.float32 and X[0, 0] == 1.5


def test_csv_first_row_with_a_non_number_is_data_not_a_header():
    """A first row with numbers among its fields is data: a non-number there is an error
    naming its line and column, not a header silently dropped."""
    with pytest.raises(ValueError, match=r"^<file>:1: field 2 'NA' is not a number \(line 1 is "
                                         r"read as data: a header line holds names only"):
        _csv(b"1,NA,0\n2,3,1\n4,5,0\n")
    with pytest.raises(ValueError, match=r"^<file>:3: field 1 'x1' is not a number \(line 3"):
        _csv(b"# comment\n\nx1,2010,y\n1,2,3\n")
    with pytest.raises(ValueError, match=r"^<file>:3: field 2 'NA' is not a number$"):
        _csv(b"a,b,c\n1,2,3\n4,NA,6\n")
    X, y = _csv(b"x1,2010,y\n1,2,3\n", skip_header=True)  # a header with a number: say so
    np.testing.assert_array_equal(X, [[1, 2]])
    X, y = _csv(b'"a","b c",\n1,2,3\n')  # names only (an empty one too): a header
    np.testing.assert_array_equal(y, [3])


@pytest.mark.parametrize("chunk", [5, 16, 1 << 22])
def test_csv_read_in_blocks_of_lines(monkeypatch, chunk):
    from fastoptim.datasets import _io

    rng = np.random.default_rng(7)
    data = rng.integers(-50, 50, size=(30, 4)) / 4
    lines = [b"# comment", b"", b"a,b,c,target"]
    lines += [b",".join(repr(float(v)).encode() for v in row) for row in data]
    text = b"\xef\xbb\xbf" + b"\n".join(lines)  # a BOM, no newline at the end
    monkeypatch.setattr(_io.iter_line_chunks, "__defaults__", (chunk,))
    X, y = _csv(text)
    np.testing.assert_array_equal(X, data[:, :3])
    np.testing.assert_array_equal(y, data[:, 3])
    X, y = _csv(text, target_column="a")
    np.testing.assert_array_equal(y, data[:, 0])
    X, y = _csv(b"junk\nmore junk\n1,2\n3,4\n", skip_header=2)
    np.testing.assert_array_equal(y, [2, 4])
    bad = b"\n".join([b"1,2,3"] * 12 + [b"4,5"])
    with pytest.raises(ValueError, match=r"^<file>:13: 2 fields where line 1 has 3"):
        _csv(bad)
    with pytest.raises(ValueError, match=r"^<file>:11: field 3 'z' is not a number$"):
        _csv(b"a,b,c\n" + b"1,2,3\n" * 9 + b"1,2,z\n")
    with pytest.raises(ValueError, match=r"^<file>:3: not UTF-8 text"):
        _csv(b"a,b\n1,2\n1,\xff\n")
    with pytest.raises(ValueError, match=r"^<file>: no data rows \(after line 2\)"):
        _csv(b"# only\na,b\n\n# a header\n")


def test_csv_whitespace_delimiter_comments_and_blank_lines():
    X, y = _csv(b"# comment\n\n1 2  3\n\t4 5 6 # trailing\n\n", delimiter=None)
    np.testing.assert_array_equal(X, [[1, 2], [4, 5]])
    np.testing.assert_array_equal(y, [3, 6])
    X, y = _csv(b"1;2\n3;4\n", delimiter=";")
    np.testing.assert_array_equal(y, [2, 4])


@pytest.mark.parametrize("text, message", [
    (b"a,b,c\n1,2,3\n4,x,6\n", r"<file>:3: field 2 'x' is not a number"),
    (b"a,b,c\n1,2,3\n\n4,,6\n", r"<file>:4: field 2 is empty"),
    (b"1,2,3\n4,5\n", r"<file>:2: 2 fields where line 1 has 3"),
    (b"# c\n1,2,3\n4,5,6,7\n", r"<file>:3: 4 fields where line 2 has 3"),
    (b"a,b\n", r"<file>: no data rows"),
])
def test_csv_errors_name_the_line(text, message):
    with pytest.raises(ValueError, match=message):
        _csv(text)


def test_csv_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match=r"target_column=3 is out of range .* 3 columns"):
        _csv(b"1,2,3\n", target_column=3)
    with pytest.raises(ValueError, match="has no header"):
        _csv(b"1,2,3\n", target_column="a")
    with pytest.raises(ValueError, match="is not a column"):
        _csv(b"a,b\n1,2\n", target_column="c")
    with pytest.raises(ValueError, match="skip_header"):
        _csv(b"1,2\n", skip_header="yes")
    with pytest.raises(ValueError, match="delimiter"):
        _csv(b"1,2\n", delimiter=",,")
    path = tmp_path / "data.csv.gz"
    path.write_bytes(gzip.compress(b"a,b\n1,2\n3,z\n"))
    with pytest.raises(ValueError, match=r"data\.csv\.gz:3: field 2 'z' is not a number"):
        load_csv(path)


def test_csv_california_housing_matches_numpy():
    path = _need("california-housing", "cal_housing.data")
    X, y = load_csv(path)
    ref = np.loadtxt(path, delimiter=",", skiprows=1)
    np.testing.assert_array_equal(X, ref[:, :-1])
    np.testing.assert_array_equal(y, ref[:, -1])


# ----------------------------------------------------------------- shared data sets

def test_data_dir_is_the_environment_variable(monkeypatch, tmp_path):
    monkeypatch.setenv("FASTOPTIM_DATA", str(tmp_path))
    assert data_dir() == tmp_path
    monkeypatch.setenv("FASTOPTIM_DATA", "~/sets")
    assert data_dir() == Path("~/sets").expanduser()
    for unset in ("", "  "):
        monkeypatch.setenv("FASTOPTIM_DATA", unset)
        assert data_dir() is None
    monkeypatch.delenv("FASTOPTIM_DATA")
    assert data_dir() is None  # nothing is looked for next to the package
    with pytest.raises(FileNotFoundError, match=r"a9a: no folder given; pass folder=, the "
                       r"folder holding a9a, a9a\.t .*set the environment variable "
                       r"FASTOPTIM_DATA to a data folder holding them \(or holding a9a/"):
        load_a9a()


def test_loaders_read_the_folder_of_the_environment_variable(monkeypatch, tmp_path):
    (tmp_path / "california-housing").mkdir()
    (tmp_path / "california-housing" / "cal_housing.data").write_text(
        "a,b,c,d,e,f,g,h,y\n" + "1,2,3,4,5,6,7,8,9\n2,3,4,5,6,7,8,9,10\n")
    monkeypatch.setenv("FASTOPTIM_DATA", str(tmp_path))
    X, y = load_california_housing()
    assert X.shape == (2, 8) and y.tolist() == [9.0, 10.0]


@pytest.mark.parametrize("loader", [load_mnist, load_a9a, load_reuters,
                                    load_california_housing])
def test_loaders_raise_file_not_found(tmp_path, loader):
    with pytest.raises(FileNotFoundError, match=f"not found in {tmp_path}"):
        loader(tmp_path)


def _write_idx(path, array, magic):
    header = magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in array.shape)
    path.write_bytes(gzip.compress(header + array.astype(np.uint8).tobytes()))


def test_load_mnist_on_small_idx_files(tmp_path):
    rng = np.random.default_rng(6)
    folder = tmp_path / "mnist"
    folder.mkdir()
    parts = {"train": 5, "t10k": 3}
    images = {}
    for prefix, n in parts.items():
        images[prefix] = rng.integers(0, 256, size=(n, 28, 28))
        _write_idx(folder / f"{prefix}-images-idx3-ubyte.gz", images[prefix], 0x803)
        _write_idx(folder / f"{prefix}-labels-idx1-ubyte.gz", np.arange(n), 0x801)
    X, y, Xt, yt = load_mnist(tmp_path, dtype=np.float32)  # the parent folder works too
    assert X.shape == (5, 784) and Xt.shape == (3, 784) and X.dtype == np.float32
    np.testing.assert_array_equal(X, images["train"].reshape(5, 784).astype(np.float32) / 255)
    np.testing.assert_array_equal(yt, [0, 1, 2])
    _write_idx(folder / "t10k-labels-idx1-ubyte.gz", np.arange(3), 0x803)
    with pytest.raises(ValueError, match="magic number"):
        load_mnist(folder)


def test_load_mnist_shared():
    _need("mnist", "train-images-idx3-ubyte.gz")
    X, y, Xt, yt = load_mnist(DATA / "mnist")
    assert X.shape == (60000, 784) and Xt.shape == (10000, 784)
    assert y.shape == (60000,) and yt.shape == (10000,) and y.dtype == np.int64
    assert X.dtype == np.float64 and X.min() == 0.0 and X.max() == 1.0
    assert set(np.unique(y)) == set(range(10)) == set(np.unique(yt))


def test_load_a9a_shared():
    _need("a9a", "a9a")
    X, y, Xt, yt = load_a9a()  # default: the shared data folder
    assert X.shape == (32561, 123) and Xt.shape == (16281, 123)
    assert sp.isspmatrix_csr(X) and set(np.unique(y)) == {-1.0, 1.0}
    assert np.all(X.data == 1.0)
    X32, _, _, _ = load_a9a(DATA / "a9a", dtype=np.float32)
    assert X32.dtype == np.float32


def test_load_reuters_shared():
    _need("reuters-lasvm", "reuters.trn.bz2")
    X, y, Xt, yt = load_reuters(DATA)
    assert X.shape == (7770, 8315) and Xt.shape == (3299, 8315)
    assert int((y == 1).sum()) == 538 and set(np.unique(y)) == {-1.0, 1.0}


def test_load_california_housing_shared():
    _need("california-housing", "cal_housing.data")
    X, y = load_california_housing()
    assert X.shape == (20640, 8) and y.shape == (20640,)
    assert X[0, 0] == -122.23 and y[0] == 452600.0
