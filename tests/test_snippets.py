"""Snippets: which passage, which words are marked, and the three renderings."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from search import SearchEngine
from search.results import BOLD, RESET, Snippet
from search.snippets import ELLIPSIS, SNIPPET_CHARS, sentences

SCRIPT = "<script>alert(1)</script>"

ROWS: list[dict[str, Any]] = [
    {
        "id": "zoll",
        "title": "Handel: Neue Abgaben auf Stahl",
        "body": (
            "Die Regierung kündigte neue Zoelle an. Über Äpfel und Öl wurde nicht geredet. "
            "Die Importzölle treffen die Industrie. Der Zoll steigt weiter. "
            "Ein Übergang ist nötig."
        ),
        "date": "2025-03-01",
        "source": "test",
    },
    {
        "id": "umlaut",
        "title": "Grüße aus Köln",
        "body": "Öffentliche Straßenfeste in Düsseldorf: Größere Zölle für Bürgerinnen.",
        "date": "2025-03-02",
        "source": "test",
    },
    {
        "id": "script",
        "title": f"Sicherheit: {SCRIPT} im Titel",
        "body": f'Ein Artikel mit {SCRIPT} und dem Wort Zollamt & <b class="x">fett</b>.',
        "date": "2025-04-01",
        "source": "test",
    },
    {
        "id": "long",
        "title": "Ein langer Bericht",
        "body": " ".join(
            f"Satz {n} erzählt vom Wetter in der Gemeinde und vom Markt am Platz."
            + (" Die Feuerwehr übte am Hafen." if n in (7, 19, 31, 44) else "")
            for n in range(60)
        )
        + " "
        + "Die Feuerwehr der Gemeinde "
        + "sehr " * 120
        + "lange geübt.",
        "date": "2025-05-01",
        "source": "test",
    },
    {
        "id": "title_only",
        "title": "Leuchtturmwärter gesucht",
        "body": "Die Insel braucht jemanden für die Lampe. Bewerbungen bis Freitag.",
        "date": "2025-06-01",
        "source": "test",
    },
]


@pytest.fixture(scope="module")
def small_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from index.builder import Indexer

    folder = tmp_path_factory.mktemp("snippets")
    src = folder / "articles.jsonl"
    src.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in ROWS) + "\n", "utf-8")
    report = Indexer(folder / "index", procs=1).build([src])
    assert report.failed == 0, report.failures
    return folder / "index"


@pytest.fixture(scope="module")
def engine(small_index: Path) -> Iterator[SearchEngine]:
    with SearchEngine(small_index) as e:
        yield e


def marked_words(snippet: Snippet) -> list[str]:
    return [snippet.text[a:b] for a, b in snippet.highlights]


def snippet_of(engine: SearchEngine, query: str, article_id: str) -> Snippet:
    for hit in engine.search(query, limit=50).hits:
        if hit.id == article_id:
            return hit.snippet
    raise AssertionError(f"{article_id} not found for {query!r}")


def assert_whole_words(snippet: Snippet) -> None:
    """Every highlight is a whole word: no letter right before or after it."""
    text = snippet.text
    for a, b in snippet.highlights:
        assert 0 <= a < b <= len(text)
        assert a == 0 or not text[a - 1].isalnum(), (text, text[a:b])
        assert b == len(text) or not text[b].isalnum(), (text, text[a:b])


# -- what is marked -----------------------------------------------------------------
def test_every_form_is_marked(engine: SearchEngine) -> None:
    s = snippet_of(engine, "Zoll", "zoll")
    words = marked_words(s)
    assert "Zoelle" in words  # umlaut spelled out
    assert "Importzölle" in words  # the whole compound, not "zölle"
    assert "Zoll" in words  # the word itself
    assert "Übergang" not in words
    assert_whole_words(s)
    # the same marks for every spelling of the query
    assert marked_words(snippet_of(engine, "Zölle", "zoll")) == words
    assert marked_words(snippet_of(engine, "Zoelle", "zoll")) == words


def test_offsets_after_umlauts(engine: SearchEngine) -> None:
    s = snippet_of(engine, "Zoll", "umlaut")
    assert s.text.startswith("Öffentliche Straßenfeste in Düsseldorf")
    assert marked_words(s) == ["Zölle"]
    start = s.text.index("Zölle")
    assert s.highlights == ((start, start + len("Zölle")),)
    # after ß and umlauts
    assert marked_words(snippet_of(engine, "Düsseldorf", "umlaut")) == ["Düsseldorf"]
    assert marked_words(snippet_of(engine, "Strassenfest", "umlaut")) == ["Straßenfeste"]
    assert marked_words(snippet_of(engine, "grösser", "umlaut")) == ["Größere"]
    s3 = snippet_of(engine, "Übergang", "zoll")
    assert marked_words(s3) == ["Übergang"]


def test_compound_is_marked_whole(engine: SearchEngine) -> None:
    s = snippet_of(engine, "Zoll", "script")
    assert marked_words(s) == ["Zollamt"]
    assert_whole_words(s)


def test_corpus_snippets_mark_whole_words(corpus_index: Path) -> None:
    with SearchEngine(corpus_index) as e:
        hits = {h.id: h for h in e.search("Zoll").hits}
        words = marked_words(hits["b02_importzoelle"].snippet)
        assert "Importzölle" in words
        assert all(w not in ("zölle", "Zölle") or w == "Zölle" for w in words)
        assert marked_words(hits["b07_wandhalterung"].snippet) == ["Zoll"]
        assert "Importzoll" in marked_words(hits["000_ce6ee6d5b1d8a7b4"].snippet)
        for query in ("Zoll", "Stadt", "Mietpreisbremse", "Bahn Streik", '"Die Linke"', "Zöll*"):
            for hit in e.search(query, limit=20).hits:
                assert hit.snippet.highlights, (query, hit.id)
                assert_whole_words(hit.snippet)


def test_every_query_word_gets_a_sentence(corpus_index: Path) -> None:
    # the seed mentions Japan early and often, the Importzoll once, later:
    # the snippet still shows both words
    with SearchEngine(corpus_index) as e:
        hit = next(h for h in e.search("Zoll Japan").hits if h.id == "000_ce6ee6d5b1d8a7b4")
    words = marked_words(hit.snippet)
    assert "Importzoll" in words
    assert any(w.startswith("Japan") for w in words)


# -- which passage, how long -------------------------------------------------------------
def test_long_article_gives_short_fragments(engine: SearchEngine) -> None:
    s = snippet_of(engine, "Feuerwehr", "long")
    assert 40 <= len(s.text) <= SNIPPET_CHARS + 20
    fragments = s.text.split(ELLIPSIS)
    assert 1 <= len(fragments) <= 3
    assert marked_words(s).count("Feuerwehr") >= 1
    assert "… …" not in s.text
    assert_whole_words(s)


def test_corpus_snippets_are_about_240_characters(corpus_index: Path) -> None:
    with SearchEngine(corpus_index) as e:
        seen = 0
        for query in ("Stadt", "Prozent", "Berlin", "Pandemie Kurzarbeit", "Wind", "Zoll"):
            for hit in e.search(query, limit=20).hits:
                text = hit.snippet.text
                seen += 1
                assert 20 <= len(text) <= SNIPPET_CHARS + 20, (query, hit.id, len(text))
                assert "… …" not in text, text
        assert seen >= 15


def test_match_only_in_the_title_gives_the_opening(engine: SearchEngine) -> None:
    s = snippet_of(engine, "Leuchtturmwärter", "title_only")
    assert s.text.startswith("Die Insel braucht jemanden")
    assert s.highlights == ()


def test_sentences_respect_abbreviations() -> None:
    text = "Dr. Meier kam am 3. Oktober, z. B. mit dem Rad. Danach ging er. Warum?"
    spans = [text[a:b] for a, b in sentences(text)]
    assert spans == [
        "Dr. Meier kam am 3. Oktober, z. B. mit dem Rad.",
        "Danach ging er.",
        "Warum?",
    ]


# -- rendering ---------------------------------------------------------------------------
def test_renderings() -> None:
    s = Snippet("Die Zölle & <b>mehr</b>", ((4, 9),))
    assert s.marked() == "Die **Zölle** & <b>mehr</b>"
    assert s.marked("[", "]") == "Die [Zölle] & <b>mehr</b>"
    assert s.html() == "Die <mark>Zölle</mark> &amp; &lt;b&gt;mehr&lt;/b&gt;"
    assert s.ansi() == f"Die {BOLD}Zölle{RESET} & <b>mehr</b>"
    assert str(s) == s.marked()
    assert Snippet("nichts").html() == "nichts"


def test_html_escapes_article_text(engine: SearchEngine) -> None:
    s = snippet_of(engine, "Zoll", "script")
    html = s.html()
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b" not in html
    assert "&amp;" in html
    assert "<mark>Zollamt</mark>" in html
    # the only tags are the marks
    assert set(re.findall(r"</?(\w+)", html)) == {"mark"}


def test_html_output_of_the_cli_is_inert(
    small_index: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from search.cli import main

    assert main(["search", "Zoll", "--html", "--index", str(small_index)]) == 0
    out = capsys.readouterr().out
    assert "<script>" not in out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out  # in the title and the snippet
    assert out.count("&lt;script&gt;") == 2
    assert "<b " not in out
    assert set(re.findall(r"</?(\w+)", out)) <= {"div", "article", "h3", "p", "mark", "em"}


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_terminal_bold_only_on_a_tty(
    small_index: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from search.cli import main

    monkeypatch.delenv("NO_COLOR", raising=False)
    args = ["search", "Zoll", "--index", str(small_index)]
    assert main(args) == 0
    plain = capsys.readouterr().out
    assert "\x1b[" not in plain
    assert "**Zollamt**" in plain

    tty = _Tty()
    monkeypatch.setattr("sys.stdout", tty)
    assert main(args) == 0
    shown = tty.getvalue()
    assert f"{BOLD}Zollamt{RESET}" in shown
    assert "**" not in shown

    monkeypatch.setenv("NO_COLOR", "1")
    tty2 = _Tty()
    monkeypatch.setattr("sys.stdout", tty2)
    assert main(args) == 0
    assert "\x1b[" not in tty2.getvalue()
