"""Parser speed: articles/s and MB/s over a corpus folder, on one core.

``run(corpus)`` lists the article files once (outside the timing), then
alternates two kinds of timed pass, three of each by default, and reports the
median pass of each kind:

* **read + parse**: reads every file from disk and parses it (the time spent
  in reading alone is reported as well);
* **parse only**: parses the same bytes, held in memory.

Rates are per second of wall-clock time; the process's CPU seconds are
reported beside them (on a busy machine they show what the parser itself
costs: ``articles_per_cpu_s``).

Everything runs in the calling thread (one core). Importing this module has no
side effects; ``python -m bench.parsing [CORPUS]`` prints the result as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from index.errors import ArticleError
from index.jsonl import parse_jsonl_bytes
from index.sources import find_article_files
from index.taz import parse_bytes

#: the corpus measured when none is named
DEFAULT_CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpora" / "news-de"


def _parse(path: Path, data: bytes) -> tuple[int, int]:
    """Parse one file's bytes; (articles, errors)."""
    if path.name.lower().endswith(".jsonl"):
        good = bad = 0
        try:
            for item in parse_jsonl_bytes(data, path=path):
                if isinstance(item, ArticleError):
                    bad += 1
                else:
                    good += 1
        except ArticleError:
            bad += 1
        return good, bad
    try:
        parse_bytes(data, path=path)
    except ArticleError:
        return 0, 1
    return 1, 0


def _pass_from_disk(files: Sequence[Path]) -> tuple[float, float, int, int, int]:
    """One timed pass reading every file; (seconds, of them reading, articles, errors, bytes)."""
    articles = errors = size = 0
    reading = 0.0
    clock = time.perf_counter
    start = clock()
    for path in files:
        before = clock()
        try:
            data = path.read_bytes()
        except OSError:
            errors += 1
            continue
        reading += clock() - before
        size += len(data)
        good, bad = _parse(path, data)
        articles += good
        errors += bad
    return clock() - start, reading, articles, errors, size


def _pass_in_memory(blobs: Sequence[tuple[Path, bytes]]) -> float:
    start = time.perf_counter()
    for path, data in blobs:
        _parse(path, data)
    return time.perf_counter() - start


def run(corpus: Path, *, passes: int = 3, limit: int | None = None) -> dict[str, Any]:
    """Measure the parsers over the article files under ``corpus``.

    ``passes`` timed passes of each kind (the median is reported); ``limit``
    caps the number of files (the first ones in walk order). Returns a
    JSON-ready dict: rates are per second of the median pass.
    """
    corpus = Path(corpus)
    if not corpus.exists():
        raise FileNotFoundError(f"corpus not found: {corpus}")
    passes = max(1, passes)
    files = find_article_files([corpus])
    if limit is not None:
        files = files[:limit]

    blobs = [(p, p.read_bytes()) for p in files]  # also warms the page cache
    # the two kinds of pass alternate, so a change in machine load hits both
    disk = []
    memory = []
    disk_cpu = []
    memory_cpu = []
    for _ in range(passes):
        cpu = time.process_time()
        disk.append(_pass_from_disk(files))
        disk_cpu.append(time.process_time() - cpu)
        cpu = time.process_time()
        memory.append(_pass_in_memory(blobs))
        memory_cpu.append(time.process_time() - cpu)
    del blobs
    disk_s = statistics.median(t for t, *_ in disk)
    read_s = statistics.median(r for _, r, *_ in disk)
    memory_s = statistics.median(memory)
    _, _, articles, errors, size = disk[-1]

    mb = size / 1e6

    def rate(amount: float, seconds: float) -> float:
        return round(amount / seconds, 1) if seconds > 0 else 0.0

    return {
        "corpus": str(corpus),
        "files": len(files),
        "articles": articles,
        "errors": errors,
        "megabytes": round(mb, 3),
        "passes": passes,
        "cores": 1,
        "read_parse": {
            "seconds": round(disk_s, 4),
            "articles_per_s": rate(articles, disk_s),
            "mb_per_s": rate(mb, disk_s),
            "read_seconds": round(read_s, 4),
            "cpu_seconds": round(statistics.median(disk_cpu), 4),
            "pass_seconds": [round(t, 4) for t, *_ in disk],
        },
        "parse_only": {
            "seconds": round(memory_s, 4),
            "articles_per_s": rate(articles, memory_s),
            "mb_per_s": rate(mb, memory_s),
            "cpu_seconds": round(statistics.median(memory_cpu), 4),
            "articles_per_cpu_s": rate(articles, statistics.median(memory_cpu)),
            "pass_seconds": [round(t, 4) for t in memory],
        },
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.parsing", description="Measure the article parsers' speed."
    )
    parser.add_argument(
        "corpus",
        nargs="?",
        type=Path,
        default=DEFAULT_CORPUS,
        help=f"folder (or file) of articles (default: {DEFAULT_CORPUS})",
    )
    parser.add_argument("--passes", type=int, default=3, help="timed passes (median reported)")
    parser.add_argument("--limit", type=int, default=None, help="measure only the first N files")
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    try:
        result = run(args.corpus, passes=args.passes, limit=args.limit)
    except FileNotFoundError as exc:
        print(f"bench.parsing: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
