"""Retrieval quality of search systems on the evaluation query sets.

``python -m bench quality`` (or :func:`main`) builds each chosen system over a
query set's corpus, runs every query and reports MRR@10, nDCG@10, Success@10,
Recall@100 (and judged@10 for pooled sets), with build time and median query
latency. Progress goes to stderr; ``--json`` prints exactly one JSON object on
stdout.

Systems come from :data:`bench.anchors.ANCHORS` and, when the module exists,
from ``bench.systems.SYSTEMS`` (a mapping of name to a factory of a fresh
:class:`System`), the project's own configurations.
"""

from __future__ import annotations

import argparse
import importlib
import json
import statistics
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from bench import metrics
from bench.datasets import (
    EvalDoc,
    QuerySet,
    builtin_names,
    custom_set,
    load_builtin,
)

#: how deep each system's ranking goes (recall@100 and the TREC run need 100)
DEFAULT_DEPTH = 100
#: the query set measured when none is named
DEFAULT_SET = "known-item-dev"


@runtime_checkable
class System(Protocol):
    """A search system the benchmark can build and query.

    ``build`` indexes ``docs`` using only the named fields (a subset of
    ``title``, ``lead``, ``body``); ``search`` returns up to ``k`` results
    ``(doc_id, score)``, best first, matching any word of ``text`` (plain
    text, not query syntax). ``default`` marks the system whose ranking
    ``--run`` writes. A system may also have ``close()`` to free its index.
    """

    name: str
    default: bool

    def build(self, docs: Sequence[EvalDoc], fields: Sequence[str]) -> None: ...

    def search(self, text: str, k: int) -> list[tuple[str, float]]: ...


SystemFactory = Callable[[], System]


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def system_factories() -> dict[str, SystemFactory]:
    """Every known system by name: the project's (``bench.systems``) first, then anchors."""
    from bench.anchors import ANCHORS

    factories: dict[str, SystemFactory] = {}
    try:
        project_systems = importlib.import_module("bench.systems")
    except ModuleNotFoundError as exc:
        if exc.name != "bench.systems":
            raise
    else:
        found: Mapping[str, SystemFactory] = getattr(project_systems, "SYSTEMS", {})
        factories.update(found)
    for name, factory in ANCHORS.items():
        factories.setdefault(name, factory)
    return factories


def _close(system: System) -> None:
    close = getattr(system, "close", None)
    if callable(close):
        close()


def evaluate_run(
    query_set: QuerySet, run: metrics.Run, pooled: bool | None = None
) -> dict[str, float | int]:
    """The quality metrics of ``run`` on ``query_set``."""
    qrels = query_set.qrels
    row: dict[str, float | int] = {
        "mrr@10": metrics.mrr_at_k(run, qrels, 10),
        "ndcg@10": metrics.ndcg_at_k(run, qrels, 10),
        "success@10": metrics.success_at_k(run, qrels, 10),
        "recall@100": metrics.recall_at_k(run, qrels, 100),
    }
    if query_set.pooled if pooled is None else pooled:
        row["judged@10"] = metrics.judged_at_k(run, qrels, 10)
        row["ndcg'@10"] = metrics.condensed_ndcg_at_k(run, qrels, 10)
    row["queries"] = len(metrics.evaluated_queries(qrels))
    return row


def run_quality(
    query_set: QuerySet,
    systems: Sequence[System],
    k: int = DEFAULT_DEPTH,
    runs: dict[str, dict[str, list[tuple[str, float]]]] | None = None,
) -> list[dict[str, Any]]:
    """Build and query every system on ``query_set``; one result dict per system.

    Each dict has ``system``, ``default``, ``set``, ``mrr@10``, ``ndcg@10``,
    ``success@10``, ``recall@100``, ``judged@10`` and ``ndcg'@10`` (nDCG of
    the judged documents only; pooled sets only),
    ``queries`` (evaluated: with a relevant document), ``build_s`` and
    ``query_ms_median``. Every query of the set is searched to depth ``k``;
    when ``runs`` is given, each system's rankings are stored in it by name.
    A system is closed (``close()``, if it has one) after its turn.
    """
    docs = query_set.docs()
    queries = query_set.queries
    rows: list[dict[str, Any]] = []
    for system in systems:
        _log(f"[{query_set.name}] {system.name}: building over {len(docs)} docs …")
        try:
            start = time.perf_counter()
            system.build(docs, query_set.fields)
            build_s = time.perf_counter() - start
            _log(
                f"[{query_set.name}] {system.name}: built in {build_s:.1f} s; "
                f"{len(queries)} queries …"
            )
            run: dict[str, list[tuple[str, float]]] = {}
            times: list[float] = []
            for qid, text in queries.items():
                start = time.perf_counter()
                run[qid] = list(system.search(text, k))
                times.append(time.perf_counter() - start)
        finally:
            _close(system)
        row: dict[str, Any] = {
            "system": system.name,
            "default": bool(getattr(system, "default", False)),
            "set": query_set.name,
        }
        row.update(evaluate_run(query_set, run))
        row["build_s"] = round(build_s, 3)
        row["query_ms_median"] = round(statistics.median(times) * 1000, 3) if times else 0.0
        rows.append(row)
        if runs is not None:
            runs[system.name] = run
        _log(
            f"[{query_set.name}] {system.name}: MRR@10 {row['mrr@10']:.3f} "
            f"nDCG@10 {row['ndcg@10']:.3f} S@10 {row['success@10']:.3f} "
            f"R@100 {row['recall@100']:.3f}"
        )
    return rows


