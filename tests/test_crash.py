"""Crash safety: writers killed with SIGKILL at random moments.

Each test starts a real writer process, kills it (``kill -9``) after a
random delay or right after one of its commits, and then checks what a
killed writer must leave: an index that opens, holds exactly one of the
states that were committed, passes :meth:`SearchEngine.check`, is not
locked, and takes a rerun that ends with every article exactly once.

The random delays come from a seed printed with every failure; set
``ZSUCHE_CRASH_SEED`` to replay one.
"""

from __future__ import annotations

import json
import os
import random
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
from helpers import LOCK_HOLDER, Writer, article_id, marker_word, write_articles, writer

from index.builder import Indexer
from index.errors import IndexNotFoundError
from index.store import IndexDir
from search.engine import SearchEngine


@pytest.fixture(scope="module")
def seed() -> int:
    value = int(os.environ.get("ZSUCHE_CRASH_SEED", "0")) or random.randrange(1, 10**6)
    return value


def state_after_kill(index: Path, allowed: set[int], context: str) -> int | None:
    """Check the index a killed writer left; return its article count (None: no index)."""
    try:
        engine = SearchEngine(index)
    except IndexNotFoundError:
        assert 0 in allowed, f"{context}: the index vanished"
        return None
    with engine:
        check = engine.check()
        assert check.ok, f"{context}: {check.problems}"
        count = engine.stats().articles
        assert count in allowed, f"{context}: {count} articles, committed states {allowed}"
        results = engine.search("Anwohnerinnen", limit=1, snippets=False)
        assert results.total == count, context
    assert not IndexDir(index).lock_path.exists() or lock_is_free(index), context
    return count


def still_running(procs: list[psutil.Process], timeout: float) -> list[psutil.Process]:
    """The processes still running after ``timeout`` s (dead but unreaped ones
    do not count: an orphan's zombie waits for whatever adopted it)."""
    deadline = time.monotonic() + timeout
    while True:
        alive = []
        for p in procs:
            try:
                if p.status() != psutil.STATUS_ZOMBIE:
                    alive.append(p)
            except psutil.NoSuchProcess:
                pass
        if not alive or time.monotonic() >= deadline:
            return alive
        time.sleep(0.01)


def lock_is_free(index: Path) -> bool:
    try:
        with IndexDir(index).lock(wait=0):
            return True
    except Exception:
        return False


