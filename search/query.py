"""The query language: parsing a query string into a tree, and the tree into Whoosh.

Syntax (German and English keywords mean the same)::

    Zoll Japan                 all words must match (ranked; if none has all,
                               any word matches and the results say so)
    "Die Linke"                a phrase
    -Trump   NICHT Trump       exclude
    Japan ODER Korea           either (OR, ODER); AND/UND is the default
    (Japan ODER Korea) Zoll    grouping
    titel:Japan                a field: titel/title, autor/author, tag, ort/place,
                               quelle/source, datum/date, text/body, lead/vorspann,
                               dachzeile/kicker, id
    Zoll*                      words starting with "Zoll" (analysed: Zöll* = Zoell*)
    Ishbia~  Ishbia~1          words within 2 (or 1) edits
    datum:2025-08-01..2025-08-31   datum:2025-08   datum:2025   datum:..2025-06-30

A malformed query raises :class:`~index.errors.QueryError` with the position
of the problem; the parser never guesses.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from index.errors import QueryError

#: query field name -> index field
FIELD_ALIASES = {
    "titel": "title",
    "title": "title",
    "überschrift": "title",
    "autor": "authors",
    "autorin": "authors",
    "author": "authors",
    "tag": "tags",
    "tags": "tags",
    "thema": "tags",
    "ort": "place",
    "place": "place",
    "quelle": "source",
    "source": "source",
    "datum": "date",
    "date": "date",
    "text": "text",
    "body": "text",
    "lead": "lead",
    "vorspann": "lead",
    "dachzeile": "kicker",
    "kicker": "kicker",
    "id": "id",
}
OPERATORS = {"AND": "AND", "UND": "AND", "OR": "OR", "ODER": "OR", "NOT": "NOT", "NICHT": "NOT"}

MAX_QUERY_CHARS = 10_000
MAX_TERMS = 200
MAX_DEPTH = 32
#: wildcards and fuzzy words are expanded against the vocabulary: each costs
#: as much as many plain words
MAX_EXPANDING = 8


# -- the tree -----------------------------------------------------------------
@dataclass
class Node:
    pos: int = field(default=0, compare=False, kw_only=True)


@dataclass
class Word(Node):
    text: str


@dataclass
class Phrase(Node):
    text: str
    slop: int = 0


@dataclass
class Prefix(Node):
    text: str  # without the "*"


@dataclass
class Fuzzy(Node):
    text: str
    maxdist: int | None = None


@dataclass
class DateRange(Node):
    start: dt.date | None
    end: dt.date | None


@dataclass
class InField(Node):
    field: str  # an index field name
    node: Node


@dataclass
class And(Node):
    items: list[Node]


@dataclass
class Or(Node):
    items: list[Node]


@dataclass
class Not(Node):
    item: Node


# -- tokens ------------------------------------------------------------------
_QUOTES = str.maketrans({"„": '"', "“": '"', "”": '"', "«": '"', "»": '"', "‚": "'", "‘": "'"})
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
    |(?P<lparen>\()
    |(?P<rparen>\))
    |(?P<phrase>"[^"]*"(?:~\d+)?)
    |(?P<quote>")
    |(?P<field>[^\W\d_]+):
    |(?P<minus>-)(?=[^\s\-])
    |(?P<word>[^\s()"]+)
    """,
    re.VERBOSE,
)


@dataclass
class _Tok:
    kind: str
    text: str
    pos: int


def _tokenize(query: str) -> list[_Tok]:
    toks: list[_Tok] = []
    i = 0
    n = len(query)
    while i < n:
        m = _TOKEN.match(query, i)
        if m is None:  # pragma: no cover - the word branch matches anything else
            raise QueryError(query, "cannot read the query here", position=i)
        kind = m.lastgroup or "word"
        text = m.group()
        if kind == "quote":
            raise QueryError(
                query,
                "a quotation mark is never closed",
                position=i,
                hint='close the phrase with a second "',
            )
        if kind == "word" and text in OPERATORS:
            kind = OPERATORS[text]
        if (
            kind == "minus"
            and toks
            and toks[-1].kind in ("word", "phrase", "rparen")
            and query[i - 1 : i].strip()
        ):
            kind = "word"  # a hyphen inside a word: read it with the word
        if kind != "ws":
            toks.append(_Tok(kind, text, i))
        i = m.end()
    return toks