def format_table(rows: Sequence[Mapping[str, Any]]) -> str:
    """A plain-text table of result rows."""
    columns = [
        "set",
        "system",
        "mrr@10",
        "ndcg@10",
        "success@10",
        "recall@100",
        "judged@10",
        "ndcg'@10",
        "queries",
        "build_s",
        "query_ms_median",
    ]
    columns = [c for c in columns if any(c in row for row in rows)]

    def cell(row: Mapping[str, Any], column: str) -> str:
        value = row.get(column, "")
        if isinstance(value, float):
            return f"{value:.1f}" if column in ("build_s", "query_ms_median") else f"{value:.3f}"
        text = str(value)
        if column == "system" and row.get("default"):
            text += " *"
        return text

    table = [columns] + [[cell(row, c) for c in columns] for row in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(columns))]
    return "\n".join(
        "  ".join(text.ljust(width) for text, width in zip(line, widths, strict=True)).rstrip()
        for line in table
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench quality",
        description="Measure retrieval quality on evaluation query sets.",
    )
    parser.add_argument(
        "--set",
        dest="sets",
        action="append",
        default=[],
        metavar="NAME",
        help=f"built-in query set (repeatable or comma-separated): {', '.join(builtin_names())};"
        f" default {DEFAULT_SET}",
    )
    parser.add_argument("--corpus", type=Path, help="a folder of article files or a doc JSONL")
    parser.add_argument("--queries", type=Path, help="queries: qid<TAB>text TSV or JSONL")
    parser.add_argument("--qrels", type=Path, help="TREC qrels: qid 0 docid grade")
    parser.add_argument(
        "--no-title",
        action="store_true",
        help="with --corpus: do not index the title (known-item queries)",
    )
    parser.add_argument("--systems", help="comma-separated system names (default: all)")
    parser.add_argument(
        "--shared", type=Path, help="the shared folder (default $ZSUCHE_SHARED or ../shared)"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    parser.add_argument(
        "--run",
        type=Path,
        metavar="FILE",
        help="write the default system's ranking as a TREC run (top 100)",
    )
    parser.add_argument("--list", action="store_true", help="list systems and sets, then exit")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """The ``quality`` command; returns the exit code."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:1] == ["quality"]:
        args_list = args_list[1:]
    parser = _parser()
    args = parser.parse_args(args_list)
    factories = system_factories()

    if args.list:
        print("systems: " + ", ".join(factories))
        print("sets: " + ", ".join(builtin_names()))
        return 0

    custom = [args.corpus, args.queries, args.qrels]
    if any(x is not None for x in custom) and not all(x is not None for x in custom):
        parser.error("--corpus, --queries and --qrels go together")
    if args.no_title and args.corpus is None:
        parser.error("--no-title needs --corpus")

    names = [n.strip() for value in args.sets for n in value.split(",") if n.strip()]
    query_sets: list[QuerySet] = []
    try:
        for name in names or ([] if args.corpus is not None else [DEFAULT_SET]):
            query_sets.append(load_builtin(name, args.shared))
        if args.corpus is not None:
            query_sets.append(
                custom_set(args.corpus, args.queries, args.qrels, title=not args.no_title)
            )
    except (KeyError, FileNotFoundError, ValueError) as exc:
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        print(f"bench quality: {message}", file=sys.stderr)
        return 2

    chosen = (
        [n.strip() for n in args.systems.split(",") if n.strip()]
        if args.systems
        else list(factories)
    )
    unknown = [n for n in chosen if n not in factories]
    if unknown or not chosen:
        print(
            f"bench quality: unknown system(s) {', '.join(unknown) or '(none)'}; "
            f"known: {', '.join(factories)}",
            file=sys.stderr,
        )
        return 2

    rows: list[dict[str, Any]] = []
    full_run: dict[str, list[tuple[str, float]]] = {}
    run_tag = ""
    for query_set in query_sets:
        systems = [factories[name]() for name in chosen]
        runs: dict[str, dict[str, list[tuple[str, float]]]] = {}
        rows.extend(run_quality(query_set, systems, DEFAULT_DEPTH, runs))
        default = next((s for s in systems if getattr(s, "default", False)), systems[0])
        run_tag = default.name
        full_run.update(runs[default.name])

    if args.run is not None:
        metrics.write_trec_run(args.run, full_run, run_tag)
        _log(f"wrote {args.run} ({run_tag}, {len(full_run)} queries)")
    if args.json:
        print(json.dumps({"systems": rows}, ensure_ascii=False))
    else:
        print(format_table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
