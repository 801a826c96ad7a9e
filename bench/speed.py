"""Speed and size: build, incremental update, query latency, cold start.

``python -m bench speed [--corpus DIR] [--json] [--quick]`` measures, on one
machine in one run (ratios against the anchors measured in the same run):

* full build of the corpus (wall seconds, articles/s, peak memory of the
  whole process tree), index size on disk against the corpus size;
* ``update`` after 10 new articles are added to the indexed folder;
* query latency (median, p95) for a realistic mix of 1-3 word queries,
  phrases and filtered queries, with and without snippets for the top 10;
* ``zsuche search`` end to end in a new process (cold start);
* cost growth: build time and median latency at 1k, 5k and all articles;
* the anchors' build time on the same parsed articles: plain Whoosh with
  ``LanguageAnalyzer("de")`` and tantivy-py.

The corpus is copied to a temporary folder first (the update test writes
into it; ``../shared`` stays untouched).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bench.datasets import shared_dir

#: the realistic query mix: 1-3 words, phrases, fields; filters are added below
QUERY_MIX = [
    "Impfstoff",
    "Bundesregierung",
    "Klimaschutz",
    "Zoll",
    "Lockdown Schulen",
    "Maskenpflicht",
    "Merkel Macron",
    "Kurzarbeit",
    "Tesla Grünheide",
    "Bundesliga Geisterspiele",
    "Wahl USA Trump",
    "Brexit Verhandlungen",
    "Mietendeckel Berlin",
    "Homeoffice",
    "Polizei Demonstration",
    "Corona Impfung Pflegeheim",
    '"Robert Koch-Institut"',
    '"Angela Merkel"',
    '"Die Linke"',
    '"Europäische Union"',
    "titel:Corona",
    "Impf*",
    "Wirtschaft -Corona",
    "Lufthansa ODER Condor",
    "Nawalny Vergiftung",
    "Wirecard",
    "Inzidenz Landkreis",
    "Schulen Digitalisierung",
    "Flüchtlinge Moria",
    "Olympische Spiele Tokio",
]
#: filtered variants (query, keyword arguments of SearchEngine.search)
FILTERED = [
    ("Corona", {"sources": ["zeit.de"]}),
    ("Impfstoff", {"since": "2021-01-01"}),
    ("Bundesregierung", {"until": "2020-06-30"}),
    ("Wahl", {"tags": ["politik"]}),
    ("Trump", {"sources": ["tagesspiegel.de"], "since": "2020-10-01"}),
]


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "date": time.strftime("%Y-%m-%d"),
    }


class PeakMemory:
    """Polls the summed RSS of this process and its children."""

    def __init__(self, interval: float = 0.1) -> None:
        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        import psutil

        me = psutil.Process()
        while not self._stop.is_set():
            total = 0
            try:
                procs = [me, *me.children(recursive=True)]
                for p in procs:
                    try:
                        total += p.memory_info().rss
                    except psutil.Error:
                        pass
            except psutil.Error:
                pass
            self.peak = max(self.peak, total)
            self._stop.wait(self.interval)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def dir_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def corpus_size(path: Path) -> int:
    from index.sources import find_article_files

    return sum(p.stat().st_size for p in find_article_files([path]))


def _pct(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    idx = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[idx]


def build_index(corpus: Path, index: Path) -> dict[str, Any]:
    from index.builder import Indexer

    shutil.rmtree(index, ignore_errors=True)
    with PeakMemory() as mem:
        start = time.perf_counter()
        report = Indexer(index).build([corpus])
        seconds = time.perf_counter() - start
    return {
        "articles": report.articles,
        "failed": report.failed,
        "seconds": round(seconds, 2),
        "articles_per_s": round(report.articles / seconds, 1) if seconds else 0.0,
        "peak_memory_mb": round(mem.peak / 2**20, 1),
        "index_mb": round(dir_size(index) / 1e6, 1),
    }


def latency(index: Path, snippets: bool, repeat: int = 3) -> dict[str, Any]:
    """Median and p95 per query over the mix (warm engine, in process)."""
    import datetime as dt

    from search.engine import SearchEngine

    times: list[float] = []
    with SearchEngine(index) as engine:
        for q in QUERY_MIX[:3]:  # warm up the caches
            engine.search(q, snippets=snippets)
        for _ in range(repeat):
            for q in QUERY_MIX:
                t = time.perf_counter()
                engine.search(q, limit=10, snippets=snippets)
                times.append(time.perf_counter() - t)
            for q, kw in FILTERED:
                args = dict(kw)
                for key in ("since", "until"):
                    if key in args:
                        args[key] = dt.date.fromisoformat(str(args[key]))
                t = time.perf_counter()
                engine.search(q, limit=10, snippets=snippets, **args)
                times.append(time.perf_counter() - t)
    first = times[: len(QUERY_MIX) + len(FILTERED)]
    return {
        "queries": len(times),
        "median_ms": round(statistics.median(times) * 1000, 2),
        "p95_ms": round(_pct(times, 0.95) * 1000, 2),
        "max_ms": round(max(times) * 1000, 2),
        # the first round alone: every query new to the engine's caches
        "first_round_median_ms": round(statistics.median(first) * 1000, 2),
        "first_round_p95_ms": round(_pct(first, 0.95) * 1000, 2),
    }


def analysis_throughput(corpus: Path, limit: int = 2000) -> dict[str, Any]:
    """Tokens per second of the German analysis over article bodies, as the
    index writer runs it (tokens to ids of its token table, each new token
    analysed once): with an empty table and caches (a new process's first
    articles) and with a full one."""
    from index.analysis import TOKEN_RE, GermanAnalysis
    from index.errors import ArticleError
    from index.sources import find_article_files
    from index.taz import parse_file
    from index.writer import TokenTable

    texts = []
    for path in find_article_files([corpus])[:limit]:
        try:
            article = parse_file(path)
        except ArticleError:  # a bad file is not what is measured here
            continue
        texts.append(" ".join((article.title, article.lead, article.body)))
    tokens = sum(len(TOKEN_RE.findall(t)) for t in texts)
    out: dict[str, Any] = {"articles": len(texts), "tokens": tokens}
    analysis = GermanAnalysis(stemmer="cistem", compounds=True)
    analysis.splitter.parts("Importzoll")  # the lexicon is loaded before the clock starts
    table = TokenTable(analysis, {})
    for label in ("cold", "warm"):
        start = time.perf_counter()
        for t in texts:
            list(map(table.__getitem__, TOKEN_RE.findall(t)))
        seconds = time.perf_counter() - start
        out[f"{label}_tokens_per_s"] = round(tokens / seconds) if seconds else 0
    return out


def cold_start(index: Path, runs: int = 5) -> dict[str, Any]:
    """``zsuche search`` in a new process, wall time.

    Our modules' bytecode is compiled first, as ``pip install`` does: in an
    editable install under ``PYTHONDONTWRITEBYTECODE`` every new process
    would otherwise compile them from source (about 0.1 s that no installed
    copy pays).
    """
    import compileall

    root = Path(__file__).resolve().parent.parent
    for package in ("index", "search"):
        compileall.compile_dir(str(root / package), quiet=1)
    times = []
    exe = shutil.which("zsuche")
    cmd = [exe] if exe else [sys.executable, "-m", "search.cli"]
    for q in ("Impfstoff", "Merkel Macron", '"Robert Koch-Institut"', "Zoll", "Lockdown")[:runs]:
        t = time.perf_counter()
        proc = subprocess.run(
            [*cmd, "search", q, "--index", str(index)], capture_output=True, text=True
        )
        times.append(time.perf_counter() - t)
        if proc.returncode != 0:
            raise RuntimeError(f"zsuche search failed: {proc.stderr}")
    return {
        "runs": len(times),
        "median_s": round(statistics.median(times), 3),
        "max_s": round(max(times), 3),
    }


def update_after_new(corpus_copy: Path, index: Path, n: int = 10) -> dict[str, Any]:
    """Add ``n`` new article files to the indexed folder, then time ``update``."""
    from index.builder import Indexer

    new_dir = corpus_copy / "neu"
    new_dir.mkdir(exist_ok=True)
    for i in range(n):
        (new_dir / f"neu{i:03d}_bench.txt").write_text(
            f"# beispiel -- Benchmark: Neuer Artikel {i} | |\n"
            f"> Ein neuer Artikel für den Aktualisierungstest Nummer {i}. | |\n"
            "Berlin taz | Die Stadtverwaltung hat am Montag neue Pläne für den | |\n"
            "Radverkehr vorgestellt. Bürgerinnen und Bürger können sich beteiligen. | |\n"
            f"{1 + i % 28} Mar 2021 | |\n## TAGS | |\nBenchmark | |\n",
            encoding="utf-8",
        )
    start = time.perf_counter()
    report = Indexer(index).update(corpus_copy)
    seconds = time.perf_counter() - start
    return {
        "new_files": n,
        "added": report.added,
        "unchanged": report.unchanged,
        "seconds": round(seconds, 3),
    }


def anchor_builds(corpus: Path) -> dict[str, Any]:
    """Build times of the anchors on the same parsed articles."""
    from bench.anchors import make_anchor
    from bench.datasets import load_corpus

    t = time.perf_counter()
    docs = load_corpus(corpus)
    parse_s = time.perf_counter() - t
    out: dict[str, Any] = {"parse_s": round(parse_s, 2)}
    for name in ("tantivy", "whoosh-de"):
        system = make_anchor(name)
        t = time.perf_counter()
        system.build(docs, ("title", "lead", "body"))
        out[name] = {"build_s": round(time.perf_counter() - t, 2)}
        system.close()
    return out


def subset(corpus: Path, n: int, dest: Path, seed: int = 7) -> Path:
    """A folder with ``n`` of the corpus's articles (copied)."""
    from index.sources import find_article_files

    files = find_article_files([corpus])
    random.Random(seed).shuffle(files)
    dest.mkdir(parents=True, exist_ok=True)
    for f in files[:n]:
        shutil.copy2(f, dest / f.name)
    return dest


