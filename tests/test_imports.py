"""Importing the packages is cheap: Whoosh, nltk, wordfreq and tqdm load only
when an index is opened or written (checked in a fresh interpreter)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
HEAVY = ("whoosh", "nltk", "wordfreq", "tqdm")


def loaded_after(code: str) -> list[str]:
    """The heavy top-level modules a fresh interpreter has loaded after ``code``."""
    script = (
        f"import sys, json\n{code}\n"
        f"print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r}))))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    result: list[str] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


@pytest.mark.parametrize(
    "code",
    [
        "import search",
        "import index",
        "import search, index",
        "from search import __version__",
        "import search.query; search.query.parse('Zoll ODER titel:Japan datum:2025-08')",
        "import search.results",
        "import index.errors",
        # the command line parses its arguments before it loads anything heavy
        "from search.cli import build_parser; build_parser().parse_args(['search', 'x'])",
    ],
)
def test_import_is_light(code: str) -> None:
    assert loaded_after(code) == []


def test_the_check_itself_sees_heavy_imports() -> None:
    # opening the engine module does load Whoosh: the probe above would notice
    assert "whoosh" in loaded_after("import search.engine")
    assert "whoosh" in loaded_after("from search import SearchEngine; SearchEngine")
