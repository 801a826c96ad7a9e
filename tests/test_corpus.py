"""corpus/: every sample parses cleanly, and together they cover every part of the format.

The expectations below are the table in corpus/README.md.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import NamedTuple

import pytest

from bench.parsing import main as bench_main
from bench.parsing import run as bench_run
from index.article import Article
from index.errors import ArticleError
from index.jsonl import read_jsonl
from index.sources import iter_articles
from index.taz import parse_bytes, parse_file

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "corpus"
SEED_ID = "000_ce6ee6d5b1d8a7b4"
TXT = sorted(CORPUS.glob("*.txt"))


class Expect(NamedTuple):
    date: dt.date
    place: str
    lead: bool
    caption: bool
    authors: int
    links: tuple[int, int]  # absolute, relative (taz paths)
    related: int


# corpus/README.md, "Format features covered"
TABLE = {
    SEED_ID: Expect(dt.date(2025, 8, 26), "Tokio", True, True, 1, (2, 2), 4),
    "b01_bahnstreik": Expect(dt.date(2025, 1, 16), "Berlin", True, True, 2, (2, 2), 2),
    "b02_importzoelle": Expect(dt.date(2025, 4, 9), "Düsseldorf", True, True, 1, (2, 1), 3),
    "b03_mietpreisbremse": Expect(dt.date(2025, 6, 12), "Berlin", False, True, 1, (1, 1), 2),
    "b04_hitzeschutz": Expect(dt.date(2025, 7, 3), "Köln", True, False, 1, (1, 0), 1),
    "b05_fussball": Expect(dt.date(2025, 5, 18), "", False, False, 1, (0, 0), 2),
    "b06_zwangsarbeit": Expect(dt.date(2025, 3, 8), "Düsseldorf", True, True, 1, (2, 0), 3),
    "b07_wandhalterung": Expect(dt.date(2025, 10, 22), "Bonn", True, True, 1, (2, 1), 2),
    "b08_verteidigung": Expect(dt.date(2024, 11, 26), "Berlin", True, True, 3, (2, 1), 2),
    "b09_homeoffice": Expect(dt.date(2025, 3, 17), "Leipzig", True, True, 1, (1, 1), 2),
    "b10_glasfaser": Expect(dt.date(2024, 12, 11), "Perleberg", True, True, 1, (1, 0), 1),
    "b11_stadtbibliothek": Expect(dt.date(2024, 9, 5), "Hamburg", True, True, 0, (1, 1), 1),
    "b12_windkraft": Expect(dt.date(2025, 2, 2), "Münster", True, True, 1, (1, 0), 0),
}


@pytest.fixture(scope="module")
def articles() -> dict[str, Article]:
    return {p.stem: parse_file(p) for p in TXT}


def raw_lines(path: Path) -> list[str]:
    """The file's lines without the ` | |` marker."""
    return [re.sub(r"\s*\|\s*\|?\s*$", "", ln) for ln in path.read_text("utf-8").split("\n")]


def section(path: Path, name: str) -> list[str]:
    lines = raw_lines(path)
    if f"## {name}" not in lines:
        return []
    start = lines.index(f"## {name}") + 1
    out = []
    for line in lines[start:]:
        if line.startswith("## "):
            break
        if line.strip():
            out.append(line.strip())
    return out


def test_the_table_lists_every_file() -> None:
    assert {p.stem for p in TXT} == set(TABLE)
    assert len(TXT) == 13


@pytest.mark.parametrize("path", TXT, ids=[p.stem for p in TXT])
def test_sample_parses_cleanly(path: Path) -> None:
    article = parse_file(path)
    expect = TABLE[path.stem]
    assert article.id == path.stem
    assert article.warnings == ()
    assert article.source == ("taz.de" if path.stem == SEED_ID else "beispiel")
    assert raw_lines(path)[0] == f"# {article.source} -- {article.title}"
    assert article.date == expect.date
    assert article.place == expect.place
    assert bool(article.lead) is expect.lead
    assert bool(article.caption) is expect.caption
    assert len(article.authors) == expect.authors
    absolute = sum(link.target.startswith("https://") for link in article.links)
    relative = sum(
        re.fullmatch(r"/[^ ]+/!\d{7}", link.target) is not None for link in article.links
    )
    assert (absolute, relative) == expect.links
    assert len(article.links) == absolute + relative
    assert len(article.related) == expect.related
    assert len(article.subheadings) == (1 if path.stem == SEED_ID else 2)
    assert article.kicker
    assert article.headline
    assert article.title == f"{article.kicker}: {article.headline}"


@pytest.mark.parametrize("path", TXT, ids=[p.stem for p in TXT])
def test_no_markup_is_left_in_the_text(path: Path) -> None:
    article = parse_file(path)
    for text in (article.title, article.lead, article.caption, article.body, *article.subheadings):
        assert " | |" not in text
        assert not text.endswith("|")
        assert not re.search(r"\[\d+\]", text)
        assert "[" not in text
        assert "]" not in text
        assert "\r" not in text
        assert "  " not in text
        assert text == text.strip()
    assert not re.match(r"\w[\w ]* taz \|", article.body)
    for heading in article.subheadings:
        assert f"\n{heading}\n" in article.body
        assert not heading.startswith("#")
    for link in article.links:
        assert link.text
        assert link.text in article.body + " " + article.lead
        assert "\n" not in link.text
        assert link.target


@pytest.mark.parametrize("path", TXT, ids=[p.stem for p in TXT])
def test_crlf_copy_parses_the_same(path: Path) -> None:
    data = path.read_bytes()
    assert parse_bytes(data.replace(b"\n", b"\r\n"), path=path) == parse_file(path)


# -- the parts of the format, each covered by some sample ------------------


