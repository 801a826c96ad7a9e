"""Writing the index: full build, incremental add/update, remove, optimize.

Every operation returns a :class:`Report` (added, updated, unchanged,
removed, failed, with the failures and their reasons); one bad file is a
failure in the report, never the end of the run.

Full builds (:meth:`Indexer.build`) parse and analyse in worker processes, one
per core, each writing its own Whoosh segment; the parent commits them
together into a new generation and switches ``CURRENT.json`` to it
atomically. Incremental writes (:meth:`Indexer.add`, :meth:`Indexer.update`)
skip files whose size and modification time (or else content hash) are
unchanged, delete the old documents of changed and vanished files, and
commit once. A process killed at any point leaves the last commit intact.
"""

from __future__ import annotations

import gc
import io
import itertools
import multiprocessing as mp
import os
import shutil
import signal
import sys
import time
import traceback
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from whoosh.filedb.filestore import FileStorage
from whoosh.index import clean_files
from whoosh.writing import CLEAR, MERGE_SMALL, NO_MERGE, OPTIMIZE, SegmentWriter

from .analysis import DEFAULT_COMPOUNDS, DEFAULT_STEMMER, STEMMERS
from .article import Article
from .errors import AnalysisError, ArticleError, IndexStoreError, ZsucheError
from .schema import SCHEMA_VERSION, article_fields, make_schema
from .sources import FileResult, content_hash, read_file, walk
from .store import Current, IndexDir, now_iso, storage_error
from .writer import FastSegmentWriter

#: above this many files to (re)index, worker processes are used
PARALLEL_MIN_FILES = 400
#: memory for each writer's posting pool before it spills to disk (MB)
POOL_MB = 256

ProgressFn = Callable[[int], None]


@dataclass(frozen=True)
class Problem:
    """A failure or warning about one file (and line)."""

    path: str
    line: int | None
    reason: str

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{where}: {self.reason}"

    @classmethod
    def from_error(cls, exc: ArticleError) -> Problem:
        reason = exc.reason + (f" ({exc.hint})" if exc.hint else "")
        return cls(exc.path, exc.line, reason)


@dataclass
class Report:
    """What a write operation did."""

    operation: str
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    failed: int = 0
    failures: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    seconds: float = 0.0
    articles: int = 0  # articles in the index afterwards
    index_dir: str = ""

    @property
    def ok(self) -> bool:
        return self.failed == 0

    def summary(self) -> str:
        """The one summary line every write command ends with."""
        return (
            f"{self.operation}: {self.added} added, {self.updated} updated, "
            f"{self.unchanged} unchanged, {self.removed} removed, {self.failed} failed "
            f"({self.articles} articles in the index, {self.seconds:.1f} s)"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "operation": self.operation,
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "removed": self.removed,
            "failed": self.failed,
            "failures": [str(p) for p in self.failures],
            "warnings": [str(p) for p in self.warnings],
            "seconds": round(self.seconds, 3),
            "articles": self.articles,
            "index": self.index_dir,
        }

    def _fail(self, problem: Problem) -> None:
        self.failed += 1
        self.failures.append(problem)


def file_key(path: Path) -> str:
    """How the index names a file: its absolute path, ``..`` and ``.`` taken out
    (``update a/../a`` is ``update a``; links are not resolved)."""
    return os.path.abspath(path)


def _state(key: str, result: FileResult) -> str:
    return f"{key}\x00{result.size}\x00{result.mtime_ns}\x00{result.hash}"


def _parse_state(term: str) -> tuple[str, int, int, str] | None:
    parts = term.split("\x00")
    if len(parts) != 4:
        return None
    try:
        return parts[0], int(parts[1]), int(parts[2]), parts[3]
    except ValueError:
        return None


@dataclass
class _Batch:
    """What one writer (process) indexed."""

    ids: list[tuple[str, int, str]] = field(default_factory=list)  # (id, docnum, file key)
    replaced: set[str] = field(default_factory=set)  # new ids that were in the index already
    files: dict[str, int] = field(default_factory=dict)  # file key -> articles added
    failures: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)


_Item = tuple[str, str] | Article  # a (path, file key) to read, or an article


