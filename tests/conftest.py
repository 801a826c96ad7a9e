"""Shared fixtures.

``shared``: the ``../shared`` folder beside the repository (or ``$ZSUCHE_SHARED``);
tests that need it skip with a clear reason when it is absent (a user's
fresh clone). ``corpus_index``: an index of ``corpus/`` built once per session.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "corpus"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def shared_path() -> Path:
    env = os.environ.get("ZSUCHE_SHARED")
    return Path(env) if env else REPO.parent / "shared"


@pytest.fixture(scope="session")
def shared() -> Path:
    path = shared_path()
    if not (path / "corpora").is_dir():
        pytest.skip(
            f"../shared is not beside the repository ({path} missing); "
            "it holds the corpora and evaluation sets"
        )
    return path


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Keep the lexicon cache out of the user's home during tests."""
    old = os.environ.get("ZSUCHE_CACHE")
    if old is None:
        os.environ["ZSUCHE_CACHE"] = str(Path.home() / ".cache" / "zeitungssuche-tests")
    yield
    if old is None:
        os.environ.pop("ZSUCHE_CACHE", None)


@pytest.fixture(scope="session")
def corpus_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index of corpus/ (built once; tests must not write to it)."""
    from index.builder import Indexer

    path = tmp_path_factory.mktemp("corpus-index")
    report = Indexer(path, procs=1).build([CORPUS])
    assert report.failed == 0, report.failures
    return path
