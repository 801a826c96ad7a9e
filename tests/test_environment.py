"""The index folder's surroundings: schema versions, missing and damaged
indexes, read-only folders, full disks, symbolic links.

Read-only and full-disk cases use a real tmpfs mounted for the test (as root,
where permission bits stop nothing); where mounting is not permitted they
are skipped with the reason.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import article_id, marker_word, write_article, write_articles

from index import builder
from index.builder import Indexer
from index.errors import (
    IndexNotFoundError,
    IndexStoreError,
    SchemaVersionError,
)
from index.schema import SCHEMA_VERSION
from index.store import IndexDir, storage_error
from search.cli import main as zsuche
from search.engine import SearchEngine

REBUILD = "rebuild with `zsuche index`"


def build(index: Path, folder: Path, **kw: object) -> None:
    kw.setdefault("procs", 1)
    report = Indexer(index, **kw).build([folder])  # type: ignore[arg-type]
    assert report.failed == 0, report.failures


def assert_intact(index: Path, count: int) -> None:
    with SearchEngine(index) as engine:
        check = engine.check()
        assert check.ok, check.problems
        assert check.articles == count
        assert [h.id for h in engine.search(marker_word(1), snippets=False).hits] == [article_id(1)]


def index_files(index: Path) -> set[str]:
    """The files of an index folder (its lock file aside)."""
    return {p.name for p in index.iterdir()} - {"write.lock"}


@pytest.fixture
def small(tmp_path: Path) -> tuple[Path, Path]:
    """(index, folder): an index of 5 generated articles."""
    folder = tmp_path / "articles"
    write_articles(folder, range(5))
    index = tmp_path / "index"
    build(index, folder)
    return index, folder


def set_current(index: Path, **changes: object) -> None:
    path = index / "CURRENT.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data.update(changes)
    path.write_text(json.dumps(data), encoding="utf-8")


# -- schema version ---------------------------------------------------------------
def test_other_schema_version_is_refused(
    small: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    index, folder = small
    set_current(index, schema_version=SCHEMA_VERSION - 1)

    with pytest.raises(SchemaVersionError) as info:
        SearchEngine(index)
    assert REBUILD in str(info.value)
    assert f"schema version {SCHEMA_VERSION - 1}" in str(info.value)

    write_article(folder, 9)
    for op, arg in (("add", [folder]), ("update", folder), ("remove", [article_id(1)])):
        with pytest.raises(SchemaVersionError, match="rebuild with `zsuche index`"):
            getattr(Indexer(index, procs=1), op)(arg)
    with pytest.raises(SchemaVersionError):
        Indexer(index).optimize()

    for argv in (
        ["search", "Stadtbahn"],
        ["stats"],
        ["check-index"],
        ["add", str(folder)],
        ["remove", article_id(1)],
    ):
        assert zsuche([*argv, "--index", str(index)]) == 1, argv
        captured = capsys.readouterr()
        assert captured.out == ""
        assert "zsuche: error:" in captured.err
        assert f"schema version {SCHEMA_VERSION - 1}" in captured.err
        assert REBUILD in captured.err

    # what the hint says works: a full build replaces the old index
    assert zsuche(["index", str(folder), "--index", str(index), "-q"]) == 0
    data = json.loads((index / "CURRENT.json").read_text(encoding="utf-8"))
    assert data["schema_version"] == SCHEMA_VERSION
    assert_intact(index, 6)
    live = data["indexname"]
    assert all(n.startswith((live, f"_{live}")) for n in index_files(index) - {"CURRENT.json"})


def test_older_layout_without_current_is_refused(tmp_path: Path) -> None:
    index = tmp_path / "old"
    index.mkdir()
    (index / "_MAIN_3.toc").write_bytes(b"\0" * 16)  # Whoosh's own naming, no CURRENT.json
    with pytest.raises(SchemaVersionError, match="older layout") as info:
        SearchEngine(index)
    assert REBUILD in str(info.value)
    folder = tmp_path / "articles"
    write_articles(folder, range(5))
    build(index, folder)
    assert_intact(index, 5)


def test_generation_without_current_is_an_unfinished_build(small: tuple[Path, Path]) -> None:
    """What a first build killed before switching CURRENT.json leaves."""
    index, folder = small
    (index / "CURRENT.json").unlink()
    with pytest.raises(IndexNotFoundError, match="a first build did not finish"):
        SearchEngine(index)
    report = Indexer(index, procs=1).add([folder])
    assert report.added == 5
    assert_intact(index, 5)


# -- missing and damaged indexes -----------------------------------------------------
def test_missing_index(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    nowhere = tmp_path / "no-index"
    with pytest.raises(IndexNotFoundError) as info:
        SearchEngine(nowhere)
    assert str(nowhere) in str(info.value)
    assert "zsuche index" in info.value.hint
    for call in (lambda: Indexer(nowhere).remove(["x"]), lambda: Indexer(nowhere).optimize()):
        with pytest.raises(IndexNotFoundError):
            call()
    assert not nowhere.exists()  # asking did not create it

    for argv in (["search", "Zoll"], ["stats"], ["remove", "x"], ["optimize"]):
        assert zsuche([*argv, "--index", str(nowhere)]) == 1, argv
        err = capsys.readouterr().err
        assert f"zsuche: error: no index at {nowhere}" in err
        assert "build one with `zsuche index PATH`" in err
    assert not nowhere.exists()


@pytest.mark.parametrize(
    "content",
    ["", "{kaputt", "[]", json.dumps({"schema_version": SCHEMA_VERSION}), '{"indexname": 1'],
    ids=["empty", "not-json", "list", "no-indexname", "cut-off"],
)
def test_damaged_current_json(
    small: tuple[Path, Path], content: str, capsys: pytest.CaptureFixture[str]
) -> None:
    index, folder = small
    (index / "CURRENT.json").write_text(content, encoding="utf-8")
    with pytest.raises(IndexStoreError) as info:
        SearchEngine(index)
    assert not isinstance(info.value, (SchemaVersionError, IndexNotFoundError))
    assert "CURRENT.json is damaged" in str(info.value)
    assert REBUILD in str(info.value)
    with pytest.raises(IndexStoreError, match="damaged"):
        Indexer(index, procs=1).add([folder])
    assert zsuche(["search", "Zoll", "--index", str(index)]) == 1
    assert "CURRENT.json is damaged" in capsys.readouterr().err
    # a full build repairs it
    build(index, folder)
    assert_intact(index, 5)


def test_current_json_naming_a_missing_generation(small: tuple[Path, Path]) -> None:
    index, folder = small
    set_current(index, indexname="g99")
    with pytest.raises(IndexStoreError, match="cannot open the index") as info:
        SearchEngine(index)
    assert REBUILD in str(info.value)
    with pytest.raises(IndexStoreError, match="cannot open the index"):
        Indexer(index, procs=1).add([folder])
    build(index, folder)
    assert_intact(index, 5)


# -- mounting a tmpfs ---------------------------------------------------------------
@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Path]:
    """A 2 MiB tmpfs mounted at tmp_path/mnt (skipped where mounting is not permitted)."""
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    if shutil.which("mount") is None:
        pytest.skip("no `mount` command here: cannot make a small or read-only file system")
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m,mode=0755", "tmpfs", str(mnt)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        pytest.skip(
            "mounting a tmpfs is not permitted here (needs root or CAP_SYS_ADMIN): "
            + (result.stderr.strip() or f"exit {result.returncode}")
        )
    try:
        yield mnt
    finally:
        done = subprocess.run(["umount", str(mnt)], capture_output=True, check=False)
        if done.returncode != 0:
            subprocess.run(["umount", "-l", str(mnt)], capture_output=True, check=False)


def remount(mnt: Path, options: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{options}", str(mnt)], check=True)


def fill(mnt: Path, leave_kib: int) -> Path:
    """Fill the file system at ``mnt`` up to ``leave_kib`` KiB free."""
    st = os.statvfs(mnt)
    free = st.f_bavail * st.f_frsize
    filler = mnt / "filler"
    with filler.open("wb") as f:
        f.write(b"\0" * max(0, free - leave_kib * 1024))
    return filler


# -- read-only folders --------------------------------------------------------------
def test_read_only_index_folder(
    tmpfs: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    index = tmpfs / "index"
    folder = tmp_path / "articles"
    write_articles(folder, range(5))
    build(index, folder)
    before = index_files(index)
    write_articles(folder, range(5, 8))
    remount(tmpfs, "ro")

    for call in (
        lambda: Indexer(index, procs=1).add([folder]),
        lambda: Indexer(index, procs=1).build([folder]),
        lambda: Indexer(index, procs=1).update(folder),
        lambda: Indexer(index).remove([article_id(1)]),
        lambda: Indexer(index).optimize(),
    ):
        with pytest.raises(IndexStoreError) as info:
            call()
        message = str(info.value)
        assert f"cannot write to {index}" in message
        assert "Read-only file system" in message
        assert "the previous index is intact" in message

    assert zsuche(["add", str(folder), "--index", str(index)]) == 1
    captured = capsys.readouterr()
    assert "zsuche: error: cannot write to" in captured.err
    assert "check the folder's permissions" in captured.err
    assert captured.out == ""

    # searching needs no writes
    assert index_files(index) == before
    assert_intact(index, 5)
    assert zsuche(["search", marker_word(2), "--index", str(index), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["total"] == 1

    remount(tmpfs, "rw")
    report = Indexer(index, procs=1).add([folder])
    assert (report.added, report.unchanged) == (3, 5)
    assert_intact(index, 8)


def test_read_only_by_permissions(small: tuple[Path, Path]) -> None:
    if os.geteuid() == 0:
        pytest.skip(
            "running as root, which permission bits do not stop; "
            "test_read_only_index_folder covers a read-only folder with a read-only mount"
        )
    index, folder = small
    before = index_files(index)
    write_articles(folder, range(5, 8))
    index.chmod(0o555)
    try:
        with pytest.raises(IndexStoreError, match=r"cannot write to .*Permission denied"):
            Indexer(index, procs=1).add([folder])
        with pytest.raises(IndexStoreError, match=r"cannot write to .*Permission denied"):
            Indexer(index, procs=1).build([folder])
        assert index_files(index) == before
        assert_intact(index, 5)
    finally:
        index.chmod(0o755)


# -- full disks -----------------------------------------------------------------------
def test_disk_full_during_build(
    tmpfs: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    index = tmpfs / "index"
    small = tmp_path / "small"
    big = tmp_path / "big"
    write_articles(small, range(20))
    write_articles(big, range(300))
    build(index, small)
    before = index_files(index)
    fill(tmpfs, leave_kib=96)  # the 300 articles need ~350 KiB

    with SearchEngine(index) as engine:  # a searcher open during the failed build
        with pytest.raises(IndexStoreError) as info:
            Indexer(index, procs=1).build([big])
        assert "no space left on the device" in str(info.value)
        assert "the previous index is intact" in str(info.value)
        assert engine.search(marker_word(1), snippets=False).total == 1
        assert engine.stats().articles == 20
    # the half-written generation is gone, the old one untouched
    assert index_files(index) == before
    assert_intact(index, 20)

    assert zsuche(["index", str(big), "--index", str(index), "--procs", "1"]) == 1
    captured = capsys.readouterr()
    assert "zsuche: error: no space left on the device" in captured.err
    assert "free some space" in captured.err
    assert index_files(index) == before
    assert_intact(index, 20)


def test_disk_full_during_parallel_build(
    tmpfs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Worker processes that run out of space: the same clear error."""
    index = tmpfs / "index"
    small = tmp_path / "small"
    big = tmp_path / "big"
    write_articles(small, range(20))
    write_articles(big, range(300))
    build(index, small)
    before = index_files(index)
    fill(tmpfs, leave_kib=96)
    monkeypatch.setattr(builder, "PARALLEL_MIN_FILES", 50)
    with pytest.raises(IndexStoreError) as info:
        Indexer(index, procs=2).build([big])
    assert "no space left on the device" in str(info.value)
    assert "Traceback" not in str(info.value)
    assert index_files(index) == before
    assert_intact(index, 20)


