"""``zsuche``: every command's exit code and output, run in-process, plus one
real subprocess to prove the console script is installed."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from search import __version__, cli
from search.cli import main

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "corpus"
BAD = Path(__file__).resolve().parent / "fixtures" / "bad"
JAPAN = "000_ce6ee6d5b1d8a7b4"


def run(argv: Sequence[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Run zsuche in-process: (exit code, stdout, stderr)."""
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse: usage errors, --help, --version
        code = exc.code if isinstance(exc.code, int) else 1
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_clean_error_line(err: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("zsuche: error: "), err
    assert "Traceback" not in err


# -- parse, check, analyze (no index) ------------------------------------------------------
def test_parse_text_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["parse", str(CORPUS / "b02_importzoelle.txt")], capsys)
    assert code == 0, err
    assert out.startswith("US-Zölle und Nordrhein-Westfalen: Maschinenbauer bangen")
    assert "2025-04-09 · beispiel · Lena Hoffmeister · Düsseldorf" in out
    assert "Tags: Zölle" in out
    assert "id b02_importzoelle" in out

    code, out, _ = run(["parse", "--json", str(CORPUS / "b02_importzoelle.txt")], capsys)
    assert code == 0
    data = json.loads(out)
    assert data["id"] == "b02_importzoelle"
    assert data["date"] == "2025-04-09"
    assert data["authors"] == ["Lena Hoffmeister"]
    assert data["place"] == "Düsseldorf"
    assert data["links"][0]["number"] == 1


def test_parse_jsonl_with_several_articles(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["parse", "--json", str(CORPUS / "beispiele.jsonl")], capsys)
    assert code == 0
    data = json.loads(out)
    assert [a["id"] for a in data["articles"]] == [
        "j01_radentscheid",
        "j02_ki_schule",
        "j03_hochwasserschutz",
    ]
    assert data["errors"] == []


def test_parse_bad_file(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["parse", str(BAD / "empty.txt")], capsys)
    assert code == 1
    assert out == ""
    assert_one_clean_error_line(err)
    assert "empty.txt" in err
    code, _, err = run(["parse", str(BAD / "gibt-es-nicht.txt")], capsys)
    assert code == 1
    assert_one_clean_error_line(err)


def test_check(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["check", str(CORPUS)], capsys)
    assert code == 0
    assert out.strip().splitlines()[-1] == ("checked 14 files: 16 articles, 0 errors, 0 warnings")
    code, out, _ = run(["check", "--json", str(CORPUS)], capsys)
    assert code == 0
    assert json.loads(out) == {"files": 14, "articles": 16, "errors": [], "warnings": []}


def test_check_bad_file_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        ["check", str(BAD / "empty.txt"), str(CORPUS / "b01_bahnstreik.txt")], capsys
    )
    assert code == 1
    assert "error: " in out
    assert "empty.txt" in out
    assert "checked 2 files: 1 articles, 1 errors" in out
    code, out, _ = run(["check", "--json", str(BAD / "no_title.txt")], capsys)
    assert code == 1
    data = json.loads(out)
    assert data["articles"] == 0
    assert len(data["errors"]) == 1
    assert "no_title.txt:1" in data["errors"][0]


def test_analyze(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["analyze", "--json", "Die Zölle"], capsys)
    assert code == 0
    tokens = json.loads(out)
    assert tokens == [{"text": "zoll", "position": 1, "start": 4, "end": 9}]
    for token in tokens:
        assert set(token) == {"text", "position", "start", "end"}

    code, out, _ = run(["analyze", "Importzölle"], capsys)
    assert code == 0
    assert "importzoll" in out
    assert "zoll" in out
    assert "'Importzölle'" in out


def test_analyze_reads_stdin(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("Häuser und Straßen\n"))
    code, out, _ = run(["analyze", "--json", "-"], capsys)
    assert code == 0
    tokens = json.loads(out)
    texts = "Häuser und Straßen\n"
    assert [texts[t["start"] : t["end"]] for t in tokens] == ["Häuser", "Straßen"]
    # no argument at all also reads stdin
    monkeypatch.setattr("sys.stdin", io.StringIO("Zölle"))
    code, out, _ = run(["analyze", "--json"], capsys)
    assert code == 0
    assert json.loads(out)[0]["text"] == "zoll"


def test_analyze_tag_field_and_unknown_field(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["analyze", "--json", "--field", "tag", "Die Linke"], capsys)
    assert code == 0
    assert json.loads(out)[0]["text"] == "die linke"
    code, out, err = run(["analyze", "--field", "farbe", "x"], capsys)
    assert code == 2
    assert "unknown field 'farbe'" in err
    assert "Traceback" not in err


