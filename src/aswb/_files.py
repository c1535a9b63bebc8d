"""Writing files and result folders so that an interrupted write never loses or half-writes data.

- :func:`write_file` writes a hidden temporary file beside the target, then renames it over
  the target (``os.replace`` is atomic on POSIX and Windows).
- :func:`atomic_folder` builds a folder under a hidden temporary name and publishes it at its
  path in one atomic step: on Linux the new and the old folder are *exchanged*
  (``renameat2(RENAME_EXCHANGE)``), so at every moment the path holds the complete old result
  or the complete new one. Where that call is missing, the old folder is first renamed to
  ``.<name>.aswb-old`` and the new one renamed into place; a kill between the two renames is
  repaired by the next save or load of that path (:func:`repair`).
  Whatever an interrupted save left beside the path (hidden temporary folders, an old copy) is
  removed by the next save. Folders and files get ordinary permissions (as ``mkdir`` and
  ``open`` give them under the user's umask).
"""
from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import shutil
import uuid
from pathlib import Path

__all__: list[str] = []

_TMP, _OLD = ".aswb-tmp-", ".aswb-old"


def _libc_renameat2():
    try:
        f = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return None
    f.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    return f


_RENAMEAT2 = _libc_renameat2()
_AT_FDCWD, _RENAME_EXCHANGE = -100, 2
#: set False to use the two-rename fallback (as on systems without renameat2)
USE_EXCHANGE = _RENAMEAT2 is not None


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two existing paths; False where the system or file system cannot."""
    if not USE_EXCHANGE:
        return False
    if _RENAMEAT2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def _debris(path: Path) -> list[Path]:
    return sorted(path.parent.glob(f".{path.name}{_TMP}*"))


def repair(path) -> None:
    """Finish or undo what an interrupted save of folder ``path`` left: put a stranded old copy
    back when the path is missing, and remove temporary folders and stale old copies."""
    path = Path(path)
    old = path.with_name(f".{path.name}{_OLD}")
    if old.exists():
        if not path.exists():
            os.replace(old, path)
        else:
            shutil.rmtree(old, ignore_errors=True)
    for d in _debris(path):
        shutil.rmtree(d, ignore_errors=True)


@contextlib.contextmanager
def atomic_folder(path):
    """``with atomic_folder(path) as tmp:`` write the folder's files into ``tmp``; on leaving the
    block without an exception the folder is published at ``path`` (replacing any old one)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    repair(path)
    tmp = path.with_name(f".{path.name}{_TMP}{uuid.uuid4().hex[:12]}")
    tmp.mkdir()  # mode 0o777 & ~umask, like any folder the user makes
    try:
        yield tmp
        if not path.exists():
            os.rename(tmp, path)
        elif path.is_dir() and _exchange(tmp, path):
            shutil.rmtree(tmp)  # the old result, now at the temporary name
        else:
            if not path.is_dir():
                raise FileExistsError(f"path: {str(path)!r} exists and is not a folder")
            old = path.with_name(f".{path.name}{_OLD}")
            os.replace(path, old)
            os.replace(tmp, path)
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def write_file(path, data: bytes | str) -> None:
    """Write ``data`` to ``path`` through a hidden temporary file in the same folder, then rename it over."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        with open(tmp, "xb") as f:
            f.write(data.encode() if isinstance(data, str) else data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def read_parsed(path, parse, what: str, error: type[Exception] = ValueError, parse_errors=(ValueError,)):
    """``parse(text)`` of a text file, with errors that name the file.

    Args:
        path: the file.
        parse: ``parse(text) -> value``, e.g. ``json.loads``.
        what: how messages name the file (``"reference"``, ``"SPEC"``).
        error: the exception raised when the text does not parse.
        parse_errors: what ``parse`` raises on bad text (``json.JSONDecodeError`` and
            ``tomllib.TOMLDecodeError`` are ValueErrors).
    Raises:
        FileNotFoundError: no such file; ``error``: the file does not parse (or is not UTF-8).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{what}: no such file {str(path)!r}")
    try:
        return parse(path.read_text(encoding="utf-8"))
    except (*parse_errors, UnicodeDecodeError) as e:
        raise error(f"{what} {str(path)!r}: cannot be read ({type(e).__name__}: {e})") from None
