"""File helpers shared by the loaders: open by extension (gzip, bz2, xz), read whole."""
import bz2
import gzip
import lzma
import os

_OPENERS = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open, ".lzma": lzma.open}


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
    """
    name = os.fsdecode(path)
    opener = _OPENERS.get(os.path.splitext(name)[1].lower(), open)
    return opener(name, mode)


def read_bytes(path):
    """The whole (decompressed) content of a file.

    Parameters
    ----------
    path : str, os.PathLike or binary file object
        A path (decompressed by extension, see :func:`open_binary`) or an
        object with a ``read()`` method returning bytes.

    Returns
    -------
    bytes

    Raises
    ------
    FileNotFoundError
        When the path does not exist.
    TypeError
        When a file object returns text instead of bytes.
    """
    if hasattr(path, "read"):
        data = path.read()
        if isinstance(data, str):
            raise TypeError(f"{display_name(path)} was opened in text mode; open it in binary "
                            "mode ('rb') or pass its path")
        return bytes(data)
    with open_binary(path) as f:
        return f.read()
