"""Query sets for the quality benchmark: queries, judgments and the corpus to search.

A :class:`QuerySet` names its queries, its qrels, the document fields that a
system indexes for it, and a loader for its corpus. Corpora are read
lazily and cached per process: ``known-item-dev`` and ``adhoc-dev`` share
``corpora/news-de`` (28,056 articles), which is parsed once.

Built-in sets live in the shared folder: ``../shared`` beside the repository
checkout, or the folder named by the environment variable ``ZSUCHE_SHARED``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from bench.metrics import read_qrels

if TYPE_CHECKING:
    from index.article import Article

#: environment variable that overrides the shared folder
SHARED_ENV = "ZSUCHE_SHARED"

#: the fields an :class:`EvalDoc` offers to a system
DOC_FIELDS = ("title", "lead", "body")


@dataclass(frozen=True)
class EvalDoc:
    """One document of an evaluation corpus, reduced to what systems index.

    ``title`` is the full title line (kicker and headline), ``body`` the
    running text. ``article`` is the parsed :class:`index.article.Article`
    when the corpus is made of article files (``None`` for JSONL corpora), so
    the project's own system can index every field it knows.
    """

    id: str
    title: str = ""
    lead: str = ""
    body: str = ""
    tags: tuple[str, ...] = ()
    date: dt.date | None = None
    article: Article | None = field(default=None, compare=False, repr=False)

    def field_text(self, name: str) -> str:
        """The text of field ``name`` (one of :data:`DOC_FIELDS`, or ``tags``)."""
        if name == "title":
            return self.title
        if name == "lead":
            return self.lead
        if name == "body":
            return self.body
        if name == "tags":
            return " ".join(self.tags)
        raise KeyError(f"unknown document field {name!r}; known: {', '.join(DOC_FIELDS)}, tags")

    def text(self, fields: Sequence[str]) -> str:
        """The given fields joined by newlines (empty fields left out)."""
        return "\n".join(t for t in (self.field_text(f) for f in fields) if t)


CorpusLoader = Callable[[], Sequence[EvalDoc]]


@dataclass
class QuerySet:
    """Queries with judgments over one corpus.

    ``fields`` are the document fields a system indexes for this set (for
    ``known-item-dev`` the title is left out, since the query is the title).
    """

    name: str
    queries: dict[str, str]
    qrels: dict[str, dict[str, int]]
    corpus: CorpusLoader
    fields: tuple[str, ...] = DOC_FIELDS
    #: a pooled set: unjudged documents are common, report judged@10
    pooled: bool = False
    description: str = ""

    def docs(self) -> Sequence[EvalDoc]:
        """The corpus (loaded on first use, then cached by the loader)."""
        return self.corpus()

    def evaluated(self) -> dict[str, str]:
        """The queries that count: they have text and a relevant document."""
        return {
            qid: text
            for qid, text in self.queries.items()
            if any(g > 0 for g in self.qrels.get(qid, {}).values())
        }


# -- queries ---------------------------------------------------------------


def parse_query_tsv(lines: Iterable[str]) -> dict[str, str]:
    """Queries from TSV lines ``qid<TAB>text[<TAB>more…]``: the text is column 2.

    This reads both ``queries.tsv`` and ``topics.tsv`` (qid, query, need).
    Blank lines and ``#`` comments are skipped.
    """
    queries: dict[str, str] = {}
    for number, raw in enumerate(lines, start=1):
        line = raw.rstrip("\r\n")
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) < 2:
            raise ValueError(f"query line {number}: expected qid<TAB>text")
        queries[parts[0].strip()] = parts[1].strip()
    return queries


def parse_query_jsonl(lines: Iterable[str]) -> dict[str, str]:
    """Queries from JSON lines with ``query_id`` and ``text`` (``qid``/``query`` also work)."""
    queries: dict[str, str] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            qid = record.get("query_id", record.get("qid"))
            text = record.get("text", record.get("query"))
        except (ValueError, AttributeError):
            raise ValueError(f"query line {number}: not a JSON object") from None
        if qid is None or text is None:
            raise ValueError(f"query line {number}: needs 'query_id' and 'text'")
        queries[str(qid)] = str(text)
    return queries


def read_queries(path: str | Path) -> dict[str, str]:
    """Read queries from a ``.jsonl`` file or a TSV file (decided by content)."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    first = next((line.lstrip() for line in lines if line.strip()), "")
    if first.startswith("{"):
        return parse_query_jsonl(lines)
    return parse_query_tsv(lines)


