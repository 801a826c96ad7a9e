"""Index writes: build, add, update, remove, optimize, and their reports.

Every incremental write is checked against the rule that makes its report
trustworthy: ``articles after == articles before + added - removed``, and the
index always passes :meth:`SearchEngine.check` with each id exactly once.
"""

from __future__ import annotations

import json
import re
import shutil
import time
from pathlib import Path
from typing import Any

import pytest
from helpers import (
    article_id,
    jsonl_record,
    marker_word,
    taz_text,
    touch,
    write_article,
    write_articles,
    write_jsonl,
)

from index import builder
from index.builder import Indexer, Report
from search.cli import main as zsuche
from search.engine import SearchEngine

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
CORPUS_IDS = {p.stem for p in CORPUS.glob("*.txt")} | {
    "j01_radentscheid",
    "j02_ki_schule",
    "j03_hochwasserschutz",
}
SUMMARY = re.compile(
    r"^(?P<op>\w+): (?P<added>\d+) added, (?P<updated>\d+) updated, "
    r"(?P<unchanged>\d+) unchanged, (?P<removed>\d+) removed, (?P<failed>\d+) failed \(.+\)$"
)


# -- helpers -------------------------------------------------------------------
def indexer(index: Path, **kw: object) -> Indexer:
    kw.setdefault("procs", 1)
    return Indexer(index, **kw)  # type: ignore[arg-type]


def counts(report: Report) -> tuple[int, int, int, int, int]:
    """(added, updated, unchanged, removed, failed)"""
    return report.added, report.updated, report.unchanged, report.removed, report.failed


def article_count(index: Path) -> int:
    with SearchEngine(index) as engine:
        return engine.stats().articles


