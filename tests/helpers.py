"""Invented articles in the taz text format, written into a folder for tests.

Everything here is made up for the tests (no text from ../shared). Every
generated article carries one *marker word*, a nonsense word no other article
has (``marker_word(n)``), so a test can search for exactly one article.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

_SYLLABLES = ("ka", "lo", "mi", "nu", "pe", "ri", "so", "tu", "va", "xe")

_TOPICS = (
    ("Verkehr", "Die Stadtbahn fährt künftig im Zehnminutentakt durch die Innenstadt."),
    ("Umwelt", "Der Stadtrat beschließt neue Regeln für Gärten und Grünflächen."),
    ("Kultur", "Das Stadtmuseum zeigt eine Ausstellung über alte Landkarten."),
    ("Bildung", "Die Gesamtschule bekommt einen Neubau mit einer großen Mensa."),
    ("Sport", "Der Ruderverein feiert den Aufstieg in die zweite Liga."),
)


def marker_word(n: int) -> str:
    """A nonsense word unique to article number ``n`` (letters only, lower case)."""
    digits = f"{n:04d}"
    return "zorb" + "".join(_SYLLABLES[int(d)] for d in digits) + "ix"


def taz_text(
    title: str,
    body: Sequence[str],
    *,
    source: str = "beispiel",
    lead: str = "",
    place: str = "Kassel",
    date: str = "12 Mar 2025",
    authors: Sequence[str] = ("Erika Beispiel",),
    tags: Sequence[str] = ("Lokales",),
) -> str:
    """One article in the taz text format (every line but the last ends in `` | |``)."""
    lines = [f"# {source} -- {title}"]
    if lead:
        lines.append(f"> {lead}")
    first, *rest = list(body) or ["Ohne Text."]
    lines.append(f"{place} taz | {first}")
    lines.extend(rest)
    lines.append(date)
    if authors:
        lines.append("## AUTOREN")
        lines.extend(authors)
    if tags:
        lines.append("## TAGS")
        lines.extend(tags)
    return " | |\n".join(lines) + " |"


def article_text(n: int, *, version: int = 0) -> str:
    """Generated article number ``n``; ``version`` changes its text (not its id)."""
    topic, sentence = _TOPICS[n % len(_TOPICS)]
    word = marker_word(n)
    body = [
        f"{sentence} Fassung {version}.",
        f"Das Stichwort dieses Artikels lautet {word}, sagte eine Sprecherin.",
        "Anwohnerinnen und Anwohner reagierten gelassen auf die Nachricht.",
    ]
    if version:
        body.append(f"Nachtrag: Die Meldung wurde zum {version}. Mal überarbeitet.")
    return taz_text(
        f"{topic}: Meldung Nummer {n}",
        body,
        lead=f"Eine erfundene Meldung über {topic.lower()} für die Tests.",
        date=f"{1 + n % 28} Mar 2025",
        tags=(topic, "Lokales"),
    )


def article_id(n: int) -> str:
    return f"art{n:04d}"


def write_article(folder: Path, n: int, *, version: int = 0, name: str | None = None) -> Path:
    """Write article ``n`` as ``folder/art{n}.txt`` (id ``art{n}``) and return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (name or f"{article_id(n)}.txt")
    path.write_text(article_text(n, version=version), encoding="utf-8")
    return path


def write_articles(folder: Path, numbers: Iterable[int], *, version: int = 0) -> list[Path]:
    """Write the articles ``numbers`` into ``folder``."""
    return [write_article(folder, n, version=version) for n in numbers]


def jsonl_record(n: int, *, article_id_: str | None = None, version: int = 0) -> dict[str, Any]:
    topic, sentence = _TOPICS[n % len(_TOPICS)]
    return {
        "id": article_id_ or f"j{n:04d}",
        "title": f"{topic}: JSON-Meldung {n}",
        "body": f"{sentence} Stichwort {marker_word(n)}. Fassung {version}.",
        "lead": "Eine erfundene Meldung im Format JSON Lines.",
        "authors": ["Max Muster"],
        "tags": [topic],
        "date": "2025-04-01",
        "source": "beispiel-jsonl",
    }


def write_jsonl(path: Path, records: Iterable[dict[str, Any] | str]) -> Path:
    """Write ``records`` (dicts, or raw strings for broken lines) as JSON Lines."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in records]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def touch(path: Path, *, seconds: float = 10.0) -> None:
    """Move a file's modification time ``seconds`` into the future (contents unchanged)."""
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + int(seconds * 1e9)))