def _index_files(
    writer: SegmentWriter,
    files: Sequence[_Item],
    batch: _Batch,
    progress: ProgressFn | None,
) -> None:
    """Parse ``files`` ((path, key) pairs) and add their articles to ``writer``.

    An :class:`Article` given instead of a pair is indexed as it is, under
    the file key ``article:ID`` (articles that come from no file).
    """
    seen: set[str] = set()
    for item in files:
        if isinstance(item, Article):
            path, key = item.path, f"article:{item.id}"
            result = FileResult(Path(path or key), hash="-", articles=[item])
        else:
            path, key = item
            result = read_file(path)
        batch.failures.extend(Problem.from_error(e) for e in result.errors)
        state = _state(key, result)
        added = 0
        for article in result.articles:
            if article.id in seen:
                batch.failures.append(
                    Problem(article.path or path, None, f"duplicate id {article.id!r} skipped")
                )
                continue
            seen.add(article.id)
            for w in article.warnings:
                batch.warnings.append(Problem(article.path or path, None, w))
            docnum = writer.docnum
            writer.add_document(**article_fields(article, file_key=key, file_state=state))
            batch.ids.append((article.id, docnum, key))
            added += 1
        batch.files[key] = added
        if progress is not None:
            progress(1)


class _Storage(FileStorage):  # type: ignore[misc]
    """A FileStorage whose temp folders are private to one writer.

    Whoosh names a writer's temp folder after the index, so two writers of
    one index (the worker processes) would share, and delete, each other's.
    """

    def temp_storage(self, name: str | None = None) -> FileStorage:
        unique = f"{name or 'w'}.{os.getpid()}.{next(_TEMP_IDS)}.tmp"
        return super().temp_storage(unique)


_TEMP_IDS = itertools.count()


def _worker(
    dirpath: str,
    indexname: str,
    shard: int,
    files: list[_Item],
    queue: Any,
    parent: int,
) -> None:
    """Worker process: index ``files`` (shard number ``shard``) into a segment
    of its own, send it back."""
    _die_with_parent(parent)
    # indexing makes millions of long-lived objects (caches, postings) and no
    # reference cycles; the cyclic collector would walk them all again and
    # again (a quarter of the build time). The process ends after this.
    gc.disable()
    try:
        ix = _Storage(dirpath).open_index(indexname)
        writer = FastSegmentWriter(ix, _lk=False, compound=False, limitmb=POOL_MB)
        batch = _Batch()
        done = [0]

        def progress(n: int) -> None:
            done[0] += n
            if done[0] % 50 == 0:
                queue.put(("progress", 50))
                if os.getppid() != parent:  # the parent was killed: stop
                    os._exit(3)

        _index_files(writer, files, batch, progress)
        queue.put(("progress", done[0] % 50))
        # the analysis caches are done with: their memory goes to the segment
        writer.clear_analysis_caches()
        segment = writer._finalize_segment() if writer._added else None
        if segment is None:
            writer._close_segment()
        writer._tempstorage.destroy()
        queue.put(("done", shard, segment, batch))
    except OSError as exc:  # disk full, read-only: the parent says it clearly
        queue.put(("oserror", exc.errno, exc.strerror or str(exc)))
    except BaseException as exc:  # report everything to the parent
        queue.put(("error", f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}"))


def _die_with_parent(parent: int) -> None:
    """Have the kernel kill this worker when its parent dies (Linux).

    A worker outliving a killed parent would go on writing into the index
    folder, and could block for ever sending its result to nobody.
    """
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):  # pragma: no cover
            pass
    if os.getppid() != parent:  # the parent died before the line above
        os._exit(3)


