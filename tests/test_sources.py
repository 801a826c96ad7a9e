"""Finding and reading article files: folder walks, names skipped, symbolic links,
missing paths, content hashes, and one bad file never stopping the rest."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from index.article import Article
from index.errors import ArticleError
from index.sources import (
    content_hash,
    find_article_files,
    is_article_name,
    iter_articles,
    read_file,
    walk,
)
from index.taz import parse_bytes, parse_file

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "corpus"
BAD = REPO / "tests" / "fixtures" / "bad"

ARTICLE = "# beispiel -- {title}: Ein Test | |\nText über {title}. | |\n26 Aug 2025 |"


def write(path: Path, title: str = "Probe") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(ARTICLE.format(title=title), encoding="utf-8")
    return path


def paths(items: list[Path | ArticleError]) -> list[Path]:
    return [x for x in items if isinstance(x, Path)]


def errors(items: list[Path | ArticleError]) -> list[ArticleError]:
    return [x for x in items if isinstance(x, ArticleError)]


# -- names -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("b01_bahnstreik.txt", True),
        ("artikel.TXT", True),
        ("beispiele.jsonl", True),
        ("SOURCE.md", False),
        ("LICENSE-dataset.txt", False),
        ("LICENSE.txt", False),
        ("README.txt", False),
        ("readme.jsonl", False),
        ("COPYING.txt", False),
        ("NOTICE.txt", False),
        ("CHANGELOG.txt", False),
        (".versteckt.txt", False),
        ("artikel.md", False),
        ("artikel.txt.bak", False),
        ("artikel", False),
    ],
)
def test_is_article_name(name: str, expected: bool) -> None:
    assert is_article_name(name) is expected


# -- walking folders -------------------------------------------------------


def test_walk_is_recursive_sorted_and_skips_by_name(tmp_path: Path) -> None:
    write(tmp_path / "b.txt")
    write(tmp_path / "a.txt")
    write(tmp_path / "sub" / "deeper" / "c.txt")
    write(tmp_path / "sub" / "d.jsonl")
    write(tmp_path / "SOURCE.md")
    write(tmp_path / "LICENSE-dataset.txt")
    write(tmp_path / "README.txt")
    write(tmp_path / ".hidden.txt")
    write(tmp_path / ".git" / "e.txt")
    write(tmp_path / "sub" / ".cache" / "f.txt")
    write(tmp_path / "notes.md")
    found = list(walk([tmp_path]))
    assert errors(found) == []
    assert [p.relative_to(tmp_path).as_posix() for p in paths(found)] == [
        "a.txt",
        "b.txt",
        "sub/d.jsonl",
        "sub/deeper/c.txt",
    ]


def test_explicit_files_are_always_read(tmp_path: Path) -> None:
    hidden = write(tmp_path / ".hidden.txt", "Versteckt")
    license_file = write(tmp_path / "LICENSE-dataset.txt", "Lizenz")
    other = write(tmp_path / "artikel.md", "Markdown")
    found = list(walk([hidden, license_file, other]))
    assert found == [hidden, license_file, other]
    articles = list(iter_articles([hidden, other]))
    assert [a.id for a in articles if isinstance(a, Article)] == [".hidden", "artikel"]


def test_explicit_jsonl_is_read_as_jsonl(tmp_path: Path) -> None:
    path = tmp_path / "daten.jsonl"
    path.write_text('{"id": "j1", "title": "T"}\n{"id": "j2", "title": "U"}\n', encoding="utf-8")
    result = read_file(path)
    assert [a.id for a in result.articles] == ["j1", "j2"]
    assert result.errors == []


def test_missing_paths_are_reported_and_the_rest_is_read(tmp_path: Path) -> None:
    good = write(tmp_path / "da.txt")
    missing = tmp_path / "fehlt"
    found = list(walk([missing, good, tmp_path / "auch-nicht.txt"]))
    assert paths(found) == [good]
    assert [e.path for e in errors(found)] == [str(missing), str(tmp_path / "auch-nicht.txt")]
    assert all("no such file" in e.reason for e in errors(found))


def test_a_file_named_twice_is_read_once(tmp_path: Path) -> None:
    good = write(tmp_path / "a.txt")
    assert paths(list(walk([tmp_path, good, tmp_path]))) == [good]
    assert find_article_files([good, tmp_path / "." / "a.txt"]) == [good]


def test_find_article_files_leaves_out_problems(tmp_path: Path) -> None:
    good = write(tmp_path / "a.txt")
    assert find_article_files([tmp_path / "fehlt", tmp_path]) == [good]


# -- symbolic links --------------------------------------------------------


@pytest.fixture
def linked(tmp_path: Path) -> tuple[Path, Path]:
    """root/ with links out of it (to outside/) and inside it."""
    root, outside = tmp_path / "root", tmp_path / "outside"
    write(root / "z_echt.txt", "Echt")
    write(root / "sub" / "innen.txt", "Innen")
    write(outside / "draussen.txt", "Draussen")
    write(outside / "ordner" / "tief.txt", "Tief")
    (root / "a_link_innen.txt").symlink_to(root / "z_echt.txt")  # sorts before its target
    (root / "link_ordner_innen").symlink_to(root / "sub", target_is_directory=True)
    (root / "link_draussen.txt").symlink_to(outside / "draussen.txt")
    (root / "link_ordner_draussen").symlink_to(outside / "ordner", target_is_directory=True)
    (root / "kaputt.txt").symlink_to(tmp_path / "gibt-es-nicht.txt")
    return root, outside


def rel(root: Path, items: list[Path | ArticleError]) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in paths(items))


def test_links_out_of_the_folder_are_not_followed_but_reported(
    linked: tuple[Path, Path],
) -> None:
    root, _ = linked
    found = list(walk([root]))
    assert rel(root, found) == ["sub/innen.txt", "z_echt.txt"]
    problems = {Path(e.path).name: e.reason for e in errors(found)}
    assert set(problems) == {"link_draussen.txt", "link_ordner_draussen", "kaputt.txt"}
    assert "outside" in problems["link_draussen.txt"]
    assert "outside" in problems["link_ordner_draussen"]
    assert "follow" in str(next(e for e in errors(found) if "link_draussen" in e.path))


def test_links_out_of_the_folder_are_followed_when_asked(linked: tuple[Path, Path]) -> None:
    root, _ = linked
    found = list(walk([root], follow_symlinks=True))
    assert rel(root, found) == [
        "link_draussen.txt",
        "link_ordner_draussen/tief.txt",
        "sub/innen.txt",
        "z_echt.txt",
    ]
    assert [Path(e.path).name for e in errors(found)] == ["kaputt.txt"]
    assert "broken" in errors(found)[0].reason


@pytest.mark.parametrize("follow", [False, True])
def test_links_inside_the_folder_are_read_once_under_the_real_name(
    linked: tuple[Path, Path], follow: bool
) -> None:
    root, _ = linked
    articles = [x for x in iter_articles([root], follow_symlinks=follow) if isinstance(x, Article)]
    ids = [a.id for a in articles]
    assert ids.count("z_echt") == 1
    assert ids.count("innen") == 1
    assert "a_link_innen" not in ids


def test_a_link_to_a_file_the_walk_skips_is_read(tmp_path: Path) -> None:
    write(tmp_path / ".archiv" / "alt.txt", "Alt")
    (tmp_path / "neu.txt").symlink_to(tmp_path / ".archiv" / "alt.txt")
    assert rel(tmp_path, list(walk([tmp_path]))) == ["neu.txt"]


def test_link_loops_end(tmp_path: Path) -> None:
    write(tmp_path / "a" / "x.txt")
    (tmp_path / "a" / "zurueck").symlink_to(tmp_path, target_is_directory=True)
    (tmp_path / "a" / "selbst").symlink_to(tmp_path / "a", target_is_directory=True)
    for follow in (False, True):
        found = list(walk([tmp_path], follow_symlinks=follow))
        assert rel(tmp_path, found) == ["a/x.txt"]


def test_a_linked_folder_given_explicitly_is_walked(tmp_path: Path) -> None:
    write(tmp_path / "echt" / "a.txt")
    (tmp_path / "verweis").symlink_to(tmp_path / "echt", target_is_directory=True)
    found = paths(list(walk([tmp_path / "verweis"])))
    assert [p.name for p in found] == ["a.txt"]


# -- content hash ----------------------------------------------------------


def test_content_hash_is_stable() -> None:
    assert content_hash(b"") == "cae66941d9efbd404e4d88758ea67670"
    assert content_hash(b"abc") == content_hash(b"abc")
    assert content_hash(b"abc") != content_hash(b"abd")
    assert len(content_hash(b"abc")) == 32
    int(content_hash(b"abc"), 16)


def test_read_file_hash_size_and_mtime(tmp_path: Path) -> None:
    path = write(tmp_path / "a.txt")
    data = path.read_bytes()
    first = read_file(path)
    assert first.hash == content_hash(data)
    assert first.size == len(data)
    assert first.mtime_ns == path.stat().st_mtime_ns
    os.utime(path, ns=(1_000_000_000, 1_000_000_000))
    second = read_file(path)
    assert second.hash == first.hash  # the hash depends on the bytes only
    assert second.mtime_ns == 1_000_000_000
    path.write_text(ARTICLE.format(title="Anders"), encoding="utf-8")
    assert read_file(path).hash != first.hash
    # the hash of the seed copy is the same wherever it lies
    copy = tmp_path / "kopie.txt"
    copy.write_bytes((CORPUS / "000_ce6ee6d5b1d8a7b4.txt").read_bytes())
    assert read_file(copy).hash == read_file(CORPUS / "000_ce6ee6d5b1d8a7b4.txt").hash


def test_read_file_never_raises(tmp_path: Path) -> None:
    result = read_file(tmp_path / "fehlt.txt")
    assert result.articles == []
    assert len(result.errors) == 1
    assert "cannot read" in result.errors[0].reason
    assert read_file(BAD / "binary.bin.txt").errors[0].line is None
    assert read_file(BAD / "binary.bin.txt").hash == content_hash(
        (BAD / "binary.bin.txt").read_bytes()
    )


# -- one bad file never stops the rest -------------------------------------

BAD_FILES = {"empty.txt", "whitespace_only.txt", "binary.bin.txt", "no_title.txt"}


def test_iter_articles_over_bad_fixtures_and_corpus() -> None:
    items = list(iter_articles([BAD, CORPUS]))
    articles = [x for x in items if isinstance(x, Article)]
    problems = [x for x in items if isinstance(x, ArticleError)]

    txt_files = sorted(p for p in BAD.glob("*.txt"))
    good_bad_dir = {p.stem for p in txt_files if p.name not in BAD_FILES}
    good_bad_dir |= {"bj01_spielplatz", "bj07_datum_gestern", "bj08_text_alias"}
    corpus_ids = {p.stem for p in CORPUS.glob("*.txt")}
    corpus_ids |= {"j01_radentscheid", "j02_ki_schule", "j03_hochwasserschutz"}
    ids = [a.id for a in articles]
    assert len(ids) == len(set(ids))
    assert set(ids) == good_bad_dir | corpus_ids
    assert len(ids) == 14 + 3 + 13 + 3

    # one error per bad file, one per bad JSONL line, nothing else
    txt_errors = sorted(Path(e.path).name for e in problems if not e.path.endswith(".jsonl"))
    assert txt_errors == sorted(BAD_FILES)
    jsonl_errors = [e.line for e in problems if e.path.endswith("broken.jsonl")]
    assert jsonl_errors == [2, 3, 4, 6]
    assert len(problems) == len(BAD_FILES) + 4


def test_iter_articles_matches_the_parser() -> None:
    for item in iter_articles([CORPUS / "b01_bahnstreik.txt", BAD / "no_title.txt"]):
        if isinstance(item, Article):
            assert item == parse_file(CORPUS / "b01_bahnstreik.txt")
        else:
            assert item.path == str(BAD / "no_title.txt")
            assert item.line == 1


def test_a_parser_bug_is_caught_per_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "a.txt")
    write(tmp_path / "b.txt")

    def flaky(data: bytes, *, path: Path | str | None = None) -> Article:
        if Path(str(path)).name == "a.txt":
            raise KeyError("kaputt")
        return parse_bytes(data, path=path)

    monkeypatch.setattr("index.sources.parse_bytes", flaky)
    items = list(iter_articles([tmp_path]))
    assert [type(x).__name__ for x in items] == ["ArticleError", "Article"]
    error = items[0]
    assert isinstance(error, ArticleError)
    assert "internal parser error" in error.reason
