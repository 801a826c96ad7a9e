"""The JSON Lines reader: tests/fixtures/bad/broken.jsonl line by line (see EXPECTED.md),
corpus/beispiele.jsonl, and records that used to break the reader."""

from __future__ import annotations

import datetime as dt
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from index.article import Article
from index.errors import ArticleError
from index.jsonl import parse_iso_date, parse_jsonl_bytes, parse_record, read_jsonl

REPO = Path(__file__).resolve().parent.parent
BROKEN = REPO / "tests" / "fixtures" / "bad" / "broken.jsonl"
SAMPLES = REPO / "corpus" / "beispiele.jsonl"


def record(**fields: Any) -> str:
    return json.dumps(fields, ensure_ascii=False)


# -- broken.jsonl ----------------------------------------------------------


@pytest.fixture(scope="module")
def broken() -> list[Article | ArticleError]:
    return list(read_jsonl(BROKEN))


def test_broken_file_as_a_whole(broken: list[Article | ArticleError]) -> None:
    articles = [x for x in broken if isinstance(x, Article)]
    errors = [x for x in broken if isinstance(x, ArticleError)]
    assert [a.id for a in articles] == ["bj01_spielplatz", "bj07_datum_gestern", "bj08_text_alias"]
    assert [e.line for e in errors] == [2, 3, 4, 6]
    for error in errors:
        assert error.path == str(BROKEN)
        assert str(error).startswith(f"{BROKEN}:{error.line}: ")
    # line 5 is blank: skipped silently, so 7 items for 8 lines
    assert BROKEN.read_text(encoding="utf-8").split("\n")[4] == ""
    assert len(broken) == 7
    # the only warning is line 7's
    assert [w for a in articles for w in a.warnings] == [articles[1].warnings[0]]
    assert articles[1].warnings[0].startswith("line 7:")


def by_line(items: list[Article | ArticleError], line: int) -> Article | ArticleError:
    for item in items:
        number = item.line if isinstance(item, ArticleError) else int(item.path.rsplit(":", 1)[1])
        if number == line:
            return item
    raise AssertionError(f"nothing for line {line}")


def test_line_1_unknown_field_ignored(broken: list[Article | ArticleError]) -> None:
    article = by_line(broken, 1)
    assert isinstance(article, Article)
    assert article.id == "bj01_spielplatz"
    assert article.title == "Spielplatz: Neue Kletterburg im Westpark"
    assert article.kicker == "Spielplatz"
    assert article.headline == "Neue Kletterburg im Westpark"
    assert article.lead == "Kinder haben beim Entwurf mitgeredet."
    assert article.body.startswith("Im Westpark steht seit Freitag")
    assert article.authors == ("Ida Pfeiffer",)
    assert article.tags == ("Spielplatz", "Westpark")
    assert article.date == dt.date(2025, 6, 20)
    assert article.url == "https://www.example.org/beispiel/bj01"
    assert article.source == "beispiel-jsonl"
    assert article.path == f"{BROKEN}:1"
    assert article.warnings == ()
    assert "Lukas Renner" not in json.dumps(article.to_dict(), ensure_ascii=False)


@pytest.mark.parametrize(
    ("line", "reason"),
    [(2, "not valid JSON"), (3, "JSON object"), (4, "title"), (6, "id")],
)
def test_bad_lines_are_errors_with_their_number(
    broken: list[Article | ArticleError], line: int, reason: str
) -> None:
    error = by_line(broken, line)
    assert isinstance(error, ArticleError)
    assert error.line == line
    assert reason in error.reason


def test_line_7_bad_date_is_a_warning(broken: list[Article | ArticleError]) -> None:
    article = by_line(broken, 7)
    assert isinstance(article, Article)
    assert article.id == "bj07_datum_gestern"
    assert article.date is None
    assert len(article.warnings) == 1
    assert "gestern" in article.warnings[0]


