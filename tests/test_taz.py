"""The taz text parser: the seed (golden file), every bad-input fixture, marker look-alikes,
size limits, and a property test on arbitrary input.

The expected behaviour of the bad inputs is documented in tests/fixtures/bad/EXPECTED.md.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from index.article import Article, Link, Related
from index.errors import ArticleError
from index.sources import read_file
from index.taz import (
    MAX_FILE_BYTES,
    clean_text,
    parse_bytes,
    parse_date,
    parse_file,
    parse_text,
)

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "corpus"
FIXTURES = REPO / "tests" / "fixtures"
SEED_NAME = "000_ce6ee6d5b1d8a7b4.txt"
SEED = CORPUS / SEED_NAME
BAD = FIXTURES / "bad"
GOLDEN = FIXTURES / "seed_golden.json"


def bad(name: str) -> Path:
    path = BAD / name
    assert path.is_file(), f"fixture {name} is missing"
    return path


def strings(value: Any) -> Iterator[str]:
    """Every string inside a to_dict() value."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from strings(item)


# -- the seed --------------------------------------------------------------


def check_seed(path: Path) -> None:
    article = parse_file(path)
    assert article.id == "000_ce6ee6d5b1d8a7b4"
    assert article.source == "taz.de"
    assert article.title == "Gipfeltreffen in Tokio: Japan und Südkorea wollen Freunde werden"
    assert article.kicker == "Gipfeltreffen in Tokio"
    assert article.headline == "Japan und Südkorea wollen Freunde werden"
    assert article.date == dt.date(2025, 8, 26)
    assert article.authors == ("Martin Fritz",)
    # the file lists Südkorea, Japan and Zölle twice: first order, no repeats
    assert article.tags == ("Donald Trump", "Zölle", "Südkorea", "Japan", "Johann Wadephul")
    assert article.place == "Tokio"
    assert article.links == (
        Link(
            1,
            "https://www.mofa.go.jp/a_o/na/kr/pageite_000001_01221.html",
            "die erste gemeinsame Erklärung",
        ),
        Link(2, "/Umstrittene-Friedensstatue-in-Berlin/!6026484", "„Trostfrauen“"),
        Link(
            3,
            "https://www.gedenkstaettenforum.de/uploads/media/GedRund88_32-36.pdf",
            "Zwangsarbeiter",
        ),
        # the text of link 4 runs over a line break in the file
        Link(
            4,
            "/Erhoehung-des-US-Einfuhrzolls/!6095987",
            "15 Prozent Importzoll für japanische und südkoreanische Waren,",
        ),
    )
    assert [r.title for r in article.related] == [
        "Südkoreas Präsident Lee Jae Myung: Trump erfolgreich zugeschleimt",
        "Asien-Reise von Außenminister Wadephul: Japan als „Premiumpartner“",
        "80. Jahrestag des Weltkriegsendes: Japans Regierung will sich nicht mehr entsch…",
        "Erhöhung des US-Einfuhrzolls: Japan und Südkorea reagieren gelassen auf Trump…",
    ]
    assert article.related[0] == Related(
        "Südkoreas Präsident Lee Jae Myung: Trump erfolgreich zugeschleimt",
        "Südkoreas Präsident hat Donald Trump im Weißen Haus mit dessen eigenen Waffen "
        "geschlagen – und ihn bis zum Fremdschämen über alle Maßen gelobt.",
    )
    assert article.related[3].teaser == (
        "Trotz markiger Drohungen erhalten Japan und Südkorea drei Wochen mehr Zeit, "
        "ein neues Zollabkommen mit den USA auszuhandeln."
    )
    body = article.body
    assert "die erste gemeinsame Erklärung" in body
    assert "15 Prozent Importzoll für japanische und südkoreanische Waren," in body
    assert "[" not in body
    assert "]" not in body
    assert " | |" not in body
    assert not body.endswith("|")
    # the dateline is the place, not text; the inner pipe is gone with it
    assert body.startswith("Südkorea und Japan haben eine neue Phase")
    assert "taz |" not in body
    assert body.endswith("Repräsentant der Friedrich-Naumann-Stiftung in Seoul.")
    assert article.subheadings == ("Japan und Südkorea wollen „pragmatische Diplomatie“ verfolgen",)
    assert "\nJapan und Südkorea wollen „pragmatische Diplomatie“ verfolgen\n" in body
    assert article.lead.startswith("Japan und Südkorea stärken ihre Beziehungen")
    assert article.lead.endswith("von US-Präsident Donald Trump.")
    assert article.caption == (
        "Ein Anfang ist gemacht: Japan und Südkorea wollen ihre Beziehung aufwert…"
    )
    assert article.warnings == ()
    assert article.path == str(path)

    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert "path" not in golden
    got = article.to_dict()
    del got["path"]
    assert got == golden


