"""Reader for articles in JSON Lines: one JSON object per line.

Fields read (others are ignored):

===========  ======================================================
``id``       required; a string (numbers are turned into strings)
``title``    required
``body``     the text; ``text`` is accepted instead
``lead``     the teaser
``authors``  a list of strings, or one string
``tags``     a list of strings, or one string
``date``     ISO 8601 (``2025-08-26`` or ``2025-08-26T10:00:00+02:00``)
``url``      the article's address
``source``   where it comes from; default: the file's name
===========  ======================================================

Each line stands alone: a broken line is reported as an
:class:`~index.errors.ArticleError` with its line number and the other lines
are read. Blank lines are skipped.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .article import Article, split_title
from .errors import ArticleError
from .taz import clean_text, decode

#: a JSONL line longer than this is refused (the whole 50 MB file is fine)
MAX_LINE_CHARS = 16 * 1024 * 1024


def read_jsonl(path: str | Path) -> Iterator[Article | ArticleError]:
    """Yield an :class:`Article` or an :class:`ArticleError` for every non-blank line.

    Raises :class:`ArticleError` only when the file as a whole cannot be read.
    """
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise ArticleError(p, f"cannot read file: {exc.strerror or exc}") from exc
    yield from parse_jsonl_bytes(data, path=p)


def parse_jsonl_bytes(data: bytes, *, path: str | Path) -> Iterator[Article | ArticleError]:
    """Parse JSONL bytes; see :func:`read_jsonl`."""
    text, warnings = decode(data, path)
    default_source = Path(path).stem
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            yield parse_record(
                line, path=path, number=number, default_source=default_source, warnings=warnings
            )
        except ArticleError as exc:
            yield exc


def parse_record(
    raw: str,
    *,
    path: str | Path,
    number: int = 1,
    default_source: str = "",
    warnings: list[str] | None = None,
) -> Article:
    """Parse one JSONL line (``number`` is its 1-based line number) into an Article."""
    if len(raw) > MAX_LINE_CHARS:
        raise ArticleError(path, f"line is {len(raw):,} characters long; too long", line=number)
    try:
        obj = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ArticleError(
            path, f"not valid JSON: {exc.msg} at column {exc.colno}", line=number
        ) from None
    except ValueError as exc:  # an integer of more than 4,300 digits
        reason = str(exc).split(":", 1)[0]
        raise ArticleError(path, f"not valid JSON: {reason}", line=number) from None
    except RecursionError:
        raise ArticleError(path, "not valid JSON: nested too deeply", line=number) from None
    if not isinstance(obj, dict):
        raise ArticleError(path, f"expected a JSON object, got {type(obj).__name__}", line=number)
    notes = list(warnings or ())
    article_id = obj.get("id")
    if isinstance(article_id, (int, float)) and not isinstance(article_id, bool):
        article_id = str(article_id)
    if isinstance(article_id, str):
        article_id = _clean(article_id).strip()
    if not isinstance(article_id, str) or not article_id:
        raise ArticleError(
            path, "missing or empty `id`", line=number, hint="every article needs a unique id"
        )
    title = _text(obj, "title", path, number)
    if not title:
        raise ArticleError(path, "missing or empty `title`", line=number)
    body = _text(obj, "body", path, number) or _text(obj, "text", path, number)
    if not body:
        notes.append(f"line {number}: no `body` or `text`")
    date: dt.date | None = None
    raw_date = obj.get("date")
    if raw_date not in (None, ""):
        date = parse_iso_date(raw_date)
        if date is None:
            notes.append(
                f"line {number}: date {raw_date!r} is not ISO 8601 (YYYY-MM-DD); "
                "the article has no date"
            )
    kicker, headline = split_title(title)
    return Article(
        id=article_id,
        title=title,
        source=_text(obj, "source", path, number) or default_source,
        kicker=kicker,
        headline=headline,
        lead=_text(obj, "lead", path, number),
        body=body,
        date=date,
        authors=tuple(_strings(obj, "authors", path, number)),
        tags=tuple(_strings(obj, "tags", path, number)),
        url=_text(obj, "url", path, number),
        path=f"{path}:{number}",
        warnings=tuple(notes),
    )


def parse_iso_date(value: Any) -> dt.date | None:
    """An ISO 8601 date or date-time string as a date, else ``None``."""
    if not isinstance(value, str):
        return None
    s = value.strip()
    try:
        if len(s) == 10:
            return dt.date.fromisoformat(s)
        return dt.datetime.fromisoformat(s.replace("Z", "+00:00")).date()
    except ValueError:
        return None


_SURROGATE = re.compile("[\ud800-\udfff]")


def _clean(value: str) -> str:
    """:func:`clean_text`, and lone surrogates (``"\\ud83d"`` escapes in JSON, which
    no UTF-8 file can hold) replaced by U+FFFD."""
    if not value.isascii() and _SURROGATE.search(value):
        value = _SURROGATE.sub("\ufffd", value)
    return clean_text(value)


def _text(obj: dict[str, Any], key: str, path: str | Path, number: int) -> str:
    value = obj.get(key)
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        raise ArticleError(
            path, f"`{key}` must be a string, got {type(value).__name__}", line=number
        )
    return _clean(value).strip()


def _strings(obj: dict[str, Any], key: str, path: str | Path, number: int) -> list[str]:
    value = obj.get(key)
    if value is None or value == "":
        return []
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(v, str) for v in items):
        raise ArticleError(path, f"`{key}` must be a list of strings", line=number)
    seen: set[str] = set()
    out: list[str] = []
    for item in items:
        clean = _clean(item).strip()
        if clean and clean.casefold() not in seen:
            seen.add(clean.casefold())
            out.append(clean)
    return out