# -- corpora ---------------------------------------------------------------


def doc_from_article(article: Article) -> EvalDoc:
    """An :class:`EvalDoc` of a parsed article (id = article id = file stem)."""
    return EvalDoc(
        id=article.id,
        title=article.title,
        lead=article.lead,
        body=article.body,
        tags=tuple(article.tags),
        date=article.date,
        article=article,
    )


def load_article_folder(path: str | Path) -> list[EvalDoc]:
    """Parse every article file under ``path`` with the project's parser.

    ``*.txt`` files go through :func:`index.taz.parse_file`, ``*.jsonl`` files
    through the project's article JSONL reader. Files or lines that fail to
    parse are skipped with a note on stderr. An id seen twice keeps its first
    article (the index keeps one copy per id too).
    """
    from index.errors import ZsucheError
    from index.sources import find_article_files
    from index.taz import parse_file

    docs: list[EvalDoc] = []
    seen: set[str] = set()
    for file in find_article_files([Path(path)]):
        try:
            found = (
                _read_article_jsonl(file)
                if file.suffix.lower() == ".jsonl"
                else [doc_from_article(parse_file(file))]
            )
        except (ZsucheError, OSError, ValueError) as exc:
            print(f"bench: skipped {file}: {exc}", file=sys.stderr)
            continue
        for doc in found:
            if doc.id not in seen:
                seen.add(doc.id)
                docs.append(doc)
    return docs


def _read_article_jsonl(path: Path) -> list[EvalDoc]:
    from index.article import Article
    from index.jsonl import read_jsonl

    docs: list[EvalDoc] = []
    for item in read_jsonl(path):
        if isinstance(item, Article):
            docs.append(doc_from_article(item))
        else:
            print(f"bench: skipped {item}", file=sys.stderr)
    return docs


def _is_doc_jsonl(path: Path) -> bool:
    """True when the first record of a JSONL file has ``doc_id`` (a doc JSONL)."""
    with path.open(encoding="utf-8", errors="replace") as handle:
        for line in handle:
            if line.strip():
                try:
                    record = json.loads(line)
                except ValueError:
                    return False
                return isinstance(record, dict) and "doc_id" in record
    return True


def load_docs_jsonl(path: str | Path) -> list[EvalDoc]:
    """Documents from JSON lines with ``doc_id`` and ``text`` (optional ``title``).

    The text goes to the ``body`` field.
    """
    docs: list[EvalDoc] = []
    with Path(path).open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                doc_id = record.get("doc_id", record.get("id"))
            except (ValueError, AttributeError):
                raise ValueError(f"{path}:{number}: not a JSON object") from None
            if doc_id is None or "text" not in record:
                raise ValueError(f"{path}:{number}: needs 'doc_id' and 'text'")
            docs.append(
                EvalDoc(
                    id=str(doc_id),
                    title=str(record.get("title") or ""),
                    lead=str(record.get("lead") or ""),
                    body=str(record["text"]),
                )
            )
    return docs


def load_corpus(path: str | Path) -> list[EvalDoc]:
    """A corpus from a folder of article files, a doc JSONL or an article file.

    A ``.jsonl`` file whose first record has ``doc_id`` is a doc JSONL
    (``doc_id``, ``text``, optional ``title``); any other ``.jsonl`` or
    ``.txt`` file is read with the project's article parser.
    """
    target = Path(path)
    if not target.exists():
        raise FileNotFoundError(f"corpus not found: {target}")
    if target.is_file() and target.suffix.lower() == ".jsonl" and _is_doc_jsonl(target):
        return load_docs_jsonl(target)
    return load_article_folder(target)


