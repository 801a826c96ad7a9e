"""``zsuche``: the command line. Each command parses its arguments, makes one
library call and formats the result; library errors become one clean message
on stderr and an exit code (1: the work failed, 2: the command or query was
wrong)."""

from __future__ import annotations

import argparse
import datetime as dt
import html
import json
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any, TextIO

from index.errors import QueryError, ZsucheError

from . import __version__

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
#: set to show Python's traceback of an unexpected error (a bug) as well
DEBUG_ENV = "ZSUCHE_DEBUG"


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``zsuche``; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        code: int = args.func(args)
        return code
    except QueryError as exc:
        _error(str(exc.message), exc.hint)
        if exc.position is not None and exc.query:
            print(f"  {exc.pointer().replace(chr(10), chr(10) + '  ')}", file=sys.stderr)
        return EXIT_USAGE
    except ZsucheError as exc:
        # one line: scripts read the first line of stderr
        message = " ".join(exc.message.split())
        hint = " ".join(exc.hint.split())
        print(f"zsuche: error: {message}" + (f" ({hint})" if hint else ""), file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("zsuche: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader went away (| head): not an error of ours
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
    except Exception as exc:
        # not a library error: a bug, or a system error the library did not
        # expect; one line still, and the traceback on request
        if os.environ.get(DEBUG_ENV, "0") not in ("", "0"):
            raise
        what = " ".join(f"{type(exc).__name__}: {exc}".split())
        if isinstance(exc, OSError):
            _error(what)
        else:
            print(
                f"zsuche: internal error: {what} (a bug in zsuche: the index keeps its"
                f" last commit; run again with {DEBUG_ENV}=1 for the traceback and report it)",
                file=sys.stderr,
            )
        return EXIT_FAILED


def _error(message: str, hint: str = "") -> None:
    print(f"zsuche: error: {message}", file=sys.stderr)
    if hint:
        print(f"  hint: {hint}", file=sys.stderr)


# -- the parser ------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="zsuche",
        description="Full-text search for German news articles.",
        epilog="Run `zsuche COMMAND --help` for a command's options. "
        "The index lives in --index DIR, else $ZSUCHE_INDEX, "
        "else ~/.local/share/zeitungssuche/index.",
    )
    parser.add_argument("--version", action="version", version=f"zsuche {__version__}")
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")

    def command(
        name: str, func: Callable[[argparse.Namespace], int], help_: str, index: bool = True
    ) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_, description=help_)
        p.set_defaults(func=func)
        if index:
            p.add_argument(
                "--index",
                metavar="DIR",
                help="index folder (default: $ZSUCHE_INDEX or ~/.local/share/zeitungssuche/index)",
            )
        return p

    p = command("parse", cmd_parse, "parse one article file and print it", index=False)
    p.add_argument("file", help="a taz text file or a JSON Lines file")
    p.add_argument("--json", action="store_true", help="print JSON")

    p = command("check", cmd_check, "validate article files and folders", index=False)
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--follow-symlinks", action="store_true")

    p = command("analyze", cmd_analyze, "show the tokens a text becomes", index=False)
    p.add_argument("text", nargs="?", default="-", help="the text, or - for standard input")
    p.add_argument("--field", default="text", help="the field whose analysis to show")
    p.add_argument("--json", action="store_true", help="print a JSON list of tokens")
    p.add_argument("--query", action="store_true", help="analyse as a query (no compound parts)")
    p.add_argument("--stemmer", choices=("none", "snowball", "cistem"), default=None)
    p.add_argument("--no-compounds", action="store_true", help="do not split compounds")

    for name, func, help_ in (
        ("index", cmd_index, "build the index from files and folders, replacing it"),
        ("add", cmd_add, "add new and changed articles"),
    ):
        p = command(name, func, help_)
        p.add_argument("paths", nargs="+", metavar="PATH")
        _write_options(p)
        p.add_argument(
            "--follow-symlinks",
            action="store_true",
            help="follow symbolic links that leave the folder",
        )
        if name == "index":
            p.add_argument(
                "--stemmer",
                choices=("none", "snowball", "cistem"),
                default=None,
                help="stemmer (default: the measured best, cistem)",
            )
            p.add_argument("--no-compounds", action="store_true", help="do not split compounds")
            p.add_argument("--procs", type=int, default=None, help="worker processes")

    p = command("update", cmd_update, "make the index match a folder (new, changed, deleted)")
    p.add_argument("folder")
    _write_options(p)
    p.add_argument("--follow-symlinks", action="store_true")

    p = command("remove", cmd_remove, "remove articles by id")
    p.add_argument("ids", nargs="+", metavar="ID")
    _write_options(p)

    p = command("optimize", cmd_optimize, "merge the index's segments into one")
    _write_options(p)

    p = command("stats", cmd_stats, "numbers about the index")
    p.add_argument("--json", action="store_true")

    p = command(
        "check-index", cmd_check_index, "verify that every stored article is found by its id"
    )
    p.add_argument("--json", action="store_true")

    p = command("search", cmd_search, "search the index")
    p.add_argument("query", help="the query (see README: phrases, -exclude, ODER, titel:, …)")
    p.add_argument(
        "--limit", type=_bounded(1, MAX_LIMIT), default=10, help="hits per page (default 10)"
    )
    p.add_argument("--page", type=_bounded(1, MAX_PAGE), default=1)
    p.add_argument("--tag", action="append", default=[], help="only articles with this tag")
    p.add_argument("--author", action="append", default=[], help="only this author's articles")
    p.add_argument("--source", action="append", default=[], help="only this source")
    p.add_argument("--since", type=_date_arg, help="from this date (YYYY-MM-DD, YYYY-MM or YYYY)")
    p.add_argument("--until", type=_date_arg, help="up to this date, inclusive")
    p.add_argument("--sort", choices=("relevance", "date", "recency"), default="relevance")
    p.add_argument("--facets", action="store_true", help="counts by tag, author, source, month")
    p.add_argument("--no-snippets", action="store_true")
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="print one JSON object")
    fmt.add_argument("--html", action="store_true", help="print an HTML fragment")

    p = command("similar", cmd_similar, "articles like the given one")
    p.add_argument("id")
    p.add_argument("--limit", type=_bounded(1, MAX_LIMIT), default=10)
    p.add_argument("--json", action="store_true")

    p = command("show", cmd_show, "print a whole article")
    p.add_argument("id")
    p.add_argument("--json", action="store_true")
    return parser


