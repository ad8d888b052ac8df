"""File helpers shared by the loaders: open by extension (gzip, bz2, xz), read in chunks of lines.

Every loader reads its file through :func:`iter_line_chunks`: bounded blocks of whole lines, so a
compressed file is never decompressed whole into memory, and a truncated or damaged archive
becomes a ValueError that names the file.
"""
import bz2
import contextlib
import gzip
import lzma
import os
import zlib

import numpy as np

_OPENERS = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open, ".lzma": lzma.open}

#: Bytes read (after decompression) per chunk of lines: what a loader holds of the text at once.
CHUNK_BYTES = 1 << 22

#: Bytes a plain file is buffered with, so that :func:`peek` sees the first lines.
PEEK_BYTES = 1 << 16


def display_name(path):
    """The name used in error messages: the path as given, or a file object's ``name``.

    Parameters
    ----------
    path : str, os.PathLike or file object

    Returns
    -------
    str
    """
    if isinstance(path, (str, bytes, os.PathLike)):
        return os.fsdecode(path)
    return str(getattr(path, "name", "<file>"))


def open_binary(path, mode="rb"):
    """Open a file in binary mode, (de)compressing by its extension.

    Parameters
    ----------
    path : str or os.PathLike
        ``.gz`` is gzip, ``.bz2`` bzip2, ``.xz``/``.lzma`` LZMA; anything else
        is read as is.
    mode : {'rb', 'wb'}

    Returns
    -------
    file object
        A buffered stream with ``peek`` (when reading) and a ``name`` (the path).
    """
    name = os.fsdecode(path)
    opener = _OPENERS.get(os.path.splitext(name)[1].lower())
    if opener is None:
        return open(name, mode, buffering=PEEK_BYTES)
    f = opener(name, mode)
    if not hasattr(f, "name"):  # LZMAFile and BZ2File before Python 3.13
        try:
            f.name = name
        except AttributeError:
            pass
    return f


def _archive_kind(name):
    return {".gz": "gzip", ".bz2": "bzip2", ".xz": "xz", ".lzma": "lzma"}.get(
        os.path.splitext(name)[1].lower(), "compressed")


@contextlib.contextmanager
def archive_errors(name):
    """Turn a truncated or damaged gzip/bzip2/xz stream into a ValueError naming the file.

    Parameters
    ----------
    name : str
        The file's name, for the messages.
    """
    try:
        yield
    except EOFError:
        raise ValueError(f"{name}: the {_archive_kind(name)} file is truncated (it ends before "
                         f"the end of its compressed stream); copy or download it again") from None
    except (zlib.error, lzma.LZMAError, gzip.BadGzipFile) as exc:
        raise ValueError(f"{name}: damaged {_archive_kind(name)} file ({exc}); copy or download "
                         f"it again") from None
    except OSError as exc:
        if exc.errno is not None:  # a real I/O error (EISDIR, EIO, ...): reported as such
            raise
        raise ValueError(f"{name}: damaged {_archive_kind(name)} file ({exc}); copy or download "
                         f"it again") from None


def read_block(f, n, name):
    """``f.read(n)`` as bytes, under :func:`archive_errors`.

    Raises
    ------
    ValueError
        On a truncated or damaged gzip/bzip2/xz stream.
    TypeError
        When ``f`` was opened in text mode.
    """
    with archive_errors(name):
        data = f.read(n)
    if isinstance(data, str):
        raise TypeError(f"{name} was opened in text mode; open it in binary mode ('rb') or pass "
                        f"its path")
    return bytes(data)


def iter_line_chunks(path, chunk_bytes=CHUNK_BYTES):
    """The (decompressed) content of a file in blocks of whole lines.

    Parameters
    ----------
    path : str, os.PathLike or binary file object
        A path (decompressed by extension, see :func:`open_binary`; opened
        once and closed at the end) or an object with a ``read()`` method
        returning bytes (read from where it is, not closed).
    chunk_bytes : int
        About how many bytes each block holds; a block ends after a newline
        (or at the end of the file), so a line longer than this makes a
        longer block.

    Yields
    ------
    first_line : int
        The 1-based number of the block's first line in the file.
    block : bytes
        Whole lines, the last one ending with ``b"\\n"`` except at the end of the file.

    Raises
    ------
    FileNotFoundError
        When the path does not exist.
    ValueError
        When a compressed file is truncated or damaged (naming it).
    TypeError
        When a file object returns text instead of bytes.
    """
    name = display_name(path)
    own = not hasattr(path, "read")
    f = open_binary(path) if own else path
    try:
        line, carry = 1, b""
        while True:
            block = read_block(f, chunk_bytes, name)
            if not block:
                if carry:
                    yield line, carry
                return
            block = carry + block if carry else block
            cut = block.rfind(b"\n") + 1
            if cut == 0:  # no line end yet: a long line, read on
                carry = block
                continue
            carry = block[cut:]
            chunk = block[:cut] if cut < len(block) else block
            del block
            yield line, chunk
            line += chunk.count(b"\n")
    finally:
        if own:
            f.close()


def peek(f, n=PEEK_BYTES):
    """Up to ``n`` bytes from the start of a buffered binary stream, without consuming them.

    Parameters
    ----------
    f : binary file object with ``peek`` (see :func:`open_binary`)
    n : int

    Returns
    -------
    bytes
        What the stream's buffer holds (at least one byte unless at the end of the file).
    """
    with archive_errors(display_name(f)):
        return bytes(f.peek(n)[:n])


def concatenate_parts(parts, dtype=None):
    """``np.concatenate(parts)`` along axis 0, each part freed as soon as it is copied.

    The result is allocated once (untouched pages cost no memory) and filled
    part by part, so the peak is the result plus one part, not twice the data.

    Parameters
    ----------
    parts : list of ndarray
        Emptied by the call.
    dtype : numpy dtype, optional
        Of the result (default: the first part's).

    Returns
    -------
    ndarray
    """
    if len(parts) == 1 and (dtype is None or parts[0].dtype == dtype):
        return parts.pop()
    total = sum(p.shape[0] for p in parts)
    out = np.empty((total,) + parts[0].shape[1:], dtype=dtype or parts[0].dtype)
    pos = 0
    parts.reverse()
    while parts:
        part = parts.pop()
        out[pos:pos + part.shape[0]] = part
        pos += part.shape[0]
        del part
    return out