def run(
    corpus: Path, *, quick: bool = False, anchors: bool = True, log: Callable[[str], None] = _log
) -> dict[str, Any]:
    """Every speed figure for ``corpus``; see the module docstring."""
    from bench.parsing import run as parse_run

    result: dict[str, Any] = {"machine": machine(), "corpus": str(corpus)}
    work = Path(tempfile.mkdtemp(prefix="zsuche-speed-"))
    try:
        log("speed: parsing throughput …")
        result["parsing"] = parse_run(corpus)
        log("speed: analysis throughput …")
        result["analysis"] = analysis_throughput(corpus)
        copy = work / "corpus"
        shutil.copytree(corpus, copy)
        result["corpus_mb"] = round(corpus_size(copy) / 1e6, 1)
        growth = []
        sizes = [1000, 5000] if not quick else [1000]
        for n in sizes:
            log(f"speed: build and latency at {n} articles …")
            sub = subset(copy, n, work / f"sub{n}")
            b = build_index(sub, work / f"ix{n}")
            lat = latency(work / f"ix{n}", snippets=True, repeat=1)
            growth.append(
                {
                    "articles": n,
                    "build_s": b["seconds"],
                    "peak_memory_mb": b["peak_memory_mb"],
                    "median_ms": lat["median_ms"],
                }
            )
        log("speed: full build …")
        full = build_index(copy, work / "ix")
        result["build"] = full
        result["index_to_corpus"] = round(full["index_mb"] / result["corpus_mb"], 3)
        log("speed: latency …")
        result["latency_snippets"] = latency(work / "ix", snippets=True)
        result["latency_no_snippets"] = latency(work / "ix", snippets=False)
        growth.append(
            {
                "articles": full["articles"],
                "build_s": full["seconds"],
                "peak_memory_mb": full["peak_memory_mb"],
                "median_ms": result["latency_snippets"]["median_ms"],
            }
        )
        result["growth"] = growth
        log("speed: cold start …")
        result["cold_start"] = cold_start(work / "ix")
        log("speed: update after 10 new articles …")
        result["update"] = update_after_new(copy, work / "ix")
        if anchors and not quick:
            log("speed: anchor builds (tantivy, whoosh LanguageAnalyzer) …")
            result["anchors"] = anchor_builds(corpus)
            for name in ("tantivy", "whoosh-de"):
                a = result["anchors"][name]["build_s"]
                result["anchors"][name]["ratio_ours_to_anchor"] = round(full["seconds"] / a, 2)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench speed", description=__doc__)
    parser.add_argument(
        "--corpus",
        type=Path,
        default=None,
        help="article folder (default: ../shared/corpora/news-de)",
    )
    parser.add_argument("--quick", action="store_true", help="skip 5k growth and anchors")
    parser.add_argument("--no-anchors", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    corpus = args.corpus or shared_dir() / "corpora" / "news-de"
    if not corpus.is_dir():
        print(f"python -m bench speed: no corpus at {corpus}", file=sys.stderr)
        return 2
    result = run(corpus, quick=args.quick, anchors=not args.no_anchors)
    print(json.dumps(result, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
