"""Reading and writing the files a user points at, safely.

Reading (`read_limited`): only a regular file (a FIFO would block, /dev/zero never
ends), never more than a size limit; every failure is an InvalidInputError naming
the file.

Writing (`atomic_writer`, `atomic_write_bytes`): a temporary file beside the target,
fsync, then a rename over it, so a crash or a full disk never leaves half a file.
The target of a symbolic link is written (the link stays a link); something that is
not a regular file (a folder, a device, a FIFO) is never replaced; an output that is
one of the inputs is refused (`check_not_input`). Every failure is an
UnwritableOutputError (exit 3) naming the path and the reason. A temporary file
carries its writer's process id, so one that a killed instance left behind is
removed by the next write to the same file.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import sys
import tempfile
import time
from pathlib import Path
from typing import BinaryIO, Iterator

from .errors import InvalidInputError, UnwritableOutputError

# A temporary file of ours: ".NAME.PID-RANDOM.tmp"; older versions wrote ".NAME.RANDOM.tmp"
# (mkstemp's 8 characters), which count as left over once STALE_SECONDS old.
_TEMP = re.compile(r"(?:(?P<pid>\d+)-[a-z0-9_]+|(?P<old>[a-z0-9_]{8}))\.tmp")
STALE_SECONDS = 3600.0


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc) or type(exc).__name__


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _size(n: int) -> str:
    return f"{n / 2**20:.0f} MB" if n >= 2**20 else f"{n / 2**10:.0f} KB"


def read_limited(path: str | os.PathLike, limit: int) -> bytes:
    """The bytes of the regular file `path`, at most `limit` of them; InvalidInputError
    (naming the file) for a missing, unreadable, special or larger file."""
    path = Path(path)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)  # non-blocking: opening a FIFO must not wait for a writer
    except OSError as exc:
        raise InvalidInputError(f"cannot read {path}: {_reason(exc)}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise InvalidInputError(f"cannot read {path}: it is {_kind(st.st_mode)}, not a file")
        if st.st_size > limit:
            raise InvalidInputError(f"{path.name} is {_size(st.st_size)}; the limit is {_size(limit)}")
        chunks, total = [], 0
        while True:  # the size may change while we read: never take more than the limit
            chunk = os.read(fd, min(1 << 20, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                raise InvalidInputError(f"{path.name} is larger than {_size(limit)}")
        return b"".join(chunks)
    except OSError as exc:
        raise InvalidInputError(f"cannot read {path}: {_reason(exc)}") from None
    finally:
        os.close(fd)


def check_not_input(output: str | os.PathLike, *inputs: str | os.PathLike | None) -> None:
    """UnwritableOutputError when `output` is (or links to) one of `inputs`: writing it
    would destroy what is being read."""
    for source in inputs:
        if source is None:
            continue
        try:
            same = os.path.samefile(output, source)
        except (OSError, ValueError):
            continue  # one of them does not exist (yet): not the same file
        if same:
            raise UnwritableOutputError(
                f"cannot write {output}: it is the input file {source}; choose another output")


def _unwritable(path: Path, exc: OSError) -> UnwritableOutputError:
    return UnwritableOutputError(f"cannot write {path}: {_reason(exc)}")


def output_target(path: str | os.PathLike) -> Path:
    """The file that writing `path` replaces: the target of a symbolic link, else
    `path`; UnwritableOutputError when it exists and is not a regular file."""
    path = Path(path)
    target = Path(os.path.realpath(path)) if os.path.islink(path) else path
    try:
        mode = os.stat(target).st_mode
    except FileNotFoundError:
        return target
    except NotADirectoryError:
        raise UnwritableOutputError(
            f"cannot write {path}: {_first_file(target.parent)} is a file, not a folder") from None
    except OSError as exc:
        raise _unwritable(path, exc) from None
    if not stat.S_ISREG(mode):
        raise UnwritableOutputError(f"cannot write {path}: it is {_kind(mode)}, not a file")
    return target


def _make_folder(path: Path, folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise UnwritableOutputError(
            f"cannot write {path}: {_first_file(folder)} is a file, not a folder") from None
    except OSError as exc:
        raise _unwritable(path, exc) from None


def _first_file(folder: Path) -> Path:
    """The part of `folder` that exists but is not a folder (for the message)."""
    for part in [*reversed(folder.parents), folder]:
        if part.exists() and not part.is_dir():
            return part
    return folder


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    if sys.platform == "win32":  # os.kill would end the process there
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # another user's process: alive
    return True


def clean_stale_temps(target: str | os.PathLike) -> int:
    """Remove the temporary files of `target` that killed writers left; the number
    removed. A live writer's file stays (a process id that still runs, or a file of an
    older version less than STALE_SECONDS old)."""
    target = Path(target)
    prefix = f".{target.name}."
    removed = 0
    try:
        entries = list(os.scandir(target.parent))
    except OSError:
        return 0
    for entry in entries:
        if not entry.name.startswith(prefix):
            continue
        match = _TEMP.fullmatch(entry.name[len(prefix):])
        if match is None:
            continue
        try:
            info = entry.stat(follow_symlinks=False)
            if not stat.S_ISREG(info.st_mode):
                continue
            if match["pid"] is not None:
                if _pid_alive(int(match["pid"])) and (sys.platform != "win32" or
                                                       time.time() - info.st_mtime < STALE_SECONDS):
                    continue
            elif time.time() - info.st_mtime < STALE_SECONDS:
                continue
            os.unlink(entry.path)
            removed += 1
        except OSError:
            continue
    return removed


def temp_path(target: str | os.PathLike) -> Path:
    """A fresh name for a temporary file beside `target` (which clean_stale_temps knows)."""
    target = Path(target)
    return target.parent / f".{target.name}.{os.getpid()}-{os.urandom(4).hex()}.tmp"


def _default_mode(path: Path) -> int:
    """The mode a plain open() would give: an existing file's own, else 0o666 less the
    umask (mkstemp's 0o600 would hide exported songs from other users and apps)."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return 0o666 & ~_umask()


def _umask() -> int:
    """The process umask, read without changing it (os.umask would, for every thread)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    return 0o022


@contextlib.contextmanager
def atomic_writer(path: str | os.PathLike) -> Iterator[BinaryIO]:
    """A binary file to write `path` through: a temporary file beside its target,
    fsynced and renamed over it when the block ends, removed if the block raises.
    Write failures raise UnwritableOutputError naming `path`."""
    path = Path(path)
    target = output_target(path)
    _make_folder(path, target.parent)
    clean_stale_temps(target)
    mode = _default_mode(target)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.{os.getpid()}-", suffix=".tmp",
                                   dir=target.parent)
    except OSError as exc:
        raise _unwritable(path, exc) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            if hasattr(os, "fchmod"):  # not on Windows, where mkstemp's mode means nothing
                os.fchmod(fh.fileno(), mode)
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        output_target(path)  # still a file (or nothing) there: never replace a folder or device
        os.replace(tmp, target)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError) and not isinstance(exc, UnwritableOutputError):
            raise _unwritable(path, exc) from None
        raise


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write `data` to `path` atomically (see atomic_writer); returns `path`."""
    with atomic_writer(path) as fh:
        fh.write(data)
    return Path(path)


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    return atomic_write_bytes(path, text.encode("utf-8"))