_CACHE: dict[Path, list[EvalDoc]] = {}
_CACHE_LOCK = threading.Lock()


def cached_corpus(path: str | Path) -> CorpusLoader:
    """A loader that reads ``path`` once per process and then returns the cached docs."""
    key = Path(path).resolve()

    def load() -> Sequence[EvalDoc]:
        with _CACHE_LOCK:
            if key not in _CACHE:
                _CACHE[key] = load_corpus(key)
            return _CACHE[key]

    return load


# -- built-in sets ---------------------------------------------------------


def shared_dir() -> Path:
    """The shared folder: ``$ZSUCHE_SHARED``, else ``../shared`` beside the repo."""
    env = os.environ.get(SHARED_ENV)
    if env:
        return Path(env).expanduser()
    return Path(__file__).resolve().parent.parent.parent / "shared"


@dataclass(frozen=True)
class _Builtin:
    folder: str
    queries: str
    corpus: str
    fields: tuple[str, ...]
    pooled: bool
    description: str


BUILTIN_SETS: dict[str, _Builtin] = {
    "known-item-dev": _Builtin(
        folder="eval/known-item-dev",
        queries="queries.tsv",
        corpus="corpora/news-de",
        fields=("lead", "body"),
        pooled=False,
        description="500 headlines as queries over news-de; title not indexed",
    ),
    "adhoc-dev": _Builtin(
        folder="eval/adhoc-dev",
        queries="topics.tsv",
        corpus="corpora/news-de",
        fields=("title", "lead", "body"),
        pooled=True,
        description="30 graded news topics over news-de (pooled judgments)",
    ),
    "xquad-de": _Builtin(
        folder="eval/xquad-de",
        queries="queries.jsonl",
        corpus="eval/xquad-de/docs.jsonl",
        fields=("title", "body"),
        pooled=False,
        description="XQuAD German: 1,190 questions over 240 Wikipedia paragraphs",
    ),
}


def builtin_names() -> list[str]:
    """The names of the built-in query sets."""
    return list(BUILTIN_SETS)


def load_builtin(name: str, shared: str | Path | None = None) -> QuerySet:
    """A built-in query set by name, resolved in the shared folder.

    Raises :class:`KeyError` for an unknown name and :class:`FileNotFoundError`
    when the shared folder or the set's files are missing.
    """
    if name not in BUILTIN_SETS:
        raise KeyError(f"unknown query set {name!r}; known: {', '.join(BUILTIN_SETS)}")
    spec = BUILTIN_SETS[name]
    root = Path(shared) if shared is not None else shared_dir()
    folder = root / spec.folder
    for needed in (folder / spec.queries, folder / "qrels.tsv", root / spec.corpus):
        if not needed.exists():
            raise FileNotFoundError(
                f"query set {name!r} needs {needed} (set {SHARED_ENV} to the shared folder)"
            )
    return QuerySet(
        name=name,
        queries=read_queries(folder / spec.queries),
        qrels=read_qrels(folder / "qrels.tsv"),
        corpus=cached_corpus(root / spec.corpus),
        fields=spec.fields,
        pooled=spec.pooled,
        description=spec.description,
    )


def custom_set(
    corpus: str | Path,
    queries: str | Path,
    qrels: str | Path,
    *,
    title: bool = True,
    name: str = "custom",
) -> QuerySet:
    """A query set from files: a corpus (folder or doc JSONL), queries, TREC qrels.

    ``title=False`` leaves the title out of the indexed fields (for queries
    that are titles, as in a known-item set).
    """
    return QuerySet(
        name=name,
        queries=read_queries(queries),
        qrels=read_qrels(qrels),
        corpus=cached_corpus(corpus),
        fields=DOC_FIELDS if title else ("lead", "body"),
        description=f"{corpus} with {queries}",
    )