# -- the parser -------------------------------------------------------------
class _Parser:
    def __init__(self, query: str, toks: list[_Tok]) -> None:
        self.query = query
        self.toks = toks
        self.i = 0
        self.depth = 0
        self.explicit_ops = False

    def error(self, reason: str, pos: int | None = None, hint: str = "") -> QueryError:
        if pos is None:
            pos = self.toks[self.i].pos if self.i < len(self.toks) else len(self.query)
        return QueryError(self.query, reason, position=pos, hint=hint)

    def peek(self) -> _Tok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def next(self) -> _Tok:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def parse(self) -> Node:
        if not self.toks:
            raise self.error("the query is empty", 0, hint="type at least one word")
        node = self.parse_or()
        tok = self.peek()
        if tok is not None:
            if tok.kind == "rparen":
                raise self.error("a closing parenthesis has no opening one", tok.pos)
            raise self.error(f"unexpected {tok.text!r}", tok.pos)  # pragma: no cover
        return node

    def parse_or(self) -> Node:
        start = self.peek()
        items = [self.parse_and()]
        while (tok := self.peek()) is not None and tok.kind == "OR":
            self.explicit_ops = True
            self.next()
            nxt = self.peek()
            if nxt is None or nxt.kind in ("rparen", "OR", "AND"):
                raise self.error(
                    f"{tok.text} needs a search term after it", tok.pos + len(tok.text)
                )
            items.append(self.parse_and())
        return items[0] if len(items) == 1 else Or(items, pos=start.pos if start else 0)

    def parse_and(self) -> Node:
        start = self.peek()
        items: list[Node] = []
        while (tok := self.peek()) is not None and tok.kind not in ("OR", "rparen"):
            if tok.kind == "AND":
                self.explicit_ops = True
                self.next()
                if not items:
                    raise self.error(f"{tok.text} needs a search term before it", tok.pos)
                nxt = self.peek()
                if nxt is None or nxt.kind in ("rparen", "OR", "AND"):
                    raise self.error(
                        f"{tok.text} needs a search term after it", tok.pos + len(tok.text)
                    )
                continue
            items.append(self.parse_unary())
        if not items:
            tok = self.peek()
            if tok is not None and tok.kind == "OR":
                raise self.error(f"{tok.text} needs a search term before it", tok.pos)
            if tok is not None and tok.kind == "rparen":
                raise self.error("a closing parenthesis has no opening one", tok.pos)
            raise self.error("a search term is missing here")
        return items[0] if len(items) == 1 else And(items, pos=start.pos if start else 0)

    def parse_unary(self) -> Node:
        tok = self.peek()
        assert tok is not None
        if tok.kind in ("NOT", "minus"):
            self.explicit_ops = True
            self.next()
            nxt = self.peek()
            if nxt is None or nxt.kind in ("rparen", "OR", "AND", "NOT", "minus"):
                raise self.error(
                    f"{tok.text!r} needs a search term right after it", tok.pos + len(tok.text)
                )
            return Not(self.parse_unary(), pos=tok.pos)
        return self.parse_primary()

    def parse_primary(self, field_name: str | None = None) -> Node:
        tok = self.next()
        if tok.kind == "lparen":
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise self.error(f"parentheses nested more than {MAX_DEPTH} deep", tok.pos)
            nxt = self.peek()
            if nxt is None:
                raise self.error("an opening parenthesis is never closed", tok.pos)
            if nxt.kind == "rparen":
                raise self.error("empty parentheses", tok.pos)
            node = self.parse_or()
            close = self.peek()
            if close is None or close.kind != "rparen":
                raise self.error("an opening parenthesis is never closed", tok.pos)
            self.next()
            self.depth -= 1
            return node
        if tok.kind == "rparen":
            raise self.error("a closing parenthesis has no opening one", tok.pos)
        if tok.kind == "field":
            return self.parse_field(tok)
        if tok.kind == "phrase":
            return _phrase(tok)
        if tok.kind in ("word", "minus", "AND", "OR", "NOT"):
            return self.parse_word(tok)
        raise self.error(f"unexpected {tok.text!r}", tok.pos)  # pragma: no cover

    def parse_field(self, tok: _Tok) -> Node:
        name = tok.text[:-1]
        target = FIELD_ALIASES.get(name.lower())
        if target is None:
            known = ", ".join(sorted({k for k in FIELD_ALIASES if k.isascii()}))
            raise self.error(f"unknown field {name!r}", tok.pos, hint=f"known fields: {known}")
        nxt = self.peek()
        if nxt is None or nxt.pos != tok.pos + len(tok.text) or nxt.kind in ("rparen", "OR", "AND"):
            raise self.error(
                f"field {name}: needs a value right after the colon",
                tok.pos + len(tok.text),
                hint=f'e.g. {name}:Wort or {name}:"zwei Wörter"',
            )
        if target == "date":
            value = self.next()
            return _date_range(self.query, value)
        if nxt.kind in ("minus", "NOT"):
            raise self.error(
                f"field {name}: cannot start with {nxt.text!r}",
                nxt.pos,
                hint=f"to exclude, put the minus before the field: -{name}:Wort",
            )
        if nxt.kind == "field":
            raise self.error(
                f"field {name}: cannot hold another field",
                nxt.pos,
                hint=f'search one field at a time, e.g. {name}:Wort or {name}:"zwei Wörter"',
            )
        inner = self.parse_primary(target)
        return InField(target, inner, pos=tok.pos)

    def parse_word(self, tok: _Tok) -> Node:
        text = tok.text
        if text.endswith("*"):
            stem = text.rstrip("*")
            if "*" in stem or "?" in stem:
                raise self.error("only a trailing * is supported (Zoll*)", tok.pos)
            letters = sum(c.isalnum() for c in stem)
            if letters < 2:
                raise self.error(
                    f"{text!r} is too short for a wildcard",
                    tok.pos,
                    hint="type at least two letters before the * (Zo*)",
                )
            return Prefix(stem, pos=tok.pos)
        if "*" in text:
            raise self.error("only a trailing * is supported (Zoll*)", tok.pos + text.index("*"))
        m = re.fullmatch(r"(.+?)~(\d?)", text)
        if m:
            dist = int(m.group(2)) if m.group(2) else None
            if dist is not None and not 0 < dist <= 2:
                raise self.error("fuzzy distance must be 1 or 2 (Wort~1, Wort~2)", tok.pos)
            return Fuzzy(m.group(1), dist, pos=tok.pos)
        return Word(text, pos=tok.pos)