# -- writing an index -------------------------------------------------------------------------
@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A folder with three corpus articles."""
    src = tmp_path / "artikel"
    src.mkdir()
    for name in ("b01_bahnstreik.txt", "b02_importzoelle.txt", "b03_mietpreisbremse.txt"):
        shutil.copy(CORPUS / name, src / name)
    return src


def stats(index: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    code, out, err = run(["stats", "--json", "--index", str(index)], capsys)
    assert code == 0, err
    data: dict[str, Any] = json.loads(out)
    return data


def test_index_add_update_remove_optimize(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    index = tmp_path / "index"
    ix = ["--index", str(index)]

    code, out, err = run(["index", str(folder), *ix], capsys)
    assert code == 0, err
    assert out.startswith("index: 3 added, 0 updated, 0 unchanged, 0 removed, 0 failed")
    assert "(3 articles in the index" in out
    assert stats(index, capsys)["articles"] == 3

    shutil.copy(CORPUS / "b04_hitzeschutz.txt", folder)
    code, out, _ = run(["add", str(folder), *ix], capsys)
    assert code == 0
    assert out.startswith("add: 1 added, 0 updated, 3 unchanged, 0 removed, 0 failed")
    assert stats(index, capsys)["articles"] == 4

    # a changed file and a deleted one
    b01 = folder / "b01_bahnstreik.txt"
    b01.write_text(b01.read_text("utf-8").replace("Warnstreik", "Generalstreik"), "utf-8")
    (folder / "b03_mietpreisbremse.txt").unlink()
    code, out, _ = run(["update", str(folder), "--json", *ix], capsys)
    assert code == 0
    report = json.loads(out)
    assert report["updated"] == 1
    assert report["removed"] == 1
    assert report["articles"] == 3
    code, out, _ = run(["search", "Generalstreik", "--json", *ix], capsys)
    assert [h["id"] for h in json.loads(out)["hits"]] == ["b01_bahnstreik"]

    code, out, _ = run(["remove", "b04_hitzeschutz", *ix], capsys)
    assert code == 0
    assert "1 removed" in out
    assert "(2 articles in the index" in out

    code, out, _ = run(["optimize", "-q", *ix], capsys)
    assert code == 0
    assert out.startswith("optimize: ")
    assert len(out.strip().splitlines()) == 1
    data = stats(index, capsys)
    assert data["articles"] == 2
    assert data["segments"] == 1

    code, out, _ = run(["check-index", *ix], capsys)
    assert code == 0
    assert out.strip() == "checked 2 stored articles: all found by their id"
    code, out, _ = run(["check-index", "--json", *ix], capsys)
    assert json.loads(out) == {"articles": 2, "checked": 2, "ok": True, "problems": []}


def test_index_with_a_bad_file_exits_1(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copy(BAD / "no_title.txt", folder)
    code, out, err = run(["index", str(folder), "--index", str(tmp_path / "ix")], capsys)
    assert code == 1
    assert "3 added" in out
    assert "1 failed" in out
    assert "no_title.txt" in err
    assert "Traceback" not in err
    # the good articles are searchable all the same
    code, out, _ = run(["stats", "--json", "--index", str(tmp_path / "ix")], capsys)
    assert json.loads(out)["articles"] == 3


def test_stats_text(corpus_index: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["stats", "--index", str(corpus_index)], capsys)
    assert code == 0
    assert "articles" in out
    assert " 16\n" in out
    assert "beispiel (12), beispiel-jsonl (3), taz.de (1)" in out
    data = stats(corpus_index, capsys)
    assert data["articles"] == 16
    assert data["first_date"] == "2024-09-05"
    assert data["last_date"] == "2025-10-22"


# -- reading -------------------------------------------------------------------------------
def test_search_text(corpus_index: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["search", "Zoll Japan", "--index", str(corpus_index)], capsys)
    assert code == 0, err
    assert out.startswith("1 hit for 'Zoll Japan'")
    assert "Gipfeltreffen in Tokio" in out
    assert f"id {JAPAN}" in out
    assert "**" in out  # marks, not ANSI: stdout is no terminal here
    assert "\x1b[" not in out


def test_search_json_shape(corpus_index: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        ["search", "Zoll", "--json", "--facets", "--limit", "2", "--index", str(corpus_index)],
        capsys,
    )
    assert code == 0
    data = json.loads(out)
    for key in ("query", "total", "hits", "facets", "suggestion"):
        assert key in data
    assert data["query"] == "Zoll"
    assert data["total"] == 3
    assert len(data["hits"]) == 2
    hit = data["hits"][0]
    for key in ("id", "title", "date", "authors", "tags", "source", "score", "snippet"):
        assert key in hit
    assert isinstance(hit["authors"], list)
    assert isinstance(hit["tags"], list)
    assert isinstance(hit["score"], float)
    assert "**" in hit["snippet"]
    assert {"tags", "authors", "sources", "months"} <= set(data["facets"])
    assert {"value": "beispiel", "count": 2} in data["facets"]["sources"]
    assert data["suggestion"] is None


def test_search_json_suggestion_and_fallback(
    corpus_index: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(["search", "Südkora", "--json", "--index", str(corpus_index)], capsys)
    assert code == 0
    assert json.loads(out)["suggestion"] == "Südkorea"
    code, out, _ = run(["search", "Südkora", "--index", str(corpus_index)], capsys)
    assert "Südkorea" in out
    code, out, _ = run(
        ["search", "Zoll Mietpreisbremse", "--json", "--index", str(corpus_index)], capsys
    )
    data = json.loads(out)
    assert data["mode"] == "any"
    assert data["notices"]


def test_search_options(corpus_index: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ix = ["--index", str(corpus_index)]

    def ids(*args: str) -> list[str]:
        code, out, err = run(["search", *args, "--json", *ix], capsys)
        assert code == 0, err
        return [h["id"] for h in json.loads(out)["hits"]]

    assert set(ids("Zoll")) == {JAPAN, "b02_importzoelle", "b07_wandhalterung"}
    assert ids("Zoll", "--tag", "Japan") == [JAPAN]
    assert ids("Zoll", "--author", "Martin Fritz") == [JAPAN]
    assert ids("Zoll", "--source", "taz.de") == [JAPAN]
    assert ids("Zoll", "--since", "2025-05", "--until", "2025-08") == [JAPAN]
    assert ids("Zoll", "--until", "2025-04") == ["b02_importzoelle"]
    by_date = ids("Zoll", "--sort", "date")
    assert by_date == ["b07_wandhalterung", JAPAN, "b02_importzoelle"]
    assert len(ids("Zoll", "--limit", "1", "--page", "3")) == 1
    assert ids("Zoll", "--limit", "1", "--page", "4") == []
    _code, out, _ = run(["search", "Zoll", "--no-snippets", "--json", *ix], capsys)
    assert all(h["snippet"] == "" for h in json.loads(out)["hits"])


def test_search_html(corpus_index: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["search", "Zoll", "--html", "--index", str(corpus_index)], capsys)
    assert code == 0
    assert out.startswith('<div class="zsuche-results" data-total="3">')
    assert out.count('<article class="hit">') == 3
    assert "<mark>Importzölle</mark>" in out
    assert "**" not in out


def test_similar_and_show(corpus_index: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ix = ["--index", str(corpus_index)]
    code, out, _ = run(["similar", "b02_importzoelle", "--json", "--limit", "3", *ix], capsys)
    assert code == 0
    hits = json.loads(out)["hits"]
    assert 1 <= len(hits) <= 3
    assert "b02_importzoelle" not in [h["id"] for h in hits]
    code, out, _ = run(["similar", "b02_importzoelle", *ix], capsys)
    assert code == 0
    assert f"id {JAPAN}" in out

    code, out, _ = run(["show", "b02_importzoelle", *ix], capsys)
    assert code == 0
    assert out.startswith("US-Zölle und Nordrhein-Westfalen")
    assert "## Kurzarbeit als letzte Reserve" in out
    assert "„Dann überstehen wir auch das.“" in out
    assert "Tags: Zölle" in out
    code, out, _ = run(["show", "--json", "b02_importzoelle", *ix], capsys)
    data = json.loads(out)
    assert data["id"] == "b02_importzoelle"
    assert data["body"].endswith("„Dann überstehen wir auch das.“")


# -- errors and exit codes -------------------------------------------------------------------
@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["gibtsnicht"],
        ["search"],
        ["search", "Zoll", "--limit", "0"],
        ["search", "Zoll", "--limit", "viele"],
        ["search", "Zoll", "--limit", "5000"],
        ["search", "Zoll", "--page", "0"],
        ["search", "Zoll", "--sort", "zufall"],
        ["search", "Zoll", "--since", "gestern"],
        ["search", "Zoll", "--until", "2025-13"],
        ["search", "Zoll", "--json", "--html"],
        ["similar", "x", "--limit", "-1"],
        ["show"],
        ["index"],
        ["parse"],
    ],
)
def test_usage_errors_exit_2(
    argv: list[str], corpus_index: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if argv and argv[0] in ("search", "similar"):
        argv = [*argv, "--index", str(corpus_index)]
    code, _out, err = run(argv, capsys)
    assert code == 2
    assert "Traceback" not in err


@pytest.mark.parametrize("query", ['"Die Linke', "(Zoll", "farbe:rot", "*", "titel:"])
def test_bad_query_exits_2_with_a_pointer(
    query: str, corpus_index: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(["search", query, "--index", str(corpus_index)], capsys)
    assert code == 2
    assert out == ""
    lines = err.splitlines()
    assert lines[0].startswith("zsuche: error: bad query")
    assert "Traceback" not in err
    # the query and a caret under the problem
    assert query in err
    assert any(line.strip() == "^" for line in lines)


def test_runtime_errors_exit_1_with_one_line(
    tmp_path: Path, corpus_index: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "leer"
    empty.mkdir()
    for argv in (
        ["search", "Zoll", "--index", str(empty)],
        ["stats", "--index", str(empty)],
        ["show", "gibt_es_nicht", "--index", str(corpus_index)],
        ["similar", "gibt_es_nicht", "--index", str(corpus_index)],
        ["check-index", "--index", str(tmp_path / "nirgends")],
        ["remove", "x", "--index", str(tmp_path / "nirgends")],
        ["parse", str(tmp_path / "nirgends.txt")],
    ):
        code, out, err = run(argv, capsys)
        assert code == 1, argv
        assert out == "", argv
        assert_one_clean_error_line(err)
    code, _, err = run(["show", "gibt_es_nicht", "--index", str(corpus_index)], capsys)
    assert "gibt_es_nicht" in err


def test_index_option_and_environment(
    corpus_index: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ZSUCHE_INDEX", str(corpus_index))
    code, out, _ = run(["stats", "--json"], capsys)
    assert code == 0
    assert json.loads(out)["articles"] == 16
    code, out, _ = run(["search", "Ishiba", "--json"], capsys)
    assert [h["id"] for h in json.loads(out)["hits"]] == [JAPAN]
    # --index wins over the environment
    code, _, err = run(["stats", "--index", str(tmp_path)], capsys)
    assert code == 1
    assert str(tmp_path) in err
    monkeypatch.setenv("ZSUCHE_INDEX", str(tmp_path / "nirgends"))
    code, out, _ = run(["stats", "--json", "--index", str(corpus_index)], capsys)
    assert code == 0
    assert json.loads(out)["articles"] == 16


def test_cli_bounds_match_the_engine() -> None:
    from search import cli, engine

    assert cli.MAX_LIMIT == engine.MAX_LIMIT
    assert cli.MAX_PAGE == engine.MAX_PAGE


def test_version_in_process(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["--version"], capsys)
    assert code == 0
    assert out.strip() == f"zsuche {__version__}"


def test_console_script_version() -> None:
    script = Path(sys.executable).parent / "zsuche"
    exe = str(script) if script.exists() else shutil.which("zsuche")
    assert exe, "the zsuche console script is not installed (pip install -e .)"
    proc = subprocess.run(
        [exe, "--version"], capture_output=True, text=True, timeout=60, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"zsuche {__version__}"


def test_unexpected_error_is_one_line_and_the_index_keeps_its_commit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from index.builder import Indexer

    index = tmp_path / "ix"
    assert run(["index", str(CORPUS), "--index", str(index), "--quiet"], capsys)[0] == 0
    new = tmp_path / "neu.txt"
    new.write_text((CORPUS / "b02_importzoelle.txt").read_text().replace("bangen", "hoffen"))

    def broken(*args: object, **kwargs: object) -> None:
        raise ValueError("keys must\nincrease")

    # a bug in the write path (as the merge bug of 2026-12-03 was)
    monkeypatch.setattr(Indexer, "_commit", staticmethod(broken))
    monkeypatch.delenv(cli.DEBUG_ENV, raising=False)
    code, _, err = run(["add", str(new), "--index", str(index), "--quiet"], capsys)
    assert code == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("zsuche: internal error: ValueError: keys must increase (a bug")
    assert f"{cli.DEBUG_ENV}=1" in lines[0]
    assert "Traceback" not in err
    monkeypatch.undo()
    code, out, _ = run(["stats", "--json", "--index", str(index)], capsys)
    assert code == 0
    assert json.loads(out)["articles"] == 16
    # on request, Python's own traceback
    monkeypatch.setattr(Indexer, "_commit", staticmethod(broken))
    monkeypatch.setenv(cli.DEBUG_ENV, "1")
    with pytest.raises(ValueError, match="keys must"):
        main(["add", str(new), "--index", str(index), "--quiet"])


def test_unexpected_system_error_is_one_clean_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def denied(args: object) -> int:
        raise PermissionError(13, "Permission denied", "/nirgends/datei")

    monkeypatch.delenv(cli.DEBUG_ENV, raising=False)
    monkeypatch.setattr(cli, "cmd_stats", denied)
    code, out, err = run(["stats", "--index", "/nirgends"], capsys)
    assert out == ""
    assert code == 1
    assert_one_clean_error_line(err)
    assert "Permission denied: '/nirgends/datei'" in err
