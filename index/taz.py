"""Parser for the taz text format (see ``docs/article-format.md``).

One file is one article::

    # taz.de -- Kicker: Headline | |
    > lead line | |
    Bild: caption | |
    Place taz | body text, wrapped at ~80 columns | |
    ## Subheading | |
    more body | |
    26 Aug 2025 | |
    ## LINKS | |
    [1] https://… | |
    ## AUTOREN | |
    ## TAGS | |
    ## ARTIKEL ZUM THEMA | |

The parser never raises anything but :class:`~index.errors.ArticleError`, and
only for files that hold no article at all (empty, binary, no title line).
Everything else it can repair is repaired and noted in ``Article.warnings``
(the documented fallbacks, listed in the README).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path

from .article import Article, Link, Related, split_title
from .errors import ArticleError

#: the section names of the format (after the body); other ``## `` lines in the
#: body are subheadings
SECTIONS = ("LINKS", "AUTOREN", "TAGS", "ARTIKEL ZUM THEMA")

#: files larger than this are refused (a news article is a few KB; the limit
#: keeps one runaway file from eating the memory of a build)
MAX_FILE_BYTES = 64 * 1024 * 1024

_MONTHS = {
    "jan": 1, "januar": 1, "jänner": 1, "january": 1,
    "feb": 2, "februar": 2, "february": 2,
    "mar": 3, "mär": 3, "märz": 3, "maerz": 3, "march": 3,
    "apr": 4, "april": 4,
    "may": 5, "mai": 5,
    "jun": 6, "juni": 6, "june": 6,
    "jul": 7, "juli": 7, "july": 7,
    "aug": 8, "august": 8,
    "sep": 9, "sept": 9, "september": 9,
    "oct": 10, "okt": 10, "oktober": 10, "october": 10,
    "nov": 11, "november": 11,
    "dec": 12, "dez": 12, "dezember": 12, "december": 12,
}  # fmt: skip

# "26 Aug 2025", "26. August 2025", "26. Aug. 2025"
_DATE_WORDS = re.compile(r"(\d{1,2})\.?\s+([A-Za-zÄÖÜäöü]{3,9})\.?\s+(\d{4})")
_DATE_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[T ][0-9:.+\-Z]*)?")
_DATE_DOTS = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
# link numbers: ASCII digits, at most 9 (int() refuses numbers of more than
# 4,300 digits, and no article has a billion links)
_LINK_TARGET = re.compile(r"\[([0-9]{1,9})\]\s*(.*)")
_INLINE_LINK = re.compile(r"\[([0-9]{1,9})\]\[([^\]\[]*)\]")
_OPEN_LINK = re.compile(r"\[([0-9]{1,9})\]\[")
_DATELINE = re.compile(
    r"([A-ZÄÖÜ][\w.\-/'’ ]{0,48}?)\s+(?:taz|dpa|afp|ap|rtr|reuters|epd|kna|dts)\s*\|\s+"
)
_SENTENCE_END = (".", "!", "?", "…", "“", '"', "»", ":", ")")
# characters that stand for something plainer (format notes: treat them as
# the plain characters they stand for)
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"), None)
_SPACES = dict.fromkeys(map(ord, "\u00a0\u202f\u2007\u2009\u200a\t\x0b\x0c"), " ")
_CLEAN = {**_INVISIBLE, **_SPACES}
_ODD_CHARS = tuple(chr(c) for c in _CLEAN)


def parse_file(path: str | Path) -> Article:
    """Parse one taz-format file. Raises :class:`ArticleError` if it holds no article."""
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ArticleError(
                p,
                f"file is {size / 1e6:.0f} MB, more than the {MAX_FILE_BYTES // 2**20} MiB "
                "an article may have",
                hint="split it or check that it is an article",
            )
        data = p.read_bytes()
    except OSError as exc:
        raise ArticleError(p, f"cannot read file: {exc.strerror or exc}") from exc
    return parse_bytes(data, path=p)


def decode(data: bytes, path: str | Path | None) -> tuple[str, list[str]]:
    """Decode article bytes: UTF-8 (BOM dropped), else Windows-1252 with a warning.

    Raises :class:`ArticleError` for empty and binary data.
    """
    warnings: list[str] = []
    if not data.strip():
        raise ArticleError(path, "empty file", hint="an article needs at least a title line")
    head = data[:65536]
    if b"\x00" in head or _control_share(head) > 0.05:
        raise ArticleError(path, "binary file, not article text")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            text = data.decode("latin-1")
        warnings.append(
            f"line {line}: not UTF-8; read as Windows-1252/Latin-1 (save the file as UTF-8)"
        )
    return text, warnings


_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13))


def _control_share(data: bytes) -> float:
    """Share of control bytes (other than tab, newline, form feed, CR) in ``data``."""
    if not data:
        return 0.0
    return (len(data) - len(data.translate(None, _CONTROL_BYTES))) / len(data)


def clean_text(text: str) -> str:
    """NFC, soft hyphens and zero-width characters removed, odd spaces made plain."""
    if not text.isascii():
        if any(c in text for c in _ODD_CHARS):
            text = text.translate(_CLEAN)
        if not unicodedata.is_normalized("NFC", text):
            text = unicodedata.normalize("NFC", text)
    elif "\t" in text:
        text = text.replace("\t", " ")
    return text


#: a `` | |`` marker that more text follows on its line (not just pipes and
#: spaces: ``Freising | | |`` ends there)
_INNER_MARKER = re.compile(r" \| \|(?! *\|? *$)", re.MULTILINE)


def _split_markers(line: str) -> list[str]:
    """A line cut at every inner `` | |`` marker (a marker that only pipes and
    spaces follow is the line's own end, left to :func:`_strip_marker`)."""
    return _INNER_MARKER.split(line)


def _strip_marker(line: str) -> str:
    """Drop the trailing `` | |`` (or `` |``) line marker, never an inner pipe."""
    line = line.rstrip()
    if line.endswith("|"):
        line = line[:-1].rstrip()
        if line.endswith("|"):
            line = line[:-1].rstrip()
    return line


def parse_date(text: str) -> dt.date | None:
    """Read a date line: ``26 Aug 2025``, ``26. August 2025``, ``2025-08-26``, ``26.08.2025``.

    Returns ``None`` when the line is not a date.
    """
    s = text.strip()
    if not s or len(s) > 40 or not s[0].isdigit():
        return None
    try:
        m = _DATE_WORDS.fullmatch(s)
        if m:
            month = _MONTHS.get(m.group(2).lower())
            if month is None:
                return None
            return dt.date(int(m.group(3)), month, int(m.group(1)))
        m = _DATE_ISO.fullmatch(s)
        if m:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        m = _DATE_DOTS.fullmatch(s)
        if m:
            return dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    except ValueError:  # 31 Feb and the like
        return None
    return None


def _section_name(line: str) -> str | None:
    if line.startswith("## "):
        name = line[3:].strip()
        if name in SECTIONS:
            return name
    return None


def _is_caps_header(line: str) -> bool:
    if not line.startswith("## "):
        return False
    name = line[3:].strip()
    return bool(name) and name == name.upper() and any(c.isalpha() for c in name)


def parse_text(
    text: str, *, path: str | Path | None = None, article_id: str | None = None
) -> Article:
    """Parse the text of one taz-format article (already decoded)."""
    return _parse(text, path=path, article_id=article_id, warnings=[])


def parse_bytes(
    data: bytes, *, path: str | Path | None = None, article_id: str | None = None
) -> Article:
    """Parse raw file bytes (decoding as :func:`decode` does)."""
    text, warnings = decode(data, path)
    return _parse(text, path=path, article_id=article_id, warnings=warnings)


def _parse(
    text: str, *, path: str | Path | None, article_id: str | None, warnings: list[str]
) -> Article:
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = clean_text(text)
    # the common case in C, the rest (last line, odd spacing) line by line
    lines = text.replace(" | |\n", "\n").split("\n")
    if _INNER_MARKER.search(text):
        # a marker inside a line: lines that lost their line break (the
        # documented fallback: the marker ends the line wherever it stands)
        lines = [piece for ln in lines for piece in _split_markers(ln)]
    lines = [_strip_marker(ln) if ln.endswith(("|", " ", "\t")) else ln for ln in lines]

    # -- title: the first non-blank line
    i = 0
    n = len(lines)
    while i < n and not lines[i].strip():
        i += 1
    if i == n:
        raise ArticleError(path, "empty file", hint="an article needs at least a title line")
    first = lines[i].strip()
    if not first.startswith("#") or first.startswith("##"):
        raise ArticleError(
            path,
            "no title line: the first line must look like `# SOURCE -- TITLE`",
            line=i + 1,
            hint="is this an article file in the taz text format?",
        )
    head = first[1:].strip()
    source, sep, title = head.partition(" -- ")
    if not sep and head.endswith(" --"):  # `# taz.de -- ` with the title missing
        source, sep, title = head[:-3], " -- ", ""
    if not sep:
        source, title = "", head
        warnings.append(f"line {i + 1}: title line has no `SOURCE -- `; source left empty")
    source, title = source.strip(), title.strip()
    if not title:
        raise ArticleError(path, "the title line has no title", line=i + 1)
    i += 1

    # -- lead: consecutive "> " lines
    lead_parts: list[str] = []
    while i < n and lines[i].startswith(">"):
        lead_parts.append(lines[i][1:].strip())
        i += 1
    # -- caption: only the line right after the lead (or the title)
    caption = ""
    if i < n and lines[i].startswith("Bild:"):
        caption = lines[i][5:].strip()
        i += 1

    # -- find where the body ends: the first known section, and the date line
    body_start = i
    first_section = next(
        (
            j
            for j, ln in enumerate(lines)
            if j >= body_start and ln[:3] == "## " and _section_name(ln)
        ),
        n,
    )
    date, body_end = _find_date(lines, body_start, first_section)
    if date is None:
        warnings.append("no date line found; the article has no date")

    # lines between the date line and the first section: unknown sections
    tail_start = body_end + 1 if date is not None else first_section
    unknown = [ln for ln in lines[tail_start:first_section] if ln.strip()]
    if unknown:
        warnings.append(
            f"line {tail_start + 1}: {len(unknown)} unexpected line(s) after the date ignored"
        )

    # -- body, subheadings, place
    subheadings: list[str] = []
    body_lines = lines[body_start:body_end]
    pieces = [
        line + " "
        if line and (len(line) >= 60 or not line.endswith(_SENTENCE_END)) and line[:3] != "## "
        else _odd_body_line(line, subheadings)
        for line in map(str.strip, body_lines)
    ]
    body = "".join(pieces).replace(" \n", "\n")
    while "\n\n" in body:
        body = body.replace("\n\n", "\n")
    body = body.strip()

    place = ""
    m = _DATELINE.match(body)
    if m:
        place = m.group(1).strip()
        body = body[m.end() :]

    # -- sections
    links: dict[int, str] = {}
    authors: list[str] = []
    tags: list[str] = []
    related_lines: list[str] = []
    current: str | None = None
    for j in range(first_section, n):
        line = lines[j].strip()
        if line.startswith("## "):
            name = _section_name(line)
            if name is None:
                warnings.append(f"line {j + 1}: unknown section {line[3:].strip()!r} ignored")
            current = name
            continue
        if not line or current is None:
            continue
        if current == "LINKS":
            lm = _LINK_TARGET.fullmatch(line)
            if lm:
                links.setdefault(int(lm.group(1)), lm.group(2).strip())
            else:
                warnings.append(f"line {j + 1}: LINKS line without `[n] target` ignored")
        elif current == "AUTOREN":
            authors.append(line)
        elif current == "TAGS":
            tags.append(line)
        else:
            related_lines.append(line)

    body, lead, link_texts = _resolve_links(body, " ".join(lead_parts), warnings)
    link_list: list[Link] = []
    for number in sorted(set(links) | set(link_texts)):
        target = links.get(number, "")
        if not target:
            warnings.append(f"link [{number}] has no target in ## LINKS")
        link_list.append(Link(number, target, link_texts.get(number, "")))

    kicker, headline = split_title(title)
    stem = os.path.splitext(os.path.basename(path))[0] if path is not None else ""
    return Article(
        id=article_id or stem,
        title=title,
        source=source,
        kicker=kicker,
        headline=headline,
        lead=lead,
        caption=caption,
        body=body,
        subheadings=tuple(subheadings),
        place=place,
        date=date,
        authors=tuple(_dedupe(authors)),
        tags=tuple(_dedupe(tags)),
        links=tuple(link_list),
        related=tuple(_related(related_lines)),
        path=str(path) if path is not None else "",
        warnings=tuple(warnings),
    )


def _find_date(lines: list[str], start: int, stop: int) -> tuple[dt.date | None, int]:
    """Find the date line between the body and the sections.

    It is the last line in ``lines[start:stop]`` that reads as a date and is
    followed only by blank lines or by an upper-case ``## `` section the format
    does not know. Returns the date and the index where the body ends.
    """
    for j in range(stop - 1, start - 1, -1):
        line = lines[j]
        if not line or not line.lstrip()[:1].isdigit():
            continue
        parsed = parse_date(line)
        if parsed is None:
            continue
        k = j + 1
        while k < stop and not lines[k].strip():
            k += 1
        if k == stop or _is_caps_header(lines[k]):
            return parsed, j
    return None, stop


def _odd_body_line(line: str, subheadings: list[str]) -> str:
    """A body line that is blank, a subheading or short (a paragraph's end)."""
    if not line:
        return "\n"
    if line.startswith("## "):
        heading = line[3:].strip()
        if not heading:
            return "\n"
        subheadings.append(heading)
        return f"\n{heading}\n"
    if len(line) < 60 and line.endswith(_SENTENCE_END) and not _open_link(line):
        return line + "\n"
    return line + " "


def _open_link(line: str) -> bool:
    """True when the line opens an inline link it does not close."""
    start = line.rfind("][")
    return start != -1 and "]" not in line[start + 2 :]


def _resolve_links(body: str, lead: str, warnings: list[str]) -> tuple[str, str, dict[int, str]]:
    texts: dict[int, str] = {}

    def repl(m: re.Match[str]) -> str:
        text = " ".join(m.group(2).split())
        texts.setdefault(int(m.group(1)), text)
        return text

    out = []
    for text in (body, lead):
        if "][" in text:
            text = _INLINE_LINK.sub(repl, text)
            if _OPEN_LINK.search(text):
                warnings.append("an inline link `[n][…` is never closed; its marker was dropped")
                text = _OPEN_LINK.sub("", text)
        out.append(text)
    return out[0], out[1], texts


def _dedupe(items: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    for item in items:
        key = item.casefold()
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


def _related(lines: list[str]) -> list[Related]:
    """Split ``ARTIKEL ZUM THEMA`` lines into (title, teaser) entries.

    A line starts a new entry when it is the first line, or when it holds a
    ``": "`` (Kicker: Headline) and the line before ended a sentence.
    """
    entries: list[tuple[str, list[str]]] = []
    for line in lines:
        starts_entry = not entries or (
            ": " in line
            and (not entries[-1][1] or entries[-1][1][-1].endswith(_SENTENCE_END))
            and (entries[-1][1] or not entries[-1][0].endswith(":"))
        )
        if starts_entry and entries and not entries[-1][1] and not line.endswith(_SENTENCE_END):
            # a title directly after a title without teaser is unusual: treat
            # the line as the teaser of the previous entry
            starts_entry = False
        if starts_entry:
            entries.append((line, []))
        else:
            entries[-1][1].append(line)
    return [Related(title, " ".join(teaser)) for title, teaser in entries]