def test_line_8_text_alias(broken: list[Article | ArticleError]) -> None:
    article = by_line(broken, 8)
    assert isinstance(article, Article)
    assert article.id == "bj08_text_alias"
    assert article.body == (
        "Auf dem Wochenmarkt verkauft ab Samstag ein Hof aus der Umgebung Gemüse und Käse "
        "in Bioqualität."
    )
    assert article.authors == ("Emil Strauß",)
    assert article.warnings == ()


# -- the samples -----------------------------------------------------------


def test_sample_jsonl() -> None:
    items = list(read_jsonl(SAMPLES))
    assert all(isinstance(x, Article) for x in items)
    articles = [x for x in items if isinstance(x, Article)]
    assert [a.id for a in articles] == ["j01_radentscheid", "j02_ki_schule", "j03_hochwasserschutz"]
    assert all(a.warnings == () for a in articles)
    assert all(a.source == "beispiel-jsonl" for a in articles)
    assert [a.date for a in articles] == [
        dt.date(2025, 5, 4), dt.date(2025, 9, 15), dt.date(2024, 10, 21),
    ]  # fmt: skip
    j01, j02, j03 = articles
    assert j01.kicker == "Radentscheid in Bonn"
    assert j01.url == "https://www.example.org/beispiel/j01-radentscheid"
    assert j02.lead == ""
    assert j02.authors == ("Hannes Vogt", "Selin Arslan")
    # j03 repeats a tag in the file; it is kept once
    raw_tags = json.loads(SAMPLES.read_text(encoding="utf-8").splitlines()[2])["tags"]
    assert len(raw_tags) > len(set(raw_tags))
    assert j03.tags == ("Hochwasser", "Klimawandel", "Rheinland-Pfalz")
    for article in articles:
        assert article.body
        assert "\n" in article.body


# -- single records --------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-08-26", dt.date(2025, 8, 26)),
        ("2025-08-26T10:00:00", dt.date(2025, 8, 26)),
        ("2025-08-26T10:00:00+02:00", dt.date(2025, 8, 26)),
        ("2025-08-26T23:30:00Z", dt.date(2025, 8, 26)),
        ("2025-08-26 10:00", dt.date(2025, 8, 26)),
        (" 2025-08-26 ", dt.date(2025, 8, 26)),
        ("26.08.2025", None),
        ("gestern", None),
        ("2025-02-30", None),
        (20250826, None),
        (None, None),
    ],
)
def test_parse_iso_date(value: Any, expected: dt.date | None) -> None:
    assert parse_iso_date(value) == expected


def test_iso_date_time_in_a_record() -> None:
    article = parse_record(
        record(id="x", title="T", body="B", date="2025-08-26T10:00:00+02:00"), path="f.jsonl"
    )
    assert article.date == dt.date(2025, 8, 26)
    assert article.warnings == ()


def test_single_strings_for_lists_and_numbers_for_ids() -> None:
    article = parse_record(
        record(id=42, title="T", body="B", authors="Eine Autorin", tags="Ein Tag"),
        path="f.jsonl",
        default_source="f",
    )
    assert article.id == "42"
    assert article.authors == ("Eine Autorin",)
    assert article.tags == ("Ein Tag",)
    assert article.source == "f"  # default: the file's name


def test_missing_body_is_a_warning() -> None:
    article = parse_record(record(id="x", title="T"), path="f.jsonl", number=3)
    assert article.body == ""
    assert article.warnings == ("line 3: no `body` or `text`",)


@pytest.mark.parametrize(
    "line",
    [
        record(id="x", title=["T"]),
        record(id="x", title="T", authors=[1, 2]),
        record(id="x", title="T", tags={"a": 1}),
        record(id=True, title="T"),
        record(id="   ", title="T"),
        record(id="\u200b", title="T"),  # nothing left after cleaning
        record(id="x", title="  "),
        '"nur ein String"',
        "null",
    ],
)
def test_wrong_types_are_errors(line: str) -> None:
    with pytest.raises(ArticleError) as info:
        parse_record(line, path="f.jsonl", number=9)
    assert info.value.line == 9
    assert info.value.path == "f.jsonl"