def _phrase(tok: _Tok) -> Phrase:
    m = re.fullmatch(r'"([^"]*)"(?:~(\d+))?', tok.text)
    assert m is not None
    return Phrase(m.group(1), int(m.group(2) or 0), pos=tok.pos)


_DATE_PART = r"\d{4}(?:-\d{1,2}(?:-\d{1,2})?)?"


def _date_range(query: str, tok: _Tok) -> DateRange:
    text = tok.text
    m = re.fullmatch(rf"({_DATE_PART})?(\.\.)?({_DATE_PART})?", text)
    if not m or not (m.group(1) or m.group(3)) or (m.group(3) and not m.group(2)):
        raise QueryError(
            query,
            f"cannot read the date {text!r}",
            position=tok.pos,
            hint="use datum:2025-08-01..2025-08-31, datum:2025-08 or datum:2025",
        )
    try:
        if m.group(2):
            start = _date_bound(m.group(1), end=False) if m.group(1) else None
            end = _date_bound(m.group(3), end=True) if m.group(3) else None
        else:
            start = _date_bound(m.group(1), end=False)
            end = _date_bound(m.group(1), end=True)
    except ValueError as exc:
        raise QueryError(query, f"impossible date {text!r} ({exc})", position=tok.pos) from None
    if start and end and start > end:
        raise QueryError(query, f"the date range {text!r} ends before it starts", position=tok.pos)
    return DateRange(start, end, pos=tok.pos)


