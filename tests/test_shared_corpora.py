"""Every article of the shared corpora parses (skipped when ../shared is absent).

../shared/corpora/news-de holds 28,056 articles (Tagesspiegel, Zeit, Süddeutsche),
../shared/corpora/wikinews-de 998; SOURCE.md and LICENSE-dataset.txt beside them are
not articles.
"""

from __future__ import annotations

import collections
import re
import time
from pathlib import Path

import pytest

from index.article import Article
from index.sources import find_article_files, read_file
from index.taz import clean_text

pytestmark = pytest.mark.slow

EXPECTED = {
    "news-de": {"tagesspiegel": 11_623, "zeit": 9_684, "sueddeutsche": 6_749},
    "wikinews-de": {"wikinews": 998},
}


def check_corpus(root: Path, per_folder: dict[str, int]) -> list[Article]:
    start = time.perf_counter()
    files = find_article_files([root])
    assert collections.Counter(p.relative_to(root).parts[0] for p in files) == per_folder
    assert not [p for p in files if p.name in ("SOURCE.md", "LICENSE-dataset.txt")]
    articles: list[Article] = []
    failures: list[str] = []
    for path in files:
        result = read_file(path)
        failures += [str(e) for e in result.errors]
        articles += result.articles
    assert failures == [], f"{len(failures)} files failed, e.g. {failures[:5]}"
    assert len(articles) == len(files) == sum(per_folder.values())
    ids = [a.id for a in articles]
    assert len(set(ids)) == len(ids)
    seconds = time.perf_counter() - start
    # about 25 s on one loaded core; the bound only catches a parser gone slow
    assert seconds < 120, f"{root.name}: {len(files)} files took {seconds:.0f} s"
    return articles


def check_text(articles: list[Article], *, max_without_date: int) -> None:
    for article in articles:
        assert article.title, article.id
        assert article.body, article.id
        assert " | |" not in article.body, article.id
        assert not article.body.endswith("|"), article.id
        assert not re.search(r"\[\d+\]\[", article.body), article.id
    without_date = [a.id for a in articles if a.date is None]
    assert len(without_date) <= max_without_date, without_date[:10]
    with_warnings = [a.id for a in articles if a.warnings]
    assert len(with_warnings) <= max_without_date, with_warnings[:10]


@pytest.mark.timeout(300)
def test_news_de_parses(shared: Path) -> None:
    articles = check_corpus(shared / "corpora" / "news-de", EXPECTED["news-de"])
    check_text(articles, max_without_date=0)
    # running text that looks like a marker stays text (format notes: about a
    # hundred wrapped lines there start with a hashtag, two with `Bild: `)
    by_id = {a.id: a for a in articles}
    root = shared / "corpora" / "news-de"
    hashtag_lines = bild_lines = 0
    for path in root.rglob("*.txt"):
        data = path.read_bytes()
        if b"\n#" not in data and b"\nBild: " not in data:
            continue
        article = by_id[path.stem]
        lines = [ln.removesuffix(" | |").removesuffix(" |") for ln in data.decode().split("\n")]
        for number, line in enumerate(lines[1:], start=1):
            if re.match(r"#[^#\s]", line):
                hashtag_lines += 1
                assert clean_text(line).split()[0] in article.body, (path.name, line)
            elif line.startswith("Bild: ") and line[6:].strip() != article.caption:
                bild_lines += 1
                assert clean_text(line).strip() in article.body, (path.name, number, line)
    assert hashtag_lines >= 90
    assert not [a.id for a in articles for s in a.subheadings if s.startswith("#")]
    assert bild_lines >= 2


@pytest.mark.timeout(120)
def test_wikinews_de_parses(shared: Path) -> None:
    articles = check_corpus(shared / "corpora" / "wikinews-de", EXPECTED["wikinews-de"])
    check_text(articles, max_without_date=1)