def test_several_authors(articles: dict[str, Article]) -> None:
    assert articles["b01_bahnstreik"].authors == ("Jana Reimers", "Tobias Olschewski")
    assert len(articles["b08_verteidigung"].authors) == 3
    assert articles["b11_stadtbibliothek"].authors == ()  # no ## AUTOREN at all
    assert "## AUTOREN" not in raw_lines(CORPUS / "b11_stadtbibliothek.txt")


def test_no_lead_and_no_caption(articles: dict[str, Article]) -> None:
    b03 = articles["b03_mietpreisbremse"]
    assert b03.lead == ""
    assert b03.caption.startswith("Altbauten in Berlin-Friedrichshain")
    b04 = articles["b04_hitzeschutz"]
    assert b04.lead
    assert b04.caption == ""
    b05 = articles["b05_fussball"]
    assert b05.lead == b05.caption == b05.place == ""
    assert b05.links == ()
    assert "## LINKS" not in raw_lines(CORPUS / "b05_fussball.txt")


def test_wrapped_link_texts_are_resolved(articles: dict[str, Article]) -> None:
    """Every link text that runs over a line break in a file comes out joined."""
    wrapped = 0
    for path in TXT:
        text = "\n".join(raw_lines(path))
        article = articles[path.stem]
        found = {int(m.group(1)): m.group(2) for m in re.finditer(r"\[(\d+)\]\[([^\]]*)\]", text)}
        assert {link.number: link.text for link in article.links} == {
            n: " ".join(t.split()) for n, t in found.items()
        }
        for raw in found.values():
            if "\n" in raw:
                wrapped += 1
                assert " ".join(raw.split()) in article.body
    assert wrapped >= 10
    b06 = articles["b06_zwangsarbeit"]
    assert any("„" in link.text and "“" in link.text for link in b06.links)


def test_subheadings(articles: dict[str, Article]) -> None:
    assert articles["b02_importzoelle"].subheadings == (
        "„Ein Handelsstreit kennt keine Gewinner“",
        "Kurzarbeit als letzte Reserve",
    )
    assert articles["b05_fussball"].subheadings[1] == "Die Kosten der 2. Liga"
    assert articles["b10_glasfaser"].subheadings[1] == "Wer profitiert von schnellem Internet?"


def test_related_articles(articles: dict[str, Article]) -> None:
    for path in TXT:
        article = articles[path.stem]
        lines = section(path, "ARTIKEL ZUM THEMA")
        # each title is a line of its own, followed by its teaser's lines
        positions = [lines.index(r.title) for r in article.related]
        assert positions == sorted(positions)
        assert positions[:1] in ([], [0])
        joined = " ".join(f"{r.title} {r.teaser}" for r in article.related)
        assert joined == " ".join(lines)
        assert all(r.teaser for r in article.related)
    b02 = articles["b02_importzoelle"].related
    assert b02[1].teaser == "Die Stahlhersteller wollen klimaneutral werden."  # 1-line teaser
    b06 = articles["b06_zwangsarbeit"].related
    assert max(len(r.teaser) for r in b06) > 150  # 3-line teaser
    assert articles["b12_windkraft"].related == ()
    cut = [r.title for a in articles.values() for r in a.related if r.title.endswith("…")]
    assert len(cut) >= 5


def test_repeated_tags_are_deduplicated_in_first_order(articles: dict[str, Article]) -> None:
    for path in TXT:
        tags = section(path, "TAGS")
        assert len(tags) > len(set(tags)), f"{path.name} repeats no tag"
        assert articles[path.stem].tags == tuple(dict.fromkeys(tags))
    assert raw_lines(CORPUS / "b12_windkraft.txt")[-1] in articles["b12_windkraft"].tags


def test_datelines_become_the_place(articles: dict[str, Article]) -> None:
    for path in TXT:
        article = articles[path.stem]
        raw = "\n".join(raw_lines(path))
        if article.place:
            assert f"\n{article.place} taz | " in raw
            assert not article.body.startswith(article.place + " taz")
        else:
            assert " taz | " not in raw
    assert {a.place for a in articles.values()} >= {"Düsseldorf", "Köln", "Münster", "Perleberg"}


def test_dates_span_two_years(articles: dict[str, Article]) -> None:
    months = {(a.date.year, a.date.month) for a in articles.values() if a.date}
    assert len(months) == 12
    assert {y for y, _ in months} == {2024, 2025}


def test_jsonl_samples() -> None:
    items = list(read_jsonl(CORPUS / "beispiele.jsonl"))
    assert len(items) == 3
    for item in items:
        assert isinstance(item, Article)
        assert item.warnings == ()
        assert item.source == "beispiel-jsonl"
        assert item.id.startswith("j0")


def test_whole_corpus_through_iter_articles() -> None:
    items = list(iter_articles([CORPUS]))
    assert not [x for x in items if isinstance(x, ArticleError)]
    ids = [x.id for x in items if isinstance(x, Article)]
    assert len(ids) == len(set(ids)) == 16


# -- the parsing benchmark runs on the samples -----------------------------


def test_bench_parsing_run() -> None:
    result = bench_run(CORPUS, passes=1)
    assert result["files"] == 14
    assert result["articles"] == 16
    assert result["errors"] == 0
    assert result["megabytes"] > 0.01
    for kind in ("read_parse", "parse_only"):
        assert result[kind]["articles_per_s"] > 0
        assert result[kind]["mb_per_s"] > 0
    assert len(result["read_parse"]["pass_seconds"]) == 1


def test_bench_parsing_main(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert bench_main([str(CORPUS / "b01_bahnstreik.txt"), "--passes", "1"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["articles"] == 1
    assert result["passes"] == 1
    assert bench_main([str(tmp_path / "fehlt")]) == 2