def test_seed_golden_from_corpus_copy() -> None:
    check_seed(SEED)


def test_seed_golden_from_shared(shared: Path) -> None:
    path = shared / "seed" / SEED_NAME
    check_seed(path)
    # corpus/ holds the seed unchanged
    assert path.read_bytes() == SEED.read_bytes()


def test_golden_file_is_complete() -> None:
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    fields = set(parse_file(SEED).to_dict()) - {"path"}
    assert set(golden) == fields
    assert len(golden["links"]) == 4
    assert len(golden["related"]) == 4


def test_seed_with_crlf_and_without_markers_is_the_same_article() -> None:
    data = SEED.read_bytes()
    plain = parse_bytes(data, path=SEED)
    crlf = parse_bytes(data.replace(b"\n", b"\r\n"), path=SEED)
    no_marker = parse_bytes(data.replace(b" | |\n", b"\n").removesuffix(b" |"), path=SEED)
    with_newline = parse_bytes(data + b"\n", path=SEED)
    assert crlf == plain
    assert no_marker == plain
    assert with_newline == plain
    assert crlf.warnings == no_marker.warnings == ()


# -- bad input: errors -----------------------------------------------------


@pytest.mark.parametrize("name", ["empty.txt", "whitespace_only.txt"])
def test_empty_file_is_an_error(name: str) -> None:
    path = bad(name)
    assert not path.read_bytes().strip()
    with pytest.raises(ArticleError, match="empty") as info:
        parse_file(path)
    assert info.value.path == str(path)
    assert info.value.line is None


def test_binary_file_is_an_error_not_cp1252() -> None:
    path = bad("binary.bin.txt")
    assert b"\x00" in path.read_bytes()
    with pytest.raises(ArticleError, match="binary") as info:
        parse_file(path)
    assert info.value.path == str(path)
    assert info.value.line is None
    assert str(path) in str(info.value)


def test_no_title_is_an_error_at_line_1() -> None:
    path = bad("no_title.txt")
    with pytest.raises(ArticleError, match="no title line") as info:
        parse_file(path)
    assert info.value.path == str(path)
    assert info.value.line == 1
    assert str(info.value).startswith(f"{path}:1: ")


def test_no_title_line_number_counts_leading_blank_lines() -> None:
    with pytest.raises(ArticleError) as info:
        parse_text("\n\n> nur ein Vorspann | |\nText | |\n", path="x.txt")
    assert info.value.line == 3


@pytest.mark.parametrize("first", ["## LINKS", "## Zwischenzeile", "#", "# taz.de -- "])
def test_title_line_must_hold_a_title(first: str) -> None:
    with pytest.raises(ArticleError) as info:
        parse_text(f"{first} | |\nText. | |\n26 Aug 2025 |", path="x.txt")
    assert info.value.line == 1


# -- bad input: fallbacks --------------------------------------------------


def test_latin1_is_read_as_cp1252_with_a_warning() -> None:
    path = bad("latin1.txt")
    data = path.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    article = parse_file(path)
    assert article.title == "Straßenfest: Süßes und Grünes in der Schloßstraße"
    assert article.kicker == "Straßenfest"
    assert article.place == "Fulda"
    assert article.date == dt.date(2025, 7, 12)
    assert article.authors == ("Björn Weiß",)
    assert "»Wir wollen zeigen, dass eine Straße mehr sein kann als ein Parkplatz«" in article.body
    assert article.caption == "Bühne vor dem Café Größenwahn"
    assert len(article.warnings) == 1
    assert "UTF-8" in article.warnings[0]