def test_disk_full_during_add(tmpfs: Path, tmp_path: Path) -> None:
    index = tmpfs / "index"
    folder = tmp_path / "articles"
    write_articles(folder, range(20))
    build(index, folder)
    before = index_files(index)
    write_articles(folder, range(20, 320))
    filler = fill(tmpfs, leave_kib=96)

    with pytest.raises(IndexStoreError, match="no space left on the device"):
        Indexer(index, procs=1).add([folder])
    # the last commit stands; the failed commit's files are gone
    assert index_files(index) == before
    assert_intact(index, 20)
    with pytest.raises(IndexStoreError, match="no space left on the device"):
        Indexer(index, procs=1).update(folder)
    assert_intact(index, 20)

    filler.unlink()
    report = Indexer(index, procs=1).add([folder])
    assert (report.added, report.unchanged, report.failed) == (300, 20, 0)
    assert_intact(index, 320)


def test_disk_full_only_for_current_json_after_commit(
    small: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The commit is in when CURRENT.json's time stamp cannot be written: a warning."""
    index, folder = small
    write_articles(folder, range(5, 7))

    def full(self: IndexDir, current: object) -> None:
        raise storage_error(self.path, OSError(errno.ENOSPC, "No space left on device"))

    monkeypatch.setattr(IndexDir, "write_current", full)
    report = Indexer(index, procs=1).add([folder])
    assert (report.added, report.unchanged, report.failed) == (2, 5, 0)
    assert report.ok
    assert len(report.warnings) == 1
    assert "no space left" in report.warnings[0].reason
    monkeypatch.undo()
    assert_intact(index, 7)


# -- symbolic links ------------------------------------------------------------------
@pytest.fixture
def linked(tmp_path: Path) -> Path:
    """root/ with 3 articles, a link to a file outside, a link to a folder
    outside, and a link to a file inside."""
    root = tmp_path / "root"
    write_articles(root, range(3))
    outside = tmp_path / "outside"
    write_article(outside, 100)
    write_articles(outside / "folder", [101])
    (root / "aussen.txt").symlink_to(outside / f"{article_id(100)}.txt")
    (root / "ordner").symlink_to(outside / "folder", target_is_directory=True)
    (root / "innen.txt").symlink_to(root / f"{article_id(0)}.txt")
    return root


def test_links_leaving_the_folder_are_not_followed(
    linked: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    index = tmp_path / "index"
    report = Indexer(index, procs=1).build([linked])
    assert report.added == 3  # the link inside the folder is read once
    assert report.failed == 2
    reasons = {Path(p.path).name: p.reason for p in report.failures}
    assert set(reasons) == {"aussen.txt", "ordner"}
    for reason in reasons.values():
        assert "outside the indexed folder not followed" in reason
        assert "--follow-symlinks" in reason
    with SearchEngine(index) as engine:
        assert engine.check().ok
        assert engine.search(marker_word(100)).total == 0
        assert engine.search(marker_word(101)).total == 0
        assert engine.search(marker_word(0), snippets=False).total == 1

    assert zsuche(["index", str(linked), "--index", str(index), "-q"]) == 1
    captured = capsys.readouterr()
    assert "0 updated" in captured.out
    assert "2 failed" in captured.out
    assert zsuche(["add", str(linked), "--index", str(index)]) == 1
    assert "not followed" in capsys.readouterr().err


def test_links_followed_when_asked(
    linked: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    index = tmp_path / "index"
    report = Indexer(index, procs=1, follow_symlinks=True).build([linked])
    assert (report.added, report.failed) == (5, 0)
    with SearchEngine(index) as engine:
        assert engine.check().ok
        assert engine.search(marker_word(100), snippets=False).total == 1
        assert engine.search(marker_word(101), snippets=False).total == 1
        assert engine.search(marker_word(0), snippets=False).total == 1

    index2 = tmp_path / "index2"
    code = zsuche(["index", str(linked), "--index", str(index2), "-q", "--follow-symlinks"])
    assert code == 0
    assert "5 added" in capsys.readouterr().out
    # add and update take the option too
    write_articles(tmp_path / "outside" / "folder", [102])
    assert zsuche(["add", str(linked), "--index", str(index2), "-q", "--follow-symlinks"]) == 0
    assert "1 added" in capsys.readouterr().out
    assert zsuche(["update", str(linked), "--index", str(index2), "-q", "--follow-symlinks"]) == 0
    assert "6 unchanged" in capsys.readouterr().out
