"""The ``python -m bench quality`` contract that held-out query sets are run through."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import metrics
from bench.quality import main

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


@pytest.fixture
def query_files(tmp_path: Path) -> tuple[Path, Path]:
    queries = tmp_path / "queries.tsv"
    queries.write_text(
        "q1\tJapan Südkorea Gipfeltreffen\nq2\tStreik bei der Bahn\nq3\tWandhalterung\n",
        encoding="utf-8",
    )
    qrels = tmp_path / "qrels.tsv"
    qrels.write_text(
        "q1 0 000_ce6ee6d5b1d8a7b4 2\nq2 0 b01_bahnstreik 1\nq3 0 b07_wandhalterung 1\n",
        encoding="utf-8",
    )
    return queries, qrels


def test_quality_json_and_run_file(
    tmp_path: Path, query_files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    queries, qrels = query_files
    run_file = tmp_path / "run.trec"
    code = main(
        [
            "quality",
            "--corpus",
            str(CORPUS),
            "--queries",
            str(queries),
            "--qrels",
            str(qrels),
            "--systems",
            "zeitungssuche,zs-none",
            "--json",
            "--run",
            str(run_file),
        ]
    )
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    rows = out["systems"]
    assert [r["system"] for r in rows] == ["zeitungssuche", "zs-none"]
    assert [r["default"] for r in rows] == [True, False]
    for row in rows:
        for key in ("mrr@10", "ndcg@10", "success@10", "recall@100"):
            assert 0.0 <= row[key] <= 1.0, key
        assert row["queries"] == 3
    # every query's article is in the sample corpus and found first
    assert rows[0]["mrr@10"] == pytest.approx(1.0)
    # the TREC run: qid Q0 docid rank score tag, readable back
    lines = run_file.read_text(encoding="utf-8").splitlines()
    first = lines[0].split()
    assert first[:4] == ["q1", "Q0", "000_ce6ee6d5b1d8a7b4", "1"]
    assert first[5] == "zeitungssuche"
    run = metrics.read_run(run_file)
    assert metrics.mrr_at_k(run, metrics.read_qrels(qrels), 10) == pytest.approx(1.0)


def test_quality_usage_errors(
    query_files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    queries, qrels = query_files
    base = ["--corpus", str(CORPUS), "--queries", str(queries), "--qrels", str(qrels)]
    assert main([*base, "--systems", "nonesuch"]) == 2
    assert "unknown system" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["--corpus", str(CORPUS)])  # the three files go together
    assert exc.value.code == 2


def test_benchmarks_md_shows_the_quality_note() -> None:
    from bench.report import markdown

    row = {
        "system": "zeitungssuche",
        "default": True,
        "set": "known-item-dev",
        "mrr@10": 0.5,
        "ndcg@10": 0.6,
        "success@10": 0.7,
        "recall@100": 0.8,
        "build_s": 1.0,
        "query_ms_median": 2.0,
    }
    machine = {"date": "2026-11-26", "cpus": 2, "python": "3.11", "platform": "linux"}
    result = {"machine": machine, "quality": [row], "quality_note": "Run on a busy machine."}
    text = markdown(result)
    assert "## Quality\n\nRun on a busy machine.\n\n### known-item-dev" in text
    del result["quality_note"]
    assert "busy" not in markdown(result)


def test_analysis_throughput_runs_the_writers_token_table() -> None:
    from bench.speed import analysis_throughput

    out = analysis_throughput(CORPUS)
    assert out["articles"] >= 1
    assert out["tokens"] > 100
    assert out["cold_tokens_per_s"] > 0
    assert out["warm_tokens_per_s"] > 0
