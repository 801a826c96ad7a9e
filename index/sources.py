"""Finding article files, reading them, and their content hashes.

A folder is searched recursively for ``*.txt`` (taz text format) and
``*.jsonl`` (JSON Lines) files. Hidden files and folders (``.git``) and the
usual non-article files that end in ``.txt`` (``LICENSE*``, ``README*``,
``COPYING*``, ``NOTICE*``, ``CHANGELOG*``) are skipped by name. A file named
explicitly on the command line is always read: as JSON Lines if it ends in
``.jsonl``, else as a taz text file.

Symbolic links that lead out of the folder being searched are not followed
unless ``follow_symlinks`` is set (each such link is reported); links to
places inside it are read once, under the real file's name where the walk
reaches that file itself.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .article import Article
from .errors import ArticleError
from .jsonl import parse_jsonl_bytes
from .taz import MAX_FILE_BYTES, parse_bytes

ARTICLE_SUFFIXES = (".txt", ".jsonl")
NOT_ARTICLE_PREFIXES = ("license", "licence", "readme", "copying", "notice", "changelog")


def is_article_name(name: str) -> bool:
    """True for a file name a folder search treats as an article file."""
    lower = name.lower()
    return (
        lower.endswith(ARTICLE_SUFFIXES)
        and not lower.startswith(".")
        and not lower.startswith(NOT_ARTICLE_PREFIXES)
    )


def walk(
    paths: Iterable[str | Path], *, follow_symlinks: bool = False
) -> Iterator[Path | ArticleError]:
    """Yield every article file under ``paths`` (sorted within each folder).

    A path that does not exist, or a link that leaves its folder, is yielded
    as an :class:`ArticleError` so the caller can report it and go on.
    """
    seen: set[str] = set()  # real paths, as strings (cheaper than Path objects)
    for given in paths:
        p = Path(given)
        if not p.exists():
            yield ArticleError(p, "no such file or folder")
            continue
        if p.is_dir():
            yield from _walk_dir(p, follow_symlinks, seen)
            continue
        real = str(p.resolve())
        if real not in seen:
            seen.add(real)
            yield p


def _walk_dir(root: Path, follow: bool, seen: set[str]) -> Iterator[Path | ArticleError]:
    root_real = root.resolve()
    visited_dirs: set[Path] = {root_real}
    # links to files inside the folder: read at the end, and only when the
    # walk did not reach the file itself (so its id is the real file's stem,
    # whatever the link's name sorts like)
    inner_links: list[tuple[Path, Path]] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=follow):
        here = Path(dirpath)
        here_real = str(here.resolve())  # once per folder, not per file
        try:
            # d_type from the directory listing: no lstat per file
            links = {e.name for e in os.scandir(dirpath) if e.is_symlink()}
        except OSError:
            links = set(filenames) | set(dirnames)
        keep = []
        for d in sorted(dirnames):
            if d.startswith("."):
                continue
            sub = here / d
            if sub.is_symlink():
                target = sub.resolve()
                if not follow and not _inside(target, root_real):
                    yield ArticleError(
                        sub,
                        "symbolic link to a folder outside the indexed folder not followed",
                        hint="pass --follow-symlinks to read it",
                    )
                    continue
                if _inside(target, root_real) or target in visited_dirs:
                    # inside the tree: it is read where it really is (also
                    # with follow_symlinks); a folder outside it only once
                    continue
                visited_dirs.add(target)
            keep.append(d)
        dirnames[:] = keep
        for name in sorted(filenames):
            if not is_article_name(name):
                continue
            f = here / name
            if name in links:
                target = f.resolve()
                if not follow and not _inside(target, root_real):
                    yield ArticleError(
                        f,
                        "symbolic link to a file outside the indexed folder not followed",
                        hint="pass --follow-symlinks to read it",
                    )
                    continue
                if not target.exists():
                    yield ArticleError(f, "broken symbolic link")
                    continue
                if _inside(target, root_real):
                    inner_links.append((f, target))
                    continue
            real = str(f.resolve()) if name in links else os.path.join(here_real, name)
            if real in seen:
                continue
            seen.add(real)
            yield f
    for link, target in inner_links:
        if str(target) not in seen:
            seen.add(str(target))
            yield link


def _inside(path: Path, root: Path) -> bool:
    try:
        path.relative_to(root)
    except ValueError:
        return False
    return True


def find_article_files(paths: Iterable[str | Path], *, follow_symlinks: bool = False) -> list[Path]:
    """The article files under ``paths`` (problems such as missing paths are skipped)."""
    return [p for p in walk(paths, follow_symlinks=follow_symlinks) if isinstance(p, Path)]


def content_hash(data: bytes) -> str:
    """A short, stable hash of a file's bytes (BLAKE2b, 128 bits, hex)."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


@dataclass
class FileResult:
    """What reading one article file gave: its articles, its errors, its hash."""

    path: Path
    hash: str = ""
    size: int = 0
    mtime_ns: int = 0
    articles: list[Article] = field(default_factory=list)
    errors: list[ArticleError] = field(default_factory=list)


def read_file(path: str | Path) -> FileResult:
    """Read and parse one article file; never raises for bad content."""
    p = Path(path)
    result = FileResult(p)
    try:
        st = p.stat()
        result.size, result.mtime_ns = st.st_size, st.st_mtime_ns
        if st.st_size > MAX_FILE_BYTES and not p.name.lower().endswith(".jsonl"):
            raise ArticleError(
                p,
                f"file is {st.st_size / 1e6:.0f} MB, more than the "
                f"{MAX_FILE_BYTES // 2**20} MiB an article may have",
                hint="split it or check that it is an article",
            )
        data = p.read_bytes()
    except ArticleError as exc:
        result.errors.append(exc)
        return result
    except OSError as exc:
        result.errors.append(ArticleError(p, f"cannot read file: {exc.strerror or exc}"))
        return result
    result.hash = content_hash(data)
    parse_into(result, data)
    return result


def parse_into(result: FileResult, data: bytes) -> None:
    """Parse ``data`` (the bytes of ``result.path``) into ``result``."""
    p = result.path
    try:
        if p.name.lower().endswith(".jsonl"):
            for item in parse_jsonl_bytes(data, path=p):
                if isinstance(item, ArticleError):
                    result.errors.append(item)
                else:
                    result.articles.append(item)
        else:
            result.articles.append(parse_bytes(data, path=p))
    except ArticleError as exc:
        result.errors.append(exc)
    except Exception as exc:  # a parser bug must not stop the other files
        result.errors.append(
            ArticleError(
                p,
                f"internal parser error: {type(exc).__name__}: {exc}",
                hint="please report this file",
            )
        )


def iter_articles(
    paths: Iterable[str | Path], *, follow_symlinks: bool = False
) -> Iterator[Article | ArticleError]:
    """Every article (or error) under ``paths``, file by file."""
    for item in walk(paths, follow_symlinks=follow_symlinks):
        if isinstance(item, ArticleError):
            yield item
            continue
        result = read_file(item)
        yield from result.articles
        yield from result.errors
