"""The index folder on disk: where it is, which generation is live, the write lock.

Layout of an index folder::

    DIR/CURRENT.json          which Whoosh index is live, its schema version,
                              analysis options and when it was last written
    DIR/write.lock            held (flock) by the one process writing
    DIR/g7_*.toc, *.seg …     the Whoosh files of generation "g7"

A full build writes a new generation next to the live one and switches
``CURRENT.json`` to it with an atomic rename, so searches see the old index
until the new one is complete, and a build killed at any moment leaves the
old one in place. Incremental writes commit into the live generation; Whoosh
commits are atomic too (new segment files, then a new table of contents
renamed into place).

The lock is an ``flock`` on ``write.lock``: the kernel releases it when its
process dies, so a killed writer never blocks the next one.
"""

from __future__ import annotations

import datetime as dt
import errno
import json
import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import (
    IndexLockedError,
    IndexNotFoundError,
    IndexStoreError,
    SchemaVersionError,
)
from .schema import SCHEMA_VERSION

CURRENT = "CURRENT.json"
LOCK = "write.lock"
_GEN_FILE = re.compile(r"^_?(g\d+)_")


def default_index_dir() -> Path:
    """``$ZSUCHE_INDEX``, else ``$XDG_DATA_HOME/zeitungssuche/index``
    (``~/.local/share/zeitungssuche/index``)."""
    env = os.environ.get("ZSUCHE_INDEX")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg) if xdg else Path.home() / ".local" / "share"
    return base / "zeitungssuche" / "index"


def resolve_index_dir(index_dir: str | Path | None) -> Path:
    """The index folder to use: the argument, else the environment, else the default."""
    return Path(index_dir) if index_dir else default_index_dir()


@dataclass
class Current:
    """The contents of ``CURRENT.json``."""

    indexname: str
    schema_version: int
    stemmer: str
    compounds: bool
    created: str
    updated: str

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def now_iso() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()


class IndexDir:
    """An index folder."""

    def __init__(self, path: str | Path | None) -> None:
        self.path = resolve_index_dir(path)

    def __repr__(self) -> str:
        return f"IndexDir({str(self.path)!r})"

    @property
    def current_path(self) -> Path:
        return self.path / CURRENT

    @property
    def lock_path(self) -> Path:
        return self.path / LOCK

    def exists(self) -> bool:
        return self.current_path.exists()

    def read_current(self) -> Current:
        """The live generation; raises if there is no usable index here."""
        try:
            raw = self.current_path.read_text(encoding="utf-8")
        except FileNotFoundError:
            tocs = [name for name in _listdir(self.path) if name.endswith(".toc")]
            if any(not _GEN_FILE.match(name) for name in tocs):
                raise SchemaVersionError(
                    f"{self.path} holds an index without {CURRENT} (an older layout)"
                ) from None
            # generation files without CURRENT.json: the first build was stopped
            unfinished = " (a first build did not finish)" if tocs else ""
            raise IndexNotFoundError(f"no index at {self.path}{unfinished}") from None
        except OSError as exc:
            raise IndexStoreError(f"cannot read {self.current_path}: {exc.strerror}") from exc
        try:
            data = json.loads(raw)
            current = Current(
                indexname=str(data["indexname"]),
                schema_version=int(data["schema_version"]),
                stemmer=str(data.get("stemmer", "")),
                compounds=bool(data.get("compounds", True)),
                created=str(data.get("created", "")),
                updated=str(data.get("updated", "")),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise IndexStoreError(
                f"{self.current_path} is damaged ({exc})",
                hint="rebuild with `zsuche index`",
            ) from None
        if current.schema_version != SCHEMA_VERSION:
            raise SchemaVersionError(
                f"the index at {self.path} has schema version {current.schema_version}, "
                f"this zeitungssuche writes version {SCHEMA_VERSION}"
            )
        return current

    def write_current(self, current: Current) -> None:
        """Switch ``CURRENT.json`` atomically (write a temp file, fsync, rename)."""
        tmp = self.path / f".{CURRENT}.{os.getpid()}.tmp"
        data = json.dumps(current.to_json(), indent=1).encode("utf-8")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            try:
                os.write(fd, data)
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(tmp, self.current_path)
            _fsync_dir(self.path)
        except OSError as exc:
            try:
                tmp.unlink()
            except OSError:
                pass
            raise storage_error(self.path, exc) from exc

    def next_indexname(self) -> str:
        """A generation name not used in the folder yet."""
        used = {int(m.group(1)[1:]) for m in map(_GEN_FILE.match, _listdir(self.path)) if m}
        try:
            used.add(int(self.read_current().indexname[1:]))
        except (IndexStoreError, ValueError):
            pass
        return f"g{max(used, default=0) + 1}"

    def remove_generation(self, name: str) -> None:
        """Delete the files of generation ``name`` (best effort)."""
        for fname in _listdir(self.path):
            m = _GEN_FILE.match(fname)
            if m and m.group(1) == name:
                try:
                    (self.path / fname).unlink()
                except OSError:
                    pass

    def remove_other_generations(self, keep: str) -> None:
        """Delete the files of every generation but ``keep`` (best effort)."""
        for name in _listdir(self.path):
            m = _GEN_FILE.match(name)
            if (m and m.group(1) != keep) or (name.startswith(f"{keep}_") and ".toc." in name):
                try:
                    (self.path / name).unlink()
                except OSError:
                    pass

    @contextmanager
    def lock(self, wait: float = 0.0) -> Iterator[None]:
        """Hold the write lock; wait up to ``wait`` seconds for another writer."""
        import fcntl

        try:
            self.path.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise storage_error(self.path, exc) from exc
        _HELD_LOCKS[fd] = os.getpid()
        try:
            deadline = time.monotonic() + max(0.0, wait)
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        holder = _read_holder(fd)
                        raise IndexLockedError(
                            f"the index at {self.path} is being written by another process"
                            f"{holder} (lock file {self.lock_path})",
                            hint="wait for it to finish, or pass --wait SECONDS",
                        ) from None
                    time.sleep(0.05)
            try:
                os.ftruncate(fd, 0)
                os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
            except OSError:
                pass
            yield
        finally:
            if _HELD_LOCKS.pop(fd, None) == os.getpid():  # not in a forked child
                os.close(fd)  # releases the flock


#: lock file descriptors held by this process (fd -> pid)
_HELD_LOCKS: dict[int, int] = {}


def _forget_locks_in_child() -> None:
    """A forked child (an indexing worker) must not hold the parent's lock.

    An ``flock`` belongs to the open file, which a fork shares: a worker that
    outlived its killed parent would keep the index locked.
    """
    for fd in list(_HELD_LOCKS):
        try:
            os.close(fd)
        except OSError:
            pass
    _HELD_LOCKS.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_locks_in_child)


def _read_holder(fd: int) -> str:
    try:
        pid = os.pread(fd, 32, 0).decode().strip()
    except OSError:
        return ""
    return f" (pid {pid})" if pid.isdigit() else ""


def _listdir(path: Path) -> list[str]:
    try:
        return os.listdir(path)
    except OSError:
        return []


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def storage_error(path: Path, exc: OSError) -> IndexStoreError:
    """A clear error for a failed write to the index folder."""
    if exc.errno == errno.ENOSPC:
        return IndexStoreError(
            f"no space left on the device holding {path}; the previous index is intact",
            hint="free some space and run the command again",
        )
    if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return IndexStoreError(
            f"cannot write to {path}: {exc.strerror}; the previous index is intact",
            hint="check the folder's permissions or choose another with --index",
        )
    return IndexStoreError(f"cannot write the index at {path}: {exc.strerror or exc}")