def assert_complete(index: Path, numbers: range) -> None:
    """The index holds article ``n`` exactly once for every n in ``numbers``, no more."""
    with SearchEngine(index) as engine:
        check = engine.check()
        assert check.ok, check.problems
        assert check.articles == len(numbers)
        for n in (numbers[0], numbers[len(numbers) // 2], numbers[-1]):
            hits = engine.search(marker_word(n), snippets=False).hits
            assert [h.id for h in hits] == [article_id(n)]
    assert not [p.name for p in index.iterdir() if p.name.endswith(".tmp")]


@pytest.fixture
def batches(tmp_path: Path) -> list[Path]:
    """Four folders of 40 generated articles each (art0000 … art0159)."""
    folders = []
    for b in range(4):
        folder = tmp_path / f"batch{b}"
        write_articles(folder, range(b * 40, b * 40 + 40))
        folders.append(folder)
    return folders


# -- kills during build and adds ---------------------------------------------------
def test_killed_during_build_and_adds(tmp_path: Path, batches: list[Path], seed: int) -> None:
    """A build and three adds, killed at random points, five times over."""
    rng = random.Random(seed)
    ops = [("build", [batches[0]])] + [("add", [b]) for b in batches[1:]]
    states = {0, 40, 80, 120, 160}
    for trial in range(5):
        index = tmp_path / f"index{trial}"
        w = writer(index, ops)
        op = rng.randrange(0, 4)  # kill during this operation ...
        delay = rng.uniform(0.0, 0.4)  # ... this long after it began writing
        context = f"seed {seed}, trial {trial}: killed {delay:.3f} s into operation {op}"
        w.wait_for("WORKING", op + 1)
        time.sleep(delay)
        w.kill()
        committed = w.committed()
        count = state_after_kill(index, states, context)
        last = committed[-1] if committed else 0
        # the state is the last one reported, or the one being committed
        assert (count or 0) in (last, last + 40), f"{context}: {count} after {committed}"

        # the rerun (no waiting for a lock) completes the index
        report = Indexer(index, procs=1, wait=0).add(batches)
        assert report.failed == 0
        assert report.added == 160 - (count or 0)
        assert report.unchanged == (count or 0)
        assert_complete(index, range(160))


def test_killed_during_add_of_new_files(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed + 1)
    old = tmp_path / "old"
    new = tmp_path / "new"
    write_articles(old, range(60))
    write_articles(new, range(60, 260))
    index = tmp_path / "index"
    Indexer(index, procs=1).build([old])
    for trial in range(3):
        w = writer(index, [("add", [new])])
        w.wait_for("WORKING")
        delay = rng.uniform(0.0, 0.8)
        time.sleep(delay)
        w.kill()
        context = f"seed {seed}, trial {trial}: add killed after {delay:.3f} s"
        count = state_after_kill(index, {60, 260}, context)
        if count == 260:  # it finished: start over from the old state
            Indexer(index, procs=1).build([old])
    report = Indexer(index, procs=1).add([old, new])
    assert (report.added, report.unchanged, report.failed) == (200, 60, 0)
    assert_complete(index, range(260))


def test_killed_during_rebuild_keeps_old_or_new(tmp_path: Path, seed: int) -> None:
    """A full build over an existing index: either all old or all new, never a mix."""
    rng = random.Random(seed + 2)
    old = tmp_path / "old"
    new = tmp_path / "new"
    write_articles(old, range(50))
    write_articles(new, range(1000, 1150))
    index = tmp_path / "index"
    Indexer(index, procs=1).build([old])
    for trial in range(3):
        w = writer(index, [("build", [new])])
        w.wait_for("WORKING")
        delay = rng.uniform(0.0, 0.8)
        time.sleep(delay)
        w.kill()
        context = f"seed {seed}, trial {trial}: rebuild killed after {delay:.3f} s"
        count = state_after_kill(index, {50, 150}, context)
        with SearchEngine(index) as engine:
            first = 0 if count == 50 else 1000
            assert engine.search(marker_word(first), snippets=False).total == 1, context
        if count == 150:
            Indexer(index, procs=1).build([old])
    report = Indexer(index, procs=1).build([new])
    assert report.added == 150
    assert_complete(index, range(1000, 1150))
    # the generations of the killed builds are gone
    live = json.loads((index / "CURRENT.json").read_text())["indexname"]
    others = [p.name for p in index.iterdir() if p.name.startswith(("g", "_g"))]
    assert all(n.startswith((f"{live}_", f"_{live}_")) for n in others), others


def test_killed_during_optimize_and_remove(tmp_path: Path, batches: list[Path], seed: int) -> None:
    rng = random.Random(seed + 3)
    index = tmp_path / "index"
    Indexer(index, procs=1).build([batches[0]])
    for folder in batches[1:]:
        Indexer(index, procs=1).add([folder])  # several segments to merge
    gone = [article_id(n) for n in range(0, 160, 8)]
    for trial in range(3):
        w = writer(index, [("optimize", []), ("remove", gone)])
        op = rng.randrange(0, 2)
        delay = rng.uniform(0.0, 0.5)
        w.wait_for("WORKING", op + 1)
        time.sleep(delay)
        w.kill()
        context = f"seed {seed}, trial {trial}: killed {delay:.3f} s into operation {op}"
        count = state_after_kill(index, {160, 140}, context)
        if count == 140:
            Indexer(index, procs=1).add(batches)  # bring the removed ones back
    report = Indexer(index, procs=1, wait=0).optimize()
    assert report.articles == 160
    with SearchEngine(index) as engine:
        assert engine.stats().segments == 1
    assert_complete(index, range(160))


def test_killed_during_parallel_build_leaves_no_workers(tmp_path: Path) -> None:
    """Worker processes die with their killed parent and do not keep the lock."""
    folder = tmp_path / "articles"
    write_articles(folder, range(400))
    index = tmp_path / "index"
    w = writer(index, [("build", [folder])], procs=2, parallel_min=100)
    w.wait_for("WORKING")
    parent = psutil.Process(w.proc.pid)
    deadline = time.monotonic() + 30
    workers: list[psutil.Process] = []
    while time.monotonic() < deadline and len(workers) < 2:
        # forked workers share the parent's command line (unlike a resource tracker)
        workers = [p for p in parent.children() if p.cmdline() == parent.cmdline()]
        time.sleep(0.02)
    assert len(workers) == 2, "the build started no worker processes"
    time.sleep(0.2)
    w.kill_only()
    # at once: the workers hold no copy of the lock ...
    assert lock_is_free(index), "the killed writer's workers still hold the write lock"
    # ... and die with their parent (before their next check of it)
    alive = still_running(workers, timeout=0.5)
    assert alive == [], f"workers outlived their parent: {alive}"
    w.kill()
    with pytest.raises(IndexNotFoundError):
        SearchEngine(index)
    report = Indexer(index, procs=1, wait=0).build([folder])
    assert report.added == 400
    assert_complete(index, range(400))


# -- the lock -----------------------------------------------------------------------
def test_lock_of_killed_writer_does_not_block(tmp_path: Path, batches: list[Path]) -> None:
    index = tmp_path / "index"
    Indexer(index, procs=1).build([batches[0]])
    holder = Writer(LOCK_HOLDER, str(index))
    holder.wait_for("LOCKED")
    from index.errors import IndexLockedError

    with pytest.raises(IndexLockedError, match=r"lock file .*write\.lock"):
        Indexer(index, procs=1).add([batches[1]])
    holder.kill()
    assert (index / "write.lock").exists()  # the file stays; the lock is gone with its holder
    report = Indexer(index, procs=1, wait=0).add([batches[1]])
    assert report.added == 40
    assert_complete(index, range(80))


@pytest.fixture(autouse=True)
def _no_stray_processes() -> Iterator[None]:
    """No test here may leave a writer running."""
    before = {p.pid for p in psutil.Process().children(recursive=True)}
    yield
    stray = [p for p in psutil.Process().children(recursive=True) if p.pid not in before]
    for p in stray:
        p.kill()
    assert stray == [], stray