def assert_sound(index: Path, expected_ids: set[str] | None = None) -> None:
    """The index passes check(); with ``expected_ids``, it holds exactly those.

    No writer's temp files are left in the folder.
    """
    leftovers = [p.name for p in index.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []
    with SearchEngine(index) as engine:
        report = engine.check()
        assert report.ok, report.problems
        assert report.checked == report.articles
        if expected_ids is not None:
            assert report.articles == len(expected_ids)
            for aid in expected_ids:
                assert engine.get(aid).id == aid


def hits_for(index: Path, word: str) -> list[str]:
    with SearchEngine(index) as engine:
        return [h.id for h in engine.search(word, limit=50, snippets=False).hits]


def run_incremental(index: Path, op: str, arg: object, **kw: object) -> Report:
    """Run add/update/remove and check the report's bookkeeping against the index."""
    before = article_count(index)
    report: Report = getattr(indexer(index, **kw), op)(arg)
    after = article_count(index)
    assert report.articles == after
    assert after == before + report.added - report.removed, report.summary()
    return report


@pytest.fixture
def articles(tmp_path: Path) -> Path:
    folder = tmp_path / "articles"
    write_articles(folder, range(20))
    return folder


@pytest.fixture
def index(tmp_path: Path, articles: Path) -> Path:
    path = tmp_path / "index"
    report = indexer(path).build([articles])
    assert counts(report) == (20, 0, 0, 0, 0)
    return path


# -- full build ------------------------------------------------------------------
def test_build_corpus_counts_and_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    index = tmp_path / "index"
    code = zsuche(["index", str(CORPUS), "--index", str(index), "--quiet", "--procs", "1"])
    out = capsys.readouterr().out.strip().splitlines()
    assert code == 0
    assert len(out) == 1
    m = SUMMARY.match(out[0])
    assert m, out[0]
    assert m["op"] == "index"
    assert (int(m["added"]), int(m["updated"]), int(m["unchanged"])) == (16, 0, 0)
    assert (int(m["removed"]), int(m["failed"])) == (0, 0)
    assert "16 articles in the index" in out[0]
    assert_sound(index, CORPUS_IDS)


def test_build_replaces_previous_contents(tmp_path: Path, index: Path) -> None:
    other = tmp_path / "other"
    write_articles(other, range(100, 105))
    report = indexer(index).build([other])
    assert counts(report) == (5, 0, 0, 0, 0)
    assert report.articles == 5
    assert_sound(index, {article_id(n) for n in range(100, 105)})
    assert hits_for(index, marker_word(3)) == []
    # the old generation's files are gone
    with SearchEngine(index) as engine:
        live = engine.current.indexname
    names = {p.name for p in index.iterdir()}
    assert all(
        n.startswith((live, f"_{live}")) for n in names if n not in ("CURRENT.json", "write.lock")
    ), names


def test_report_json(tmp_path: Path, articles: Path, capsys: pytest.CaptureFixture[str]) -> None:
    index = tmp_path / "index"
    assert zsuche(["index", str(articles), "--index", str(index), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["operation"] == "index"
    assert (data["added"], data["failed"], data["articles"]) == (20, 0, 20)
    assert data["failures"] == []


# -- add -------------------------------------------------------------------------
def test_add_unchanged_files_are_skipped(index: Path, articles: Path) -> None:
    report = run_incremental(index, "add", [articles])
    assert counts(report) == (0, 0, 20, 0, 0)
    assert report.summary().startswith("add: 0 added, 0 updated, 20 unchanged, 0 removed, 0 failed")


def test_add_mtime_only_change_is_unchanged_by_hash(index: Path, articles: Path) -> None:
    for n in (1, 2, 3):
        touch(articles / f"{article_id(n)}.txt")
    report = run_incremental(index, "add", [articles])
    assert counts(report) == (0, 0, 20, 0, 0)
    # and again: still unchanged
    assert counts(run_incremental(index, "add", [articles])) == (0, 0, 20, 0, 0)


def test_add_reindexes_changed_file_of_same_size(index: Path, articles: Path) -> None:
    path = articles / f"{article_id(4)}.txt"
    path.write_text(taz_text("Erste Fassung", ["Der Text lautet zorbeins."]), encoding="utf-8")
    assert counts(run_incremental(index, "add", [path])) == (0, 1, 0, 0, 0)
    size = path.stat().st_size
    # same size, other contents, other mtime: the content hash tells
    path.write_text(taz_text("Erste Fassung", ["Der Text lautet zorbzwei."]), encoding="utf-8")
    touch(path)
    assert path.stat().st_size == size
    report = run_incremental(index, "add", [articles])
    assert counts(report) == (0, 1, 19, 0, 0)
    with SearchEngine(index) as engine:
        assert "zorbzwei" in engine.get(article_id(4)).body
    assert hits_for(index, "zorbzwei") == [article_id(4)]
    assert hits_for(index, "zorbeins") == []
    assert_sound(index, {article_id(n) for n in range(20)})


def test_add_new_and_changed(index: Path, articles: Path) -> None:
    write_articles(articles, range(20, 23))
    write_article(articles, 5, version=1)
    write_article(articles, 6, version=1)
    touch(articles / f"{article_id(5)}.txt")
    touch(articles / f"{article_id(6)}.txt")
    report = run_incremental(index, "add", [articles])
    assert counts(report) == (3, 2, 18, 0, 0)
    assert report.articles == 23
    assert_sound(index, {article_id(n) for n in range(23)})


def test_readding_never_duplicates_an_id(index: Path, articles: Path) -> None:
    path = articles / f"{article_id(7)}.txt"
    for version in range(1, 5):
        write_article(articles, 7, version=version)
        touch(path, seconds=version)
        report = run_incremental(index, "add", [path])
        assert counts(report) == (0, 1, 0, 0, 0), version
        # a file named twice in one call is read once
        report = run_incremental(index, "add", [path, path, articles])
        assert counts(report) == (0, 0, 20, 0, 0), version
        assert hits_for(index, marker_word(7)) == [article_id(7)]
        assert_sound(index, {article_id(n) for n in range(20)})
    with SearchEngine(index) as engine:
        assert "Fassung 4" in engine.get(article_id(7)).body


def test_add_unchanged_after_size_grows_past_a_digit(tmp_path: Path) -> None:
    """A file re-indexed after it changed must count as unchanged on the next add.

    (The deleted document of the old version must not be taken for the file's state.)
    """
    folder = tmp_path / "a"
    index = tmp_path / "index"
    path = folder / "wachstum.txt"
    folder.mkdir()

    def write(size: int) -> None:
        text = taz_text("Wachstum", ["Ein Satz.", "x" * 10])
        pad = size - len(text.encode())
        text = taz_text("Wachstum", ["Ein Satz.", "x" * (10 + pad)])
        path.write_text(text, encoding="utf-8")
        assert path.stat().st_size == size

    write(990)
    write_articles(folder, range(3))
    indexer(index).build([folder])
    write(1010)
    assert counts(run_incremental(index, "add", [folder])) == (0, 1, 3, 0, 0)
    assert counts(run_incremental(index, "add", [folder])) == (0, 0, 4, 0, 0)
    assert counts(run_incremental(index, "update", folder)) == (0, 0, 4, 0, 0)


def test_incremental_add_of_ten_into_300(tmp_path: Path) -> None:
    folder = tmp_path / "many"
    index = tmp_path / "index"
    write_articles(folder, range(300))
    report = indexer(index).build([folder])
    assert counts(report) == (300, 0, 0, 0, 0)
    write_articles(folder, range(300, 310))
    report = run_incremental(index, "add", [folder])
    assert counts(report) == (10, 0, 300, 0, 0)
    assert report.articles == 310
    for n in (0, 299, 300, 305, 309):
        assert hits_for(index, marker_word(n)) == [article_id(n)]
    report = run_incremental(index, "update", folder)
    assert counts(report) == (0, 0, 310, 0, 0)
    assert_sound(index, {article_id(n) for n in range(310)})


def test_add_creates_the_index_when_missing(tmp_path: Path, articles: Path) -> None:
    index = tmp_path / "new-index"
    report = indexer(index).add([articles])
    assert counts(report) == (20, 0, 0, 0, 0)
    assert_sound(index, {article_id(n) for n in range(20)})


# -- update ------------------------------------------------------------------------
def test_update_adds_changes_and_removes_only_under_folder(tmp_path: Path) -> None:
    a = tmp_path / "a"
    a2 = tmp_path / "a2"  # a sibling whose name starts with "a": not under a/
    b = tmp_path / "b"
    write_articles(a, range(0, 10))
    write_articles(a2, range(10, 15))
    write_articles(b, range(15, 20))
    index = tmp_path / "index"
    assert indexer(index).build([a, a2, b]).added == 20

    # in a/: 2 deleted, 1 changed, 3 new; in a2/ and b/: deleted files not touched
    (a / f"{article_id(0)}.txt").unlink()
    (a / f"{article_id(1)}.txt").unlink()
    write_article(a, 2, version=1)
    touch(a / f"{article_id(2)}.txt")
    write_articles(a, range(30, 33))
    (a2 / f"{article_id(10)}.txt").unlink()
    (b / f"{article_id(15)}.txt").unlink()
    write_articles(b, range(40, 42))  # new under b/: not added by `update a`

    report = run_incremental(index, "update", a)
    assert counts(report) == (3, 1, 7, 2, 0)
    expected = {article_id(n) for n in [*range(2, 10), *range(10, 20), 30, 31, 32]}
    assert_sound(index, expected)
    assert hits_for(index, marker_word(0)) == []
    assert hits_for(index, marker_word(10)) == [article_id(10)]
    assert hits_for(index, marker_word(40)) == []

    # updating b/ then brings b/ in line, a2/ still untouched
    report = run_incremental(index, "update", b)
    assert counts(report) == (2, 0, 4, 1, 0)
    assert hits_for(index, marker_word(10)) == [article_id(10)]
    # nothing changed: nothing to do
    assert counts(run_incremental(index, "update", a)) == (0, 0, 11, 0, 0)


def test_many_small_updates_merge_segments(tmp_path: Path) -> None:
    # every update writes a small segment; after a few, Whoosh merges the
    # small ones into the writer that holds the new article (which failed
    # with "keys must increase" before the writer pooled its own postings)
    src = tmp_path / "src"
    index = tmp_path / "index"
    write_articles(src, [0])
    assert indexer(index).build([src]).added == 1
    segments = []
    for n in range(1, 13):
        write_article(src, n, version=n % 2)
        report = run_incremental(index, "update", src)
        assert counts(report) == (1, 0, n, 0, 0), n
        segments.append(len(list(index.glob("*.trm"))))
    assert max(segments) > min(segments[4:]), segments  # merges happened
    assert_sound(index, {article_id(n) for n in range(13)})
    for n in range(13):
        assert hits_for(index, marker_word(n)) == [article_id(n)]
    # a changed article in a merging write is found by its new text only
    write_article(src, 3, version=7)
    assert counts(run_incremental(index, "update", src)) == (0, 1, 12, 0, 0)
    assert hits_for(index, marker_word(3)) == [article_id(3)]
    with SearchEngine(index) as engine:
        assert "Fassung 7." in engine.get(article_id(3)).body
    assert_sound(index, {article_id(n) for n in range(13)})


def test_update_cli_relative_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "a"
    write_articles(folder, range(5))
    index = tmp_path / "index"
    monkeypatch.chdir(tmp_path)
    assert zsuche(["index", "a", "--index", str(index), "-q"]) == 0
    (folder / f"{article_id(0)}.txt").unlink()
    assert zsuche(["update", "a", "--index", str(index), "-q"]) == 0
    line = capsys.readouterr().out.strip().splitlines()[-1]
    m = SUMMARY.match(line)
    assert m, line
    assert (m["op"], m["added"], m["unchanged"], m["removed"]) == ("update", "0", "4", "1")


def test_update_spelled_differently_is_the_same_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a = tmp_path / "a"
    b = tmp_path / "b"
    write_articles(a, range(3))
    write_articles(b, range(3, 5))
    index = tmp_path / "index"
    indexer(index).build([a, b])
    monkeypatch.chdir(a)
    for spelling in (tmp_path / "a" / ".." / "a", Path("."), Path("../a/")):
        assert counts(run_incremental(index, "update", spelling)) == (0, 0, 3, 0, 0), spelling
    assert counts(run_incremental(index, "add", [Path("art0001.txt")])) == (0, 0, 1, 0, 0)
    # the parent folder, spelled with "..": b/ is under it too
    (b / f"{article_id(4)}.txt").unlink()
    report = run_incremental(index, "update", a / "..")
    assert counts(report) == (0, 0, 4, 1, 0)


def test_update_needs_a_folder(tmp_path: Path, index: Path) -> None:
    from index.errors import ArticleError

    with pytest.raises(ArticleError, match="not a folder"):
        indexer(index).update(tmp_path / "nope")


# -- remove ------------------------------------------------------------------------
def test_remove(index: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = run_incremental(index, "remove", [article_id(3), "gibt-es-nicht"])
    assert counts(report) == (0, 0, 0, 1, 1)
    assert report.failures[0].path == "gibt-es-nicht"
    assert "no article with this id" in report.failures[0].reason
    assert hits_for(index, marker_word(3)) == []
    assert_sound(index, {article_id(n) for n in range(20) if n != 3})

    code = zsuche(["remove", "gibt-es-nicht", "--index", str(index)])
    captured = capsys.readouterr()
    assert code == 1
    assert "gibt-es-nicht" in captured.err
    assert SUMMARY.match(captured.out.strip())
    assert zsuche(["remove", article_id(4), "--index", str(index), "-q"]) == 0
    assert article_count(index) == 18


def test_removed_file_comes_back_with_add(index: Path, articles: Path) -> None:
    run_incremental(index, "remove", [article_id(3)])
    # the file is unchanged but its article was removed: add brings it back
    report = run_incremental(index, "add", [articles])
    assert counts(report) == (1, 0, 19, 0, 0)
    assert_sound(index, {article_id(n) for n in range(20)})


# -- JSON Lines --------------------------------------------------------------------
def test_jsonl_file_with_several_articles(tmp_path: Path, index: Path) -> None:
    path = write_jsonl(tmp_path / "feed" / "meldungen.jsonl", [jsonl_record(n) for n in range(3)])
    report = run_incremental(index, "add", [path])
    assert counts(report) == (3, 0, 0, 0, 0)
    assert sorted(hits_for(index, marker_word(1))) == [article_id(1), "j0001"]
    assert counts(run_incremental(index, "add", [path])) == (0, 0, 3, 0, 0)

    # j0001 changed, j0002 dropped, j0003 new
    records = [jsonl_record(0), jsonl_record(1, version=1), jsonl_record(3)]
    write_jsonl(path, records)
    touch(path)
    report = run_incremental(index, "add", [path])
    assert counts(report) == (1, 2, 0, 1, 0)
    assert_sound(index, {*(article_id(n) for n in range(20)), "j0000", "j0001", "j0003"})
    with SearchEngine(index) as engine:
        assert engine.get("j0001").body.endswith("Fassung 1.")

    # update of the folder after the file is gone removes its three articles
    path.unlink()
    report = run_incremental(index, "update", path.parent)
    assert counts(report) == (0, 0, 0, 3, 0)
    assert article_count(index) == 20


def test_jsonl_duplicate_id_in_one_file(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "d.jsonl", [jsonl_record(1), jsonl_record(2, article_id_="j0001")]
    )
    index = tmp_path / "index"
    report = indexer(index).build([path])
    assert (report.added, report.failed) == (1, 1)
    assert "duplicate id" in report.failures[0].reason
    assert_sound(index, {"j0001"})


# -- an id that moves ----------------------------------------------------------------
def test_article_id_moves_to_another_file(tmp_path: Path) -> None:
    a = tmp_path / "a"
    b = tmp_path / "b"
    write_articles(a, range(5))
    index = tmp_path / "index"
    indexer(index).build([a])

    # art0002 moves from a/ to b/ (same id: the file stem)
    b.mkdir()
    shutil.move(a / f"{article_id(2)}.txt", b / f"{article_id(2)}.txt")
    report = run_incremental(index, "add", [b])
    assert counts(report) == (0, 1, 0, 0, 0)
    assert article_count(index) == 5
    with SearchEngine(index) as engine:
        hits = engine.search(marker_word(2), snippets=False).hits
        assert [h.id for h in hits] == [article_id(2)]
        assert Path(hits[0].path).parent.name == "b"
    # a/ no longer has the file: nothing of the article's is removed
    report = run_incremental(index, "update", a)
    assert counts(report) == (0, 0, 4, 0, 0)
    assert_sound(index, {article_id(n) for n in range(5)})


def test_jsonl_id_moves_between_files(tmp_path: Path) -> None:
    feed = tmp_path / "feed"
    one = write_jsonl(feed / "one.jsonl", [jsonl_record(n) for n in range(3)])
    index = tmp_path / "index"
    indexer(index).build([feed])
    # j0002 moves from one.jsonl to two.jsonl
    write_jsonl(one, [jsonl_record(n) for n in range(2)])
    touch(one)
    write_jsonl(feed / "two.jsonl", [jsonl_record(2, version=1), jsonl_record(9)])
    report = run_incremental(index, "update", feed)
    assert counts(report) == (1, 3, 0, 0, 0)
    assert_sound(index, {"j0000", "j0001", "j0002", "j0009"})
    with SearchEngine(index) as engine:
        assert engine.get("j0002").body.endswith("Fassung 1.")
    assert counts(run_incremental(index, "update", feed)) == (0, 0, 4, 0, 0)


# -- bad files --------------------------------------------------------------------
def make_bad_files(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "leer.txt").write_bytes(b"")
    (folder / "binaer.txt").write_bytes(bytes(range(256)) * 4)
    (folder / "ohne_titel.txt").write_text("> Nur ein Vorspann | |\nText. |", encoding="utf-8")
    write_jsonl(
        folder / "gemischt.jsonl",
        [jsonl_record(50), "{kaputt", json.dumps({"title": "ohne id"}), jsonl_record(51)],
    )


def test_bad_files_among_good_ones(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "mixed"
    write_articles(folder, range(8))
    make_bad_files(folder)
    index = tmp_path / "index"
    report = indexer(index).build([folder, tmp_path / "fehlt"])
    assert report.added == 10  # 8 taz files + 2 good JSONL lines
    assert report.failed == 6
    reasons = {Path(p.path).name: p for p in report.failures}
    assert set(reasons) == {"leer.txt", "binaer.txt", "ohne_titel.txt", "gemischt.jsonl", "fehlt"}
    assert "empty" in reasons["leer.txt"].reason
    assert "binary" in reasons["binaer.txt"].reason
    assert reasons["ohne_titel.txt"].line == 1
    assert "no such file" in reasons["fehlt"].reason
    assert sorted(p.line for p in report.failures if p.path.endswith(".jsonl")) == [2, 3]
    assert_sound(index, {*(article_id(n) for n in range(8)), "j0050", "j0051"})

    # the command line: failures on stderr, the summary on stdout, exit 1
    index2 = tmp_path / "index2"
    code = zsuche(["index", str(folder), "--index", str(index2)])
    captured = capsys.readouterr()
    assert code == 1
    assert captured.err.count("failed: ") == 5
    assert "leer.txt" in captured.err
    assert "binaer.txt" in captured.err
    m = SUMMARY.match(captured.out.strip())
    assert m, captured.out
    assert (m["added"], m["failed"]) == ("10", "5")
    # add of the same folder: good files unchanged, bad ones fail again
    code = zsuche(["add", str(folder), "--index", str(index2), "-q"])
    captured = capsys.readouterr()
    assert code == 1
    assert captured.err == ""
    m = SUMMARY.match(captured.out.strip())
    assert m, captured.out
    # the JSONL file is unchanged and skipped, so only the three bad files fail again
    assert (m["added"], m["unchanged"], m["failed"]) == ("0", "10", "3")


def test_file_that_breaks_loses_its_article(index: Path, articles: Path) -> None:
    path = articles / f"{article_id(9)}.txt"
    path.write_bytes(b"")
    report = run_incremental(index, "add", [articles])
    assert counts(report) == (0, 0, 19, 1, 1)
    assert hits_for(index, marker_word(9)) == []


# -- optimize and stats ------------------------------------------------------------
def test_optimize_and_stats(
    index: Path, articles: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for n in range(20, 24):
        write_article(articles, n)
        run_incremental(index, "add", [articles / f"{article_id(n)}.txt"])
    report = indexer(index).optimize()
    assert report.articles == 24
    assert (report.added, report.removed, report.failed) == (0, 0, 0)
    assert SUMMARY.match(report.summary())
    with SearchEngine(index) as engine:
        stats = engine.stats()
    assert stats.segments == 1
    assert stats.articles == 24
    assert stats.sources == {"beispiel": 24}
    assert stats.first_date == "2025-03-01"
    assert_sound(index, {article_id(n) for n in range(24)})
    # optimize again: still fine
    assert zsuche(["optimize", "--index", str(index), "-q"]) == 0
    capsys.readouterr()
    assert zsuche(["stats", "--index", str(index), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["articles"] == 24
    assert data["segments"] == 1
    assert zsuche(["check-index", "--index", str(index)]) == 0
    assert "24 stored articles" in capsys.readouterr().out


def _ids_by_docnum(index: Path) -> list[str]:
    with SearchEngine(index) as engine:
        searcher = engine._searcher()
        return [searcher.stored_fields(n)["id"] for n in range(searcher.doc_count_all())]


def test_parallel_build_numbers_documents_the_same_whichever_worker_ends_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Segments are committed in shard order, not in the order workers finish:
    the same files give the same document numbers (equal scores keep their
    order between two builds)."""
    folder = tmp_path / "articles"
    write_articles(folder, range(220))
    monkeypatch.setattr(builder, "PARALLEL_MIN_FILES", 50)
    real_worker = builder._worker
    orders = []
    for slow in (0, 1):

        def worker(dirpath: str, indexname: str, shard: int, *rest: Any, slow: int = slow) -> None:
            if shard == slow:
                time.sleep(1.5)  # the other worker finishes first
            real_worker(dirpath, indexname, shard, *rest)

        monkeypatch.setattr(builder, "_worker", worker)
        index = tmp_path / f"index{slow}"
        report = Indexer(index, procs=2).build([folder])
        assert report.added == 220
        orders.append(_ids_by_docnum(index))
    assert len(orders[0]) == 220
    assert orders[0] == orders[1]