class Indexer:
    """Writes one index folder. All writes hold the folder's write lock."""

    def __init__(
        self,
        index_dir: str | Path | None = None,
        *,
        stemmer: str | None = None,
        compounds: bool | None = None,
        wait: float = 0.0,
        procs: int | None = None,
        follow_symlinks: bool = False,
        progress: Callable[[int, int], ProgressFn] | None = None,
    ) -> None:
        """``progress``, if given, is called with (total, 0) when the work is known
        and returns a function that is called with the number of files done."""
        self.dir = IndexDir(index_dir)
        if stemmer is not None and stemmer not in STEMMERS:
            raise AnalysisError(
                f"unknown stemmer {stemmer!r}", hint=f"choose one of {', '.join(STEMMERS)}"
            )
        self.stemmer = stemmer
        self.compounds = compounds
        self.wait = wait
        self.procs = procs if procs is not None else _default_procs()
        self.follow_symlinks = follow_symlinks
        self.progress = progress

    # -- public operations ------------------------------------------------
    def build(self, paths: Iterable[str | Path]) -> Report:
        """Index ``paths`` from scratch, replacing what the index held."""
        report = Report("index", index_dir=str(self.dir.path))
        start = time.perf_counter()
        files = self._collect(paths, report)
        with self._locked():
            self._build_locked(files, report)
        report.seconds = time.perf_counter() - start
        return report

    def build_articles(self, articles: Iterable[Article]) -> Report:
        """Index already parsed articles from scratch (no files involved).

        For programs that make articles themselves; ``add``/``update`` do not
        track them (they have no file), ``remove`` does.
        """
        report = Report("index", index_dir=str(self.dir.path))
        start = time.perf_counter()
        with self._locked():
            self._build_locked([], report, articles=list(articles))
        report.seconds = time.perf_counter() - start
        return report

    def _build_locked(
        self, files: list[Path], report: Report, articles: list[Article] | None = None
    ) -> None:
        try:
            previous = self._read_current_or_none()
        except IndexStoreError:
            # another schema version, or a damaged CURRENT.json: a full build is
            # what replaces it (the old files stay until the new index is live)
            previous = None
        stemmer = self.stemmer or (previous.stemmer if previous else DEFAULT_STEMMER)
        if self.compounds is not None:
            compounds = self.compounds
        else:
            compounds = previous.compounds if previous else DEFAULT_COMPOUNDS
        indexname = self.dir.next_indexname()
        try:
            storage = _Storage(str(self.dir.path))
            ix = storage.create_index(make_schema(stemmer, compounds), indexname=indexname)
            work: list[_Item] = [(str(p), file_key(p)) for p in files]
            work.extend(articles or ())
            batch = self._write(ix, work, deletions=(), mergetype=NO_MERGE)
            created = now_iso()
            self.dir.write_current(
                Current(indexname, SCHEMA_VERSION, stemmer, compounds, created, created)
            )
        except OSError as exc:
            self.dir.remove_generation(indexname)  # drop the half-built generation
            raise storage_error(self.dir.path, exc) from exc
        except BaseException:
            self.dir.remove_generation(indexname)
            raise
        self.dir.remove_other_generations(indexname)
        report.added = len(batch.ids)
        self._finish_report(report, batch, ix)

    def add(self, paths: Iterable[str | Path]) -> Report:
        """Add new articles and re-index changed ones; unchanged files are skipped."""
        return self._incremental("add", paths, remove_missing_under=None)

    def update(self, folder: str | Path) -> Report:
        """Make the index match ``folder``: new and changed files in, deleted files out."""
        root = Path(folder)
        if not root.is_dir():
            raise ArticleError(root, "not a folder", hint="`zsuche update` takes a folder")
        return self._incremental("update", [root], remove_missing_under=file_key(root))

    def remove(self, ids: Iterable[str]) -> Report:
        """Remove articles by id; unknown ids are failures."""
        report = Report("remove", index_dir=str(self.dir.path))
        start = time.perf_counter()
        self.dir.read_current()  # no index: say so, without making its folder
        with self._locked():
            current = self.dir.read_current()
            ix = self._open(current)
            writer = self._writer(ix)
            try:
                removed: set[str] = set()
                with ix.searcher() as searcher:
                    for article_id in ids:
                        if article_id in removed:
                            continue
                        if searcher.document_number(id=article_id) is None:
                            report._fail(Problem(article_id, None, "no article with this id"))
                            continue
                        writer.delete_by_term("id", article_id, searcher=searcher)
                        removed.add(article_id)
                report.removed = len(removed)
                self._commit(writer, [], MERGE_SMALL)
            except OSError as exc:
                _abandon(writer, ix)
                raise storage_error(self.dir.path, exc) from exc
            except BaseException:
                _abandon(writer, ix)
                raise
            self._touch(current, report)
            report.articles = ix.doc_count()
        report.seconds = time.perf_counter() - start
        return report

    def optimize(self) -> Report:
        """Merge all segments into one (faster searches, slower to write)."""
        report = Report("optimize", index_dir=str(self.dir.path))
        start = time.perf_counter()
        self.dir.read_current()  # no index: say so, without making its folder
        with self._locked():
            current = self.dir.read_current()
            ix = self._open(current)
            writer = self._writer(ix)
            try:
                self._commit(writer, [], OPTIMIZE)
            except OSError as exc:
                _abandon(writer, ix)
                raise storage_error(self.dir.path, exc) from exc
            except BaseException:
                _abandon(writer, ix)
                raise
            self._touch(current, report)
            report.articles = ix.doc_count()
            report.unchanged = report.articles
        report.seconds = time.perf_counter() - start
        return report

    # -- internals ---------------------------------------------------------
    def _incremental(
        self, operation: str, paths: Iterable[str | Path], remove_missing_under: str | None
    ) -> Report:
        report = Report(operation, index_dir=str(self.dir.path))
        start = time.perf_counter()
        files = self._collect(paths, report)
        with self._locked():
            current = self._read_current_or_none()
            if current is None:
                # nothing to update yet: this is a first build
                self._build_locked(files, report)
                report.seconds = time.perf_counter() - start
                return report
            ix = self._open(current)
            known = self._file_states(ix)
            todo: list[tuple[str, str]] = []
            changed: set[str] = set()
            seen_keys: set[str] = set()
            for p in files:
                key = file_key(p)
                seen_keys.add(key)
                old = known.get(key)
                if old is not None:
                    if self._unchanged(p, old):
                        report.unchanged += old[3]
                        continue
                    changed.add(key)
                todo.append((str(p), key))
            vanished: list[str] = []
            if remove_missing_under is not None:
                prefix = remove_missing_under.rstrip(os.sep) + os.sep
                vanished = [k for k in known if k.startswith(prefix) and k not in seen_keys]
            if not todo and not vanished:
                report.articles = ix.doc_count()
                report.seconds = time.perf_counter() - start
                return report
            deletions = [("file", k) for k in sorted(changed | set(vanished))]
            try:
                old_ids = self._ids_of_files(ix, changed | set(vanished))
                batch = self._write(ix, todo, deletions=deletions, mergetype=MERGE_SMALL)
            except OSError as exc:
                raise storage_error(self.dir.path, exc) from exc
            # by id: an article whose id was in the index (from this file or
            # another one) is updated, any other new one added, and an old one
            # whose id no file brought back is removed
            new_ids = {article_id for article_id, _, _ in batch.ids}
            report.updated = len(batch.replaced)
            report.added = len(new_ids) - report.updated
            report.removed = len(old_ids - new_ids)
            self._touch(current, report)
            self._finish_report(report, batch, ix)
        report.seconds = time.perf_counter() - start
        return report

    def _finish_report(self, report: Report, batch: _Batch, ix: Any) -> None:
        for problem in batch.failures:
            report._fail(problem)
        report.warnings.extend(batch.warnings)
        report.articles = ix.refresh().doc_count() if hasattr(ix, "refresh") else ix.doc_count()

    def _collect(self, paths: Iterable[str | Path], report: Report) -> list[Path]:
        files: list[Path] = []
        for item in walk(paths, follow_symlinks=self.follow_symlinks):
            if isinstance(item, ArticleError):
                report._fail(Problem.from_error(item))
            else:
                files.append(item)
        return files

    def _read_current_or_none(self) -> Current | None:
        if not self.dir.exists():
            return None
        return self.dir.read_current()

    def _open(self, current: Current) -> Any:
        try:
            ix = _Storage(str(self.dir.path)).open_index(current.indexname)
        except OSError as exc:
            raise storage_error(self.dir.path, exc) from exc
        except Exception as exc:
            raise IndexStoreError(
                f"cannot open the index at {self.dir.path}: {exc}",
                hint="rebuild with `zsuche index`",
            ) from exc
        return ix

    def _writer(self, ix: Any) -> SegmentWriter:
        try:
            return FastSegmentWriter(ix, compound=False, limitmb=POOL_MB)
        except OSError as exc:
            raise storage_error(self.dir.path, exc) from exc

    @staticmethod
    def _ids_of_files(ix: Any, keys: set[str]) -> set[str]:
        """The ids of the articles the index holds from the files ``keys``."""
        ids: set[str] = set()
        if not keys:
            return ids
        with ix.searcher() as searcher:
            for key in keys:
                for docnum in searcher.document_numbers(file=key):
                    ids.add(searcher.stored_fields(docnum)["id"])
        return ids

    def _file_states(self, ix: Any) -> dict[str, tuple[int, int, str, int]]:
        """file key -> (size, mtime_ns, hash, number of articles) for every indexed file.

        Only live documents count: the terms of deleted documents (an older
        state of a changed file, a removed article) stay in a segment's term
        table until it is merged away.
        """
        out: dict[str, tuple[int, int, str, int]] = {}
        with ix.reader() as reader:
            for term, info in _live_terms(reader, "filestate"):
                parsed = _parse_state(term)
                if parsed is None:
                    continue
                key, size, mtime_ns, digest = parsed
                out[key] = (size, mtime_ns, digest, info)
        return out

    def _unchanged(self, path: Path, old: tuple[int, int, str, int]) -> bool:
        size, mtime_ns, digest, _ = old
        try:
            st = path.stat()
        except OSError:
            return False
        if st.st_size == size and st.st_mtime_ns == mtime_ns:
            return True
        if st.st_size != size:
            return False
        try:  # same size, other time: compare contents
            data = path.read_bytes()
        except OSError:
            return False
        return content_hash(data) == digest

    def _write(
        self,
        ix: Any,
        files: Sequence[_Item],
        *,
        deletions: Sequence[tuple[str, str]],
        mergetype: Any,
    ) -> _Batch:
        """Index ``files`` and apply ``deletions`` in one commit."""
        tick = self.progress(len(files), 0) if self.progress else None
        writer = self._writer(ix)
        try:
            if deletions:
                # one reader for all (Whoosh's delete_by_term opens one per
                # call: 28,000 moved files took 53 s of reader set-up)
                with writer.searcher() as deleting:
                    for fieldname, text in deletions:
                        writer.delete_by_term(fieldname, text, searcher=deleting)
            if len(files) >= PARALLEL_MIN_FILES and self.procs > 1:
                batch, segments = self._write_parallel(ix, files, tick)
            else:
                batch, segments = _Batch(), []
                with _collector_paused():
                    _index_files(writer, files, batch, tick)
            new_ids = {article_id for article_id, _, _ in batch.ids}
            if new_ids:
                # an id that moved from another file: the new copy wins
                with ix.searcher() as searcher:
                    for article_id in new_ids:
                        if searcher.document_number(id=article_id) is not None:
                            batch.replaced.add(article_id)
                            # the same segments as the writer's: same docnums
                            writer.delete_by_term("id", article_id, searcher=searcher)
            self._dedupe_segments(batch, segments)
            self._commit(writer, segments, mergetype)
        except BaseException:
            _abandon(writer, ix)
            raise
        return batch

    def _write_parallel(
        self, ix: Any, files: Sequence[_Item], tick: ProgressFn | None
    ) -> tuple[_Batch, list[Any]]:
        nproc = min(self.procs, max(1, len(files) // 100))
        shards: list[list[_Item]] = [[] for _ in range(nproc)]
        sizes = [0] * nproc
        for item in sorted(files, key=_item_size, reverse=True):
            i = sizes.index(min(sizes))
            shards[i].append(item)
            sizes[i] += _item_size(item)
        ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else mp.get_context()
        queue = ctx.Queue()
        workers = [
            ctx.Process(
                target=_worker,
                args=(str(self.dir.path), ix.indexname, number, shard, queue, os.getpid()),
                daemon=True,
            )
            for number, shard in enumerate(shards)
        ]
        for w in workers:
            w.start()
        finished: dict[int, tuple[Any, _Batch]] = {}
        pending = len(workers)
        try:
            while pending:
                try:
                    msg = queue.get(timeout=1.0)
                except Exception:  # queue.Empty: check the workers are alive
                    if any(w.exitcode not in (None, 0) for w in workers):
                        raise IndexStoreError("an indexing worker process died") from None
                    continue
                if msg[0] == "progress":
                    if tick is not None:
                        tick(msg[1])
                elif msg[0] == "done":
                    pending -= 1
                    finished[msg[1]] = (msg[2], msg[3])
                elif msg[0] == "oserror":
                    raise storage_error(self.dir.path, OSError(msg[1], msg[2]))
                else:
                    raise IndexStoreError(f"an indexing worker failed: {msg[1]}")
        finally:
            for w in workers:
                w.join(timeout=5)
                if w.is_alive():
                    w.terminate()
        # segments in shard order, not in the order the workers finished: the
        # same files give the same document numbers (ties in ranking keep
        # their order) and the same copy of a duplicate id is kept
        batch = _Batch()
        segments: list[Any] = []
        for number in sorted(finished):
            segment, part = finished[number]
            if segment is not None:
                segments.append(segment)
            offset = len(segments) - 1
            batch.ids.extend((i, d, f"{offset}\x00{k}") for i, d, k in part.ids)
            batch.files.update(part.files)
            batch.failures.extend(part.failures)
            batch.warnings.extend(part.warnings)
        return batch, segments

    @staticmethod
    def _dedupe_segments(batch: _Batch, segments: list[Any]) -> None:
        """The same id from two worker segments: keep the first, report the rest."""
        if not segments:
            return
        first: dict[str, str] = {}
        kept: list[tuple[str, int, str]] = []
        for article_id, docnum, tagged in batch.ids:
            seg_index, key = tagged.split("\x00", 1)
            if article_id in first:
                segments[int(seg_index)].delete_document(docnum)
                batch.failures.append(
                    Problem(key, None, f"duplicate id {article_id!r} (also in {first[article_id]})")
                )
                batch.files[key] = batch.files.get(key, 1) - 1
                continue
            first[article_id] = key
            kept.append((article_id, docnum, key))
        batch.ids = kept

    @staticmethod
    def _commit(writer: SegmentWriter, extra_segments: list[Any], mergetype: Any) -> None:
        """Commit ``writer`` together with segments written by worker processes."""
        final = writer._merge_segments(mergetype, None, None)
        if writer._added:
            final.append(writer._finalize_segment())
        else:
            writer._close_segment()
        final.extend(extra_segments)
        writer._commit_toc(final)
        writer._finish()

    def _touch(self, current: Current, report: Report) -> None:
        """Record the time of a write in CURRENT.json.

        The commit is in already (searchers see it without CURRENT.json), so
        failing to record its time (a full disk) is a warning, not a failure.
        """
        current.updated = now_iso()
        try:
            self.dir.write_current(current)
        except IndexStoreError as exc:
            report.warnings.append(
                Problem(
                    str(self.dir.current_path),
                    None,
                    f"the write is in, but its time was not recorded: {exc.message}",
                )
            )

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """Hold the write lock; clear temp files of killed writers before the
        work and this writer's own after it (Whoosh leaves a column writer's
        temp folder behind)."""
        with self.dir.lock(self.wait):
            self._clean_temp()
            try:
                yield
            finally:
                self._clean_temp()

    def _clean_temp(self) -> None:
        """Remove temp folders and files left by killed writers (lock held)."""
        try:
            names = os.listdir(self.dir.path)
        except OSError:
            return
        for name in names:
            path = self.dir.path / name
            if name.endswith(".tmp") and path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            elif ".toc." in name or (name.startswith(".CURRENT.json.") and name.endswith(".tmp")):
                try:
                    path.unlink()
                except OSError:
                    pass


def _abandon(writer: SegmentWriter, ix: Any) -> None:
    """After a failed write: cancel ``writer`` and delete the files of segments
    that no committed table of contents names (they may fill a full disk).

    Whoosh's ``cancel`` stops at the first error (a full disk fails it too),
    leaving the writer's files open (their space is not freed while they are)
    and its lock held for the rest of the process; both are let go here.
    """
    try:
        writer.cancel()
    except Exception:
        pass
    _close_files(writer)
    lock = getattr(writer, "writelock", None)
    if lock is not None and getattr(lock, "fd", None) is not None:
        try:
            lock.release()
        except Exception:
            pass
    try:
        writer._tempstorage.destroy()
    except Exception:
        pass
    writer.is_closed = True
    try:
        clean_files(ix.storage, ix.indexname, ix.latest_generation(), ix._segments())
    except Exception:
        pass


#: the parts of a writer that hold its files (the schema, the index, and the
#: in-memory postings are not searched)
_FILE_HOLDERS = (
    "whoosh.codec",
    "whoosh.filedb",
    "whoosh.writing",
    "whoosh.externalsort",
    "whoosh.columns",
    "whoosh.util",
    "index.writer",
)
_NOT_FILE_HOLDERS = frozenset({"schema", "ix", "storage", "_german", "_lengths", "_segments"})


def _close_files(root: Any) -> None:
    """Close every file object reachable from ``root`` (a failed writer)."""
    seen: set[int] = set()
    todo: list[Any] = [root]
    while todo:
        obj = todo.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        if isinstance(obj, io.IOBase):
            try:
                obj.close()
            except Exception:
                pass
        elif isinstance(obj, (list, tuple, set)):
            todo.extend(obj)
        elif isinstance(obj, dict):
            todo.extend(obj.values())
        elif type(obj).__module__.startswith(_FILE_HOLDERS) and hasattr(obj, "__dict__"):
            todo.extend(v for k, v in vars(obj).items() if k not in _NOT_FILE_HOLDERS)


def _live_terms(reader: Any, fieldname: str) -> Iterable[tuple[str, int]]:
    """(term, number of live documents with it) for the terms of ``fieldname``.

    Terms only deleted documents have are left out. Whoosh's document
    frequencies count deleted documents too; in a segment with deletions a
    term in one document (a file's state: one article per file) is checked
    by its document number, kept in the term's info; others posting by posting.
    """
    counts: dict[str, int] = {}
    if fieldname not in reader.schema:
        return []
    try:
        for leaf, _base in reader.leaf_readers():
            if fieldname not in leaf.indexed_field_names():
                continue
            deletions = leaf.has_deletions()
            fmt = leaf.schema[fieldname].format
            for tbytes, info in leaf.iter_field(fieldname):
                n = info.doc_frequency()
                if deletions:
                    if n == 1:
                        n = 0 if leaf.is_deleted(info.min_id()) else 1
                    else:
                        matcher = leaf._terms.matcher(fieldname, tbytes, fmt)
                        n = sum(1 for d in matcher.all_ids() if not leaf.is_deleted(d))
                if n:
                    term = tbytes.decode("utf-8")
                    counts[term] = counts.get(term, 0) + n
    except KeyError:
        return []
    return list(counts.items())


@contextmanager
def _collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off while indexing in this process (see _worker)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _item_size(item: _Item) -> int:
    if isinstance(item, Article):
        return len(item.body) + len(item.lead) + 200
    try:
        return os.path.getsize(item[0])
    except OSError:
        return 0


def _default_procs() -> int:
    try:
        n = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        n = os.cpu_count() or 1
    return max(1, min(n, 8))


# -- one-call functions ----------------------------------------------------
def build_index(
    paths: Iterable[str | Path], index_dir: str | Path | None = None, **kw: Any
) -> Report:
    """Build an index from ``paths`` (files and folders), replacing the old one."""
    return Indexer(index_dir, **kw).build(paths)


def add_to_index(
    paths: Iterable[str | Path], index_dir: str | Path | None = None, **kw: Any
) -> Report:
    """Add new and changed articles from ``paths``."""
    return Indexer(index_dir, **kw).add(paths)


def update_index(folder: str | Path, index_dir: str | Path | None = None, **kw: Any) -> Report:
    """Make the index match ``folder``."""
    return Indexer(index_dir, **kw).update(folder)


__all__ = [
    "CLEAR",
    "Indexer",
    "Problem",
    "Report",
    "ZsucheError",
    "add_to_index",
    "build_index",
    "update_index",
]

if sys.platform == "win32":  # pragma: no cover
    raise ImportError("zeitungssuche needs a POSIX system (fcntl locks)")