#: the engine's bounds (search.engine imports Whoosh, so they are repeated here)
MAX_LIMIT = 1000
MAX_PAGE = 10_000


def _bounded(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: a whole number from ``low`` to ``high``."""

    def convert(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be from {low} to {high:,}, not {value:,}")
        return value

    return convert


def _date_arg(text: str) -> str:
    """An argparse type: a date as ``--since``/``--until`` take it (checked here,
    so a bad one is a usage error naming the option)."""
    from .query import parse_date

    try:
        parse_date(text)
    except QueryError as exc:
        raise argparse.ArgumentTypeError(
            f"{exc.reason}: {text!r} (use YYYY-MM-DD, YYYY-MM or YYYY)"
        ) from None
    return text


def _write_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--wait",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="wait this long for another writer to finish (default 0)",
    )
    p.add_argument("--quiet", "-q", action="store_true", help="only the summary line")
    p.add_argument("--json", action="store_true", help="print the report as JSON")


# -- files -------------------------------------------------------------------
def cmd_parse(args: argparse.Namespace) -> int:
    from index.sources import read_file

    result = read_file(args.file)
    if args.json:
        _print_json(
            {
                "articles": [a.to_dict() for a in result.articles],
                "errors": [str(e) for e in result.errors],
            }
            if len(result.articles) != 1 or result.errors
            else result.articles[0].to_dict()
        )
    else:
        for article in result.articles:
            _print_article(article, sys.stdout)
    for err in result.errors:
        _error(str(err))
    return EXIT_FAILED if result.errors else EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    from index.errors import ArticleError
    from index.sources import read_file, walk

    files = articles = 0
    problems: list[str] = []
    warnings: list[str] = []
    for item in walk(args.paths, follow_symlinks=args.follow_symlinks):
        if isinstance(item, ArticleError):
            problems.append(str(item))
            continue
        files += 1
        result = read_file(item)
        articles += len(result.articles)
        problems.extend(str(e) for e in result.errors)
        for a in result.articles:
            warnings.extend(f"{a.path}: {w}" for w in a.warnings)
    if args.json:
        _print_json(
            {"files": files, "articles": articles, "errors": problems, "warnings": warnings}
        )
    else:
        for w in warnings:
            print(f"warning: {w}")
        for p in problems:
            print(f"error: {p}")
        print(
            f"checked {files} files: {articles} articles, {len(problems)} errors, "
            f"{len(warnings)} warnings"
        )
    return EXIT_FAILED if problems else EXIT_OK


def cmd_analyze(args: argparse.Namespace) -> int:
    from index.analysis import DEFAULT_STEMMER, get_analysis
    from index.schema import TEXT_FIELDS, exact

    text = sys.stdin.read() if args.text == "-" else args.text
    tokens: list[dict[str, Any]]
    if args.field in ("tag", "author", "source"):
        tokens = [{"text": exact(text.strip()), "position": 0, "start": 0, "end": len(text)}]
    elif args.field in TEXT_FIELDS or args.field == "body":  # body: the old name of text
        analysis = get_analysis(args.stemmer or DEFAULT_STEMMER, not args.no_compounds)
        tokens = [t.to_dict() for t in analysis.tokens(text, query=args.query)]
    else:
        fields = ", ".join((*TEXT_FIELDS, "tag", "author", "source"))
        print(
            f"zsuche analyze: error: unknown field {args.field!r} (one of {fields})",
            file=sys.stderr,
        )
        return EXIT_USAGE
    if args.json:
        _print_json(tokens)
    else:
        for t in tokens:
            start, end = t["start"], t["end"]
            print(f"{t['position']:>5}  {t['text']:<30} {start}-{end}  {text[start:end]!r}")
    return EXIT_OK


# -- writing -------------------------------------------------------------------
def _indexer(args: argparse.Namespace, **kw: Any) -> Any:
    from index.builder import Indexer

    progress = None
    if not args.quiet and not args.json and sys.stderr.isatty():
        progress = _tqdm_progress
    return Indexer(
        args.index,
        wait=args.wait,
        follow_symlinks=getattr(args, "follow_symlinks", False),
        progress=progress,
        **kw,
    )


def _tqdm_progress(total: int, _done: int) -> Callable[[int], None]:
    from tqdm import tqdm

    bar = tqdm(total=total, unit="file", file=sys.stderr, leave=False)
    return lambda n: bar.update(n)


def _report(args: argparse.Namespace, report: Any) -> int:
    if args.json:
        _print_json(report.to_dict())
    else:
        if not args.quiet:
            for problem in report.failures:
                print(f"failed: {problem}", file=sys.stderr)
        print(report.summary())
    return EXIT_OK if report.ok else EXIT_FAILED


def cmd_index(args: argparse.Namespace) -> int:
    kw: dict[str, Any] = {"procs": args.procs}
    if args.stemmer:
        kw["stemmer"] = args.stemmer
    if args.no_compounds:
        kw["compounds"] = False
    return _report(args, _indexer(args, **kw).build(args.paths))


def cmd_add(args: argparse.Namespace) -> int:
    return _report(args, _indexer(args).add(args.paths))


def cmd_update(args: argparse.Namespace) -> int:
    return _report(args, _indexer(args).update(args.folder))


def cmd_remove(args: argparse.Namespace) -> int:
    return _report(args, _indexer(args).remove(args.ids))


def cmd_optimize(args: argparse.Namespace) -> int:
    return _report(args, _indexer(args).optimize())


# -- reading ---------------------------------------------------------------------
def _engine(args: argparse.Namespace) -> Any:
    from .engine import SearchEngine

    return SearchEngine(args.index)


def cmd_stats(args: argparse.Namespace) -> int:
    with _engine(args) as engine:
        stats = engine.stats()
    if args.json:
        _print_json(stats.to_dict())
    else:
        d = stats.to_dict()
        width = max(len(k) for k in d)
        for key, value in d.items():
            if key == "sources":
                value = ", ".join(f"{k} ({v})" for k, v in value.items()) or "-"
            elif key == "size_bytes":
                value = f"{value / 1e6:.1f} MB"
            print(f"{key.replace('_', ' '):<{width}}  {value}")
    return EXIT_OK


def cmd_check_index(args: argparse.Namespace) -> int:
    with _engine(args) as engine:
        report = engine.check()
    if args.json:
        _print_json(
            {
                "articles": report.articles,
                "checked": report.checked,
                "ok": report.ok,
                "problems": report.problems,
            }
        )
    else:
        for p in report.problems:
            print(f"problem: {p}")
        print(
            f"checked {report.checked} stored articles: "
            + ("all found by their id" if report.ok else f"{len(report.problems)} problems")
        )
    return EXIT_OK if report.ok else EXIT_FAILED


def cmd_search(args: argparse.Namespace) -> int:
    from .query import parse_date

    since = parse_date(args.since) if args.since else None
    until = parse_date_end(args.until) if args.until else None
    with _engine(args) as engine:
        results = engine.search(
            args.query,
            limit=args.limit,
            page=args.page,
            tags=args.tag,
            authors=args.author,
            sources=args.source,
            since=since,
            until=until,
            sort=args.sort,
            facets=args.facets,
            snippets=not args.no_snippets,
        )
    if args.json:
        _print_json(results.to_dict())
    elif args.html:
        print(_results_html(results))
    else:
        _print_results(results, sys.stdout)
    return EXIT_OK


def parse_date_end(text: str) -> dt.date:
    """An ``--until`` value: the last day of the year, month or day given."""
    from .query import _date_bound, parse_date

    parse_date(text)  # validates
    return _date_bound(text.strip(), end=True)


def cmd_similar(args: argparse.Namespace) -> int:
    with _engine(args) as engine:
        results = engine.similar(args.id, limit=args.limit)
    if args.json:
        _print_json(results.to_dict())
    else:
        _print_results(results, sys.stdout)
    return EXIT_OK


def cmd_show(args: argparse.Namespace) -> int:
    with _engine(args) as engine:
        article = engine.get(args.id)
    if args.json:
        _print_json(article.to_dict())
    else:
        _print_article(article, sys.stdout)
    return EXIT_OK


# -- output ----------------------------------------------------------------------
def _print_json(data: Any) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")


def _tty(stream: TextIO) -> bool:
    return stream.isatty() and os.environ.get("NO_COLOR") is None


def _print_results(results: Any, out: TextIO) -> None:
    color = _tty(out)
    if results.suggestion:
        print(f"Did you mean: {results.suggestion}", file=out)
    for notice in results.notices:
        print(f"note: {notice}", file=out)
    shown = len(results.hits)
    first = (results.page - 1) * results.limit + 1
    print(
        f"{results.total} {'hit' if results.total == 1 else 'hits'} for {results.query!r}"
        + (f", showing {first}-{first + shown - 1}" if shown else "")
        + f" (page {results.page} of {results.pages}, {results.seconds * 1000:.0f} ms)",
        file=out,
    )
    for hit in results.hits:
        title = f"\x1b[1m{hit.title}\x1b[0m" if color else hit.title
        print(f"\n{hit.rank:>3}. {title}", file=out)
        meta = [x for x in (hit.date, hit.source, ", ".join(hit.authors), hit.place) if x]
        meta.append(f"id {hit.id}")
        print("     " + " · ".join(meta), file=out)
        if hit.snippet.text:
            snippet = hit.snippet.ansi() if color else hit.snippet.marked()
            print("     " + snippet, file=out)
    if results.facets:
        print("", file=out)
        for name, counts in results.facets.items():
            if counts:
                items = ", ".join(f"{c.value} ({c.count})" for c in counts[:10])
                print(f"{name}: {items}", file=out)


def _results_html(results: Any) -> str:
    esc = html.escape
    parts = [f'<div class="zsuche-results" data-total="{results.total}">']
    if results.suggestion:
        parts.append(f"<p>Meinten Sie: <em>{esc(results.suggestion)}</em>?</p>")
    for hit in results.hits:
        parts.append(
            '<article class="hit">'
            f"<h3>{esc(hit.title)}</h3>"
            f'<p class="meta">{esc(hit.date or "")} · {esc(hit.source)} · {esc(hit.id)}</p>'
            f"<p>{hit.snippet.html()}</p></article>"
        )
    parts.append("</div>")
    return "\n".join(parts)


def _print_article(article: Any, out: TextIO) -> None:
    print(article.title, file=out)
    meta = [
        x
        for x in (
            article.date.isoformat() if article.date else "",
            article.source,
            ", ".join(article.authors),
            article.place,
        )
        if x
    ]
    print(" · ".join(meta), file=out)
    if article.lead:
        print(f"\n{article.lead}", file=out)
    if article.caption:
        print(f"\n[Bild: {article.caption}]", file=out)
    if article.body:
        print("", file=out)
        subheads = set(article.subheadings)
        for para in article.body.split("\n"):
            print(f"\n## {para}" if para in subheads else para, file=out)
    if article.tags:
        print(f"\nTags: {', '.join(article.tags)}", file=out)
    for link in article.links:
        print(f"[{link.number}] {link.target}", file=out)
    for rel in article.related:
        print(f"→ {rel.title}", file=out)
    print(f"\nid {article.id}" + (f" · {article.path}" if article.path else ""), file=out)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