def test_cp1252_characters_are_decoded() -> None:
    # „ “ – … exist in cp1252 but not in Latin-1
    text = "# beispiel -- Zitat: „Gut“ – sagt er… | |\nText. | |\n26 Aug 2025 |"
    article = parse_bytes(text.encode("cp1252"), path="z.txt")
    assert article.title == "Zitat: „Gut“ – sagt er…"
    assert any("UTF-8" in w for w in article.warnings)


@pytest.mark.parametrize(
    ("name", "date_line"),
    [("date_german.txt", "26. August 2025"), ("date_iso.txt", "2025-08-26")],
)
def test_other_date_forms_are_parsed_without_warning(name: str, date_line: str) -> None:
    path = bad(name)
    assert f"\n{date_line} | |\n" in path.read_text(encoding="utf-8")
    article = parse_file(path)
    assert article.date == dt.date(2025, 8, 26)
    assert article.warnings == ()
    assert date_line not in article.body
    assert article.body.endswith("auch die Beleuchtung rund um den Brunnen zu erneuern.")
    assert article.authors == ("Tim Gräber",)


def test_missing_date_gives_no_date_and_a_warning() -> None:
    article = parse_file(bad("date_missing.txt"))
    assert article.date is None
    assert any("date" in w for w in article.warnings)
    assert article.body.endswith("auch die Beleuchtung rund um den Brunnen zu erneuern.")
    assert [link.number for link in article.links] == [1]
    assert article.links[0].text == "Förderprogramm des Landes für lebendige Innenstädte"
    assert article.authors == ("Tim Gräber",)
    assert article.tags == ("Kassel", "Stadtrat")
    assert article.related == (
        Related(
            "Innenstadt: Mehr Grün für die Fußgängerzone",
            "Die Stadt will Bäume pflanzen und Parkplätze streichen.",
        ),
    )


def test_garbage_date_stays_body_text() -> None:
    article = parse_file(bad("date_garbage.txt"))
    assert article.date is None
    assert any("date" in w for w in article.warnings)
    assert article.body.endswith("irgendwann 2025")
    assert article.tags == ("Kassel", "Stadtrat")  # the repeated Kassel is dropped
    assert len(article.links) == 1
    assert len(article.related) == 1


def test_unknown_section_is_ignored_with_a_warning() -> None:
    article = parse_file(bad("unknown_section.txt"))
    assert article.date == dt.date(2025, 8, 26)
    assert article.tags == ("Kassel", "Stadtrat")
    assert len(article.related) == 1
    assert article.related[0].title == "Innenstadt: Mehr Grün für die Fußgängerzone"
    assert [w for w in article.warnings if "FOTOS" in w]
    assert len(article.warnings) == 1
    for text in strings(article.to_dict()):
        assert "Foto 1" not in text
        assert "Foto 2" not in text
    assert "FOTOS" not in article.subheadings


def test_unknown_heading_in_the_body_is_a_subheading() -> None:
    text = (
        "# beispiel -- A: B | |\n"
        "Erster Absatz, der noch weitergeht und mit einem Punkt endet. | |\n"
        "## FOTOS | |\nZweiter Absatz. | |\n26 Aug 2025 | |\n## TAGS | |\nTag | |\n"
        "## BILDER | |\nnicht indexieren | |\n"
    )
    article = parse_text(text, path="u.txt")
    assert article.subheadings == ("FOTOS",)
    assert "Zweiter Absatz." in article.body
    assert article.tags == ("Tag",)
    assert "nicht indexieren" not in json.dumps(article.to_dict(), ensure_ascii=False)
    assert [w for w in article.warnings if "BILDER" in w]


