"""``python -m bench`` (= ``python -m bench all``): the whole benchmark in one run.

Quality on every built-in query set for every system (zeitungssuche's
analysis options and default, and the anchors), speed on news-de, and the
conflation scores when the CISTEM gold standards are available. Writes
``bench/results/latest.json`` (everything measured) and ``BENCHMARKS.md``
(the tables, with the machine and date), to be committed after each
meaningful change.

Options: ``--sets a,b`` and ``--systems a,b`` limit the quality part,
``--no-speed``/``--no-quality`` skip a part, ``--gold DIR`` (or
``$CISTEM_GOLD_DIR``) points at the CISTEM gold standards, ``--out DIR``
writes elsewhere.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.datasets import builtin_names, load_builtin, shared_dir
from bench.quality import run_quality, system_factories

ROOT = Path(__file__).resolve().parent.parent


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def quality(sets: Sequence[str], systems: Sequence[str]) -> list[dict[str, Any]]:
    factories = system_factories()
    rows: list[dict[str, Any]] = []
    for name in sets:
        qs = load_builtin(name)
        rows.extend(run_quality(qs, [factories[s]() for s in systems]))
    return rows


def conflation(gold: str | None) -> dict[str, Any] | None:
    if not gold or not Path(gold).exists():
        return None
    from bench import conflation as c

    keys = {name: c.STEMMERS[name] for name in ("cistem", "cistem-ci", "snowball", "whoosh")}
    keys["zeitungssuche"] = c.load_key("index.analysis:conflation_key")[1]
    out: dict[str, Any] = {}
    for path in c.gold_files(gold):
        clusters = c.load_gold(path)
        out[path.name] = {name: c.pairwise_scores(clusters, key) for name, key in keys.items()}
    return out


def _fmt(x: Any, digits: int = 3) -> str:
    if isinstance(x, float):
        return f"{x:.{digits}f}"
    return str(x)


def markdown(result: dict[str, Any]) -> str:
    m = result["machine"]
    lines = [
        "# Benchmarks",
        "",
        f"Measured by `python -m bench` on {m['date']}: {m['cpus']} cores, Python "
        f"{m['python']} ({m['platform']}). All systems index the same parsed articles "
        "in the same run. Raw figures: `bench/results/latest.json`"
        f" (quality measured {result.get('quality_measured', '?')}, "
        f"speed {result.get('speed', {}).get('machine', {}).get('date', '?')}).",
        "",
    ]
    rows = result.get("quality") or []
    if rows:
        lines += ["## Quality", ""]
        if result.get("quality_note"):
            lines += [result["quality_note"], ""]
        for set_name in dict.fromkeys(r["set"] for r in rows):
            lines += [f"### {set_name}", ""]
            set_rows = [r for r in rows if r["set"] == set_name]
            judged = any("judged@10" in r for r in set_rows)
            head = "| system | MRR@10 | nDCG@10 | Success@10 | Recall@100 |"
            head += " judged@10 | nDCG'@10 (judged only) |" if judged else ""
            head += " build s | query ms (median) |"
            lines += [head, "|" + "---|" * (head.count("|") - 1)]
            for r in sorted(set_rows, key=lambda r: -r["ndcg@10"]):
                name = f"**{r['system']}** (default)" if r.get("default") else r["system"]
                cells = [
                    name,
                    _fmt(r["mrr@10"]),
                    _fmt(r["ndcg@10"]),
                    _fmt(r["success@10"]),
                    _fmt(r["recall@100"]),
                ]
                if judged:
                    cells.append(_fmt(r.get("judged@10", "")))
                    cells.append(_fmt(r.get("ndcg'@10", "")))
                cells += [_fmt(r["build_s"], 1), _fmt(r["query_ms_median"], 1)]
                lines.append("| " + " | ".join(cells) + " |")
            lines.append("")
    conf = result.get("conflation")
    if conf:
        lines += [
            "## Conflation (CISTEM gold standards, pairwise F1)",
            "",
            "| gold | " + " | ".join(next(iter(conf.values()))) + " |",
            "|---|" + "---|" * len(next(iter(conf.values()))),
        ]
        for gold, scores in conf.items():
            lines.append(f"| {gold} | " + " | ".join(_fmt(s["f1"]) for s in scores.values()) + " |")
        lines.append("")
    speed = result.get("speed")
    if speed:
        b = speed["build"]
        lines += [
            "## Speed and size (news-de)",
            "",
            "| measure | value |",
            "|---|---|",
            f"| corpus | {speed['corpus_mb']} MB, {b['articles']} articles |",
            f"| full build | {b['seconds']} s wall, {b['articles_per_s']} articles/s, "
            f"peak memory {b['peak_memory_mb']} MiB (summed RSS of all processes) |",
            f"| index size | {b['index_mb']} MB = {speed['index_to_corpus']}× the corpus |",
            f"| `update` after 10 new articles | {speed['update']['seconds']} s |",
            f"| query latency with snippets | median {speed['latency_snippets']['median_ms']} ms, "
            f"p95 {speed['latency_snippets']['p95_ms']} ms |",
            f"| query latency without snippets | median "
            f"{speed['latency_no_snippets']['median_ms']} ms, "
            f"p95 {speed['latency_no_snippets']['p95_ms']} ms |",
            "| same, first round only (every query new to the caches) | median "
            f"{speed['latency_snippets'].get('first_round_median_ms', '?')} ms, "
            f"p95 {speed['latency_snippets'].get('first_round_p95_ms', '?')} ms |",
            f"| `zsuche search` cold start | median {speed['cold_start']['median_s']} s |",
            "| parsing, one core | "
            f"{speed['parsing']['read_parse']['articles_per_s']} articles/s, "
            f"{speed['parsing']['read_parse']['mb_per_s']} MB/s (reading included); "
            f"{speed['parsing']['parse_only']['articles_per_s']} articles/s from memory |",
            "| German analysis, one core (tokens to the writer's token table) | "
            f"{speed.get('analysis', {}).get('cold_tokens_per_s', '?')} tokens/s with empty "
            f"table and caches, {speed.get('analysis', {}).get('warm_tokens_per_s', '?')} "
            "tokens/s with a full table "
            f"({speed.get('analysis', {}).get('articles', '?')} articles) |",
            "",
        ]
        if speed.get("anchors"):
            a = speed["anchors"]
            lines += [
                "Anchors' build time on the same parsed articles (same run): "
                + ", ".join(
                    f"{k} {v['build_s']} s (ours/anchor {v['ratio_ours_to_anchor']})"
                    for k, v in a.items()
                    if isinstance(v, dict)
                )
                + ".",
                "",
            ]
        lines += [
            "Cost growth:",
            "",
            "| articles | build s | peak memory MiB | median query ms |",
            "|---|---|---|---|",
        ]
        for g in speed.get("growth", []):
            memory = g.get("peak_memory_mb", "not measured")
            lines.append(f"| {g['articles']} | {g['build_s']} | {memory} | {g['median_ms']} |")
        lines.append("")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--sets", default=",".join(builtin_names()))
    parser.add_argument("--systems", default="")
    parser.add_argument("--no-speed", action="store_true")
    parser.add_argument("--no-quality", action="store_true")
    parser.add_argument("--gold", default=os.environ.get("CISTEM_GOLD_DIR"))
    parser.add_argument(
        "--quality-note",
        default="",
        help="a line shown above the quality tables: how the run was made "
        "(say so when the machine was busy: build s and query ms are then inflated)",
    )
    parser.add_argument("--out", type=Path, default=ROOT)
    args = parser.parse_args(argv)
    if not (shared_dir() / "corpora").is_dir():
        print(f"python -m bench: ../shared not found at {shared_dir()}", file=sys.stderr)
        return 2
    from bench.speed import machine

    result: dict[str, Any] = {"machine": machine(), "started": time.strftime("%Y-%m-%d %H:%M")}
    out_dir = args.out / "bench" / "results"
    previous: dict[str, Any] = {}
    if (out_dir / "latest.json").exists():
        previous = json.loads((out_dir / "latest.json").read_text())
    systems = [s for s in args.systems.split(",") if s] or list(system_factories())
    if not args.no_quality:
        result["quality"] = quality([s for s in args.sets.split(",") if s], systems)
        if args.quality_note:
            result["quality_note"] = args.quality_note
    elif previous.get("quality"):
        # a part not run this time keeps its last figures, marked with their date
        result["quality"] = previous["quality"]
        result["quality_measured"] = previous.get("quality_measured", previous.get("started"))
        if previous.get("quality_note"):
            result["quality_note"] = previous["quality_note"]
    result.setdefault("quality_measured", result["started"])
    result["conflation"] = conflation(args.gold) or previous.get("conflation")
    if not args.no_speed:
        from bench.speed import run as speed_run

        result["speed"] = speed_run(shared_dir() / "corpora" / "news-de")
    elif previous.get("speed"):
        result["speed"] = previous["speed"]
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "latest.json").write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")
    (args.out / "BENCHMARKS.md").write_text(markdown(result))
    _log(f"wrote {out_dir / 'latest.json'} and {args.out / 'BENCHMARKS.md'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