def test_text_is_cleaned() -> None:
    article = parse_record(
        record(id="x", title="Zo\u0308lle: Ver\u00adhandlung", body="a\u00a0b"), path="f.jsonl"
    )
    assert article.title == "Zölle: Verhandlung"
    assert article.body == "a b"


def test_huge_number_and_deep_nesting_are_line_errors() -> None:
    """Regression: json.loads raised ValueError / RecursionError, which stopped the file."""
    data = (
        '{"id": ' + "1" * 5000 + ', "title": "T"}\n'
        + "[" * 100_000 + "\n"
        + record(id="ok", title="Gut") + "\n"
    ).encode()  # fmt: skip
    items = list(parse_jsonl_bytes(data, path="f.jsonl"))
    assert [type(x).__name__ for x in items] == ["ArticleError", "ArticleError", "Article"]
    assert [x.line for x in items if isinstance(x, ArticleError)] == [1, 2]
    assert isinstance(items[2], Article)
    assert items[2].id == "ok"


def test_lone_surrogates_are_replaced() -> None:
    """Regression: a `\\ud83d` escape gave a string no UTF-8 index could store."""
    line = '{"id": "x", "title": "T \\ud83d", "body": "ok \\ud83d\\ude00", "tags": ["\\udc00"]}'
    article = parse_record(line, path="f.jsonl")
    assert article.title == "T \ufffd"
    assert article.body == "ok 😀"
    assert article.tags == ("\ufffd",)
    json.dumps(article.to_dict(), ensure_ascii=False).encode("utf-8")


def test_crlf_and_blank_lines() -> None:
    data = b"\r\n" + record(id="a", title="A").encode() + b"\r\n\r\n  \r\n"
    data += record(id="b", title="B").encode()
    items = list(parse_jsonl_bytes(data, path="f.jsonl"))
    assert [(x.id, x.path) for x in items if isinstance(x, Article)] == [
        ("a", "f.jsonl:2"), ("b", "f.jsonl:5"),
    ]  # fmt: skip
    assert len(items) == 2


def test_latin1_jsonl_is_read_with_a_warning() -> None:
    data = record(id="a", title="Straßenfest").encode("latin-1")
    (article,) = parse_jsonl_bytes(data, path="f.jsonl")
    assert isinstance(article, Article)
    assert article.title == "Straßenfest"
    assert any("UTF-8" in w for w in article.warnings)


@pytest.mark.parametrize("data", [b"", b"\n\n  \n", b"\x00\x01\x02 binary"])
def test_empty_or_binary_file_is_one_error(data: bytes) -> None:
    with pytest.raises(ArticleError) as info:
        list(parse_jsonl_bytes(data, path="f.jsonl"))
    assert info.value.path == "f.jsonl"


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(ArticleError, match="cannot read"):
        list(read_jsonl(tmp_path / "fehlt.jsonl"))


# -- property test ---------------------------------------------------------

LINE_PARTS = st.one_of(
    st.sampled_from(['{"id": "a", "title": "T"}', "{", "}", "[", "]", '"', "\n", ",", ":", "\\u"]),
    st.text(max_size=20),
)


@pytest.mark.timeout(120)
@settings(
    max_examples=200, deadline=timedelta(seconds=3), suppress_health_check=[HealthCheck.too_slow]
)
@given(st.one_of(st.binary(max_size=500), st.lists(LINE_PARTS, max_size=30).map("".join)))
def test_jsonl_never_raises_anything_else(data: bytes | str) -> None:
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    items: list[Article | ArticleError]
    try:
        items = list(parse_jsonl_bytes(raw, path="f.jsonl"))
    except ArticleError as exc:  # the file as a whole: empty or binary
        whole_file: ArticleError | None = exc
    else:
        whole_file = None
    if whole_file is not None:
        assert whole_file.line is None
        assert not raw.strip() or b"\x00" in raw[:65536] or whole_file.reason.startswith("binary")
        return
    for item in items:
        assert isinstance(item, (Article, ArticleError))
        if isinstance(item, ArticleError):
            assert item.line is not None
            assert item.line >= 1
        else:
            assert item.id
            assert item.title