def test_reordered_sections_parse_normally() -> None:
    article = parse_file(bad("reordered_sections.txt"))
    assert article.warnings == ()
    assert article.date == dt.date(2025, 8, 26)
    assert article.links == (
        Link(
            1,
            "https://www.example.org/foerderprogramm-innenstadt",
            "Förderprogramm des Landes für lebendige Innenstädte",
        ),
    )
    assert article.authors == ("Tim Gräber", "Nora Quast")
    assert article.tags == ("Kassel", "Stadtrat")
    assert len(article.related) == 1
    # the same article as with the usual order
    usual = parse_file(bad("date_german.txt"))
    assert article.body == usual.body
    assert article.related == usual.related


def test_link_without_target() -> None:
    article = parse_file(bad("link_without_target.txt"))
    assert (
        "Fahrgäste hatten sich seit Jahren über überfüllte Straßenbahnen im Berufsverkehr "
        "beschwert." in article.body
    )
    assert "[" not in article.body
    assert "]" not in article.body
    assert article.links == (
        Link(1, "https://www.example.org/verkehrsbetriebe/elektrobusse", "vier neue Elektrobusse"),
        Link(5, "", "überfüllte Straßenbahnen im Berufsverkehr"),
    )
    assert [w for w in article.warnings if "[5]" in w]
    assert article.lead == ""
    assert article.caption == "Ein Elektrobus an der Haltestelle Klinikum"


def test_unclosed_link_drops_the_marker_and_keeps_the_text() -> None:
    article = parse_file(bad("link_unclosed.txt"))
    body = article.body
    assert (
        "Grund seien die hohen Temperaturen und eine Petition mit mehr als 3.000 "
        "Unterschriften. Die Eintrittspreise bleiben stabil" in body
    )
    assert "[" not in body
    assert "]" not in body
    # the unclosed marker does not swallow the text up to the `]` of link 3
    assert body.endswith("findet die Öffnungszeiten auf der Seite der Stadt.")
    assert article.links == (
        Link(1, "https://www.example.org/baeder", "Bädergesellschaft"),
        Link(2, "/Petition-fuer-fruehere-Badesaison/!6090001", ""),
        Link(3, "https://www.example.org/stadt/freibad", "auf der Seite der Stadt"),
    )
    assert [w for w in article.warnings if "never closed" in w]
    assert article.date == dt.date(2025, 4, 23)


def test_marker_inside_a_line_ends_the_line() -> None:
    # found by the property test: lines that lost their line break
    article = parse_text(
        "# taz.de -- Titel | |\nTokio taz | eins | |zwei | |\ndrei | |#  | |#  | |\n",
        path="p.txt",
    )
    assert article.body == "eins zwei drei # #"
    assert " | |" not in article.body


def test_crlf_parses_like_lf() -> None:
    path = bad("crlf.txt")
    data = path.read_bytes()
    assert b"\r\n" in data
    article = parse_file(path)
    assert article == parse_bytes(data.replace(b"\r\n", b"\n"), path=path)
    assert article.warnings == ()
    for text in strings(article.to_dict()):
        assert "\r" not in text
    assert article.links[0].text == "Repair-Café nach niederländischem Vorbild"
    assert article.date == dt.date(2025, 11, 8)
    assert article.place == "Gießen"
    assert article.tags == ("Gießen", "Ehrenamt", "Reparieren")


def test_lines_without_marker_parse_normally() -> None:
    path = bad("no_marker.txt")
    data = path.read_bytes()
    assert not any(line.rstrip().endswith(b"|") for line in data.split(b"\n"))
    assert not data.endswith(b"\n")
    article = parse_file(path)
    assert article.warnings == ()
    assert article.place == "Bremen"
    assert article.date == dt.date(2025, 5, 7)
    assert article.links == (
        Link(1, "https://www.example.org/bremen/maerkte", "Genehmigung der Stadt"),
    )
    assert article.authors == ("Svenja Albers",)
    assert article.tags == ("Bremen", "Wochenmarkt")
    # the same as with markers
    marked = data.replace(b"\n", b" | |\n") + b" |"
    assert parse_bytes(marked, path=path) == article


