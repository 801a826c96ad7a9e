"""Invented articles in the taz text format, written into a folder for tests.

Everything here is made up for the tests (no text from ../shared). Every
generated article carries one *marker word*, a nonsense word no other article
has (``marker_word(n)``), so a test can search for exactly one article.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
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


# -- writer processes (crash and concurrency tests) ---------------------------------
REPO = Path(__file__).resolve().parent.parent

#: the writer: runs the operations in argv[2] (JSON) and prints each commit
WRITER = r"""
import json, sys
from index import builder
from index.builder import Indexer

index, plan = sys.argv[1], json.loads(sys.argv[2])
if plan.get("parallel_min"):
    builder.PARALLEL_MIN_FILES = plan["parallel_min"]
print("STARTED", flush=True)


def progress(total, done):
    print("WORKING", total, flush=True)  # the lock is held, the writing begins
    return lambda n: None


for op, paths in plan["ops"]:
    indexer = Indexer(index, procs=plan.get("procs", 1), progress=progress)
    if op in ("optimize", "remove"):
        print("WORKING", 0, flush=True)  # (these two report no progress themselves)
    if op == "optimize":
        report = indexer.optimize()
    elif op == "update":
        report = indexer.update(paths[0])
    else:  # build, add, remove (paths are ids)
        report = getattr(indexer, op)(paths)
    assert report.failed == 0, report.failures
    print("COMMITTED", report.articles, flush=True)
print("DONE", flush=True)
"""

#: holds the write lock until killed
LOCK_HOLDER = r"""
import sys, time
from index.store import IndexDir

with IndexDir(sys.argv[1]).lock():
    print("LOCKED", flush=True)
    time.sleep(60)
"""


class Writer:
    """A writer subprocess whose output lines can be waited for."""

    def __init__(self, script: str, *args: str) -> None:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join([str(REPO), *filter(None, [env.get("PYTHONPATH")])])
        self.proc = subprocess.Popen(
            [sys.executable, "-c", script, *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=REPO,
            env=env,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.strip())
        self.lines.put("")  # end of output

    def wait_for(self, prefix: str, count: int = 1, timeout: float = 60.0) -> None:
        """Wait until ``count`` lines starting with ``prefix`` have been printed."""
        deadline = time.monotonic() + timeout
        while sum(line.startswith(prefix) for line in self.seen) < count:
            try:
                line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"no {prefix!r} line from the writer") from None
            if line == "":
                raise AssertionError(f"writer ended: {self.finish()}")
            self.seen.append(line)

    def kill_only(self) -> None:
        """SIGKILL the writer (if it still runs) and wait for it to die.

        Its output is not read to the end: processes it forked may hold the pipe.
        """
        try:
            os.kill(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait(timeout=30)

    def kill(self) -> None:
        """SIGKILL the writer (if it still runs) and collect its output."""
        self.kill_only()
        self._reader.join(timeout=10)
        while True:
            try:
                line = self.lines.get_nowait()
            except queue.Empty:
                break
            if line:
                self.seen.append(line)
        for pipe in (self.proc.stdout, self.proc.stderr):
            if pipe is not None:
                pipe.close()

    def finish(self) -> str:
        _out, err = self.proc.communicate(timeout=60)
        return err

    def committed(self) -> list[int]:
        return [int(line.split()[1]) for line in self.seen if line.startswith("COMMITTED")]


def writer(index: Path, ops: list[tuple[str, list[Any]]], **plan: Any) -> Writer:
    """A writer process running ``ops`` ((operation, paths or ids) pairs) on ``index``."""
    plan["ops"] = [(op, [str(p) for p in paths]) for op, paths in ops]
    return Writer(WRITER, str(index), json.dumps(plan))
