"""How well does a stemmer conflate German word forms?  Scored on the CISTEM gold standards.

The gold standards were published with Weissweiler & Fraser (2017), "Developing a
Stemmer for German Based on a Comparative Analysis of Publicly Available
Stemmers" (GSCL 2017), in https://github.com/LeonieWeissweiler/CISTEM under
``gold_standards/`` (MIT licence, like the rest of that repository). They are
*not* part of this repository; put them somewhere outside it and pass
``--gold DIR`` (see ``bench/CONFLATION.md``).

Format: UTF-8, one cluster per line, word forms separated by a space (every line
ends with a space). Tabs are accepted as separators too, blank lines and lines
starting with ``#`` are skipped, so the project's own ``inflection.tsv`` files
load as well.

* ``goldstandard1.txt``: 30,746 clusters, 317,441 forms: derivational families
  (one root with its prefixed, derived and compound forms, e.g. ziehen, Zug,
  Bezug, züchtig ...).
* ``goldstandard2.txt``: 50,362 clusters, 310,067 forms: inflectional
  paradigms, one lemma per line (``Aal Aale Aalen Aales Aals``).  This is the
  "inflection gold standard".

Two measures are computed.

*Pairwise* (:func:`pairwise_scores`), the usual clustering/stemmer measure:
over all unordered pairs of items, a pair is *predicted together* when both
get the same key and *gold together* when both are in the same gold cluster;
P = TP/(TP+FP), R = TP/(TP+FN). Pairs are counted by grouping (sums of
n·(n-1)/2 over groups), never pair by pair.  About 0.7 % of the word forms
occur in more than one cluster (homographs such as ``Leinen``, ``sein``);
``multi`` says how they count:

* ``"occurrence"`` (default): every (cluster, word) occurrence is an item, as
  if the file were simply flattened. A form in two clusters is two items;
  the pair of those two items is predicted together by any stemmer and is
  never gold together, i.e. an unavoidable false positive. This is the
  convention that reproduces the reference figures (CISTEM 0.834, Snowball
  0.712, Whoosh 0.689 on goldstandard2).
* ``"type"``: every distinct word form is one item, and a pair is gold together
  when the two forms share at least one cluster (so no pair is counted twice
  and homographs cost nothing). F1 comes out about 0.007-0.011 higher.

*Cluster-majority* (:func:`cluster_scores`), the per-word measure used for the
CISTEM paper's comparison (as re-implemented in leogalambos/Radixor's
``GermanGoldstandardStemmerComparisonBenchmark``; the paper's own evaluation
code was not published): for each gold cluster the key given to most of its
words is the cluster's key; its words with that key are TP, its other words FN,
and words of *other* clusters with that key are FP. Items are occurrences.
TP+FN is therefore the number of word forms, not pairs.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import json
import os
import sys
import time
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

Key = Callable[[str], str]
MultiMode = Literal["occurrence", "type"]

#: where the gold standards come from (the commit that was checked)
GOLD_REPO = "https://github.com/LeonieWeissweiler/CISTEM"
GOLD_COMMIT = "7c19867c2e062c8a7d44b394c19573845ac4bd89"
GOLD_HINT = (
    f"The CISTEM gold standards are published in {GOLD_REPO} (MIT licence), folder "
    "gold_standards/:\n"
    "  git clone https://github.com/LeonieWeissweiler/CISTEM /tmp/CISTEM\n"
    "  mkdir -p /work/data/cistem-gold\n"
    "  cp /tmp/CISTEM/gold_standards/goldstandard*.txt /tmp/CISTEM/LICENSE "
    "/work/data/cistem-gold/\n"
    "Keep them outside the repository (fetched data is not committed), then run\n"
    "  python -m bench.conflation --gold /work/data/cistem-gold\n"
    "(or set CISTEM_GOLD_DIR)."
)

#: file name -> (what it is, sha256 of the published file at GOLD_COMMIT)
KNOWN_GOLD: dict[str, tuple[str, str]] = {
    "goldstandard1.txt": (
        "derivational families",
        "eff1e449b7ae2919251d8556b7628a6aa46e4cc24555ad379e156ef1b7e2d71c",
    ),
    "goldstandard2.txt": (
        "inflection",
        "05430f8dff5fb7255eca5a3963c93a8c64f2a2f54a5d987e6a57d1b19f8f56b5",
    ),
}

MULTI_MODES: tuple[MultiMode, ...] = ("occurrence", "type")


# --------------------------------------------------------------------------- gold


def load_gold(path: str | Path) -> list[list[str]]:
    """Read one gold-standard file: one cluster (list of word forms) per line.

    Forms are separated by whitespace (space or tab); blank lines and lines
    starting with ``#`` are skipped; a form repeated on the same line is kept
    once. A form that appears on several lines stays in each of those clusters.
    """
    clusters: list[list[str]] = []
    text = Path(path).read_text(encoding="utf-8-sig")
    for line in text.split("\n"):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        clusters.append(list(dict.fromkeys(stripped.split())))
    return clusters


def gold_files(path: str | Path) -> list[Path]:
    """The gold files at ``path``: the file itself, or ``goldstandard*.txt`` in a directory.

    A directory without ``goldstandard*.txt`` yields its ``*.txt`` and ``*.tsv``
    files. Returns an empty list when there is nothing to read.
    """
    p = Path(path)
    if p.is_file():
        return [p]
    if not p.is_dir():
        return []
    found = sorted(p.glob("goldstandard*.txt"))
    if not found:
        found = sorted([*p.glob("*.txt"), *p.glob("*.tsv")])
    return [f for f in found if f.is_file()]


def gold_stats(clusters: Sequence[Sequence[str]]) -> dict[str, int]:
    """Counts that describe a gold standard."""
    per_word = Counter(w for c in clusters for w in c)
    return {
        "clusters": len(clusters),
        "occurrences": sum(per_word.values()),
        "distinct_forms": len(per_word),
        "forms_in_several_clusters": sum(1 for n in per_word.values() if n > 1),
        "largest_cluster": max((len(c) for c in clusters), default=0),
    }


# --------------------------------------------------------------------------- scores


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


def _prf(tp: int, fp: int, fn: int) -> dict[str, float | int]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": p, "recall": r, "f1": f, "tp": tp, "fp": fp, "fn": fn}


def _key_map(clusters: Iterable[Iterable[str]], key: Key) -> dict[str, str]:
    """key(word) for every distinct word, each computed once."""
    keys: dict[str, str] = {}
    for cluster in clusters:
        for w in cluster:
            if w not in keys:
                keys[w] = key(w)
    return keys


def pairwise_scores(
    clusters: Sequence[Sequence[str]], key: Key, *, multi: MultiMode = "occurrence"
) -> dict[str, float | int]:
    """Pairwise precision, recall and F1 of ``key`` against the gold ``clusters``.

    Returns ``precision``, ``recall``, ``f1``, the pair counts ``tp``, ``fp``,
    ``fn``, and ``items`` (the number of items paired). See the module
    docstring for ``multi`` (how a form that occurs in several clusters counts).
    ``key`` is called once per distinct form.
    """
    if multi not in MULTI_MODES:
        raise ValueError(f"multi must be one of {MULTI_MODES}, not {multi!r}")
    clusters = [list(dict.fromkeys(c)) for c in clusters]
    keys = _key_map(clusters, key)
    gold = 0
    tp = 0
    for cluster in clusters:
        gold += _pairs(len(cluster))
        tp += sum(_pairs(n) for n in Counter(keys[w] for w in cluster).values())

    if multi == "occurrence":
        items = sum(len(c) for c in clusters)
        per_key = Counter(keys[w] for c in clusters for w in c)
    else:
        # A pair of forms that share k > 1 clusters was counted k times above;
        # only forms in several clusters can form such pairs, so enumerate those.
        occurs = Counter(w for c in clusters for w in c)
        shared: Counter[tuple[str, str]] = Counter()
        for cluster in clusters:
            multi_forms = sorted(w for w in cluster if occurs[w] > 1)
            for i, a in enumerate(multi_forms):
                for b in multi_forms[i + 1 :]:
                    shared[(a, b)] += 1
        for (a, b), k in shared.items():
            if k > 1:
                gold -= k - 1
                if keys[a] == keys[b]:
                    tp -= k - 1
        items = len(keys)
        per_key = Counter(keys.values())

    predicted = sum(_pairs(n) for n in per_key.values())
    scores = _prf(tp, predicted - tp, gold - tp)
    scores["items"] = items
    return scores


def cluster_scores(clusters: Sequence[Sequence[str]], key: Key) -> dict[str, float | int]:
    """Cluster-majority precision, recall and F1 (the CISTEM paper's comparison).

    For each gold cluster, its majority key (ties: the key met first) is the
    cluster's key; cluster words with it are TP, its other words FN; words of
    other clusters with that key are FP. Counts are over word occurrences.
    """
    clusters = [list(dict.fromkeys(c)) for c in clusters]
    keys = _key_map(clusters, key)
    overall = Counter(keys[w] for c in clusters for w in c)
    tp = fp = fn = 0
    for cluster in clusters:
        if not cluster:
            continue
        local = Counter(keys[w] for w in cluster)
        main, count = next(iter(local.items()))
        for k, n in local.items():
            if n > count:
                main, count = k, n
        tp += count
        fn += len(cluster) - count
        fp += overall[main] - count
    scores = _prf(tp, fp, fn)
    scores["items"] = sum(len(c) for c in clusters)
    return scores


# --------------------------------------------------------------------------- stemmers


def _build_stemmers() -> dict[str, Key]:
    import snowballstemmer
    import Stemmer
    from nltk.stem.cistem import Cistem

    with warnings.catch_warnings():
        # whoosh 2.7.4 has invalid escape sequences in its sources (3.12+)
        warnings.simplefilter("ignore", SyntaxWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        from whoosh.lang import stemmer_for_language

    cistem_cs = Cistem()
    cistem_ci = Cistem(case_insensitive=True)
    snow = snowballstemmer.stemmer("german")
    pystem = Stemmer.Stemmer("german")
    whoosh_stem = stemmer_for_language("de")

    def cistem(word: str) -> str:
        return str(cistem_cs.stem(word))

    def cistem_insensitive(word: str) -> str:
        return str(cistem_ci.stem(word))

    # The Snowball algorithms are defined on lower-case input (snowballstemmer
    # and PyStemmer do not fold case themselves, so "Ärzte" would keep its
    # capital Ä); whoosh's port lower-cases by itself.
    # NB: snowballstemmer.stemmer() returns PyStemmer's C stemmer whenever
    # PyStemmer is installed (as here), so "snowball" and "pystemmer" run the
    # same code; snowballstemmer's pure-Python GermanStemmer gives identical
    # stems on all gold forms but is ~50x slower.
    def snowball(word: str) -> str:
        return str(snow.stemWord(word.lower()))

    def pystemmer(word: str) -> str:
        return str(pystem.stemWord(word.lower()))

    def whoosh(word: str) -> str:
        return str(whoosh_stem(word))

    def none(word: str) -> str:
        return word.lower()

    return {
        "cistem": cistem,
        "cistem-ci": cistem_insensitive,
        "snowball": snowball,
        "pystemmer": pystemmer,
        "whoosh": whoosh,
        "none": none,
    }


#: name -> key function: ``cistem`` (nltk ``Cistem()``, case-sensitive),
#: ``cistem-ci`` (``Cistem(case_insensitive=True)``), ``snowball``
#: (``snowballstemmer.stemmer("german")`` on the lower-cased form; that is
#: PyStemmer when PyStemmer is installed), ``pystemmer``
#: (PyStemmer "german", lower-cased), ``whoosh`` (whoosh 2.7.4's Snowball port),
#: ``none`` (lower-casing only)
STEMMERS: dict[str, Key] = _build_stemmers()


def load_key(spec: str) -> tuple[str, Key]:
    """Load a key function from ``[NAME=]module:attr[.attr...]``; returns (name, function).

    Without ``NAME=`` the name is the spec itself. Raises ``ValueError``.
    """
    name, sep, target = spec.partition("=")
    if not sep:
        name, target = spec, spec
    module_name, colon, attr_path = target.partition(":")
    if not colon or not module_name or not attr_path or not name:
        raise ValueError(f"--key {spec!r}: expected [NAME=]module:function")
    try:
        obj: Any = importlib.import_module(module_name)
    except ImportError as exc:
        raise ValueError(f"--key {spec!r}: cannot import {module_name!r}: {exc}") from exc
    for attr in attr_path.split("."):
        try:
            obj = getattr(obj, attr)
        except AttributeError as exc:
            raise ValueError(f"--key {spec!r}: {module_name} has no {attr_path!r}") from exc
    if not callable(obj):
        raise ValueError(f"--key {spec!r}: {attr_path!r} is not callable")
    fn: Callable[[str], object] = obj

    def key(word: str) -> str:
        return str(fn(word))

    return name, key


# --------------------------------------------------------------------------- run


def timed_keys(words: Sequence[str], key: Key, *, repeat: int = 1) -> tuple[dict[str, str], float]:
    """Apply ``key`` to every word, repeats included; return the map and the seconds.

    With ``repeat`` > 1 the pass is run that many times and the fastest counts.
    """
    best = float("inf")
    out: list[str] = []
    for _ in range(max(1, repeat)):
        start = time.perf_counter()
        out = [key(w) for w in words]
        best = min(best, time.perf_counter() - start)
    return dict(zip(words, out, strict=True)), best


def evaluate(
    gold_path: Path,
    keys: Mapping[str, Key],
    *,
    multi: MultiMode = "occurrence",
    repeat: int = 1,
) -> dict[str, Any]:
    """Score every key function on one gold file (timing each over all its forms)."""
    data = gold_path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    clusters = load_gold(gold_path)
    known = KNOWN_GOLD.get(gold_path.name)
    words = [w for c in clusters for w in c]
    results: list[dict[str, Any]] = []
    for name, key in keys.items():
        key_map, seconds = timed_keys(words, key, repeat=repeat)
        lookup = key_map.__getitem__
        results.append(
            {
                "stemmer": name,
                "pairwise": pairwise_scores(clusters, lookup, multi=multi),
                "cluster": cluster_scores(clusters, lookup),
                "seconds": seconds,
                "distinct_keys": len(set(key_map.values())),
            }
        )
    return {
        "gold": gold_path.stem,
        "path": str(gold_path),
        "kind": known[0] if known else "unknown",
        "sha256": digest,
        # None: not one of the published files; False: a published name, other content
        "published_copy": None if known is None else known[1] == digest,
        "stats": gold_stats(clusters),
        "multi": multi,
        "results": results,
    }


def format_table(report: Sequence[Mapping[str, Any]]) -> str:
    """Plain-text table of one :func:`evaluate` result per gold file."""
    lines: list[str] = []
    for gold in report:
        st = gold["stats"]
        note = "  [differs from the published file]" if gold["published_copy"] is False else ""
        lines.append(
            f"{gold['gold']} ({gold['kind']}): {st['clusters']:,} clusters, "
            f"{st['occurrences']:,} forms, {st['forms_in_several_clusters']:,} forms in "
            f"several clusters; pairwise items = {gold['multi']}s{note}"
        )
        width = max(8, *(len(r["stemmer"]) for r in gold["results"]))
        lines.append(
            f"  {'stemmer':<{width}}  {'pair-P':>6} {'pair-R':>6} {'pair-F1':>7}"
            f"   {'clu-P':>6} {'clu-R':>6} {'clu-F1':>6}   {'seconds':>7}"
        )
        for r in gold["results"]:
            pw, cl = r["pairwise"], r["cluster"]
            lines.append(
                f"  {r['stemmer']:<{width}}  {pw['precision']:6.3f} {pw['recall']:6.3f} "
                f"{pw['f1']:7.3f}   {cl['precision']:6.3f} {cl['recall']:6.3f} "
                f"{cl['f1']:6.3f}   {r['seconds']:7.2f}"
            )
        lines.append("")
    lines.append(
        "pair-*: pairwise over word pairs; clu-*: cluster-majority (CISTEM paper); "
        "seconds: stemming every form of the file once."
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.conflation",
        description="Score German stemmers on the CISTEM gold standards (pairwise and "
        "cluster-majority precision/recall/F1, plus stemming time).",
        epilog=GOLD_HINT,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--gold",
        metavar="DIR",
        default=os.environ.get("CISTEM_GOLD_DIR"),
        help="directory with goldstandard*.txt, or one gold file (default: $CISTEM_GOLD_DIR)",
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument(
        "--key",
        action="append",
        default=[],
        metavar="[NAME=]MODULE:FUNCTION",
        help="also score this key function (str -> str); may be repeated",
    )
    parser.add_argument(
        "--stemmers",
        metavar="NAMES",
        help=f"comma-separated subset of the built-in stemmers ({', '.join(STEMMERS)}); "
        "'' for none",
    )
    parser.add_argument(
        "--multi",
        choices=MULTI_MODES,
        default="occurrence",
        help="pairwise items: every occurrence (default, reproduces the reference "
        "figures) or every distinct form",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        metavar="N",
        help="time N stemming passes per stemmer and report the fastest (default 1)",
    )
    args = parser.parse_args(argv)

    if not args.gold:
        print("error: no gold standard given (--gold DIR).\n\n" + GOLD_HINT, file=sys.stderr)
        return 2
    files = gold_files(args.gold)
    if not files:
        what = "no gold standard files in" if Path(args.gold).is_dir() else "there is no"
        print(f"error: {what} {args.gold!r}.\n\n" + GOLD_HINT, file=sys.stderr)
        return 2

    keys: dict[str, Key] = {}
    if args.stemmers is None:
        keys.update(STEMMERS)
    else:
        for name in (n.strip() for n in args.stemmers.split(",")):
            if not name:
                continue
            if name not in STEMMERS:
                print(
                    f"error: unknown stemmer {name!r}; known: {', '.join(STEMMERS)}",
                    file=sys.stderr,
                )
                return 2
            keys[name] = STEMMERS[name]
    for spec in args.key:
        try:
            name, fn = load_key(spec)
        except ValueError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        keys[name] = fn
    if not keys:
        print("error: nothing to score (no stemmers and no --key)", file=sys.stderr)
        return 2

    report = [evaluate(f, keys, multi=args.multi, repeat=args.repeat) for f in files]
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        print(format_table(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