def test_bom_is_dropped_silently() -> None:
    path = bad("bom.txt")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    article = parse_file(path)
    assert article.warnings == ()
    assert article.id == "bom"
    assert article.source == "beispiel"
    assert article.title == "Tierheim: Rekord bei Fundkatzen"
    assert article.date == dt.date(2025, 9, 2)
    assert article.place == "Kiel"
    for text in strings(article.to_dict()):
        assert "\ufeff" not in text


def test_title_only() -> None:
    article = parse_file(bad("title_only.txt"))
    assert article.id == "title_only"
    assert article.source == "beispiel"
    assert article.kicker == "Kurzmeldung"
    assert article.headline == "Rathaus am Freitag geschlossen"
    assert article.body == ""
    assert article.lead == ""
    assert article.caption == ""
    assert article.date is None
    assert any("date" in w for w in article.warnings)
    assert article.links == ()
    assert article.related == ()


def test_title_without_source() -> None:
    article = parse_file(bad("title_no_source.txt"))
    assert article.source == ""
    assert article.title == "Stadtrat: Neue Bänke für den Marktplatz"
    assert article.kicker == "Stadtrat"
    assert article.headline == "Neue Bänke für den Marktplatz"
    assert [w for w in article.warnings if "SOURCE" in w]
    assert article.date == dt.date(2025, 8, 26)
    assert article.place == "Kassel"


def test_ids_are_file_stems() -> None:
    assert parse_file(bad("date_german.txt")).id == "date_german"
    article = parse_bytes(bad("date_iso.txt").read_bytes(), path=Path("x/binary.bin.txt"))
    assert article.id == "binary.bin"
    assert parse_text("# a -- b |", article_id="given").id == "given"


# -- size ------------------------------------------------------------------


def big_article(target_bytes: int) -> bytes:
    """The seed with its body repeated to about ``target_bytes``."""
    lines = SEED.read_bytes().split(b"\n")
    head, body, tail = lines[:5], lines[5:31], lines[31:]
    assert body[0].startswith(b"Tokio taz | ")
    assert tail[0].startswith(b"## Japan")
    chunk = b"\n".join(body[1:]) + b"\n"
    copies = target_bytes // len(chunk) + 1
    return b"\n".join([*head, body[0]]) + b"\n" + chunk * copies + b"\n".join(tail)


@pytest.mark.timeout(120)
def test_50_mb_file_parses_in_reasonable_time(tmp_path: Path) -> None:
    path = tmp_path / "gross.txt"
    path.write_bytes(big_article(50_000_000))
    size = path.stat().st_size
    assert 50_000_000 <= size < MAX_FILE_BYTES
    start = time.perf_counter()
    result = read_file(path)  # what the indexer calls: reading, hashing, parsing
    seconds = time.perf_counter() - start
    assert seconds < 30, f"50 MB took {seconds:.1f} s"
    assert result.errors == []
    assert len(result.articles) == 1
    assert result.size == size
    article = result.articles[0]
    assert article.id == "gross"
    assert article.title == "Gipfeltreffen in Tokio: Japan und Südkorea wollen Freunde werden"
    assert article.date == dt.date(2025, 8, 26)
    assert article.place == "Tokio"
    assert len(article.body) > 40_000_000
    assert len(article.links) == 4
    assert len(article.related) == 4
    assert article.warnings == ()


def test_file_over_the_limit_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "riesig.txt"
    with path.open("wb") as f:  # sparse: costs no disk space or time
        f.write(b"# beispiel -- Riesig: zu gross | |\n")
        f.truncate(MAX_FILE_BYTES + 1)
    with pytest.raises(ArticleError, match="MiB") as info:
        parse_file(path)
    assert info.value.path == str(path)
    assert str(path) in str(info.value)
    result = read_file(path)
    assert result.articles == []
    assert len(result.errors) == 1
    assert result.errors[0].path == str(path)
    assert "64 MiB" in str(result.errors[0])


def test_unreadable_path_is_an_article_error(tmp_path: Path) -> None:
    with pytest.raises(ArticleError, match="cannot read") as info:
        parse_file(tmp_path / "fehlt.txt")
    assert info.value.path == str(tmp_path / "fehlt.txt")
    with pytest.raises(ArticleError):
        parse_file(tmp_path)  # a folder