def _date_bound(text: str, *, end: bool) -> dt.date:
    """The first (or last) day of a year, month or day."""
    parts = [int(p) for p in text.split("-")]
    if len(parts) == 3:
        return dt.date(*parts)
    if len(parts) == 2:
        year, month = parts
        if not end:
            return dt.date(year, month, 1)
        nxt = dt.date(year + month // 12, month % 12 + 1, 1)
        return nxt - dt.timedelta(days=1)
    return dt.date(parts[0], 12, 31) if end else dt.date(parts[0], 1, 1)


def parse_date(text: str) -> dt.date:
    """A ``--since``/``--until`` value (``2025-08-01``, ``2025-08``, ``2025``)."""
    if not re.fullmatch(_DATE_PART, text.strip()):
        raise QueryError(text, "not a date", hint="use YYYY-MM-DD, YYYY-MM or YYYY")
    try:
        return _date_bound(text.strip(), end=False)
    except ValueError as exc:
        raise QueryError(text, f"impossible date ({exc})") from None


@dataclass
class ParsedQuery:
    """A parsed query: the tree and what the parser noticed."""

    text: str
    tree: Node
    #: True when the user wrote AND/OR/NOT/-; the any-word fallback is then off
    explicit: bool


def parse(query: str) -> ParsedQuery:
    """Parse a query string. Raises :class:`QueryError` if it is malformed."""
    if len(query) > MAX_QUERY_CHARS:
        raise QueryError(
            query[:60] + "…",
            f"the query is {len(query):,} characters long; at most {MAX_QUERY_CHARS:,} are allowed",
        )
    text = _CONTROL.sub(" ", query.translate(_QUOTES))
    toks = _tokenize(text)
    # a phrase counts with each of its words: a 5,000-word phrase is no short query
    words = sum(
        1 if t.kind == "word" else max(1, len(t.text.split()))
        for t in toks
        if t.kind in ("word", "phrase")
    )
    if words > MAX_TERMS:
        raise QueryError(
            text[:60] + "…",
            f"the query has {words:,} terms; at most {MAX_TERMS} are allowed",
            hint="shorten the query",
        )
    parser = _Parser(text, toks)
    tree = parser.parse()
    expanding = [n for n in _leaves(tree) if isinstance(n, (Prefix, Fuzzy))]
    if len(expanding) > MAX_EXPANDING:
        raise QueryError(
            text,
            f"the query has {len(expanding)} wildcard or fuzzy words (* and ~); "
            f"at most {MAX_EXPANDING} are allowed",
            position=expanding[MAX_EXPANDING].pos,
            hint="use fewer * and ~",
        )
    return ParsedQuery(text, tree, parser.explicit_ops)


def _leaves(node: Node) -> list[Node]:
    """Every leaf of a tree, excluded ones too."""
    if isinstance(node, InField):
        return _leaves(node.node)
    if isinstance(node, Not):
        return _leaves(node.item)
    if isinstance(node, (And, Or)):
        return [leaf for item in node.items for leaf in _leaves(item)]
    return [node]


def parse_plain(text: str) -> ParsedQuery:
    """Read ``text`` as plain words: no operators, fields, phrases or wildcards."""
    clean = _CONTROL.sub(" ", text.translate(_QUOTES))[:MAX_QUERY_CHARS]
    words: list[Node] = []
    for m in re.finditer(r"\S+", clean):
        word = m.group().strip("\"'()*~")
        if word:
            words.append(Word(word, pos=m.start()))
        if len(words) >= MAX_TERMS:
            break
    if not words:
        raise QueryError(text, "the query is empty", hint="type at least one word")
    tree = words[0] if len(words) == 1 else And(words, pos=0)
    return ParsedQuery(clean, tree, explicit=False)


def words_of(node: Node) -> list[Node]:
    """The positive word-like leaves of a tree (for suggestions and highlighting)."""
    out: list[Node] = []
    if isinstance(node, (Word, Phrase, Prefix, Fuzzy)):
        out.append(node)
    elif isinstance(node, InField):
        out.extend(words_of(node.node))
    elif isinstance(node, (And, Or)):
        for item in node.items:
            out.extend(words_of(item))
    return out