# -- lines that look like markers but are text -----------------------------


def test_hashtag_line_in_the_body_is_text() -> None:
    raw = (CORPUS / "b09_homeoffice.txt").read_text(encoding="utf-8")
    assert "\n#wirbleibenzuhause oder #stayathome." in raw
    article = parse_file(CORPUS / "b09_homeoffice.txt")
    assert "unter Hashtags wie #wirbleibenzuhause oder #stayathome. Bügelbretter" in article.body
    assert not any("wirbleibenzuhause" in s for s in article.subheadings)
    assert article.title == "Fünf Jahre nach dem ersten Lockdown: Was vom Homeoffice geblieben ist"
    assert article.warnings == ()


def test_bild_line_in_the_body_is_text() -> None:
    raw = (CORPUS / "b06_zwangsarbeit.txt").read_text(encoding="utf-8")
    assert "\nBild: Ostarbeiter, Werkhalle 3, Sommer 1943. | |\n" in raw
    article = parse_file(CORPUS / "b06_zwangsarbeit.txt")
    assert article.caption == "Aus dem Stadtarchiv: Arbeitskarten und ein Brief aus dem Jahr 1943"
    assert "etwa: Bild: Ostarbeiter, Werkhalle 3, Sommer 1943." in article.body
    assert article.warnings == ()


def test_only_the_line_after_the_lead_is_the_caption() -> None:
    text = (
        "# beispiel -- A: B | |\n> Vorspann. | |\nErste Zeile des Textes | |\n"
        "Bild: keine Bildunterschrift, sondern Text | |\n26 Aug 2025 |"
    )
    article = parse_text(text)
    assert article.caption == ""
    assert article.lead == "Vorspann."
    assert "Bild: keine Bildunterschrift, sondern Text" in article.body


def test_caption_right_after_the_title_when_there_is_no_lead() -> None:
    article = parse_text("# beispiel -- A: B | |\nBild: Ein Bild | |\nText. | |\n26 Aug 2025 |")
    assert article.caption == "Ein Bild"
    assert article.lead == ""
    assert article.body == "Text."


def test_markers_at_the_start_of_the_body() -> None:
    text = (
        "# beispiel -- A: B | |\n#hashtag gleich am Anfang | |\n##nichtsektion | |\n"
        "> kein Vorspann mehr | |\n26 Aug 2025 |"
    )
    article = parse_text(text)
    assert article.title == "A: B"
    assert article.subheadings == ()
    assert article.lead == ""
    assert article.body == "#hashtag gleich am Anfang ##nichtsektion > kein Vorspann mehr"


def test_inner_pipes_stay() -> None:
    article = parse_text("# s -- T | |\nBerlin taz | Erst a | b, dann | c | |\n1 Jan 2025 |")
    assert article.place == "Berlin"
    assert article.body == "Erst a | b, dann | c"


# -- small pieces ----------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("26 Aug 2025", dt.date(2025, 8, 26)),
        ("26. August 2025", dt.date(2025, 8, 26)),
        ("26. Aug. 2025", dt.date(2025, 8, 26)),
        ("2025-08-26", dt.date(2025, 8, 26)),
        ("26.08.2025", dt.date(2025, 8, 26)),
        ("3 Mär 2025", dt.date(2025, 3, 3)),
        ("1 Dez 2024", dt.date(2024, 12, 1)),
        (" 9 May 2025 ", dt.date(2025, 5, 9)),
        ("31 Feb 2025", None),
        ("26 Foo 2025", None),
        ("irgendwann 2025", None),
        ("2025", None),
        ("", None),
        ("26 Aug 2025 war ein Dienstag", None),
    ],
)
def test_parse_date(line: str, expected: dt.date | None) -> None:
    assert parse_date(line) == expected


def test_clean_text_normalises() -> None:
    assert clean_text("Zu\u00adsammen\u00a0arbeit\u200b") == "Zusammen arbeit"
    assert clean_text("Zo\u0308lle") == "Zölle"  # NFD to NFC
    assert clean_text("a\tb") == "a b"


def test_soft_hyphens_and_nfd_in_an_article() -> None:
    text = "# s -- Zo\u0308lle: Ver\u00adhand\u00adlung | |\nDie\u00a0Zo\u0308lle steigen. | |\n"
    article = parse_text(text + "1 Jan 2025 |")
    assert article.title == "Zölle: Verhandlung"
    assert article.body == "Die Zölle steigen."


def test_huge_link_numbers_are_text() -> None:
    """Regression: numbers of > 4,300 digits made int() raise ValueError."""
    digits = "9" * 5000
    text = (
        f"# s -- T | |\nVor [{digits}][Text] nach | |\n1 Jan 2025 | |\n## LINKS | |\n[{digits}] x |"
    )
    article = parse_text(text)
    assert article.links == ()
    assert "Text" in article.body
    assert [w for w in article.warnings if "LINKS" in w]


def test_related_entries_without_teaser_lines() -> None:
    text = (
        "# s -- T | |\nText. | |\n1 Jan 2025 | |\n## ARTIKEL ZUM THEMA | |\n"
        "Eins: Erster Titel | |\nTeaser eins. | |\nZwei: Zweiter Titel | |\nTeaser zwei, lang | |\n"
        "und weiter. |"
    )
    article = parse_text(text)
    assert article.related == (
        Related("Eins: Erster Titel", "Teaser eins."),
        Related("Zwei: Zweiter Titel", "Teaser zwei, lang und weiter."),
    )


# -- property tests: never anything but ArticleError, never a hang ---------

FRAGMENTS = [
    "# ", "## ", "# taz.de -- ", " -- ", "> ", "Bild: ", " | |", " |", "|", "\n", "\r\n", "\r",
    "[1][", "[2]", "]", "][", "[", "## LINKS", "## AUTOREN", "## TAGS", "## ARTIKEL ZUM THEMA",
    "## FOTOS", "26 Aug 2025", "26. August 2025", "2025-08-26", "31.02.2025", "Tokio taz | ",
    ": ", "…", "„", "\x00", "\x01", "\x1b", "\x7f", "\u00ad", "\u00a0", "\ufeff", "\u200b",
    "\u2028", "\x85", "o\u0308", "[" + "9" * 5000 + "][", "[" + "9" * 5000 + "][x]", "[7] ",
    "https://example.org/x",
]  # fmt: skip
LONG = st.sampled_from(["a" * 100_000, "[1][" * 20_000, "## " * 20_000, "\n" * 50_000])
TEXTS = st.lists(
    st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=40), LONG),
    max_size=40,
).map("".join)
PROPERTY = settings(
    max_examples=300,
    deadline=timedelta(seconds=3),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def outcome(call: Callable[[], Article]) -> Article | ArticleError:
    """What ``call`` gave: an Article or the ArticleError it raised (anything else fails)."""
    try:
        return call()
    except ArticleError as exc:
        return exc


def check_outcome(result: Article | ArticleError) -> None:
    if isinstance(result, ArticleError):
        assert result.path == "p.txt"
        assert result.reason
        return
    assert result.title
    assert result.title.strip() == result.title
    for text in strings(result.to_dict()):
        assert "\r" not in text
    assert " | |" not in result.body


@pytest.mark.timeout(120)
@PROPERTY
@given(TEXTS)
def test_parse_text_never_raises_anything_else(text: str) -> None:
    check_outcome(outcome(lambda: parse_text(text, path="p.txt")))


@pytest.mark.timeout(120)
@PROPERTY
@given(st.one_of(st.binary(max_size=2000), TEXTS.map(lambda t: t.encode("utf-8"))))
def test_parse_bytes_never_raises_anything_else(data: bytes) -> None:
    check_outcome(outcome(lambda: parse_bytes(data, path="p.txt")))


@pytest.mark.timeout(120)
@PROPERTY
@given(TEXTS, st.sampled_from(["cp1252", "latin-1", "utf-8-sig", "utf-16"]))
def test_parse_bytes_in_other_encodings(text: str, encoding: str) -> None:
    data = text.encode(encoding, errors="replace")
    check_outcome(outcome(lambda: parse_bytes(data, path="p.txt")))
